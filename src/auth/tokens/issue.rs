//! Getting new tokens from the backend: refresh (bearer or refresh-token body) and guest.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::validate::JsMapperFn;
use crate::auth::backend::{Answer, Backend};
use crate::auth::mappers::{IssuedToken, RefreshMapper};
use crate::error::Result;
use crate::stats::{Stats, bump};

/// What to send to the refresh endpoint.
pub enum RefreshCredential<'a> {
    /// Style (a): the current (possibly expired) access token as Bearer.
    Bearer(&'a str),
    /// Style (b): a refresh token in the JSON body under `field`.
    Body {
        field: &'a str,
        refresh_token: &'a str,
    },
}

pub struct Issuer {
    pub backend: Backend,
    pub refresh_url: String,
    pub guest_url: String,
    pub refresh_mapper: RefreshMapper,
    pub guest_mapper: RefreshMapper,
    pub js_refresh: Option<JsMapperFn>,
    pub js_guest: Option<JsMapperFn>,
    pub guest_credentials: Value,
    pub stats: Arc<Stats>,
}

impl Issuer {
    /// `Ok(None)`: the backend refused (token/refresh token no longer valid).
    pub async fn refresh(&self, cred: RefreshCredential<'_>) -> Result<Option<IssuedToken>> {
        bump(&self.stats.refresh_calls);
        let answer = match cred {
            RefreshCredential::Bearer(t) => {
                self.backend
                    .post_json(&self.refresh_url, Some(t), &Value::Object(Map::new()))
                    .await
            }
            RefreshCredential::Body {
                field,
                refresh_token,
            } => {
                let mut m = Map::new();
                m.insert(field.to_string(), Value::String(refresh_token.to_string()));
                self.backend
                    .post_json(&self.refresh_url, None, &Value::Object(m))
                    .await
            }
        };
        self.read(answer, &self.refresh_mapper, self.js_refresh.as_ref())
            .await
    }

    /// Creates a guest token with the configured credentials.
    pub async fn guest(&self) -> Result<Option<IssuedToken>> {
        bump(&self.stats.guest_calls);
        let answer = self
            .backend
            .post_json(&self.guest_url, None, &self.guest_credentials)
            .await;
        self.read(answer, &self.guest_mapper, self.js_guest.as_ref())
            .await
    }

    async fn read(
        &self,
        answer: Result<Answer>,
        mapper: &RefreshMapper,
        js: Option<&JsMapperFn>,
    ) -> Result<Option<IssuedToken>> {
        let body = match answer {
            Ok(Answer::Ok(b)) => b,
            Ok(Answer::Rejected(_)) => return Ok(None),
            Err(e) => {
                bump(&self.stats.backend_errors);
                return Err(e);
            }
        };
        let issued = match js {
            Some(f) => {
                RefreshMapper::from_js_result(&f(body.to_string()).await.inspect_err(|_| {
                    bump(&self.stats.backend_errors);
                })?)
            }
            None => match mapper.map(&body) {
                Some(t) => Some(t),
                None if body.get("success") == Some(&Value::Bool(false)) => None,
                None => {
                    bump(&self.stats.backend_errors);
                    return Err(crate::error::LayerError::backend_bad_response(
                        "the token endpoint answered 2xx without a token at the configured path",
                    ));
                }
            },
        };
        // A token we could not write into a cookie is as good as none.
        Ok(issued.filter(|t| {
            crate::http::cookies::is_valid_cookie_value(&t.token)
                && t.refresh_token
                    .as_deref()
                    .is_none_or(crate::http::cookies::is_valid_cookie_value)
        }))
    }
}

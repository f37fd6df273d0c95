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

/// Why the backend refused a refresh (next-api-layer's `RefreshFailReason`, without
/// `network`: a transport fault is an `Err`, never a refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshFail {
    /// 401: the refresh credential expired.
    Expired,
    /// 403: revoked.
    Revoked,
    /// A rotated refresh token was replayed (RFC 9700): `refresh.reuseStatusCodes` /
    /// `refresh.reuseCodes`, or `refresh.classifyFail` said so. Fails closed.
    Reuse,
    /// Any other refusal (or a 2xx without a usable token).
    Unknown,
    /// Only from `refresh.classifyFail`: the user's classifier calls this refusal a
    /// transport fault, so it is handled as one (nobody is logged out).
    Network,
}

impl RefreshFail {
    pub fn as_str(self) -> &'static str {
        match self {
            RefreshFail::Expired => "expired",
            RefreshFail::Revoked => "revoked",
            RefreshFail::Reuse => "reuse",
            RefreshFail::Unknown => "unknown",
            RefreshFail::Network => "network",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "expired" => RefreshFail::Expired,
            "revoked" => RefreshFail::Revoked,
            "reuse" => RefreshFail::Reuse,
            "unknown" => RefreshFail::Unknown,
            "network" => RefreshFail::Network,
            _ => return None,
        })
    }
}

/// A refresh: the new token, or why the backend refused.
pub type RefreshAnswer = std::result::Result<IssuedToken, RefreshFail>;

/// How refusals of the refresh endpoint are classified (`refresh.reuse*`, `classifyFail`).
#[derive(Clone, Default)]
pub struct FailClassifier {
    pub reuse_status_codes: Vec<u16>,
    pub reuse_codes: Vec<String>,
    /// `refresh.classifyFail({ status, body })`, run in JS.
    pub js: Option<JsMapperFn>,
}

impl FailClassifier {
    /// next-api-layer's order: the user's classifier when it names a reason, then the reuse
    /// status codes, the reuse body codes (`code`, `error` or `reason`), 401, 403.
    pub async fn classify(&self, status: u16, body: &Value) -> RefreshFail {
        if let Some(f) = &self.js {
            let ctx = serde_json::json!({ "status": status, "body": body });
            if let Ok(Value::String(s)) = f(ctx.to_string()).await
                && let Some(r) = RefreshFail::parse(&s)
            {
                return r;
            }
        }
        let code = ["code", "error", "reason"]
            .iter()
            .find_map(|k| body.get(*k).and_then(Value::as_str));
        if self.reuse_status_codes.contains(&status)
            || code.is_some_and(|c| self.reuse_codes.iter().any(|r| r == c))
        {
            return RefreshFail::Reuse;
        }
        match status {
            401 => RefreshFail::Expired,
            403 => RefreshFail::Revoked,
            _ => RefreshFail::Unknown,
        }
    }
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
    pub classifier: FailClassifier,
}

impl Issuer {
    /// `Ok(Err(reason))`: the backend refused (token/refresh token no longer valid).
    pub async fn refresh(&self, cred: RefreshCredential<'_>) -> Result<RefreshAnswer> {
        bump(&self.stats.refresh_calls);
        let answer = match cred {
            RefreshCredential::Bearer(t) => {
                self.backend
                    .post_json(&self.refresh_url, Some(t), &Value::Object(Map::new()))
                    .await
            }
            // The refresh token goes in the body (our cookie style) AND as Bearer
            // (next-api-layer's dual-token mode sends it as Bearer): a backend written for
            // either reads it where it expects it.
            RefreshCredential::Body {
                field,
                refresh_token,
            } => {
                let mut m = Map::new();
                m.insert(field.to_string(), Value::String(refresh_token.to_string()));
                self.backend
                    .post_json(&self.refresh_url, Some(refresh_token), &Value::Object(m))
                    .await
            }
        };
        if let Ok(Answer::Rejected(status, body)) = &answer {
            return match self.classifier.classify(*status, body).await {
                RefreshFail::Network => {
                    bump(&self.stats.backend_errors);
                    Err(crate::error::LayerError::backend_unavailable(format!(
                        "refresh.classifyFail called a {status} answer a network fault"
                    )))
                }
                // Only a definite rejection (400/401/403) or a classified reason (reuse
                // signals, classifyFail) ends the session; another 4xx is backend trouble.
                RefreshFail::Unknown
                    if !crate::auth::backend::REJECTION_STATUSES.contains(status) =>
                {
                    bump(&self.stats.backend_errors);
                    Err(crate::error::LayerError::backend_bad_response(format!(
                        "{} answered {status}",
                        self.refresh_url
                    )))
                }
                r => Ok(Err(r)),
            };
        }
        Ok(self
            .read(answer, &self.refresh_mapper, self.js_refresh.as_ref())
            .await?
            .ok_or(RefreshFail::Unknown))
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
            Ok(Answer::Rejected(..)) => return Ok(None),
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

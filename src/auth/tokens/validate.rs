//! How a token is judged. Today: ask the backend's validate endpoint ([`BackendValidation`]).
//! A second strategy (local JWT verification with an HS secret or JWKS) is an addition:
//! implement [`ValidationStrategy`] and pick it in `Engine::new`.

use std::sync::Arc;

use serde_json::Value;

use crate::auth::backend::{Answer, Backend};
use crate::auth::mappers::{AuthMeMapper, ValidatedUser};
use crate::error::{LayerError, Result};
use crate::stats::{Stats, bump};
use crate::store::singleflight::BoxFuture;

/// A response mapper implemented in JavaScript: gets the backend's JSON body as text and
/// returns the mapped value (as JSON). Called off the JS thread (threadsafe function).
pub type JsMapperFn = Arc<dyn Fn(String) -> BoxFuture<'static, Result<Value>> + Send + Sync>;

/// `Ok(Some(user))`: valid. `Ok(None)`: the token is rejected. `Err`: the judge is in
/// trouble (backend down, slow, 5xx, malformed): never treat that as a rejection.
pub trait ValidationStrategy: Send + Sync {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<ValidatedUser>>>;
}

pub struct BackendValidation {
    pub backend: Backend,
    pub url: String,
    pub mapper: AuthMeMapper,
    pub js_mapper: Option<JsMapperFn>,
    pub stats: Arc<Stats>,
}

impl ValidationStrategy for BackendValidation {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<ValidatedUser>>> {
        Box::pin(async move {
            bump(&self.stats.validate_calls);
            let answer = self.backend.get_bearer(&self.url, token).await;
            let body = match answer {
                Ok(Answer::Ok(body)) => body,
                Ok(Answer::Rejected(_)) => return Ok(None),
                Err(e) => {
                    bump(&self.stats.backend_errors);
                    return Err(e);
                }
            };
            match &self.js_mapper {
                Some(f) => {
                    let mapped = f(body.to_string()).await.inspect_err(|_| {
                        bump(&self.stats.backend_errors);
                    })?;
                    Ok(AuthMeMapper::from_js_result(&mapped))
                }
                None => match self.mapper.map(&body) {
                    Some(u) => Ok(Some(u)),
                    // 2xx without a recognisable user: the body is not what we were told to expect.
                    None if body.get("success") == Some(&Value::Bool(false)) => Ok(None),
                    None => {
                        bump(&self.stats.backend_errors);
                        Err(LayerError::backend_bad_response(format!(
                            "{} answered 2xx without a user at the configured path",
                            self.url
                        )))
                    }
                },
            }
        })
    }
}

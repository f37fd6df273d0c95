//! How a token is judged, in one place: ask the backend's validate endpoint
//! ([`BackendValidation`]), or verify the JWT locally and ask the backend only every
//! `revalidateInterval` ([`LocalValidation`]). `Engine::new` picks one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::auth::backend::{Answer, Backend};
use crate::auth::mappers::{AuthMeMapper, ValidatedUser};
use crate::auth::tokens::{TokenKey, now_unix, token_key};
use crate::auth::verify::{LocalVerifier, Outcome};
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

    /// A judgement without I/O, when this strategy can give one (local verification with a
    /// known key); `None`: take the async path ([`Self::judge`]).
    fn judge_now(&self, _token: &str) -> Option<Verdict> {
        None
    }

    /// The full judgement (may do I/O). Default: [`Self::validate`], a "no" being refreshable.
    fn judge<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Verdict>> {
        Box::pin(async move {
            Ok(match self.validate(token).await? {
                Some(u) => Verdict::Valid(u),
                None => Verdict::Rejected,
            })
        })
    }

    /// Does this strategy check `exp` itself (so the engine must not shortcut on an
    /// unverified `exp`)?
    fn verifies_locally(&self) -> bool {
        false
    }
}

/// What a strategy decided about one token.
#[derive(Debug)]
pub enum Verdict {
    Valid(ValidatedUser),
    /// Refused, but a refresh may help (the backend said no, or the JWT is genuine and expired).
    Rejected,
    /// Refused for good: bad signature, wrong issuer/audience, refused algorithm. Neither a
    /// validate nor a refresh call is worth making for it.
    Forged,
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
                Ok(Answer::Rejected(s, _))
                    if crate::auth::backend::REJECTION_STATUSES.contains(&s) =>
                {
                    return Ok(None);
                }
                // another 4xx (409, 410, 422...) is not a definite rejection: trouble
                Ok(Answer::Rejected(s, _)) => {
                    bump(&self.stats.backend_errors);
                    return Err(LayerError::backend_bad_response(format!(
                        "{} answered {s}",
                        self.url
                    )));
                }
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

/// Local JWT verification; the backend is asked again about a token at most once per
/// `revalidate_every` (never when zero) so revocations and profile changes reach us.
pub struct LocalValidation {
    pub verifier: LocalVerifier,
    /// The validate endpoint, for revalidation.
    pub backend: BackendValidation,
    pub revalidate_every: Duration,
    /// When each locally accepted token was last confirmed (first seen, or revalidated).
    /// Bounded; an evicted token is treated as first seen.
    pub checked: moka::sync::Cache<TokenKey, Instant>,
    pub stats: Arc<Stats>,
}

impl LocalValidation {
    pub fn new(
        verifier: LocalVerifier,
        backend: BackendValidation,
        revalidate_every: Duration,
        max_tokens: u64,
        stats: Arc<Stats>,
    ) -> Self {
        Self {
            verifier,
            backend,
            revalidate_every,
            checked: moka::sync::Cache::builder()
                .max_capacity(max_tokens)
                .time_to_idle(revalidate_every.max(Duration::from_secs(1)) * 2)
                .build(),
            stats,
        }
    }

    /// Is a backend re-check due for this (locally valid) token? Its interval starts at its
    /// last check, else at its `iat` (the backend vouched for it when it issued it: a login or
    /// a refresh), else now (first seen, no `iat`). So a token older than one interval that this
    /// process has not checked (or forgot, the map is bounded) is checked before it is believed.
    fn revalidation_due(&self, token: &str, iat: Option<i64>) -> bool {
        if self.revalidate_every.is_zero() {
            return false;
        }
        let key = token_key(token);
        match self.checked.get(&key) {
            Some(t) => t.elapsed() >= self.revalidate_every,
            None => {
                let age = iat.map(|i| now_unix().saturating_sub(i).max(0) as u64);
                if age.is_some_and(|a| a as f64 >= self.revalidate_every.as_secs_f64()) {
                    return true;
                }
                self.checked.insert(key, Instant::now());
                false
            }
        }
    }

    async fn revalidate(&self, token: &str, local: ValidatedUser) -> Result<Verdict> {
        bump(&self.stats.revalidations);
        let key = token_key(token);
        match self.backend.validate(token).await {
            Ok(Some(remote)) => {
                self.checked.insert(key, Instant::now());
                Ok(Verdict::Valid(merge_users(local, remote)))
            }
            Ok(None) => {
                self.checked.invalidate(&key);
                Ok(Verdict::Rejected)
            }
            Err(_) => {
                // The signature is genuine; an outage of the validate endpoint must not log
                // anyone out. Try again after the next interval.
                self.checked.insert(key, Instant::now());
                Ok(Verdict::Valid(local))
            }
        }
    }
}

/// The backend's (fresher) user over the one built from the claims.
fn merge_users(local: ValidatedUser, remote: ValidatedUser) -> ValidatedUser {
    let mut user = local.user;
    if let (Value::Object(into), Value::Object(from)) = (&mut user, remote.user) {
        into.extend(from);
    }
    ValidatedUser {
        user,
        token_type: remote.token_type,
        exp: local.exp.or(remote.exp),
    }
}

impl ValidationStrategy for LocalValidation {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<ValidatedUser>>> {
        Box::pin(async move {
            Ok(match self.judge(token).await? {
                Verdict::Valid(u) => Some(u),
                Verdict::Rejected | Verdict::Forged => None,
            })
        })
    }

    fn judge_now(&self, token: &str) -> Option<Verdict> {
        match self.verifier.verify_now(token) {
            Outcome::Valid(u, iat) if !self.revalidation_due(token, iat) => Some(Verdict::Valid(u)),
            Outcome::Valid(..) | Outcome::NeedKeys { .. } => None,
            Outcome::Expired => Some(Verdict::Rejected),
            Outcome::Invalid(_) => Some(Verdict::Forged),
        }
    }

    fn judge<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Verdict>> {
        Box::pin(async move {
            Ok(match self.verifier.verify(token).await {
                Outcome::Valid(u, iat) if self.revalidation_due(token, iat) => {
                    return self.revalidate(token, u).await;
                }
                Outcome::Valid(u, _) => Verdict::Valid(u),
                Outcome::Expired => Verdict::Rejected,
                Outcome::Invalid(_) | Outcome::NeedKeys { .. } => Verdict::Forged,
            })
        })
    }

    fn verifies_locally(&self) -> bool {
        true
    }
}

/// next-api-layer 0.4's `validate.verify(token)` hook, a JS function (called off the JS
/// thread, so a first-seen token takes the async path). It returns the original's
/// `TokenInfo` (`{ isValid, tokenType, exp, userData }`), `null`, or `{ user, type, exp }`.
pub struct JsVerifyValidation {
    pub verify: JsMapperFn,
    pub stats: Arc<Stats>,
}

impl ValidationStrategy for JsVerifyValidation {
    fn validate<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<ValidatedUser>>> {
        Box::pin(async move {
            bump(&self.stats.local_verifications);
            let v = (self.verify)(token.to_string()).await?;
            Ok(token_info(&v))
        })
    }

    fn verifies_locally(&self) -> bool {
        true
    }
}

/// Reads a `verify` hook's answer.
fn token_info(v: &Value) -> Option<ValidatedUser> {
    let o = v.as_object()?;
    if o.contains_key("isValid") {
        if o.get("isValid") != Some(&Value::Bool(true)) {
            return None;
        }
        let user = match o.get("userData") {
            Some(u @ Value::Object(_)) => u.clone(),
            _ => Value::Object(Default::default()),
        };
        let info = serde_json::json!({
            "user": user,
            "tokenType": o.get("tokenType").cloned().unwrap_or(Value::Null),
            "exp": o.get("exp").cloned().unwrap_or(Value::Null),
        });
        return AuthMeMapper::from_js_result(&info);
    }
    AuthMeMapper::from_js_result(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_original_token_info() {
        let u = token_info(
            &json!({ "isValid": true, "tokenType": "admin", "exp": 5, "userData": { "id": 1 } }),
        )
        .unwrap();
        assert_eq!(u.token_type, "admin");
        assert_eq!(u.exp, Some(5));
        assert_eq!(u.user["id"], 1);
        assert!(token_info(&json!({ "isValid": false, "userData": { "id": 1 } })).is_none());
        assert!(token_info(&Value::Null).is_none());
        assert_eq!(
            token_info(&json!({ "user": { "id": 2 } })).unwrap().user["id"],
            2
        );
    }

    #[test]
    fn backend_user_wins_over_claims() {
        let local = ValidatedUser {
            user: json!({ "sub": "1", "name": "old" }),
            token_type: "user".into(),
            exp: Some(9),
        };
        let remote = ValidatedUser {
            user: json!({ "name": "new" }),
            token_type: "user".into(),
            exp: None,
        };
        let m = merge_users(local, remote);
        assert_eq!(m.user, json!({ "sub": "1", "name": "new" }));
        assert_eq!(m.exp, Some(9));
    }
}

//! The auth engine (`createAuthProxy`, `getServerUser`).

use napi_derive::napi;

use crate::auth::{decide, engine, tokens, wire};
use crate::{error, stats};

/// A JS response mapper: `(bodyJsonText) => mappedJsonText`. The adapter wraps the user's
/// function so it never throws (a throw becomes `"null"`).
type JsMapperTsfn = napi::threadsafe_function::ThreadsafeFunction<
    String,
    String,
    String,
    napi::Status,
    false,
    true,
>;

fn js_mapper(
    f: Option<JsMapperTsfn>,
    option: &'static str,
) -> Option<tokens::validate::JsMapperFn> {
    let f = std::sync::Arc::new(f?);
    Some(std::sync::Arc::new(move |body: String| {
        let f = f.clone();
        Box::pin(async move {
            let text = f.call_async_catch(body).await.map_err(|e| {
                error::LayerError::backend_bad_response(format!("{option} failed: {}", e.reason))
            })?;
            serde_json::from_str(&text).map_err(|e| {
                error::LayerError::backend_bad_response(format!(
                    "{option} returned a value that is not JSON: {e}"
                ))
            })
        })
    }))
}

/// `validate.verify(token)`: the adapter wraps the user's hook so it always returns a Promise
/// of JSON text (a throw or a rejection becomes a bad answer, never a crash).
type JsVerifyTsfn = napi::threadsafe_function::ThreadsafeFunction<
    String,
    napi::bindgen_prelude::Promise<String>,
    String,
    napi::Status,
    false,
    true,
>;

fn js_verify(f: Option<JsVerifyTsfn>) -> Option<tokens::validate::JsMapperFn> {
    let f = std::sync::Arc::new(f?);
    Some(std::sync::Arc::new(move |token: String| {
        let f = f.clone();
        Box::pin(async move {
            let fail = |e: napi::Error| {
                error::LayerError::backend_bad_response(format!(
                    "validate.verify failed: {}",
                    e.reason
                ))
            };
            let text = f
                .call_async_catch(token)
                .await
                .map_err(fail)?
                .await
                .map_err(fail)?;
            serde_json::from_str(&text).map_err(|e| {
                error::LayerError::backend_bad_response(format!(
                    "validate.verify returned a value that is not JSON: {e}"
                ))
            })
        })
    }))
}

/// The result of validating one token for `getServerUser`.
#[napi(object)]
pub struct TokenValidation {
    /// 'valid' | 'rejected' | 'error'
    pub status: String,
    pub user_json: Option<String>,
    pub x_auth_user: Option<String>,
    pub token_type: Option<String>,
    pub is_guest: bool,
    pub exp: Option<i64>,
    /// `ERR_BACKEND_*` when status is 'error'.
    pub error: Option<String>,
}

impl TokenValidation {
    fn from_result(r: error::Result<tokens::Validation>) -> Self {
        match r {
            Ok(tokens::Validation::Valid(s)) => Self {
                status: "valid".into(),
                user_json: Some(s.user_json.clone()),
                x_auth_user: Some(s.x_auth_user.clone()),
                token_type: Some(s.user.token_type.clone()),
                is_guest: s.is_guest,
                exp: s.user.exp,
                error: None,
            },
            Ok(tokens::Validation::Rejected { .. }) => Self::bare("rejected", None),
            Err(e) => Self::bare("error", Some(e.code.as_str().to_string())),
        }
    }

    fn bare(status: &str, error: Option<String>) -> Self {
        Self {
            status: status.into(),
            user_json: None,
            x_auth_user: None,
            token_type: None,
            is_guest: false,
            exp: None,
            error,
        }
    }
}

/// True when `sig` is this process's signature of the `x-auth-user` value `value` (set by the
/// auth proxy in the same process). Constant-time.
#[napi]
pub fn verify_auth_user(value: String, sig: String) -> bool {
    tokens::verify_auth_user(&value, &sig)
}

/// True when `sig` is this process's signature of the `x-refreshed-token` value `token` (set by
/// the auth proxy in the same process). Constant-time.
#[napi]
pub fn verify_refreshed_token(token: String, sig: String) -> bool {
    tokens::verify_refreshed_token(&token, &sig)
}

/// The native auth engine: one per configuration, for the life of the process.
#[napi(js_name = "Engine")]
pub struct NativeEngine {
    inner: std::sync::Arc<engine::Engine>,
}

impl NativeEngine {
    /// The engine itself, for the hand-written callbacks of `fast_calls.rs`.
    pub(crate) fn engine(&self) -> &engine::Engine {
        &self.inner
    }

    /// `decidePacked` on borrowed facts (the fast callback reads them into a stack buffer).
    pub(crate) fn decide_packed_str(&self, facts: &str) -> std::borrow::Cow<'static, str> {
        let (f, asked) = wire::facts(facts);
        if !asked.keep {
            return wire::decision(&self.inner.decide_sync(&f), asked.auth);
        }
        let (d, until) = self.inner.decide_kept(&f, asked.auth);
        let keep = until.map_or(std::time::Duration::ZERO, |t| {
            t.saturating_duration_since(std::time::Instant::now())
        });
        self.inner.watch().set_keep(keep);
        wire::decision(&d, asked.auth)
    }
}

#[napi]
impl NativeEngine {
    /// `configJson`: `JSON.stringify(config)`. Function mappers are passed separately.
    /// Throws `ERR_CONFIG_INVALID` (message names the option) on bad configuration.
    #[napi(constructor)]
    pub fn new(
        config_json: String,
        parse_auth_me: Option<JsMapperTsfn>,
        parse_refresh_token: Option<JsMapperTsfn>,
        parse_guest_token: Option<JsMapperTsfn>,
        verify: Option<JsVerifyTsfn>,
        classify_fail: Option<JsMapperTsfn>,
    ) -> napi::Result<Self, error::ErrorCode> {
        let js = engine::JsMapperSet {
            auth_me: js_mapper(parse_auth_me, "responseMappers.parseAuthMe"),
            refresh: js_mapper(parse_refresh_token, "responseMappers.parseRefreshToken"),
            guest: js_mapper(parse_guest_token, "responseMappers.parseGuestToken"),
            verify: js_verify(verify),
            classify: js_mapper(classify_fail, "refresh.classifyFail"),
        };
        // On the addon's tokio runtime, so a shared store starts listening for revocations
        // from other instances at once.
        let inner = napi::bindgen_prelude::within_runtime_if_available(|| {
            engine::Engine::from_json(&config_json, js)
        })
        .map_err(error::LayerError::into_napi)?;
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// Synchronous decision from the cache; `{ kind: 'pending' }` when the backend is needed.
    #[napi]
    pub fn decide(&self, facts: decide::Facts) -> decide::Decision {
        self.inner.decide_sync(&facts)
    }

    /// The full decision (may call the backend), on the tokio runtime.
    #[napi]
    pub async fn decide_async(&self, facts: decide::Facts) -> decide::Decision {
        let inner = self.inner.clone();
        inner.decide(&facts).await
    }

    /// The hot path in compact form (see `auth::wire`): facts as one newline-separated
    /// string, the decision as one string (`'pending'` when the backend is needed).
    #[napi]
    pub fn decide_packed(&self, facts: String) -> String {
        self.decide_packed_str(&facts).into_owned()
    }

    /// `decideAsync` in compact form.
    #[napi]
    pub async fn decide_async_packed(&self, facts: String) -> String {
        let inner = self.inner.clone();
        let (f, asked) = wire::facts(&facts);
        wire::decision(&inner.decide(&f).await, asked.auth).into_owned()
    }

    /// Validation of one token from the cache only; `null` when not cached.
    #[napi]
    pub fn validate_cached(&self, token: String) -> Option<TokenValidation> {
        self.inner
            .cached_validation(&token)
            .map(|v| TokenValidation::from_result(Ok(v)))
    }

    /// Validation of one token through the cache and one coalesced backend call.
    #[napi]
    pub async fn validate(&self, token: String) -> TokenValidation {
        let inner = self.inner.clone();
        TokenValidation::from_result(inner.validate_token(&token).await)
    }

    /// Revokes `token` at once (logout, a refused refresh): evicted from the validation cache
    /// and refused until its own `exp`, without asking the backend.
    #[napi]
    pub fn revoke_token(&self, token: String) {
        // On the addon's runtime: a shared store publishes the revocation from there.
        napi::bindgen_prelude::within_runtime_if_available(|| self.inner.revoke_token(&token));
    }

    #[napi]
    pub fn stats(&self) -> stats::StatsSnapshot {
        self.inner.stats()
    }
}

#[napi]
impl NativeEngine {
    /// Attaches the audit logger. `deliver(batchJson)` receives a JSON array of events,
    /// in order, on the JS thread after the request that produced them (build it with
    /// `batchLogger(logger)` from js/audit.js). Weak: never keeps the process alive.
    #[napi]
    pub fn set_audit_logger(
        &self,
        deliver: napi::bindgen_prelude::Function<String, ()>,
    ) -> napi::Result<()> {
        self.inner.security().auditor().attach_js_logger(deliver)
    }

    /// Does this engine issue double-submit CSRF cookies (`csrf` on, strategy with
    /// double-submit)? The auth routes look for such an engine.
    #[napi]
    pub fn issues_csrf_cookie(&self) -> bool {
        let cfg = self.inner.security().csrf_checker().config();
        cfg.enabled && cfg.strategy.uses_double_submit()
    }

    /// The `Set-Cookie` of a CSRF token bound to the session `token` belongs to (`null`
    /// token: anonymous), as this engine's csrf stage would issue it; for the auth routes
    /// after a login, register, refresh or logout. The token is judged through the cache
    /// and at most one coalesced backend call (which warms the cache for the next request).
    /// `null` when CSRF double-submit is off, or when the backend could not judge the token.
    #[napi]
    pub async fn csrf_cookie(&self, token: Option<String>) -> Option<String> {
        let inner = self.inner.clone();
        let session = match token.as_deref() {
            None => None,
            Some(t) => match inner.validate_token(t).await {
                Ok(tokens::Validation::Valid(s)) => Some(s),
                Ok(tokens::Validation::Rejected { .. }) => None,
                Err(_) => return None,
            },
        };
        inner
            .security()
            .csrf_cookie_for(session.as_deref(), token.as_deref())
    }
}

#![deny(clippy::all)]
use napi_derive::napi;

// ---- engine: modules ----
pub mod backend;
pub mod cascade;
pub mod config;
pub mod cookies;
pub mod decide;
pub mod engine;
pub mod error;
pub mod mappers;
pub mod routes;
pub mod stats;
pub mod tokens;
// ---- end engine: modules ----

// ---- security: modules ----
pub mod audit;
pub mod csrf;
pub mod ratelimit;
pub mod security;
// ---- end security: modules ----

// ---- browser: modules ----
pub mod auth_cookies;
pub mod pathsafe;
// ---- end browser: modules ----

// ---- sanitize/client: modules ----
pub mod api_client;
pub mod sanitize;
// ---- end sanitize/client: modules ----

#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

// ---- browser: catch-all proxy (createProxyHandler) ----

/// Declarative options of `createProxyHandler`, validated once at construction.
#[napi(object)]
pub struct ProxyRouterOptions {
    pub api_base_url: String,
    pub user_cookie_name: Option<String>,
    pub guest_cookie_name: Option<String>,
    pub skip_auth_by_default: Option<bool>,
    pub public_endpoints: Option<Vec<String>>,
    /// Append `/` to every forwarded path (default false).
    pub trailing_slash: Option<bool>,
}

/// What the adapter read from one request.
#[napi(object)]
pub struct ProxyRequestFacts {
    /// The catch-all segments (`params.path`, decoded once by Next.js).
    pub segments: Option<Vec<String>>,
    /// Or a raw, still encoded path below the mount point (used when `segments` is absent).
    pub raw_path: Option<String>,
    /// The raw query string, with or without the leading `?`.
    pub query: Option<String>,
    pub method: String,
    /// The `cookie` request header.
    pub cookie: Option<String>,
    /// The `x-refreshed-token` request header (set by our own auth proxy).
    pub refreshed_token: Option<String>,
    /// The `x-skip-auth` request header.
    pub skip_auth: Option<String>,
}

/// The decision for one proxied request.
#[napi(object)]
pub struct ProxyRoute {
    /// false: answer `status` with `{ success: false, message, code }` and do not call the backend.
    pub ok: bool,
    pub status: u32,
    pub code: Option<String>,
    pub message: Option<String>,
    /// The backend URL (query preserved byte for byte).
    pub url: Option<String>,
    /// The forwarded path relative to apiBaseUrl.
    pub path: Option<String>,
    /// `Bearer <token>` when auth applies and the cascade found a token.
    pub authorization: Option<String>,
    /// 'refreshed' | 'user' | 'guest' when a token is attached.
    pub token_source: Option<String>,
    pub is_public: bool,
    pub auth_applied: bool,
    pub has_body: bool,
}

/// Path safety + token cascade + auth rules of the catch-all proxy, one call per request.
#[napi]
pub struct ProxyRouter {
    policy: pathsafe::ProxyPolicy,
}

#[napi]
impl ProxyRouter {
    #[napi(constructor)]
    pub fn new(options: ProxyRouterOptions) -> napi::Result<Self, error::ErrorCode> {
        let policy = pathsafe::ProxyPolicy::new(&pathsafe::ProxyPolicyConfig {
            api_base_url: options.api_base_url,
            user_cookie_name: options.user_cookie_name,
            guest_cookie_name: options.guest_cookie_name,
            skip_auth_by_default: options.skip_auth_by_default.unwrap_or(false),
            public_endpoints: options.public_endpoints.unwrap_or_default(),
            trailing_slash: options.trailing_slash.unwrap_or(false),
        })
        .map_err(error::LayerError::into_napi)?;
        Ok(Self { policy })
    }

    /// The validated base URL (no trailing slash).
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.policy.base().as_str().to_string()
    }

    /// Decides one request: target URL or rejection, and the Authorization header.
    #[napi]
    pub fn resolve(&self, facts: ProxyRequestFacts) -> ProxyRoute {
        let path = match (&facts.segments, &facts.raw_path) {
            (Some(s), _) => pathsafe::PathInput::Segments(s),
            (None, Some(r)) => pathsafe::PathInput::Raw(r),
            (None, None) => pathsafe::PathInput::Raw(""),
        };
        let req = pathsafe::ProxyRequest {
            path,
            query: facts.query.as_deref().unwrap_or(""),
            method: &facts.method,
            cookie_header: facts.cookie.as_deref(),
            refreshed_token: facts.refreshed_token.as_deref(),
            skip_auth_header: facts.skip_auth.as_deref(),
        };
        match self.policy.decide(&req) {
            pathsafe::ProxyDecision::Reject {
                status,
                code,
                message,
            } => ProxyRoute {
                ok: false,
                status: status.into(),
                code: Some(code.to_string()),
                message: Some(message.to_string()),
                url: None,
                path: None,
                authorization: None,
                token_source: None,
                is_public: false,
                auth_applied: false,
                has_body: false,
            },
            pathsafe::ProxyDecision::Forward {
                target,
                token,
                public,
                auth,
                has_body,
            } => ProxyRoute {
                ok: true,
                status: 200,
                code: None,
                message: None,
                url: Some(target.url),
                path: Some(target.path),
                authorization: token.map(|t| format!("Bearer {}", t.token)),
                token_source: token.map(|t| t.source.as_str().to_string()),
                is_public: public,
                auth_applied: auth,
                has_body,
            },
        }
    }
}
// ---- end browser: catch-all proxy ----

// ---- browser: auth routes (createAuthRoutes) ----

/// Cookie names and attributes of `createAuthRoutes`, validated once.
#[napi(object)]
pub struct AuthCookieJarOptions {
    pub user_cookie_name: Option<String>,
    pub guest_cookie_name: Option<String>,
    pub refresh_cookie_name: Option<String>,
    pub http_only: Option<bool>,
    /// 'lax' | 'strict' | 'none'
    pub same_site: Option<String>,
    pub secure: Option<bool>,
    pub path: Option<String>,
    pub domain: Option<String>,
    /// Whether the process runs in production (cookies default to Secure then).
    pub production: Option<bool>,
    /// Max-Age of the user cookie in seconds (default 7 days).
    pub max_age: Option<f64>,
    /// Max-Age of the refresh cookie in seconds (default 7 days).
    pub refresh_max_age: Option<f64>,
}

/// A token found on a request.
#[napi(object)]
pub struct PickedRequestToken {
    pub token: String,
    /// 'refreshed' | 'user' | 'guest'
    pub source: String,
}

/// Builds and reads the auth routes' cookies with the engine's cookie builder.
#[napi]
pub struct AuthCookieJar {
    jar: auth_cookies::AuthCookies,
}

#[napi]
impl AuthCookieJar {
    #[napi(constructor)]
    pub fn new(options: AuthCookieJarOptions) -> napi::Result<Self, error::ErrorCode> {
        let jar = auth_cookies::AuthCookies::new(&auth_cookies::AuthCookieConfig {
            user_cookie: options.user_cookie_name,
            guest_cookie: options.guest_cookie_name,
            refresh_cookie: options.refresh_cookie_name,
            http_only: options.http_only,
            same_site: options.same_site,
            secure: options.secure,
            path: options.path,
            domain: options.domain,
            production: options.production.unwrap_or(false),
            max_age: options.max_age,
            refresh_max_age: options.refresh_max_age,
        })
        .map_err(error::LayerError::into_napi)?;
        Ok(Self { jar })
    }

    #[napi(getter)]
    pub fn user_cookie_name(&self) -> String {
        self.jar.user.clone()
    }

    #[napi(getter)]
    pub fn guest_cookie_name(&self) -> String {
        self.jar.guest.clone()
    }

    #[napi(getter)]
    pub fn refresh_cookie_name(&self) -> String {
        self.jar.refresh.clone()
    }

    /// Set-Cookie values for a new session (user + refresh cookie, guest cookie cleared), or
    /// null when a token cannot be stored in a cookie.
    #[napi]
    pub fn session(&self, token: String, refresh_token: Option<String>) -> Option<Vec<String>> {
        self.jar.session(&token, refresh_token.as_deref())
    }

    /// Set-Cookie values deleting the user, refresh and guest cookies.
    #[napi]
    pub fn clear(&self) -> Vec<String> {
        self.jar.clear()
    }

    /// The token of a request: `x-refreshed-token`, then the user cookie, then the guest cookie.
    #[napi]
    pub fn pick(
        &self,
        cookie: Option<String>,
        refreshed_token: Option<String>,
    ) -> Option<PickedRequestToken> {
        self.jar
            .pick(refreshed_token.as_deref(), cookie.as_deref())
            .map(|p| PickedRequestToken {
                token: p.token.to_string(),
                source: p.source.as_str().to_string(),
            })
    }

    /// The refresh cookie's value.
    #[napi]
    pub fn refresh_token(&self, cookie: Option<String>) -> Option<String> {
        self.jar
            .refresh_token(cookie.as_deref())
            .map(str::to_string)
    }

    /// The user cookie's value (never the guest token).
    #[napi]
    pub fn user_token(&self, cookie: Option<String>) -> Option<String> {
        self.jar.user_token(cookie.as_deref()).map(str::to_string)
    }
}
// ---- end browser: auth routes ----

// ---- sanitize/client: sanitizer and createApiClient core ----

/// `sanitizeJson` of the Sanitizer and ApiClientCore classes.
fn sanitize_json_now(
    sanitizer: &sanitize::Sanitizer,
    text: &str,
    skip_fields: Option<Vec<String>>,
) -> napi::Result<String, error::ErrorCode> {
    sanitizer
        .sanitize_json(text, &skip_fields.unwrap_or_default())
        .map_err(|e| error::LayerError::from(e).into_napi())
}

/// `sanitizeJsonAsync` of the Sanitizer and ApiClientCore classes.
fn sanitize_json_task(
    sanitizer: &std::sync::Arc<sanitize::Sanitizer>,
    text: String,
    skip_fields: Option<Vec<String>>,
) -> napi::bindgen_prelude::AsyncTask<SanitizeJsonTask> {
    napi::bindgen_prelude::AsyncTask::new(SanitizeJsonTask {
        sanitizer: sanitizer.clone(),
        text,
        skip_fields: skip_fields.unwrap_or_default(),
    })
}

/// Sanitizes JSON text off the JS thread (libuv pool) for large bodies.
pub struct SanitizeJsonTask {
    sanitizer: std::sync::Arc<sanitize::Sanitizer>,
    text: String,
    skip_fields: Vec<String>,
}

impl napi::Task for SanitizeJsonTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        self.sanitizer
            .sanitize_json(&self.text, &self.skip_fields)
            .map_err(|e| error::LayerError::from(e).into())
    }

    fn resolve(&mut self, _env: napi::Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

/// An XSS sanitizer built once from a `sanitization` config (ammonia underneath).
#[napi(js_name = "Sanitizer")]
pub struct NativeSanitizer {
    inner: std::sync::Arc<sanitize::Sanitizer>,
}

#[napi]
impl NativeSanitizer {
    #[napi(constructor)]
    pub fn new(config: Option<serde_json::Value>) -> napi::Result<Self, error::ErrorCode> {
        let cfg = config.unwrap_or(serde_json::Value::Null);
        let inner = sanitize::Sanitizer::from_json(&cfg)
            .map_err(|e| error::LayerError::from(e).into_napi())?;
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    #[napi(getter)]
    pub fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    /// JSON text in, sanitized JSON text out (every string value; keys untouched).
    #[napi]
    pub fn sanitize_json(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::Result<String, error::ErrorCode> {
        sanitize_json_now(&self.inner, &text, skip_fields)
    }

    /// Same as `sanitizeJson`, on the libuv thread pool.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sanitize_json_async(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::bindgen_prelude::AsyncTask<SanitizeJsonTask> {
        sanitize_json_task(&self.inner, text, skip_fields)
    }

    #[napi]
    pub fn sanitize_string(&self, value: String) -> String {
        self.inner.sanitize_str(&value).into_owned()
    }

    /// Many strings in one crossing (FormData fields, batches).
    #[napi]
    pub fn sanitize_strings(&self, values: Vec<String>) -> Vec<String> {
        self.inner.sanitize_strings(&values)
    }
}

/// Declarative options of `createApiClient`, validated once.
#[napi(object)]
pub struct ApiClientCoreOptions {
    pub user_cookie_name: Option<String>,
    pub guest_cookie_name: Option<String>,
    pub skip_auth_by_default: Option<bool>,
    pub public_endpoints: Option<Vec<String>>,
    pub skip_sanitize_endpoints: Option<Vec<String>>,
    pub sanitization: Option<serde_json::Value>,
}

/// What the adapter read for one request.
#[napi(object)]
pub struct ApiRequestFacts {
    pub endpoint: String,
    /// the `x-refreshed-token` request header
    pub refreshed_token: Option<String>,
    /// the `cookie` request header
    pub cookie: Option<String>,
    /// per-request `skipAuth`
    pub skip_auth: Option<bool>,
}

/// The plan for one request.
#[napi(object)]
pub struct ApiRequestPlan {
    pub auth: bool,
    pub token: Option<String>,
    /// 'refreshed' | 'user' | 'guest'
    pub token_source: Option<String>,
    pub is_public: bool,
    pub sanitize: bool,
}

/// Token cascade, public endpoints and sanitizer of one `createApiClient` config.
#[napi]
pub struct ApiClientCore {
    core: api_client::ClientCore,
}

#[napi]
impl ApiClientCore {
    #[napi(constructor)]
    pub fn new(options: ApiClientCoreOptions) -> napi::Result<Self, error::ErrorCode> {
        let core = api_client::ClientCore::new(&api_client::ClientConfig {
            user_cookie: options.user_cookie_name,
            guest_cookie: options.guest_cookie_name,
            skip_auth_by_default: options.skip_auth_by_default.unwrap_or(false),
            public_endpoints: options.public_endpoints.unwrap_or_default(),
            skip_sanitize_endpoints: options.skip_sanitize_endpoints.unwrap_or_default(),
            sanitization: options.sanitization.unwrap_or(serde_json::Value::Null),
        })
        .map_err(error::LayerError::into_napi)?;
        Ok(Self { core })
    }

    #[napi]
    pub fn plan(&self, facts: ApiRequestFacts) -> ApiRequestPlan {
        let p = self.core.plan(&api_client::RequestFacts {
            endpoint: &facts.endpoint,
            refreshed_token: facts.refreshed_token.as_deref(),
            cookie_header: facts.cookie.as_deref(),
            skip_auth: facts.skip_auth,
        });
        ApiRequestPlan {
            auth: p.auth,
            token: p.token,
            token_source: p.token_source.map(str::to_string),
            is_public: p.is_public,
            sanitize: p.sanitize,
        }
    }

    #[napi]
    pub fn sanitize_json(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::Result<String, error::ErrorCode> {
        sanitize_json_now(self.core.sanitizer(), &text, skip_fields)
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn sanitize_json_async(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::bindgen_prelude::AsyncTask<SanitizeJsonTask> {
        sanitize_json_task(self.core.sanitizer(), text, skip_fields)
    }

    #[napi]
    pub fn sanitize_strings(&self, values: Vec<String>) -> Vec<String> {
        self.core.sanitizer().sanitize_strings(&values)
    }
}
// ---- end sanitize/client ----

// ---- engine: Engine class (createAuthProxy, getServerUser) ----

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

/// The native auth engine: one per configuration, for the life of the process.
#[napi(js_name = "Engine")]
pub struct NativeEngine {
    inner: std::sync::Arc<engine::Engine>,
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
    ) -> napi::Result<Self, error::ErrorCode> {
        let js = engine::JsMapperSet {
            auth_me: js_mapper(parse_auth_me, "responseMappers.parseAuthMe"),
            refresh: js_mapper(parse_refresh_token, "responseMappers.parseRefreshToken"),
            guest: js_mapper(parse_guest_token, "responseMappers.parseGuestToken"),
        };
        let inner =
            engine::Engine::from_json(&config_json, js).map_err(error::LayerError::into_napi)?;
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

    /// The hot path in compact form (see `decide::packed`): facts as one newline-separated
    /// string, the decision as one string (`'pending'` when the backend is needed).
    #[napi]
    pub fn decide_packed(&self, facts: String) -> String {
        let (f, with_auth) = decide::packed::facts(&facts);
        decide::packed::decision(&self.inner.decide_sync(&f), with_auth)
    }

    /// `decideAsync` in compact form.
    #[napi]
    pub async fn decide_async_packed(&self, facts: String) -> String {
        let inner = self.inner.clone();
        let (f, with_auth) = decide::packed::facts(&facts);
        decide::packed::decision(&inner.decide(&f).await, with_auth)
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

    #[napi]
    pub fn stats(&self) -> stats::StatsSnapshot {
        self.inner.stats()
    }
}
// ---- end engine: Engine class ----

// ---- security: Engine audit logger ----
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
// ---- end security: Engine audit logger ----

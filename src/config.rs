//! The engine configuration: parsed and validated once, at construction.
//!
//! The JS adapter passes `JSON.stringify(config)` (functions are dropped by JSON; the
//! adapter tells us which mappers are JS functions). Every problem is reported as
//! `ERR_CONFIG_INVALID` with a message that starts with the option's dotted path.
//!
//! Keys mirror the documented `createAuthProxy` options; defaults are listed on each field.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::auth::mappers::{AuthMeMapper, MapperSpec, RefreshMapper};
use crate::error::{LayerError, Result};
use crate::http::cookies::{CookieOptions, SameSite};
use crate::http::routes::RouteSet;

/// How an expired or near-expiry token is refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshStyle {
    /// `POST refresh` with the current access token as `Authorization: Bearer`.
    Bearer,
    /// A separate refresh-token cookie, sent in the JSON body; the rotated refresh token is
    /// written back to that cookie.
    Cookie,
}

#[derive(Debug, Clone)]
pub struct RefreshConfig {
    /// default true
    pub enabled: bool,
    /// default `bearer`
    pub style: RefreshStyle,
    /// Refresh proactively when the token expires within this many seconds. default 0 (off).
    pub threshold_seconds: i64,
    /// How long the outcome of a refresh is kept for requests still carrying the old token.
    /// default 10 000 ms
    pub grace: Duration,
    /// Cookie holding the refresh token (cookie style). default `refreshToken`
    pub cookie: String,
    /// Body field the refresh token is sent in (cookie style). default `refresh_token`
    pub body_field: String,
    /// Coalesce concurrent refreshes of one token into one backend call (`refresh.singleFlight`).
    /// default true
    pub single_flight: bool,
    /// Refresh answers that mean a rotated refresh token was replayed (`refresh.reuseStatusCodes`).
    /// default `[409]`
    pub reuse_status_codes: Vec<u16>,
    /// Body `code` / `error` / `reason` values that mean the same (`refresh.reuseCodes`).
    /// default `["token_reuse"]`
    pub reuse_codes: Vec<String>,
    /// `refresh.classifyFail` is a JS function (run through the adapter).
    pub js_classify: bool,
    /// Options of the refresh-token cookie (`cookies.refreshOptions`): defaults to
    /// `cookies.options`, typically a narrow `path` and a longer `maxAge`.
    pub cookie_options: CookieOptions,
    /// Max-Age of the refresh-token cookie, seconds (`cookies.refreshOptions.maxAge`, else the
    /// user cookie's).
    pub cookie_max_age: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct GuestConfig {
    /// default false
    pub enabled: bool,
    /// JSON body sent to the guest endpoint. default `{}`
    pub credentials: Value,
    /// Guest cookie lifetime, seconds. default 3600
    pub ttl_seconds: i64,
    /// Guests minted per client (`maxRequests` per `windowMs`, keyed like the rate limiter):
    /// a flood from one client cannot mint a guest per request. `None`: unbounded.
    pub mint_limit: Option<(u32, u64)>,
}

/// What the deployment's access tokens look like (`tokenFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// Anything sendable (default): opaque tokens and JWTs.
    Any,
    /// JWTs only: a token that is not JWT-shaped is refused without asking the backend.
    Jwt,
}

#[derive(Debug, Clone)]
pub struct AccessConfig {
    pub protected_routes: RouteSet,
    pub auth_routes: RouteSet,
    pub public_routes: RouteSet,
    /// default false
    pub protected_by_default: bool,
    /// Token types that may enter protected routes. default `["user"]`
    pub allowed_token_types: Vec<String>,
    /// default `/login`
    pub login_path: String,
    /// Query parameter carrying the return-to path. default `returnTo`
    pub return_to_param: String,
    /// Where signed-in users are sent from auth routes. default `/`
    pub after_login_path: String,
    /// Path prefix of API routes (JSON errors instead of redirects). default `/api`
    pub api_prefix: String,
    /// When a user token cannot be refreshed, may the request go on as a guest? `false`:
    /// cookies cleared, pages redirect to login, APIs get 401. A detected reuse never
    /// falls back. default true
    pub guest_fallback_on_user_refresh_fail: bool,
}

#[derive(Debug, Clone)]
pub struct I18nConfig {
    pub enabled: bool,
    pub locales: Vec<String>,
    pub default_locale: Option<String>,
}

/// Which response mappers are JS functions (run through the adapter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsMappers {
    pub auth_me: bool,
    pub refresh: bool,
    pub guest: bool,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Base URL of the backend, without a trailing slash.
    pub api_base_url: String,
    pub validate_url: String,
    pub refresh_url: String,
    pub guest_url: String,
    pub user_cookie: String,
    pub guest_cookie: String,
    pub cookie_options: CookieOptions,
    /// Max-Age of the user cookie, seconds (`None`: follow the token's `expires_in`, else 7 days).
    pub user_cookie_max_age: Option<i64>,
    /// default 2000 ms
    pub cache_ttl: Duration,
    /// default 100
    pub cache_max_size: u64,
    /// How long a rejected token is remembered. default 1000 ms (never more than cache.ttl... see docs)
    pub negative_ttl: Duration,
    /// Backend timeout. default 5000 ms
    pub timeout: Duration,
    /// default Any
    pub token_format: TokenFormat,
    /// Largest body read from the backend (validate, refresh, guest). default 1 MiB
    pub max_body_bytes: usize,
    /// Largest `x-auth-user` forwarded downstream (base64 bytes); above it none is sent.
    /// default 16 KiB
    pub max_user_header_bytes: usize,
    pub refresh: RefreshConfig,
    pub guest: GuestConfig,
    pub access: AccessConfig,
    pub i18n: I18nConfig,
    pub excluded_paths: RouteSet,
    /// Exact paths that get no refresh, no guest creation and no 401 (`authApi.bypassPaths`):
    /// the auth routes do that themselves. default the five `/api/auth/*` routes.
    pub auth_bypass_paths: Vec<String>,
    /// default false
    pub block_browser_api_access: bool,
    pub auth_me_mapper: AuthMeMapper,
    pub refresh_mapper: RefreshMapper,
    pub guest_mapper: RefreshMapper,
    pub js_mappers: JsMappers,
    /// Opaque to the engine: owned by the security modules.
    pub rate_limit: Option<Value>,
    pub csrf: Option<Value>,
    pub audit: Option<Value>,
    /// The shared store (Redis) for several app instances, when configured.
    pub store: Option<crate::store::redis::StoreConfig>,
    /// `validate.mode: 'local'`: verify JWTs here (`None`: ask the validate endpoint).
    pub validate: Option<validate::LocalValidate>,
    /// Options this engine does not know (typos, or options of another version): ignored,
    /// reported once when the engine is built (see [`unknown_option_warnings`]).
    pub warnings: Vec<String>,
}

/// The keys each plain section of the config may hold (the security sections and
/// `responseMappers` refuse unknown keys outright).
const KNOWN_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "apiBaseUrl",
            "cookies",
            "endpoints",
            "guestToken",
            "refresh",
            "access",
            "cache",
            "timeout",
            "backend",
            "i18n",
            "responseMappers",
            "jsMappers",
            "production",
            "excludedPaths",
            "blockBrowserApiAccess",
            "tokenFormat",
            "beforeAuth",
            "afterAuth",
            "rateLimit",
            "csrf",
            "audit",
            "store",
            "validate",
            "authApi",
            "onError",
        ],
    ),
    (
        "cookies",
        &[
            "user",
            "guest",
            "options",
            "refresh",
            "refreshOptions",
            "hostPrefix",
        ],
    ),
    (
        "cookies.refreshOptions",
        &["httpOnly", "sameSite", "secure", "path", "domain", "maxAge"],
    ),
    ("authApi", &["bypassPaths"]),
    (
        "cookies.options",
        &["httpOnly", "sameSite", "secure", "path", "domain", "maxAge"],
    ),
    ("endpoints", &["validate", "refresh", "guest"]),
    (
        "guestToken",
        &["enabled", "credentials", "ttl", "rateLimit"],
    ),
    ("guestToken.rateLimit", &["maxRequests", "windowMs"]),
    (
        "refresh",
        &[
            "enabled",
            "style",
            "thresholdSeconds",
            "graceMs",
            "cookie",
            "bodyField",
            "singleFlight",
            "proactive",
            "proactiveWindow",
            "reuseStatusCodes",
            "reuseCodes",
            "classifyFail",
            "onRefreshFail",
            "store",
            "storeTtlMs",
        ],
    ),
    (
        "access",
        &[
            "protectedRoutes",
            "authRoutes",
            "publicRoutes",
            "protectedByDefault",
            "allowedTokenTypes",
            "loginPath",
            "returnToParam",
            "afterLoginPath",
            "apiPrefix",
            "guestFallbackOnUserRefreshFail",
        ],
    ),
    ("cache", &["ttl", "maxSize", "negativeTtl"]),
    (
        "i18n",
        &["enabled", "locales", "defaultLocale", "middleware"],
    ),
    (
        "backend",
        &["timeout", "maxBodyBytes", "maxUserHeaderBytes"],
    ),
];

/// One line per option of `root` that no section knows, e.g. a misspelt
/// `access.protectedRoute` that would otherwise silently leave pages unprotected. Warnings,
/// not errors: an app moving from `next-api-layer` may carry options this engine lacks.
pub fn unknown_option_warnings(root: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for (section, known) in KNOWN_KEYS {
        let obj = if section.is_empty() {
            Some(root)
        } else {
            section
                .split('.')
                .try_fold(root, |o, k| o.get(k).and_then(Value::as_object))
        };
        for k in obj.into_iter().flat_map(|o| o.keys()) {
            if !known.contains(&k.as_str()) {
                let name = if section.is_empty() {
                    k.clone()
                } else {
                    format!("{section}.{k}")
                };
                out.push(format!(
                    "{name} is not a known option and is ignored (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    out
}

/// `authApi.bypassPaths` default (next-api-layer 0.5's list).
pub const DEFAULT_AUTH_BYPASS_PATHS: [&str; 5] = [
    "/api/auth/login",
    "/api/auth/logout",
    "/api/auth/me",
    "/api/auth/refresh",
    "/api/auth/register",
];

// ---------------------------------------------------------------- small typed readers

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn field<'a>(obj: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a Value> {
    obj.and_then(|o| o.get(key)).filter(|v| !v.is_null())
}

fn obj<'a>(
    parent: Option<&'a Map<String, Value>>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>> {
    match field(parent, key) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(v) => Err(LayerError::config(
            path,
            format!("must be an object (got {})", type_name(v)),
        )),
    }
}

fn string(parent: Option<&Map<String, Value>>, key: &str, path: &str) -> Result<Option<String>> {
    match field(parent, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(LayerError::config(
            path,
            format!("must be a string (got {})", type_name(v)),
        )),
    }
}

fn non_empty_string(
    parent: Option<&Map<String, Value>>,
    key: &str,
    path: &str,
    default: &str,
) -> Result<String> {
    let s = string(parent, key, path)?.unwrap_or_else(|| default.to_string());
    if s.trim().is_empty() {
        return Err(LayerError::config(path, "must be a non-empty string"));
    }
    Ok(s)
}

fn boolean(
    parent: Option<&Map<String, Value>>,
    key: &str,
    path: &str,
    default: bool,
) -> Result<bool> {
    match field(parent, key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(LayerError::config(
            path,
            format!("must be a boolean (got {})", type_name(v)),
        )),
    }
}

/// A non-negative finite number.
fn number(parent: Option<&Map<String, Value>>, key: &str, path: &str) -> Result<Option<f64>> {
    match field(parent, key) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if !f.is_finite() || f < 0.0 {
                return Err(LayerError::config(path, "must be a non-negative number"));
            }
            Ok(Some(f))
        }
        Some(v) => Err(LayerError::config(
            path,
            format!("must be a non-negative number (got {})", type_name(v)),
        )),
    }
}

fn string_list(parent: Option<&Map<String, Value>>, key: &str, path: &str) -> Result<Vec<String>> {
    match field(parent, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                v => Err(LayerError::config(
                    &format!("{path}[{i}]"),
                    format!("must be a string (got {})", type_name(v)),
                )),
            })
            .collect(),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(v) => Err(LayerError::config(
            path,
            format!("must be an array of strings (got {})", type_name(v)),
        )),
    }
}

/// Refuses keys of `obj` that are not in `known`: a misspelt option (`rateLimit.max` for
/// `maxRequests`) must fail at construction, not silently keep its default.
pub fn reject_unknown_keys(obj: &Map<String, Value>, option: &str, known: &[&str]) -> Result<()> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(LayerError::config(
            &format!("{option}.{k}"),
            format!("is not a known option (known: {})", known.join(", ")),
        )),
    }
}

/// An optional feature section (`rateLimit`, `csrf`, `audit`): absent, `null` or `false`
/// => off; `true` => on with defaults; an object => on unless `enabled: false`. Unknown
/// keys are refused. Returns `(enabled, options)`.
pub fn feature_section<'a>(
    value: Option<&'a Value>,
    option: &str,
    known: &[&str],
) -> Result<(bool, Option<&'a Map<String, Value>>)> {
    let obj = match value {
        None | Some(Value::Null) => return Ok((false, None)),
        Some(Value::Bool(b)) => return Ok((*b, None)),
        Some(Value::Object(o)) => o,
        Some(v) => {
            return Err(LayerError::config(
                option,
                format!("must be an object (got {})", type_name(v)),
            ));
        }
    };
    reject_unknown_keys(obj, option, known)?;
    let enabled = boolean(Some(obj), "enabled", &format!("{option}.enabled"), true)?;
    Ok((enabled, Some(obj)))
}

fn routes(parent: Option<&Map<String, Value>>, key: &str, path: &str) -> Result<RouteSet> {
    let list = string_list(parent, key, path)?;
    RouteSet::parse(&list).map_err(|e| LayerError::config(path, format!("has a bad pattern: {e}")))
}

fn cookie_name(
    parent: Option<&Map<String, Value>>,
    key: &str,
    path: &str,
    d: &str,
) -> Result<String> {
    let n = non_empty_string(parent, key, path, d)?;
    if !crate::http::cookies::is_valid_cookie_name(&n) {
        return Err(LayerError::config(
            path,
            format!("\"{n}\" is not a valid cookie name"),
        ));
    }
    Ok(n)
}

fn relative_path(
    parent: Option<&Map<String, Value>>,
    key: &str,
    path: &str,
    d: &str,
) -> Result<String> {
    let p = non_empty_string(parent, key, path, d)?;
    if !p.starts_with('/') || p.starts_with("//") || p.contains('\\') {
        return Err(LayerError::config(
            path,
            "must be a same-origin path starting with a single '/'",
        ));
    }
    Ok(p)
}

/// Validates an http(s) base URL; returns it without trailing slash.
pub fn validate_base_url(raw: &str, path: &str) -> Result<String> {
    let s = raw.trim();
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))
        .ok_or_else(|| {
            LayerError::config(
                path,
                format!("must be an absolute http(s) URL (got \"{raw}\")"),
            )
        })?;
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..host_end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let bad = host.is_empty()
        || authority.contains('@')
        || rest[host_end..].contains(['?', '#'])
        || s.chars().any(|c| c.is_whitespace() || c.is_control());
    let host_only = if host.starts_with('[') {
        host.split_once(']').map(|(h, _)| h).unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    let port_ok = if host.starts_with('[') {
        host.split_once("]").is_some_and(|(_, p)| {
            p.is_empty()
                || p.strip_prefix(':')
                    .is_some_and(|n| n.parse::<u16>().is_ok())
        })
    } else {
        match host.split_once(':') {
            None => true,
            Some((_, p)) => p.parse::<u16>().is_ok(),
        }
    };
    if bad || host_only.is_empty() || !port_ok || reqwest::Url::parse(s).is_err() {
        return Err(LayerError::config(
            path,
            format!("is not a valid URL (got \"{raw}\")"),
        ));
    }
    Ok(s.trim_end_matches('/').to_string())
}

fn endpoint_url(base: &str, endpoint: &str, path: &str) -> Result<String> {
    if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
        return validate_base_url(endpoint, path);
    }
    if endpoint.contains("..") || endpoint.contains('\\') || endpoint.contains("//") {
        return Err(LayerError::config(
            path,
            "must be a path relative to apiBaseUrl",
        ));
    }
    Ok(format!("{base}/{}", endpoint.trim_start_matches('/')))
}

/// Reads a cookie-options object; fields it lacks come from `base` (else the defaults).
fn read_cookie_options(
    copts: Option<&Map<String, Value>>,
    option: &str,
    base: Option<&CookieOptions>,
    production: bool,
) -> Result<CookieOptions> {
    let same_site = match string(copts, "sameSite", &format!("{option}.sameSite"))? {
        None => base.map_or(SameSite::Lax, |b| b.same_site),
        Some(s) => SameSite::parse(&s).ok_or_else(|| {
            LayerError::config(
                &format!("{option}.sameSite"),
                "must be 'lax', 'strict' or 'none'",
            )
        })?,
    };
    let secure = match field(copts, "secure") {
        None => base.and_then(|b| b.secure),
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            return Err(LayerError::config(
                &format!("{option}.secure"),
                format!("must be a boolean (got {})", type_name(v)),
            ));
        }
    };
    Ok(CookieOptions {
        http_only: boolean(
            copts,
            "httpOnly",
            &format!("{option}.httpOnly"),
            base.is_none_or(|b| b.http_only),
        )?,
        same_site,
        secure,
        path: non_empty_string(
            copts,
            "path",
            &format!("{option}.path"),
            base.map_or("/", |b| b.path.as_str()),
        )?,
        domain: match string(copts, "domain", &format!("{option}.domain"))? {
            Some(d) => Some(d),
            None => base.and_then(|b| b.domain.clone()),
        },
        production,
    })
}

impl Config {
    /// Parses the JSON text the adapter sends.
    pub fn from_json(text: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| LayerError::config("config", format!("is not valid JSON: {e}")))?;
        Self::from_value(&v)
    }

    pub fn from_value(v: &Value) -> Result<Self> {
        let root = match v {
            Value::Object(m) => Some(m),
            v => {
                return Err(LayerError::config(
                    "config",
                    format!("must be an object (got {})", type_name(v)),
                ));
            }
        };

        let base_raw = string(root, "apiBaseUrl", "apiBaseUrl")?
            .ok_or_else(|| LayerError::config("apiBaseUrl", "is required"))?;
        let api_base_url = validate_base_url(&base_raw, "apiBaseUrl")?;

        let endpoints = obj(root, "endpoints", "endpoints")?;
        let validate = non_empty_string(endpoints, "validate", "endpoints.validate", "auth/me")?;
        let refresh_ep =
            non_empty_string(endpoints, "refresh", "endpoints.refresh", "auth/refresh")?;
        let guest_ep = non_empty_string(endpoints, "guest", "endpoints.guest", "auth/guest")?;

        let production = boolean(root, "production", "production", false)?;
        let cookies = obj(root, "cookies", "cookies")?;
        // `cookies.hostPrefix`: the auth cookies are `__Host-<name>` (Secure, Path=/, no
        // Domain), so a subdomain cannot set or overwrite them (cookie tossing).
        let host_prefix = boolean(cookies, "hostPrefix", "cookies.hostPrefix", false)?;
        let prefixed = |n: String| {
            if host_prefix && !n.starts_with("__Host-") {
                format!("__Host-{n}")
            } else {
                n
            }
        };
        let user_cookie = prefixed(cookie_name(cookies, "user", "cookies.user", "userToken")?);
        let guest_cookie = prefixed(cookie_name(
            cookies,
            "guest",
            "cookies.guest",
            "guestToken",
        )?);
        if user_cookie == guest_cookie {
            return Err(LayerError::config(
                "cookies.guest",
                format!("must differ from cookies.user (both are \"{user_cookie}\")"),
            ));
        }
        let copts = obj(cookies, "options", "cookies.options")?;
        let cookie_options = read_cookie_options(copts, "cookies.options", None, production)?;
        if host_prefix && cookie_options.domain.is_some() {
            return Err(LayerError::config(
                "cookies.hostPrefix",
                "cannot be used with cookies.options.domain (a __Host- cookie has no Domain)",
            ));
        }
        let user_cookie_max_age =
            number(copts, "maxAge", "cookies.options.maxAge")?.map(|n| n as i64);
        let ropts = obj(cookies, "refreshOptions", "cookies.refreshOptions")?;
        let refresh_cookie_options = read_cookie_options(
            ropts,
            "cookies.refreshOptions",
            Some(&cookie_options),
            production,
        )?;
        let refresh_cookie_max_age = number(ropts, "maxAge", "cookies.refreshOptions.maxAge")?
            .map(|n| n as i64)
            .or(user_cookie_max_age);
        // next-api-layer's dual-token mode: naming a refresh cookie turns it on. Same
        // machinery as `refresh.style: 'cookie'` (one implementation, two spellings).
        let dual_cookie = match field(cookies, "refresh") {
            None => None,
            Some(_) => Some(cookie_name(
                cookies,
                "refresh",
                "cookies.refresh",
                "refreshToken",
            )?),
        };

        let cache = obj(root, "cache", "cache")?;
        let cache_ttl = number(cache, "ttl", "cache.ttl")?.unwrap_or(2000.0);
        let cache_max_size = number(cache, "maxSize", "cache.maxSize")?.unwrap_or(100.0);
        if cache_max_size < 1.0 {
            return Err(LayerError::config("cache.maxSize", "must be at least 1"));
        }
        let negative_ttl = number(cache, "negativeTtl", "cache.negativeTtl")?.unwrap_or(1000.0);

        let timeout = number(root, "timeout", "timeout")?
            .or(number(
                obj(root, "backend", "backend")?,
                "timeout",
                "backend.timeout",
            )?)
            .unwrap_or(5000.0);
        if timeout < 1.0 {
            return Err(LayerError::config(
                "timeout",
                "must be at least 1 (milliseconds)",
            ));
        }

        let backend = obj(root, "backend", "backend")?;
        let max_body_bytes = byte_limit(
            backend,
            "maxBodyBytes",
            "backend.maxBodyBytes",
            crate::auth::backend::DEFAULT_MAX_BODY,
        )?;
        let max_user_header_bytes = byte_limit(
            backend,
            "maxUserHeaderBytes",
            "backend.maxUserHeaderBytes",
            16 * 1024,
        )?;

        let r = obj(root, "refresh", "refresh")?;
        let style = match string(r, "style", "refresh.style")?.as_deref() {
            None if dual_cookie.is_some() => RefreshStyle::Cookie,
            None | Some("bearer") => RefreshStyle::Bearer,
            Some("cookie") => RefreshStyle::Cookie,
            Some(s) => {
                return Err(LayerError::config(
                    "refresh.style",
                    format!("must be 'bearer' or 'cookie' (got \"{s}\")"),
                ));
            }
        };
        if style == RefreshStyle::Bearer && dual_cookie.is_some() {
            return Err(LayerError::config(
                "refresh.style",
                "is 'bearer' but cookies.refresh names a refresh-token cookie (dual-token mode \
                 is refresh.style 'cookie'; drop one of the two)",
            ));
        }
        let own_cookie = string(r, "cookie", "refresh.cookie")?;
        let cookie = match (&dual_cookie, own_cookie) {
            (Some(a), Some(b)) if *a != b => {
                return Err(LayerError::config(
                    "refresh.cookie",
                    format!("and cookies.refresh name different cookies (\"{b}\", \"{a}\")"),
                ));
            }
            (Some(a), _) => a.clone(),
            (None, _) => cookie_name(r, "cookie", "refresh.cookie", "refreshToken")?,
        };
        // `proactive` + `proactiveWindow` (next-api-layer) and `thresholdSeconds` (ours) set
        // the same thing: refresh a valid user token this many seconds before it expires.
        let threshold = match field(r, "proactive") {
            Some(Value::Bool(true)) => {
                number(r, "proactiveWindow", "refresh.proactiveWindow")?.unwrap_or(120.0)
            }
            Some(Value::Bool(false)) => 0.0,
            Some(v) => {
                return Err(LayerError::config(
                    "refresh.proactive",
                    format!("must be a boolean (got {})", type_name(v)),
                ));
            }
            None => number(r, "thresholdSeconds", "refresh.thresholdSeconds")?.unwrap_or(0.0),
        };
        let reuse_status_codes = match field(r, "reuseStatusCodes") {
            None => vec![409],
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| match v.as_u64() {
                    Some(n) if (400..=599).contains(&n) => Ok(n as u16),
                    _ => Err(LayerError::config(
                        &format!("refresh.reuseStatusCodes[{i}]"),
                        "must be an HTTP status code between 400 and 599",
                    )),
                })
                .collect::<Result<Vec<_>>>()?,
            Some(v) => {
                return Err(LayerError::config(
                    "refresh.reuseStatusCodes",
                    format!("must be an array of status codes (got {})", type_name(v)),
                ));
            }
        };
        let reuse_codes = match field(r, "reuseCodes") {
            None => vec!["token_reuse".to_string()],
            Some(_) => string_list(r, "reuseCodes", "refresh.reuseCodes")?,
        };
        let refresh = RefreshConfig {
            enabled: boolean(r, "enabled", "refresh.enabled", true)?,
            style,
            threshold_seconds: threshold as i64,
            grace: Duration::from_millis(
                number(r, "graceMs", "refresh.graceMs")?.unwrap_or(10_000.0) as u64,
            ),
            cookie: prefixed(cookie),
            body_field: non_empty_string(r, "bodyField", "refresh.bodyField", "refresh_token")?,
            single_flight: boolean(r, "singleFlight", "refresh.singleFlight", true)?,
            reuse_status_codes,
            reuse_codes,
            js_classify: boolean(
                obj(root, "jsMappers", "jsMappers")?,
                "classifyFail",
                "jsMappers.classifyFail",
                false,
            )?,
            cookie_options: refresh_cookie_options,
            cookie_max_age: refresh_cookie_max_age,
        };

        if refresh.style == RefreshStyle::Cookie
            && (refresh.cookie == user_cookie || refresh.cookie == guest_cookie)
        {
            return Err(LayerError::config(
                "refresh.cookie",
                format!(
                    "must differ from cookies.user and cookies.guest (got \"{}\")",
                    refresh.cookie
                ),
            ));
        }

        let g = obj(root, "guestToken", "guestToken")?;
        let credentials = match field(g, "credentials") {
            None => Value::Object(Map::new()),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(v) => {
                return Err(LayerError::config(
                    "guestToken.credentials",
                    format!("must be an object (got {})", type_name(v)),
                ));
            }
        };
        let mint_limit = match field(g, "rateLimit") {
            Some(Value::Bool(false)) => None,
            None | Some(Value::Bool(true)) => Some((30, 60_000)),
            Some(Value::Object(_)) => {
                let rl = obj(g, "rateLimit", "guestToken.rateLimit")?;
                let max =
                    number(rl, "maxRequests", "guestToken.rateLimit.maxRequests")?.unwrap_or(30.0);
                let window =
                    number(rl, "windowMs", "guestToken.rateLimit.windowMs")?.unwrap_or(60_000.0);
                if max < 1.0 || max.fract() != 0.0 || max > 1e6 || window < 1.0 {
                    return Err(LayerError::config(
                        "guestToken.rateLimit",
                        "needs maxRequests (whole number, 1..1000000) and windowMs (>= 1)",
                    ));
                }
                Some((max as u32, window as u64))
            }
            Some(v) => {
                return Err(LayerError::config(
                    "guestToken.rateLimit",
                    format!(
                        "must be false or {{ maxRequests, windowMs }} (got {})",
                        type_name(v)
                    ),
                ));
            }
        };
        let guest = GuestConfig {
            enabled: boolean(g, "enabled", "guestToken.enabled", false)?,
            credentials,
            ttl_seconds: number(g, "ttl", "guestToken.ttl")?.unwrap_or(3600.0) as i64,
            mint_limit,
        };
        let token_format = match string(root, "tokenFormat", "tokenFormat")?.as_deref() {
            None | Some("any") => TokenFormat::Any,
            Some("jwt") => TokenFormat::Jwt,
            Some(s) => {
                return Err(LayerError::config(
                    "tokenFormat",
                    format!("must be 'any' or 'jwt' (got \"{s}\")"),
                ));
            }
        };

        let a = obj(root, "access", "access")?;
        let mut allowed = string_list(a, "allowedTokenTypes", "access.allowedTokenTypes")?;
        if field(a, "allowedTokenTypes").is_none() {
            allowed = vec!["user".to_string()];
        } else if allowed.is_empty() {
            return Err(LayerError::config(
                "access.allowedTokenTypes",
                "must list at least one token type (nobody could enter a protected route)",
            ));
        }
        let access = AccessConfig {
            protected_routes: routes(a, "protectedRoutes", "access.protectedRoutes")?,
            auth_routes: routes(a, "authRoutes", "access.authRoutes")?,
            public_routes: routes(a, "publicRoutes", "access.publicRoutes")?,
            protected_by_default: boolean(
                a,
                "protectedByDefault",
                "access.protectedByDefault",
                false,
            )?,
            allowed_token_types: allowed,
            login_path: relative_path(a, "loginPath", "access.loginPath", "/login")?,
            return_to_param: non_empty_string(
                a,
                "returnToParam",
                "access.returnToParam",
                "returnTo",
            )?,
            after_login_path: relative_path(a, "afterLoginPath", "access.afterLoginPath", "/")?,
            api_prefix: relative_path(a, "apiPrefix", "access.apiPrefix", "/api")?,
            guest_fallback_on_user_refresh_fail: boolean(
                a,
                "guestFallbackOnUserRefreshFail",
                "access.guestFallbackOnUserRefreshFail",
                true,
            )?,
        };

        let i = obj(root, "i18n", "i18n")?;
        let locales = string_list(i, "locales", "i18n.locales")?;
        let i18n = I18nConfig {
            enabled: boolean(i, "enabled", "i18n.enabled", !locales.is_empty())?,
            default_locale: string(i, "defaultLocale", "i18n.defaultLocale")?,
            locales,
        };
        if i18n.enabled && i18n.locales.is_empty() {
            return Err(LayerError::config(
                "i18n.locales",
                "must list at least one locale when i18n is enabled",
            ));
        }

        let m = obj(root, "responseMappers", "responseMappers")?;
        if let Some(m) = m {
            reject_unknown_keys(
                m,
                "responseMappers",
                &["parseAuthMe", "parseRefreshToken", "parseGuestToken"],
            )?;
        }
        let js = obj(root, "jsMappers", "jsMappers")?;
        let js_mappers = JsMappers {
            auth_me: boolean(js, "parseAuthMe", "jsMappers.parseAuthMe", false)?,
            refresh: boolean(
                js,
                "parseRefreshToken",
                "jsMappers.parseRefreshToken",
                false,
            )?,
            guest: boolean(js, "parseGuestToken", "jsMappers.parseGuestToken", false)?,
        };
        let spec = |key: &str| -> Result<Option<MapperSpec>> {
            match field(m, key) {
                None => Ok(None),
                Some(v) => MapperSpec::parse(v, &format!("responseMappers.{key}")).map(Some),
            }
        };
        let auth_me_mapper =
            AuthMeMapper::new(spec("parseAuthMe")?, "responseMappers.parseAuthMe")?;
        let refresh_mapper = RefreshMapper::new(
            spec("parseRefreshToken")?,
            "responseMappers.parseRefreshToken",
        )?;
        let guest_mapper =
            RefreshMapper::new(spec("parseGuestToken")?, "responseMappers.parseGuestToken")?;

        Ok(Config {
            validate_url: endpoint_url(&api_base_url, &validate, "endpoints.validate")?,
            refresh_url: endpoint_url(&api_base_url, &refresh_ep, "endpoints.refresh")?,
            guest_url: endpoint_url(&api_base_url, &guest_ep, "endpoints.guest")?,
            api_base_url,
            user_cookie,
            guest_cookie,
            cookie_options,
            user_cookie_max_age,
            cache_ttl: Duration::from_millis(cache_ttl as u64),
            cache_max_size: cache_max_size as u64,
            negative_ttl: Duration::from_millis(negative_ttl as u64),
            timeout: Duration::from_millis(timeout as u64),
            max_body_bytes,
            max_user_header_bytes,
            token_format,
            refresh,
            guest,
            access,
            i18n,
            excluded_paths: routes(root, "excludedPaths", "excludedPaths")?,
            auth_bypass_paths: match obj(root, "authApi", "authApi")? {
                Some(o) if field(Some(o), "bypassPaths").is_some() => {
                    string_list(Some(o), "bypassPaths", "authApi.bypassPaths")?
                }
                _ => DEFAULT_AUTH_BYPASS_PATHS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            block_browser_api_access: boolean(
                root,
                "blockBrowserApiAccess",
                "blockBrowserApiAccess",
                false,
            )?,
            auth_me_mapper,
            refresh_mapper,
            guest_mapper,
            js_mappers,
            rate_limit: field(root, "rateLimit").cloned(),
            store: crate::store::redis::StoreConfig::from_json(field(root, "store"))?,
            csrf: field(root, "csrf").cloned(),
            audit: field(root, "audit").cloned(),
            validate: validate::parse(root, Duration::from_millis(timeout as u64))?,
            warnings: root.map(unknown_option_warnings).unwrap_or_default(),
        })
    }
}

/// A positive whole number of bytes (at most 1 GiB), or `default`.
fn byte_limit(
    o: Option<&Map<String, Value>>,
    key: &str,
    option: &str,
    default: usize,
) -> Result<usize> {
    match number(o, key, option)? {
        None => Ok(default),
        Some(n) if n >= 1.0 && n <= (1u64 << 30) as f64 && n.fract() == 0.0 => Ok(n as usize),
        Some(n) => Err(LayerError::config(
            option,
            format!("must be a whole number of bytes between 1 and 1073741824 (got {n})"),
        )),
    }
}

pub mod validate;

#[cfg(test)]
mod tests;

//! The engine configuration: parsed and validated once, at construction.
//!
//! The JS adapter passes `JSON.stringify(config)` (functions are dropped by JSON; the
//! adapter tells us which mappers are JS functions). Every problem is reported as
//! `ERR_CONFIG_INVALID` with a message that starts with the option's dotted path.
//!
//! Keys mirror the documented `createAuthProxy` options; defaults are listed on each field.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::auth::mappers::{AuthMeMapper, RefreshMapper};
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

/// When the signed user travels to downstream code as the `x-auth-user` request header
/// (`userHeader`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserHeader {
    /// Only when the request is rewritten anyway (default); otherwise downstream helpers read
    /// the user from the engine by the request's cookie.
    Auto,
    /// On every request with a session (downstream code that reads the header itself).
    Always,
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
    /// The last fraction of `cache_ttl` in which a used entry is re-validated in the
    /// background (refresh-ahead), so a steadily used token never waits for the backend.
    /// default 0.2; 0 turns it off
    pub cache_revalidate_ahead: f64,
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
    /// default Auto
    pub user_header: UserHeader,
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
            "userHeader",
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
    (
        "cache",
        &["ttl", "maxSize", "negativeTtl", "revalidateAhead"],
    ),
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

/// A top-level option that must be one of `choices` (the message lists them).
fn one_of(
    root: Option<&Map<String, Value>>,
    key: &str,
    choices: &[&'static str],
) -> Result<Option<&'static str>> {
    let Some(s) = string(root, key, key)? else {
        return Ok(None);
    };
    match choices.iter().find(|c| **c == s) {
        Some(c) => Ok(Some(c)),
        None => {
            let list = choices.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>();
            Err(LayerError::config(
                key,
                format!("must be {} (got \"{s}\")", list.join(" or ")),
            ))
        }
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

    /// Reads the options one group at a time, in a fixed order (so the first bad option
    /// reported is always the same one); each group's parser lives in its own module.
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
        let cookies = cookies::parse(root, production)?;
        let cache = limits::cache(root)?;
        let backend = limits::backend(root)?;
        let refresh = refresh::parse(root, &cookies)?;
        let guest = guest::parse(root)?;
        let token_format = match one_of(root, "tokenFormat", &["any", "jwt"])? {
            Some("jwt") => TokenFormat::Jwt,
            _ => TokenFormat::Any,
        };
        let user_header = match one_of(root, "userHeader", &["auto", "always"])? {
            Some("always") => UserHeader::Always,
            _ => UserHeader::Auto,
        };
        let access = access::parse(root)?;
        let i18n = i18n::parse(root)?;
        let mappers = mappers::parse(root)?;

        Ok(Config {
            validate_url: endpoint_url(&api_base_url, &validate, "endpoints.validate")?,
            refresh_url: endpoint_url(&api_base_url, &refresh_ep, "endpoints.refresh")?,
            guest_url: endpoint_url(&api_base_url, &guest_ep, "endpoints.guest")?,
            api_base_url,
            user_cookie: cookies.user_cookie,
            guest_cookie: cookies.guest_cookie,
            cookie_options: cookies.cookie_options,
            user_cookie_max_age: cookies.user_cookie_max_age,
            cache_ttl: cache.ttl,
            cache_max_size: cache.max_size,
            cache_revalidate_ahead: cache.revalidate_ahead,
            negative_ttl: cache.negative_ttl,
            timeout: backend.timeout,
            max_body_bytes: backend.max_body_bytes,
            max_user_header_bytes: backend.max_user_header_bytes,
            token_format,
            user_header,
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
            auth_me_mapper: mappers.auth_me,
            refresh_mapper: mappers.refresh,
            guest_mapper: mappers.guest,
            js_mappers: mappers.js,
            rate_limit: field(root, "rateLimit").cloned(),
            store: crate::store::redis::StoreConfig::from_json(field(root, "store"))?,
            csrf: field(root, "csrf").cloned(),
            audit: field(root, "audit").cloned(),
            validate: validate::parse(root, backend.timeout)?,
            warnings: root.map(unknown_option_warnings).unwrap_or_default(),
        })
    }
}

mod access;
mod cookies;
mod guest;
mod i18n;
mod limits;
mod mappers;
mod refresh;
pub mod validate;

#[cfg(test)]
mod tests;

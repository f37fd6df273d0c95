//! Facts -> Decision: the pure policy of the auth proxy.
//!
//! [`Facts`] is what the JS adapter read from the request; [`Decision`] is plain data the
//! adapter turns into a `NextResponse`. This module does no I/O: the engine
//! (`engine.rs`) finds out *who* the request is ([`AuthOutcome`]), this module decides
//! *what happens* (route protection, redirects, JSON errors, cookies, downstream headers).
//!
//! ## Stage points for the security modules (`security.rs`)
//! The engine runs, in order (see `Engine::early` / `Engine::finish`):
//! 1. `STAGE rate-limit`: before auth, on [`Facts`] only (client IP from `x_forwarded_for` /
//!    `x_real_ip`, path). May return an early [`Decision::json`] (429) with headers.
//! 2. auth (cache / backend) -> [`AuthOutcome`]
//! 3. `STAGE csrf`: after the session is known (`AuthOutcome::session`), before policy, for
//!    unsafe methods. May return an early 403 [`Decision::json`]; may add set-cookies.
//! 4. [`policy`] -> [`Decision`]
//! 5. `STAGE audit`: events `auth:success`, `auth:fail`, `auth:refresh`, `auth:guest`,
//!    `access:denied`, `error`, derived from [`AuthOutcome`] and the [`Decision`]
//!    (`Engine::audit_events` lists them; today they go to `tracing`).

use std::sync::Arc;

use napi_derive::napi;

use crate::auth::cascade::TokenSource;
use crate::auth::mappers::IssuedToken;
use crate::auth::tokens::Session;
use crate::config::{Config, UserHeader};
use crate::error::ErrorCode;
use crate::http::cookies::{self, build_set_cookie, delete_if_present};
use crate::http::return_to::{request_origin, resolve_return_to};
use crate::http::routes::{normalize_path, percent_decode, strip_locale};

/// Internal request headers the layer sets for downstream code. The adapter removes every
/// incoming copy of these (js/shared/internal-headers.js lists the same names).
pub const HEADER_AUTH_USER: &str = "x-auth-user";
pub const HEADER_REFRESHED_TOKEN: &str = "x-refreshed-token";
/// Proves that `x-refreshed-token` was set by this process's auth proxy
/// (see `tokens::sign_refreshed_token`).
pub const HEADER_REFRESHED_TOKEN_SIG: &str = "x-refreshed-token-sig";
pub const HEADER_LOCALE: &str = "x-locale";
/// Proves that `x-auth-user` was set by this process's auth proxy (see `tokens::sign_auth_user`).
pub const HEADER_AUTH_USER_SIG: &str = "x-auth-user-sig";

/// What the adapter read from one request. Header fields hold the raw header value.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub method: String,
    /// `nextUrl.pathname` (still percent-encoded).
    pub path: String,
    /// The raw query string including `?`, or empty.
    pub search: Option<String>,
    pub cookie: Option<String>,
    pub accept: Option<String>,
    pub sec_fetch_mode: Option<String>,
    pub sec_fetch_dest: Option<String>,
    pub sec_fetch_site: Option<String>,
    pub x_forwarded_for: Option<String>,
    pub x_real_ip: Option<String>,
    pub origin: Option<String>,
    pub host: Option<String>,
    pub user_agent: Option<String>,
    pub referer: Option<String>,
    pub content_type: Option<String>,
    pub x_csrf_token: Option<String>,
    /// `x-refreshed-token`, ONLY when set by this layer earlier in the chain (the proxy
    /// never passes it: client copies are stripped before anything reads them).
    pub refreshed_token: Option<String>,
    /// The socket / peer address, when the runtime exposes one (rate-limit key when no
    /// proxy is trusted; `x-forwarded-for` is never trusted by default).
    pub ip: Option<String>,
    /// The result of the user's `rateLimit.keyFn(req)`, when configured.
    pub rate_limit_key: Option<String>,
    /// A speculative prefetch (`isPrefetchRequest`): not counted by the rate limiter.
    pub prefetch: Option<bool>,
    /// The request carries one of the layer's internal headers (`x-auth-user`, ...): the
    /// adapter must rewrite the request headers to strip it, so the user header goes along.
    pub carries_internal: Option<bool>,
    /// The caller does not read `Decision::auth` (the packed hot path without the `a` flag):
    /// not built, which spares copying the user's JSON on every request.
    pub no_auth_result: Option<bool>,
}

/// The user-facing summary passed to `afterAuth(req, res, authResult)`.
#[napi(object)]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthResult {
    /// A session whose token type is in `access.allowedTokenTypes`.
    pub is_authenticated: bool,
    pub is_guest: bool,
    pub token_type: Option<String>,
    /// `JSON.stringify(user)`; the adapter parses it lazily.
    pub user_json: Option<String>,
    /// 'refreshed' | 'user' | 'guest' | undefined
    pub token_source: Option<String>,
    pub refreshed: bool,
    pub guest_created: bool,
    /// Stable error code when the backend was in trouble (`ERR_BACKEND_*`).
    pub error: Option<String>,
    pub locale: Option<String>,
    /// Why a refresh of the user token failed: 'expired' | 'revoked' | 'reuse' | 'network'
    /// | 'unknown' (next-api-layer's `RefreshFailReason`; `refresh.onRefreshFail`).
    pub refresh_fail: Option<String>,
    /// 'excluded' | 'auth-api' when the proxy skipped auth for this path.
    pub bypassed: Option<String>,
}

/// What to do with the request.
#[napi(object)]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// 'next' | 'redirect' | 'json' | 'pending' (sync call only: the backend is needed,
    /// call `decideAsync`).
    pub kind: String,
    pub status: u32,
    /// Relative, same-origin location for redirects.
    pub location: Option<String>,
    /// JSON text for `json` decisions.
    pub body: Option<String>,
    /// Full `Set-Cookie` values.
    pub set_cookies: Vec<String>,
    /// Request headers to set downstream, flat `[name, value, name, value, ...]`.
    pub request_headers: Vec<String>,
    /// Response headers, flat `[name, value, ...]`.
    pub response_headers: Vec<String>,
    pub auth: Option<AuthResult>,
}

impl Decision {
    pub fn pending() -> Self {
        Self {
            kind: "pending".into(),
            ..Default::default()
        }
    }

    pub fn next() -> Self {
        Self {
            kind: "next".into(),
            status: 200,
            ..Default::default()
        }
    }

    pub fn json(status: u32, message: &str, code: Option<&str>) -> Self {
        let mut body = serde_json::json!({ "success": false, "message": message });
        if let Some(c) = code {
            body["code"] = serde_json::Value::String(c.to_string());
        }
        Self {
            kind: "json".into(),
            status,
            body: Some(body.to_string()),
            ..Default::default()
        }
    }

    pub fn redirect(location: String) -> Self {
        Self {
            kind: "redirect".into(),
            status: 307,
            location: Some(location),
            ..Default::default()
        }
    }

    pub fn is_pending(&self) -> bool {
        self.kind == "pending"
    }

    /// Looks up a downstream request header set by this decision.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .chunks(2)
            .find(|c| c[0] == name)
            .map(|c| c[1].as_str())
    }
}

/// Which list a path falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    Public,
    Auth,
    Protected,
    /// In no list.
    Other,
}

/// Route facts computed once per request.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub is_api: bool,
    pub kind: RouteKind,
    pub excluded: bool,
    /// In `authApi.bypassPaths` (exact match).
    pub bypassed: bool,
    pub locale: Option<String>,
}

impl RouteInfo {
    pub fn new(cfg: &Config, facts: &Facts) -> Self {
        let norm = normalize_path(&facts.path);
        let (locale, stripped) = if cfg.i18n.enabled {
            strip_locale(&norm, &cfg.i18n.locales)
        } else {
            (None, &*norm)
        };
        let a = &cfg.access;
        let kind = if a.public_routes.matches(stripped) {
            RouteKind::Public
        } else if a.auth_routes.matches(stripped) {
            RouteKind::Auth
        } else if a.protected_routes.matches(stripped) {
            RouteKind::Protected
        } else {
            RouteKind::Other
        };
        let prefix = a.api_prefix.trim_end_matches('/');
        let is_api = is_under(stripped, prefix) || is_under(&norm, prefix);
        Self {
            is_api,
            kind,
            excluded: cfg.excluded_paths.matches(&norm) || cfg.excluded_paths.matches(stripped),
            bypassed: cfg
                .auth_bypass_paths
                .iter()
                .any(|p| p == &*norm || p == stripped),
            locale: locale.map(str::to_string),
        }
    }

    pub fn is_protected(&self, cfg: &Config) -> bool {
        self.kind == RouteKind::Protected
            || (cfg.access.protected_by_default && self.kind == RouteKind::Other)
    }
}

fn is_under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path == prefix
        || (path.starts_with(prefix) && path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// A token issued during this request.
#[derive(Debug, Clone)]
pub enum NewToken {
    /// A refreshed user token (and, cookie style, the rotated refresh token).
    Refreshed(IssuedToken),
    /// A new guest token.
    Guest(IssuedToken),
}

/// Who the request is, as found by the engine.
#[derive(Debug, Clone, Default)]
pub struct AuthOutcome {
    pub session: Option<Arc<Session>>,
    pub source: Option<TokenSource>,
    pub new_token: Option<NewToken>,
    /// The user token was rejected and could not be refreshed: delete user/refresh cookies.
    pub clear_user: bool,
    /// Delete the guest cookie (signed in as a user, or the guest token was rejected).
    pub clear_guest: bool,
    /// The backend was in trouble; nothing is deleted.
    pub error: Option<ErrorCode>,
    /// Why the refresh of the user token failed, when one was tried.
    pub refresh_fail: Option<crate::auth::tokens::issue::RefreshFail>,
    /// Fail closed (token reuse, or no guest fallback allowed): every auth cookie is
    /// cleared, pages go to the login page, APIs get 401.
    pub terminal: bool,
}

/// Is this request a browser navigation (or a browser asking for HTML)?
pub fn is_browser_navigation(f: &Facts) -> bool {
    match f.sec_fetch_mode.as_deref() {
        Some(m) => {
            m.eq_ignore_ascii_case("navigate") || f.sec_fetch_dest.as_deref() == Some("document")
        }
        None => f.accept.as_deref().is_some_and(|a| a.contains("text/html")),
    }
}

/// Percent-encodes a query parameter value.
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_query_value(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

fn query_param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| decode_query_value(v))
}

fn with_locale(locale: Option<&str>, path: &str) -> String {
    match locale {
        Some(l) if path == "/" => format!("/{l}"),
        Some(l) => format!("/{l}{path}"),
        None => path.to_string(),
    }
}

const USER_COOKIE_DEFAULT_MAX_AGE: i64 = 7 * 24 * 3600;

/// An oversized user (a profile field grown to megabytes) would be copied into every request's
/// headers: none is forwarded (getServerUser then asks through the cache), said once.
fn warn_user_header_too_big(len: usize, max: usize) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        eprintln!(
            "[next-api-layer-native] the validated user is {len} bytes as x-auth-user, over backend.maxUserHeaderBytes ({max}): it is not forwarded downstream (getServerUser reads it from the cache instead). Trim the user the validate endpoint returns, or raise the limit."
        );
    }
}

/// 503 for an API request the backend's trouble left without a session (`code`: ERR_BACKEND_*).
fn backend_unavailable(code: ErrorCode) -> Decision {
    Decision::json(
        503,
        "Authentication service unavailable. Please try again.",
        Some(code.as_str()),
    )
}

/// A token issued in this request: its cookie for the browser (Max-Age `age`), and the same
/// cookie in `set` for the `cookie` header downstream code reads in this request.
fn issue_cookie<'a>(
    d: &mut Decision,
    set: &mut Vec<(&'a str, &'a str)>,
    opts: &cookies::CookieOptions,
    name: &'a str,
    token: &'a str,
    age: i64,
) {
    d.set_cookies
        .extend(build_set_cookie(name, token, opts, Some(age)));
    set.push((name, token));
}

/// `x-refreshed-token` for downstream code, with the signature that makes it believable
/// outside the proxy's matcher.
fn push_refreshed_token(d: &mut Decision, token: &str) {
    d.request_headers.push(HEADER_REFRESHED_TOKEN.into());
    d.request_headers.push(token.to_string());
    d.request_headers.push(HEADER_REFRESHED_TOKEN_SIG.into());
    d.request_headers
        .push(crate::auth::tokens::sign_refreshed_token(token));
}

/// The policy: route protection, redirects, JSON errors, cookies and downstream headers.
/// Three stages, in this order: the verdict (pass, redirect or JSON error), the downstream
/// headers of who the request is, then the cookies for the browser and for server code.
pub fn policy(cfg: &Config, facts: &Facts, route: &RouteInfo, auth: &AuthOutcome) -> Decision {
    let session = auth.session.as_deref();
    let token_type = session.map(|s| s.user.token_type.as_str());
    let authenticated =
        token_type.is_some_and(|t| cfg.access.allowed_token_types.iter().any(|x| x == t));

    let mut d = verdict(cfg, facts, route, auth, authenticated);
    let locale = push_locale_header(&mut d, cfg, route, session);
    apply_cookies(&mut d, cfg, facts, auth);
    push_user_header(&mut d, cfg, facts, session);
    if facts.no_auth_result == Some(true) {
        return d;
    }

    d.auth = Some(AuthResult {
        is_authenticated: authenticated,
        is_guest: session.is_some_and(|s| s.is_guest),
        token_type: token_type.map(str::to_string),
        user_json: session.map(|s| s.user_json.clone()),
        token_source: auth.source.map(|s| s.as_str().to_string()),
        refreshed: matches!(auth.new_token, Some(NewToken::Refreshed(_))),
        guest_created: matches!(auth.new_token, Some(NewToken::Guest(_))),
        error: auth.error.map(|c| c.as_str().to_string()),
        locale,
        refresh_fail: auth.refresh_fail.map(|r| r.as_str().to_string()),
        bypassed: route.bypassed.then(|| "auth-api".to_string()),
    });
    d
}

/// Stage 1: pass the request on, redirect it (login page, or away from an auth page when
/// signed in), or answer an API request with a JSON error.
fn verdict(
    cfg: &Config,
    facts: &Facts,
    route: &RouteInfo,
    auth: &AuthOutcome,
    authenticated: bool,
) -> Decision {
    let a = &cfg.access;
    let session = auth.session.as_deref();
    let signed_in_user = session.is_some_and(|s| !s.is_guest) && authenticated;
    // Only redirects need the origin: not built (nor an Origin header parsed) for the rest.
    let origin = || request_origin(facts.host.as_deref(), facts.origin.as_deref());

    if auth.terminal && route.is_api {
        Decision::json(401, "Session expired", None)
    } else if (route.is_protected(cfg) && !authenticated) || auth.terminal {
        if route.is_api {
            match (auth.error, session) {
                (Some(code), None) => backend_unavailable(code),
                (_, Some(_)) => Decision::json(403, "Forbidden.", None),
                (None, None) => Decision::json(401, "Unauthenticated.", None),
            }
        } else {
            login_redirect(cfg, facts, route, origin().as_deref())
        }
    } else if route.kind == RouteKind::Auth && signed_in_user && !route.is_api {
        let target = facts
            .search
            .as_deref()
            .and_then(|s| query_param(s, &a.return_to_param))
            .and_then(|p| resolve_return_to(&p, origin().as_deref()))
            .unwrap_or_else(|| with_locale(route.locale.as_deref(), &a.after_login_path));
        Decision::redirect(target)
    } else if route.is_api
        && session.is_none()
        && route.kind != RouteKind::Public
        && let Some(code) = auth.error
    {
        backend_unavailable(code)
    } else if route.is_api
        && session.is_none()
        && route.kind != RouteKind::Public
        && !route.bypassed
    {
        // next-api-layer's contract: an API request with no token (and no guest token to
        // give it) is answered 401, not passed on anonymous.
        Decision::json(401, "Token not found", None)
    } else {
        Decision::next()
    }
}

/// The login page, with the page asked for as the return-to parameter (when it is a
/// same-origin path).
fn login_redirect(
    cfg: &Config,
    facts: &Facts,
    route: &RouteInfo,
    origin: Option<&str>,
) -> Decision {
    let a = &cfg.access;
    let mut back = facts.path.clone();
    if let Some(s) = facts.search.as_deref().filter(|s| s.len() > 1) {
        if !s.starts_with('?') {
            back.push('?');
        }
        back.push_str(s);
    }
    let login = with_locale(route.locale.as_deref(), &a.login_path);
    let sep = if login.contains('?') { '&' } else { '?' };
    match resolve_return_to(&back, origin) {
        Some(p) => Decision::redirect(format!(
            "{login}{sep}{}={}",
            encode_query_value(&a.return_to_param),
            encode_query_value(&p)
        )),
        None => Decision::redirect(login),
    }
}

/// Stage 2: the request's locale (returned), passed downstream as `x-locale` with a session
/// (only meaningful for `next`, harmless otherwise). The user header is stage 4.
fn push_locale_header(
    d: &mut Decision,
    cfg: &Config,
    route: &RouteInfo,
    session: Option<&Session>,
) -> Option<String> {
    // The locale of the path prefix, else the default locale (i18n on).
    let locale = route.locale.clone().or_else(|| {
        cfg.i18n
            .enabled
            .then(|| cfg.i18n.default_locale.clone())
            .flatten()
    });
    // Forwarded with a session only, as next-api-layer forwards it (a request with no
    // valid token goes on without `x-locale`).
    if let Some(l) = locale.as_ref().filter(|_| session.is_some()) {
        d.request_headers.push(HEADER_LOCALE.into());
        d.request_headers.push(l.clone());
    }
    locale
}

/// Stage 4: the signed `x-auth-user` for downstream code. With `userHeader: 'auto'` it travels only
/// when the request is rewritten anyway (a header above, a rewritten cookie, or a client's
/// internal header to strip): rewriting the request headers costs Next.js more than our whole
/// decision, and on an unchanged request downstream helpers read the same user from this
/// engine's cache by the request's own cookie. Without a cache (`cache.ttl: 0`) that lookup
/// would be a second backend call, so the header always travels.
fn push_user_header(d: &mut Decision, cfg: &Config, facts: &Facts, session: Option<&Session>) {
    let Some(s) = session else { return };
    let rewritten = !d.request_headers.is_empty() || facts.carries_internal == Some(true);
    if cfg.user_header == UserHeader::Auto && !rewritten && !cfg.cache_ttl.is_zero() {
        return;
    }
    if s.x_auth_user.len() <= cfg.max_user_header_bytes {
        d.request_headers.push(HEADER_AUTH_USER.into());
        d.request_headers.push(s.x_auth_user.clone());
        d.request_headers.push(HEADER_AUTH_USER_SIG.into());
        d.request_headers.push(s.x_auth_sig.clone());
    } else {
        warn_user_header_too_big(s.x_auth_user.len(), cfg.max_user_header_bytes);
    }
}

/// Stage 3: cookies issued or cleared for the browser, and the `cookie` header server code
/// reads in this request rewritten to match.
fn apply_cookies(d: &mut Decision, cfg: &Config, facts: &Facts, auth: &AuthOutcome) {
    // Cookies.
    let opts = &cfg.cookie_options;
    let header = facts.cookie.as_deref();
    let mut set: Vec<(&str, &str)> = Vec::new();
    let mut remove: Vec<&str> = Vec::new();
    match &auth.new_token {
        Some(NewToken::Refreshed(t)) => {
            let age = cfg
                .user_cookie_max_age
                .unwrap_or(USER_COOKIE_DEFAULT_MAX_AGE);
            issue_cookie(d, &mut set, opts, &cfg.user_cookie, &t.token, age);
            if let Some(rt) = &t.refresh_token
                && cfg.refresh.style == crate::config::RefreshStyle::Cookie
            {
                let rage = cfg.refresh.cookie_max_age.unwrap_or(age);
                let ropts = &cfg.refresh.cookie_options;
                issue_cookie(d, &mut set, ropts, &cfg.refresh.cookie, rt, rage);
            }
            push_refreshed_token(d, &t.token);
        }
        Some(NewToken::Guest(t)) => {
            let age = cfg.guest.ttl_seconds;
            issue_cookie(d, &mut set, opts, &cfg.guest_cookie, &t.token, age);
            push_refreshed_token(d, &t.token);
        }
        None => {}
    }
    if auth.clear_user && auth.error.is_none() {
        d.set_cookies
            .extend(delete_if_present(header, &cfg.user_cookie, opts));
        remove.push(&cfg.user_cookie);
        if cfg.refresh.style == crate::config::RefreshStyle::Cookie {
            d.set_cookies.extend(delete_if_present(
                header,
                &cfg.refresh.cookie,
                &cfg.refresh.cookie_options,
            ));
            remove.push(&cfg.refresh.cookie);
        }
    }
    // An auth cookie sent twice counts as absent here (`get_cookie`); remove every copy from
    // what server code reads too, so `cookies()` cannot pick one of them behind our back.
    if let Some(h) = header {
        let names = [&*cfg.user_cookie, &cfg.guest_cookie, &cfg.refresh.cookie];
        let seen = cookies::scan(h, names);
        for (name, seen) in names.into_iter().zip(seen) {
            if seen.duplicated() && !remove.contains(&name) {
                remove.push(name);
            }
        }
    }
    if auth.clear_guest
        && auth.error.is_none()
        && !matches!(auth.new_token, Some(NewToken::Guest(_)))
    {
        d.set_cookies
            .extend(delete_if_present(header, &cfg.guest_cookie, opts));
        remove.push(&cfg.guest_cookie);
    }
    if !set.is_empty()
        || (!remove.is_empty()
            && header.is_some_and(|h| remove.iter().any(|n| cookies::has_cookie(h, n))))
    {
        d.request_headers.push("cookie".into());
        d.request_headers
            .push(cookies::rewrite_cookie_header(header, &set, &remove));
    }
}

#[cfg(test)]
mod tests;

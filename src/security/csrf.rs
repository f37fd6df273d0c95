//! CSRF protection: Fetch Metadata and an HMAC-signed, session-bound double-submit token.
//!
//! * Fetch Metadata (`Sec-Fetch-Site`): `same-origin` and `none` (user-initiated) pass;
//!   `cross-site` fails; `same-site` passes only with `trustSameSite`. When the header is
//!   missing (old browsers, non-browser clients), an `Origin` that differs from the
//!   request's own origin fails; under `both`, the double-submit token decides instead.
//! * Double-submit: token = `base64url(nonce) "." base64url(HMAC-SHA256(secret,
//!   len(session) || session || nonce))`, bound to the session (the user id, or a hash of
//!   the token for sessions without one). It is set as a readable (not `HttpOnly`) cookie;
//!   the client echoes it in a header. Validation requires cookie == header (constant-time)
//!   **and** a valid HMAC for the current session (verified by `hmac`'s constant-time
//!   `verify_slice`), so a token minted for another session, a tampered token and a token
//!   of the right shape with a wrong signature are all refused.

use std::sync::{Once, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{LayerError, Result};
use crate::http::cookies::{CookieOptions, build_set_cookie, get_cookie};

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 16;
const MAC_LEN: usize = 32;
/// base64url without padding: 16 bytes -> 22 chars, 32 bytes -> 43 chars.
const TOKEN_LEN: usize = 22 + 1 + 43;
/// Minimum length of a configured secret.
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    FetchMetadata,
    DoubleSubmit,
    Both,
}

impl Strategy {
    pub fn uses_double_submit(self) -> bool {
        matches!(self, Strategy::DoubleSubmit | Strategy::Both)
    }
    pub fn uses_fetch_metadata(self) -> bool {
        matches!(self, Strategy::FetchMetadata | Strategy::Both)
    }
}

/// `csrf` options, validated once at construction.
#[derive(Clone, PartialEq)]
pub struct CsrfConfig {
    pub enabled: bool,
    pub strategy: Strategy,
    pub cookie_name: String,
    /// Lower-case header name.
    pub header_name: String,
    /// Upper-case method names that are never checked.
    pub ignore_methods: Vec<String>,
    pub trust_same_site: bool,
    secret: Vec<u8>,
    /// True when no secret was configured and the per-process random one is used.
    pub generated_secret: bool,
}

impl std::fmt::Debug for CsrfConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsrfConfig")
            .field("enabled", &self.enabled)
            .field("strategy", &self.strategy)
            .field("cookie_name", &self.cookie_name)
            .field("header_name", &self.header_name)
            .field("ignore_methods", &self.ignore_methods)
            .field("trust_same_site", &self.trust_same_site)
            .field("secret", &"[redacted]")
            .field("generated_secret", &self.generated_secret)
            .finish()
    }
}

/// A random secret, the same for every engine of this process (so tokens survive an
/// engine being rebuilt, e.g. on hot reload), never written anywhere.
fn process_secret() -> &'static [u8; 32] {
    static SECRET: OnceLock<[u8; 32]> = OnceLock::new();
    SECRET.get_or_init(|| {
        let mut s = [0u8; 32];
        rand::rng().fill_bytes(&mut s);
        s
    })
}

fn warn_short_secret() {
    tracing::warn!(target: "next_api_layer::csrf", "csrf.secret is shorter than {MIN_SECRET_LEN} characters");
    eprintln!(
        "[next-api-layer-native] csrf.secret is shorter than {MIN_SECRET_LEN} characters: \
         accepted outside production only; production refuses it. Use at least \
         {MIN_SECRET_LEN} random characters."
    );
}

fn warn_generated_secret(empty: bool) {
    static WARNED: Once = Once::new();
    let state = if empty { "is empty" } else { "is not set" };
    WARNED.call_once(|| {
        tracing::warn!(
            target: "next_api_layer::csrf",
            "csrf.secret {state}: using a random per-process secret (development only)"
        );
        eprintln!(
            "[next-api-layer-native] csrf.secret {state}: using a random per-process \
             secret. CSRF tokens are invalidated on restart and differ between instances; \
             set CSRF_SECRET (at least {MIN_SECRET_LEN} random characters) before production."
        );
    });
}

fn opt_str<'a>(v: Option<&'a Value>, option: &str) -> Result<Option<&'a str>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(LayerError::config(option, "must be a string")),
    }
}

fn valid_token_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The keys of the `csrf` option.
const KNOWN_OPTIONS: &[&str] = &[
    "enabled",
    "strategy",
    "cookieName",
    "headerName",
    "ignoreMethods",
    "trustSameSite",
    "secret",
];

impl CsrfConfig {
    /// Parses the `csrf` option. `production` is `NODE_ENV === 'production'`: there, a
    /// strategy using double-submit requires `csrf.secret`.
    pub fn from_json(value: Option<&Value>, production: bool) -> Result<Self> {
        let mut cfg = CsrfConfig {
            enabled: false,
            strategy: Strategy::Both,
            cookie_name: "__csrf".into(),
            header_name: "x-csrf-token".into(),
            ignore_methods: vec!["GET".into(), "HEAD".into(), "OPTIONS".into()],
            trust_same_site: false,
            secret: Vec::new(),
            generated_secret: false,
        };
        let (enabled, obj) = crate::config::feature_section(value, "csrf", KNOWN_OPTIONS)?;
        if !enabled && obj.is_none() {
            return Ok(cfg);
        }
        cfg.enabled = enabled;
        let empty = serde_json::Map::new();
        let obj = obj.unwrap_or(&empty);
        if let Some(s) = opt_str(obj.get("strategy"), "csrf.strategy")? {
            cfg.strategy = match s {
                "fetch-metadata" => Strategy::FetchMetadata,
                "double-submit" => Strategy::DoubleSubmit,
                "both" => Strategy::Both,
                _ => {
                    return Err(LayerError::config(
                        "csrf.strategy",
                        "must be 'fetch-metadata', 'double-submit' or 'both'",
                    ));
                }
            };
        }
        if let Some(s) = opt_str(obj.get("cookieName"), "csrf.cookieName")? {
            if !crate::http::cookies::is_valid_cookie_name(s) {
                return Err(LayerError::config(
                    "csrf.cookieName",
                    "is not a valid cookie name",
                ));
            }
            cfg.cookie_name = s.to_string();
        }
        if let Some(s) = opt_str(obj.get("headerName"), "csrf.headerName")? {
            if !valid_token_name(s) {
                return Err(LayerError::config(
                    "csrf.headerName",
                    "is not a valid header name",
                ));
            }
            cfg.header_name = s.to_ascii_lowercase();
        }
        match obj.get("ignoreMethods") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                cfg.ignore_methods = items
                    .iter()
                    .enumerate()
                    .map(|(i, m)| match m.as_str() {
                        Some(s) if valid_token_name(s) => Ok(s.to_ascii_uppercase()),
                        _ => Err(LayerError::config(
                            &format!("csrf.ignoreMethods[{i}]"),
                            "must be an HTTP method name",
                        )),
                    })
                    .collect::<Result<_>>()?;
            }
            Some(_) => {
                return Err(LayerError::config(
                    "csrf.ignoreMethods",
                    "must be an array of HTTP method names",
                ));
            }
        }
        cfg.trust_same_site = match obj.get("trustSameSite") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(LayerError::config(
                    "csrf.trustSameSite",
                    "must be a boolean",
                ));
            }
        };
        // An empty value is an unset one: `CSRF_SECRET=` copied from an example .env file must
        // not make every page fail (development gets the random secret, production the error).
        let given = opt_str(obj.get("secret"), "csrf.secret")?;
        let empty = given.is_some_and(|s| s.trim().is_empty());
        match given.filter(|s| !s.trim().is_empty()) {
            Some(s) if s.len() >= MIN_SECRET_LEN => cfg.secret = s.as_bytes().to_vec(),
            Some(_) if production => {
                return Err(LayerError::config(
                    "csrf.secret",
                    format!("must be at least {MIN_SECRET_LEN} characters long in production"),
                ));
            }
            // next-api-layer accepts any secret; outside production a short one (a
            // placeholder in a .env) still works, with a warning, so a migrating app starts.
            Some(s) => {
                warn_short_secret();
                cfg.secret = s.as_bytes().to_vec();
            }
            None if cfg.enabled && cfg.strategy.uses_double_submit() && production => {
                return Err(LayerError::config(
                    "csrf.secret",
                    format!(
                        "is {} but required in production when the 'double-submit' or 'both' \
                         strategy is used: set the CSRF_SECRET environment variable (at least \
                         {MIN_SECRET_LEN} random characters; `npx next-api-layer-native init` \
                         writes one into .env.local) and pass it as csrf: {{ secret: \
                         process.env.CSRF_SECRET }}",
                        if empty { "empty" } else { "not set" }
                    ),
                ));
            }
            None => {
                cfg.secret = process_secret().to_vec();
                cfg.generated_secret = true;
            }
        }
        if cfg.enabled && cfg.generated_secret && cfg.strategy.uses_double_submit() {
            warn_generated_secret(empty);
        }
        Ok(cfg)
    }
}

/// The session a token is bound to: the user id when known, else a hash of the token
/// (so the raw token never becomes part of anything stored or logged), else anonymous.
pub fn session_id(user_id: Option<&str>, token: Option<&str>) -> String {
    if let Some(id) = user_id.filter(|s| !s.is_empty()) {
        return format!("u:{id}");
    }
    if let Some(t) = token.filter(|s| !s.is_empty()) {
        let digest = Sha256::digest(t.as_bytes());
        return format!("t:{}", URL_SAFE_NO_PAD.encode(&digest[..16]));
    }
    "anon".to_string()
}

/// Why a request was refused (the `reason` of the `csrf:fail` audit event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrfFailure {
    CrossSite,
    SameSiteNotTrusted,
    OriginMismatch,
    MissingCookie,
    MissingHeader,
    TokenMismatch,
    MalformedToken,
    InvalidSignature,
}

impl CsrfFailure {
    /// The reason as `next-api-layer` names it (its `csrf:fail` audit events carry the same
    /// strings, so a migrating app's dashboards and alerts keep matching). Checks the
    /// original does not make map to the nearest of its names: a foreign `Origin` is a
    /// `cross-site-request`, a token signed for another session an `invalid-token-format`.
    pub fn reason(self) -> &'static str {
        match self {
            CsrfFailure::CrossSite | CsrfFailure::OriginMismatch => "cross-site-request",
            CsrfFailure::SameSiteNotTrusted => "same-site-not-trusted",
            CsrfFailure::MissingCookie => "missing-cookie-token",
            CsrfFailure::MissingHeader => "missing-header-token",
            CsrfFailure::TokenMismatch => "token-mismatch",
            CsrfFailure::MalformedToken | CsrfFailure::InvalidSignature => "invalid-token-format",
        }
    }
}

/// What the adapter read from the request for the CSRF check.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsrfFacts<'a> {
    pub method: &'a str,
    /// `Sec-Fetch-Site`.
    pub sec_fetch_site: Option<&'a str>,
    /// `Origin`.
    pub origin: Option<&'a str>,
    /// The request's own origin or host (`Host` header), to compare `Origin`'s host with.
    pub self_origin: Option<&'a str>,
    /// The `Cookie` header.
    pub cookie_header: Option<&'a str>,
    /// The configured CSRF header's value.
    pub header_token: Option<&'a str>,
}

/// `https://app.example:3000/` -> `app.example:3000`.
fn authority(s: &str) -> &str {
    let s = s.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    s.split('/').next().unwrap_or(s)
}

/// The outcome of [`Csrf::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsrfCheck {
    /// `Err` => answer 403 `{ success: false, message }` and emit `csrf:fail`.
    pub result: std::result::Result<(), CsrfFailure>,
    /// A fresh token to set as the (readable) CSRF cookie, when the request carried none
    /// valid for the current session.
    pub new_token: Option<String>,
}

// Counts calls to the constant-time comparison (tests prove every verification uses it).
#[cfg(test)]
thread_local! {
    static CT_CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Constant-time equality of two byte strings (length is not secret).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    #[cfg(test)]
    CT_CALLS.with(|c| c.set(c.get() + 1));
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The CSRF checker of one engine.
pub struct Csrf {
    config: CsrfConfig,
}

impl Csrf {
    pub fn new(config: CsrfConfig) -> Self {
        Csrf { config }
    }

    pub fn config(&self) -> &CsrfConfig {
        &self.config
    }

    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    fn mac(&self, session: &str, nonce: &[u8]) -> HmacSha256 {
        // Keys of any length are accepted by HMAC.
        let mut mac = HmacSha256::new_from_slice(&self.config.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(&(session.len() as u32).to_be_bytes());
        mac.update(session.as_bytes());
        mac.update(nonce);
        mac
    }

    /// A new token bound to `session`.
    pub fn mint(&self, session: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let tag = self.mac(session, &nonce).finalize().into_bytes();
        let mut out = String::with_capacity(TOKEN_LEN);
        URL_SAFE_NO_PAD.encode_string(nonce, &mut out);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        out
    }

    /// Verifies that `token` was minted by this secret for `session` (constant time).
    pub fn verify(&self, session: &str, token: &str) -> std::result::Result<(), CsrfFailure> {
        if token.len() != TOKEN_LEN {
            return Err(CsrfFailure::MalformedToken);
        }
        let (n, t) = token.split_once('.').ok_or(CsrfFailure::MalformedToken)?;
        let nonce = URL_SAFE_NO_PAD
            .decode(n)
            .map_err(|_| CsrfFailure::MalformedToken)?;
        let tag = URL_SAFE_NO_PAD
            .decode(t)
            .map_err(|_| CsrfFailure::MalformedToken)?;
        if nonce.len() != NONCE_LEN || tag.len() != MAC_LEN {
            return Err(CsrfFailure::MalformedToken);
        }
        let expected = self.mac(session, &nonce).finalize().into_bytes();
        if ct_eq(&expected, &tag) {
            Ok(())
        } else {
            Err(CsrfFailure::InvalidSignature)
        }
    }

    /// The `Set-Cookie` value for a token: readable by client JS (not `HttpOnly`), the
    /// other attributes from the engine's cookie options.
    pub fn set_cookie(&self, token: &str, opts: &CookieOptions) -> Option<String> {
        let opts = CookieOptions {
            http_only: false,
            ..opts.clone()
        };
        build_set_cookie(&self.config.cookie_name, token, &opts, None)
    }

    fn double_submit(
        &self,
        session: &str,
        cookie: Option<&str>,
        header: Option<&str>,
    ) -> std::result::Result<(), CsrfFailure> {
        let cookie = cookie
            .filter(|s| !s.is_empty())
            .ok_or(CsrfFailure::MissingCookie)?;
        let header = header
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(CsrfFailure::MissingHeader)?;
        if !ct_eq(cookie.as_bytes(), header.as_bytes()) {
            return Err(CsrfFailure::TokenMismatch);
        }
        self.verify(session, cookie)
    }

    /// Checks one request for the current `session` (see [`session_id`]).
    pub fn check(&self, facts: &CsrfFacts<'_>, session: &str) -> CsrfCheck {
        if !self.config.enabled {
            return CsrfCheck {
                result: Ok(()),
                new_token: None,
            };
        }
        let cookie = facts
            .cookie_header
            .and_then(|h| get_cookie(h, &self.config.cookie_name));
        let ignored = self
            .config
            .ignore_methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(facts.method));
        let result = if ignored {
            Ok(())
        } else {
            self.check_unsafe(facts, session, cookie)
        };
        // Keep a token valid for this session in the cookie (after a login the old one
        // belongs to another session), so the client always has one to echo.
        let new_token = if self.config.strategy.uses_double_submit()
            && cookie.is_none_or(|c| self.verify(session, c).is_err())
        {
            Some(self.mint(session))
        } else {
            None
        };
        CsrfCheck { result, new_token }
    }

    fn check_unsafe(
        &self,
        facts: &CsrfFacts<'_>,
        session: &str,
        cookie: Option<&str>,
    ) -> std::result::Result<(), CsrfFailure> {
        let strategy = self.config.strategy;
        if strategy == Strategy::DoubleSubmit {
            return self.double_submit(session, cookie, facts.header_token);
        }
        let site = facts
            .sec_fetch_site
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty());
        match site.as_deref() {
            Some("same-origin") | Some("none") => Ok(()),
            Some("same-site") if self.config.trust_same_site => Ok(()),
            Some("same-site") if strategy == Strategy::Both => {
                self.double_submit(session, cookie, facts.header_token)
            }
            Some("same-site") => Err(CsrfFailure::SameSiteNotTrusted),
            // `cross-site` and any unknown value.
            Some(_) => Err(CsrfFailure::CrossSite),
            None => {
                if let (Some(origin), Some(own)) = (facts.origin, facts.self_origin)
                    && !origin.eq_ignore_ascii_case("null")
                    && !authority(origin).eq_ignore_ascii_case(authority(own))
                {
                    return Err(CsrfFailure::OriginMismatch);
                }
                if facts.origin.is_some_and(|o| o.eq_ignore_ascii_case("null")) {
                    return Err(CsrfFailure::OriginMismatch);
                }
                if strategy == Strategy::Both {
                    self.double_submit(session, cookie, facts.header_token)
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! The per-request decision of the catch-all API proxy (`createProxyHandler`): which backend
//! URL (confined to `apiBaseUrl` by [`pathsafe`](super::pathsafe)) and which token, if any, by
//! the method, `publicEndpoints`, `skipAuthByDefault` and the client's `x-skip-auth`.

use crate::auth::cascade::{PickedToken, pick_token};
use crate::error::{LayerError, Result};
use crate::http::cookies::is_valid_cookie_name;
use crate::http::pathsafe::{BaseUrl, PathInput, SafeTarget};
use crate::http::routes::{RouteSet, normalize_path};

/// Methods the catch-all handler forwards.
pub const PROXY_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The declarative part of `createProxyHandler`'s config, validated once.
#[derive(Debug, Clone)]
pub struct ProxyPolicy {
    base: BaseUrl,
    user_cookie: String,
    guest_cookie: String,
    skip_auth_by_default: bool,
    trailing_slash: bool,
    public: RouteSet,
}

/// Raw config as the adapter hands it over.
#[derive(Debug, Clone, Default)]
pub struct ProxyPolicyConfig {
    pub api_base_url: String,
    pub user_cookie_name: Option<String>,
    pub guest_cookie_name: Option<String>,
    pub skip_auth_by_default: bool,
    pub public_endpoints: Vec<String>,
    /// Append `/` to every forwarded path (default false).
    pub trailing_slash: bool,
}

/// What the adapter read from the request.
#[derive(Debug, Clone, Copy)]
pub struct ProxyRequest<'a> {
    pub path: PathInput<'a>,
    pub query: &'a str,
    pub method: &'a str,
    pub cookie_header: Option<&'a str>,
    pub refreshed_token: Option<&'a str>,
    pub skip_auth_header: Option<&'a str>,
}

/// The outcome for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyDecision<'a> {
    /// Refuse with this status (400 bad path/query, 405 unknown method).
    Reject {
        status: u16,
        code: &'static str,
        message: &'static str,
    },
    Forward {
        target: SafeTarget,
        /// The token to send as `Authorization: Bearer`, when auth applies and one exists.
        token: Option<PickedToken<'a>>,
        /// Whether the path matched `publicEndpoints`.
        public: bool,
        /// Whether auth applied to this call (a token was looked for).
        auth: bool,
        /// Whether the request body is forwarded (not for GET/HEAD).
        has_body: bool,
    },
}

impl ProxyPolicy {
    pub fn new(cfg: &ProxyPolicyConfig) -> Result<Self> {
        let base = BaseUrl::parse("apiBaseUrl", &cfg.api_base_url)?;
        let cookie = |option: &str, v: &Option<String>, default: &str| -> Result<String> {
            let name = v.as_deref().unwrap_or(default);
            if !is_valid_cookie_name(name) {
                return Err(LayerError::config(option, "must be a valid cookie name"));
            }
            Ok(name.to_string())
        };
        let user_cookie = cookie("userCookieName", &cfg.user_cookie_name, "userToken")?;
        let guest_cookie = cookie("guestCookieName", &cfg.guest_cookie_name, "guestToken")?;
        let public = RouteSet::parse(&cfg.public_endpoints).map_err(|e| {
            LayerError::config("publicEndpoints", format!("has a bad pattern: {e}"))
        })?;
        Ok(Self {
            base,
            user_cookie,
            guest_cookie,
            skip_auth_by_default: cfg.skip_auth_by_default,
            trailing_slash: cfg.trailing_slash,
            public,
        })
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Decides one request. Auth rules:
    /// * an endpoint NOT in `publicEndpoints` always gets the token from the cascade
    ///   (`x-skip-auth` is ignored: a client cannot strip auth from a protected call);
    /// * a public endpoint gets no token when `skipAuthByDefault` is on (and a client cannot
    ///   add one), and otherwise gets the token unless the client sent `x-skip-auth: true`.
    pub fn decide<'a>(&self, req: &ProxyRequest<'a>) -> ProxyDecision<'a> {
        let method = req.method;
        if !PROXY_METHODS.contains(&method) {
            return ProxyDecision::Reject {
                status: 405,
                code: "ERR_METHOD_NOT_ALLOWED",
                message: "Method not allowed.",
            };
        }
        let target = match self
            .base
            .target_with(req.path, req.query, self.trailing_slash)
        {
            Ok(t) => t,
            Err(r) => {
                return ProxyDecision::Reject {
                    status: 400,
                    code: r.code(),
                    message: r.message(),
                };
            }
        };
        let match_path = if target.path.is_empty() {
            "/".to_string()
        } else {
            normalize_path(&target.path).into_owned()
        };
        let public = self.public.matches(&match_path);
        let client_skips = req.skip_auth_header.is_some_and(header_is_true);
        let auth = !public || !(self.skip_auth_by_default || client_skips);
        let token = if auth {
            pick_token(
                req.refreshed_token,
                req.cookie_header,
                &self.user_cookie,
                &self.guest_cookie,
            )
            .filter(|t| is_valid_header_token(t.token))
        } else {
            None
        };
        ProxyDecision::Forward {
            target,
            token,
            public,
            auth,
            has_body: method != "GET" && method != "HEAD",
        }
    }
}

fn header_is_true(v: &str) -> bool {
    let v = v.trim();
    v.eq_ignore_ascii_case("true") || v == "1" || v.eq_ignore_ascii_case("yes")
}

/// A token must fit into a header value (no CR/LF/control characters, visible ASCII).
fn is_valid_header_token(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests;

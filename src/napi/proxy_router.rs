//! The catch-all proxy (`createProxyHandler`): path safety, token cascade and auth rules.

use napi_derive::napi;

use crate::error;
use crate::http::{pathsafe, proxy_policy};

/// The client address by the rate limiter's trusted-proxy rule (`trustedProxies` entries of
/// `x-forwarded-for` from the right, else `x-real-ip` from a trusted proxy, else the peer), or
/// `null`: what the catch-all forwards instead of the client's own forwarding headers.
#[napi]
pub fn client_address(
    trusted_proxies: u32,
    x_forwarded_for: Option<String>,
    x_real_ip: Option<String>,
    peer_ip: Option<String>,
) -> Option<String> {
    let facts = crate::security::ratelimit::KeyFacts {
        custom_key: None,
        peer_ip: peer_ip.as_deref(),
        forwarded_for: x_forwarded_for.as_deref(),
        real_ip: x_real_ip.as_deref(),
    };
    crate::security::ratelimit::client_addr(&facts, trusted_proxies.min(16) as usize)
        .map(|ip| ip.to_string())
}

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
    policy: proxy_policy::ProxyPolicy,
}

#[napi]
impl ProxyRouter {
    #[napi(constructor)]
    pub fn new(options: ProxyRouterOptions) -> napi::Result<Self, error::ErrorCode> {
        let policy = proxy_policy::ProxyPolicy::new(&proxy_policy::ProxyPolicyConfig {
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
        let req = proxy_policy::ProxyRequest {
            path,
            query: facts.query.as_deref().unwrap_or(""),
            method: &facts.method,
            cookie_header: facts.cookie.as_deref(),
            refreshed_token: facts.refreshed_token.as_deref(),
            skip_auth_header: facts.skip_auth.as_deref(),
        };
        match self.policy.decide(&req) {
            proxy_policy::ProxyDecision::Reject {
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
            proxy_policy::ProxyDecision::Forward {
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

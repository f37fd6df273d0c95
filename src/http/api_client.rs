//! The native half of `createApiClient`: per-request planning (which token, is the endpoint
//! public, is sanitization skipped for it) in one call, and the response sanitizer.
//!
//! Built once per client configuration. The token cascade is the engine's
//! ([`crate::auth::cascade::pick_token`]); endpoint globs are the engine's route patterns
//! ([`crate::http::routes`]), applied to the endpoint path with a leading `/` (so `news/*` and
//! `/news/*` mean the same).

use std::sync::Arc;

use serde_json::Value;

use crate::auth::cascade::pick_token;
use crate::error::LayerError;
use crate::http::cookies::is_valid_cookie_name;
use crate::http::routes::{RouteSet, normalize_path};
use crate::sanitize::{SanitizeConfig, Sanitizer};

/// Declarative options of `createApiClient` that Rust decides on.
#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    /// default `userToken`
    pub user_cookie: Option<String>,
    /// default `guestToken`
    pub guest_cookie: Option<String>,
    pub skip_auth_by_default: bool,
    pub public_endpoints: Vec<String>,
    pub skip_sanitize_endpoints: Vec<String>,
    pub sanitization: Value,
}

/// What one request needs to know.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts<'a> {
    pub endpoint: &'a str,
    pub refreshed_token: Option<&'a str>,
    pub cookie_header: Option<&'a str>,
    /// per-request `skipAuth`; `Some(false)` forces auth even for a public endpoint
    pub skip_auth: Option<bool>,
}

/// The plan for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPlan {
    /// whether a token is needed (false for public endpoints / skipAuth / skipByDefault)
    pub auth: bool,
    pub token: Option<String>,
    /// 'refreshed' | 'user' | 'guest'
    pub token_source: Option<&'static str>,
    pub is_public: bool,
    /// false when the endpoint matches `sanitization.skipEndpoints` or sanitization is off
    pub sanitize: bool,
}

pub struct ClientCore {
    user_cookie: String,
    guest_cookie: String,
    skip_auth_by_default: bool,
    public: RouteSet,
    skip_sanitize: RouteSet,
    sanitizer: Arc<Sanitizer>,
}

fn with_slash(p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    }
}

/// The path part of an endpoint (`posts/1?x=1` -> `/posts/1`), normalised for matching.
fn endpoint_path(endpoint: &str) -> String {
    let end = endpoint.find(['?', '#']).unwrap_or(endpoint.len());
    normalize_path(&with_slash(&endpoint[..end])).into_owned()
}

/// The configured cookie name, or its default; checked as an RFC 6265 cookie name.
fn cookie_name(name: &Option<String>, default: &str, option: &str) -> Result<String, LayerError> {
    let name = name.as_deref().unwrap_or(default);
    if !is_valid_cookie_name(name) {
        return Err(LayerError::config(option, "must be a valid cookie name"));
    }
    Ok(name.to_string())
}

impl ClientCore {
    pub fn new(cfg: &ClientConfig) -> Result<Self, LayerError> {
        let user_cookie = cookie_name(&cfg.user_cookie, "userToken", "cookies.user")?;
        let guest_cookie = cookie_name(&cfg.guest_cookie, "guestToken", "cookies.guest")?;
        let public: Vec<String> = cfg.public_endpoints.iter().map(|p| with_slash(p)).collect();
        let public = RouteSet::parse(&public).map_err(|e| {
            LayerError::config("auth.publicEndpoints", format!("has a bad pattern: {e}"))
        })?;
        let skip: Vec<String> = cfg
            .skip_sanitize_endpoints
            .iter()
            .map(|p| with_slash(p))
            .collect();
        let skip_sanitize = RouteSet::parse(&skip).map_err(|e| {
            LayerError::config(
                "sanitization.skipEndpoints",
                format!("has a bad pattern: {e}"),
            )
        })?;
        let sconf = SanitizeConfig::from_json(&cfg.sanitization, "sanitization")?;
        Ok(Self {
            user_cookie,
            guest_cookie,
            skip_auth_by_default: cfg.skip_auth_by_default,
            public,
            skip_sanitize,
            sanitizer: Arc::new(Sanitizer::new(&sconf)),
        })
    }

    pub fn sanitizer(&self) -> &Arc<Sanitizer> {
        &self.sanitizer
    }

    pub fn plan(&self, facts: &RequestFacts<'_>) -> RequestPlan {
        let path = endpoint_path(facts.endpoint);
        let is_public = !self.public.is_empty() && self.public.matches(&path);
        let auth = match facts.skip_auth {
            Some(skip) => !skip,
            None => !(self.skip_auth_by_default || is_public),
        };
        // A public or skipped request goes out without credentials: a public endpoint never
        // sees the user's token.
        let picked = if auth {
            pick_token(
                facts.refreshed_token,
                facts.cookie_header,
                &self.user_cookie,
                &self.guest_cookie,
            )
        } else {
            None
        };
        let sanitize = self.sanitizer.enabled()
            && (self.skip_sanitize.is_empty() || !self.skip_sanitize.matches(&path));
        RequestPlan {
            auth,
            token: picked.map(|p| p.token.to_string()),
            token_source: picked.map(|p| p.source.as_str()),
            is_public,
            sanitize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn core(public: &[&str], skip: &[&str], by_default: bool) -> ClientCore {
        ClientCore::new(&ClientConfig {
            user_cookie: Some("userToken".into()),
            guest_cookie: Some("guestToken".into()),
            skip_auth_by_default: by_default,
            public_endpoints: public.iter().map(|s| s.to_string()).collect(),
            skip_sanitize_endpoints: skip.iter().map(|s| s.to_string()).collect(),
            sanitization: json!({}),
        })
        .unwrap()
    }

    fn facts<'a>(endpoint: &'a str, cookie: Option<&'a str>) -> RequestFacts<'a> {
        RequestFacts {
            endpoint,
            refreshed_token: None,
            cookie_header: cookie,
            skip_auth: None,
        }
    }

    #[test]
    fn cascade_order_and_sources() {
        let c = core(&[], &[], false);
        let cookie = Some("guestToken=g; userToken=u");
        let mut f = facts("profile", cookie);
        f.refreshed_token = Some("r");
        let p = c.plan(&f);
        assert_eq!(
            (p.token.as_deref(), p.token_source),
            (Some("r"), Some("refreshed"))
        );
        let p = c.plan(&facts("profile", cookie));
        assert_eq!(
            (p.token.as_deref(), p.token_source),
            (Some("u"), Some("user"))
        );
        let p = c.plan(&facts("profile", Some("guestToken=g")));
        assert_eq!(
            (p.token.as_deref(), p.token_source),
            (Some("g"), Some("guest"))
        );
        let p = c.plan(&facts("profile", None));
        assert!(p.auth && p.token.is_none());
    }

    #[test]
    fn public_endpoints_and_skip_auth() {
        let c = core(&["posts", "posts/*", "public/**"], &[], false);
        let cookie = Some("userToken=u");
        for e in ["posts", "/posts/1", "posts/1?x=1", "public/a/b/c", "public"] {
            let p = c.plan(&facts(e, cookie));
            assert!(p.is_public && !p.auth && p.token.is_none(), "{e}");
        }
        for e in ["posts/1/comments", "profile", "postsx"] {
            let p = c.plan(&facts(e, cookie));
            assert!(!p.is_public && p.auth && p.token.is_some(), "{e}");
        }
        // traversal cannot make a private endpoint look public
        assert!(!c.plan(&facts("public/../profile", cookie)).is_public);
        // per-request override wins both ways
        let mut f = facts("posts", cookie);
        f.skip_auth = Some(false);
        assert_eq!(c.plan(&f).token.as_deref(), Some("u"));
        let mut f = facts("profile", cookie);
        f.skip_auth = Some(true);
        assert!(c.plan(&f).token.is_none());
        // skipByDefault
        let c = core(&[], &[], true);
        assert!(!c.plan(&facts("profile", cookie)).auth);
    }

    #[test]
    fn skip_sanitize_endpoints() {
        let c = core(&[], &["cms/*", "raw/**"], false);
        assert!(!c.plan(&facts("cms/page", None)).sanitize);
        assert!(!c.plan(&facts("raw/a/b", None)).sanitize);
        assert!(c.plan(&facts("posts", None)).sanitize);
    }

    #[test]
    fn config_errors_name_the_option() {
        let mut cfg = ClientConfig {
            user_cookie: Some("userToken".into()),
            guest_cookie: Some("guestToken".into()),
            ..Default::default()
        };
        cfg.public_endpoints = vec!["a/**x".into()];
        let e = ClientCore::new(&cfg).err().unwrap();
        assert!(
            e.message.starts_with("auth.publicEndpoints"),
            "{}",
            e.message
        );
        cfg.public_endpoints.clear();
        cfg.user_cookie = Some("bad name".into());
        let e = ClientCore::new(&cfg).err().unwrap();
        assert!(e.message.starts_with("cookies.user"));
        cfg.user_cookie = None;
        cfg.sanitization = json!({ "mode": "x" });
        let e = ClientCore::new(&cfg).err().unwrap();
        assert!(e.message.starts_with("sanitization.mode"));
    }
}

//! The cookies written by the ready-made auth routes (`createAuthRoutes`): login/register set
//! the access token (and the refresh token when the backend issues one) and clear the guest
//! cookie; logout clears all three. Built with the engine's cookie builder
//! ([`crate::http::cookies`]), so the attributes (HttpOnly, SameSite=Lax, Secure in production,
//! Path=/) are the same as the ones the auth proxy writes.

use crate::auth::cascade::{PickedToken, pick_token};
use crate::error::{LayerError, Result};
use crate::http::cookies::{
    CookieOptions, SameSite, build_delete_cookie, build_set_cookie, get_cookie,
    is_valid_cookie_name,
};

/// Default lifetime of the user and refresh cookies: 7 days. The user cookie outlives the
/// access token on purpose, so an expired token can still be refreshed.
pub const DEFAULT_MAX_AGE: i64 = 7 * 24 * 3600;

/// Raw options as the adapter passes them.
#[derive(Debug, Clone, Default)]
pub struct AuthCookieConfig {
    pub user_cookie: Option<String>,
    pub guest_cookie: Option<String>,
    pub refresh_cookie: Option<String>,
    pub http_only: Option<bool>,
    pub same_site: Option<String>,
    pub secure: Option<bool>,
    pub path: Option<String>,
    pub domain: Option<String>,
    pub production: bool,
    /// Max-Age of the user cookie, seconds.
    pub max_age: Option<f64>,
    /// Max-Age of the refresh cookie, seconds.
    pub refresh_max_age: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct AuthCookies {
    pub user: String,
    pub guest: String,
    pub refresh: String,
    opts: CookieOptions,
    max_age: i64,
    refresh_max_age: i64,
}

fn name(option: &str, v: &Option<String>, default: &str) -> Result<String> {
    let n = v.as_deref().unwrap_or(default);
    if !is_valid_cookie_name(n) {
        return Err(LayerError::config(
            option,
            format!("\"{n}\" is not a valid cookie name"),
        ));
    }
    Ok(n.to_string())
}

fn seconds(option: &str, v: Option<f64>, default: i64) -> Result<i64> {
    match v {
        None => Ok(default),
        Some(n) if n.is_finite() && n >= 0.0 => Ok(n as i64),
        Some(_) => Err(LayerError::config(
            option,
            "must be a non-negative number of seconds",
        )),
    }
}

impl AuthCookies {
    pub fn new(c: &AuthCookieConfig) -> Result<Self> {
        let user = name("cookies.user", &c.user_cookie, "userToken")?;
        let guest = name("cookies.guest", &c.guest_cookie, "guestToken")?;
        let refresh = name("refresh.cookie", &c.refresh_cookie, "refreshToken")?;
        if user == guest || user == refresh || guest == refresh {
            return Err(LayerError::config(
                "cookies",
                "the user, guest and refresh cookie names must differ",
            ));
        }
        let same_site = match c.same_site.as_deref() {
            None => SameSite::Lax,
            Some(s) => SameSite::parse(s).ok_or_else(|| {
                LayerError::config(
                    "cookies.options.sameSite",
                    "must be 'lax', 'strict' or 'none'",
                )
            })?,
        };
        let path = c.path.clone().unwrap_or_else(|| "/".to_string());
        if !path.starts_with('/') || path.bytes().any(|b| b < 0x20 || b == b';' || b == 0x7f) {
            return Err(LayerError::config(
                "cookies.options.path",
                "must be a path starting with '/'",
            ));
        }
        if let Some(d) = &c.domain
            && (d.is_empty() || d.bytes().any(|b| b <= 0x20 || b == b';' || b == 0x7f))
        {
            return Err(LayerError::config(
                "cookies.options.domain",
                "must be a domain name",
            ));
        }
        let opts = CookieOptions {
            http_only: c.http_only.unwrap_or(true),
            same_site,
            secure: c.secure,
            path,
            domain: c.domain.clone(),
            production: c.production,
        };
        Ok(Self {
            user,
            guest,
            refresh,
            opts,
            max_age: seconds("cookies.options.maxAge", c.max_age, DEFAULT_MAX_AGE)?,
            refresh_max_age: seconds("refresh.maxAge", c.refresh_max_age, DEFAULT_MAX_AGE)?,
        })
    }

    /// `Set-Cookie` values after a login/register/refresh: the access token, the refresh
    /// token when given, and the guest cookie cleared. `None` when a token cannot be a
    /// cookie value (the adapter answers 502: the backend sent something odd).
    pub fn session(&self, token: &str, refresh_token: Option<&str>) -> Option<Vec<String>> {
        let mut out = Vec::with_capacity(3);
        out.push(build_set_cookie(
            &self.user,
            token,
            &self.opts,
            Some(self.max_age),
        )?);
        if let Some(r) = refresh_token.filter(|r| !r.is_empty()) {
            out.push(build_set_cookie(
                &self.refresh,
                r,
                &self.opts,
                Some(self.refresh_max_age),
            )?);
        }
        out.push(build_delete_cookie(&self.guest, &self.opts)?);
        Some(out)
    }

    /// `Set-Cookie` values that delete the user, refresh and guest cookies.
    pub fn clear(&self) -> Vec<String> {
        [&self.user, &self.refresh, &self.guest]
            .into_iter()
            .filter_map(|n| build_delete_cookie(n, &self.opts))
            .collect()
    }

    /// The token a request carries (refreshed header, user cookie, guest cookie).
    pub fn pick<'a>(
        &self,
        refreshed: Option<&'a str>,
        cookie_header: Option<&'a str>,
    ) -> Option<PickedToken<'a>> {
        pick_token(refreshed, cookie_header, &self.user, &self.guest)
    }

    /// The user cookie's token (never the guest one).
    pub fn user_token<'a>(&self, cookie_header: Option<&'a str>) -> Option<&'a str> {
        cookie_header.and_then(|h| get_cookie(h, &self.user))
    }

    /// The refresh cookie's token.
    pub fn refresh_token<'a>(&self, cookie_header: Option<&'a str>) -> Option<&'a str> {
        cookie_header.and_then(|h| get_cookie(h, &self.refresh))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jar() -> AuthCookies {
        AuthCookies::new(&AuthCookieConfig::default()).unwrap()
    }

    #[test]
    fn session_sets_http_only_cookies_and_clears_guest() {
        let c = jar().session("tok", Some("ref")).unwrap();
        assert_eq!(c.len(), 3);
        assert!(c[0].starts_with("userToken=tok; Path=/; Max-Age=604800; HttpOnly"));
        assert!(c[0].ends_with("SameSite=Lax"));
        assert!(!c[0].contains("Secure"));
        assert!(c[1].starts_with("refreshToken=ref;"));
        assert!(c[1].contains("HttpOnly"));
        assert!(c[2].starts_with("guestToken=; Path=/; Max-Age=0"));
        let c = jar().session("tok", None).unwrap();
        assert_eq!(c.len(), 2);
        // a token that cannot be a cookie value is refused, never written
        assert!(jar().session("a;b", None).is_none());
        assert!(jar().session("tok", Some("x\r\ny")).is_none());
    }

    #[test]
    fn production_is_secure_and_options_apply() {
        let j = AuthCookies::new(&AuthCookieConfig {
            production: true,
            user_cookie: Some("sess".into()),
            same_site: Some("strict".into()),
            domain: Some("example.com".into()),
            max_age: Some(60.0),
            ..Default::default()
        })
        .unwrap();
        let c = j.session("t", None).unwrap();
        assert_eq!(
            c[0],
            "sess=t; Path=/; Domain=example.com; Max-Age=60; HttpOnly; Secure; SameSite=Strict"
        );
    }

    #[test]
    fn clear_deletes_all_three() {
        let c = jar().clear();
        assert_eq!(c.len(), 3);
        for (cookie, name) in c.iter().zip(["userToken", "refreshToken", "guestToken"]) {
            assert!(
                cookie.starts_with(&format!("{name}=; Path=/; Max-Age=0")),
                "{cookie}"
            );
        }
    }

    #[test]
    fn reads_tokens() {
        let j = jar();
        let h = Some("guestToken=g; refreshToken=r; userToken=u");
        assert_eq!(j.pick(None, h).unwrap().token, "u");
        assert_eq!(j.pick(Some("f"), h).unwrap().token, "f");
        assert_eq!(j.user_token(Some("guestToken=g")), None);
        assert_eq!(j.refresh_token(h), Some("r"));
    }

    #[test]
    fn config_errors_name_the_option() {
        let bad = |c: AuthCookieConfig, opt: &str| {
            let e = AuthCookies::new(&c).unwrap_err();
            assert!(e.message.starts_with(opt), "{}", e.message);
        };
        bad(
            AuthCookieConfig {
                user_cookie: Some("a b".into()),
                ..Default::default()
            },
            "cookies.user",
        );
        bad(
            AuthCookieConfig {
                same_site: Some("sometimes".into()),
                ..Default::default()
            },
            "cookies.options.sameSite",
        );
        bad(
            AuthCookieConfig {
                max_age: Some(-1.0),
                ..Default::default()
            },
            "cookies.options.maxAge",
        );
        bad(
            AuthCookieConfig {
                guest_cookie: Some("userToken".into()),
                ..Default::default()
            },
            "cookies",
        );
        bad(
            AuthCookieConfig {
                path: Some("x".into()),
                ..Default::default()
            },
            "cookies.options.path",
        );
    }
}

//! `cookies`: the auth cookies' names and attributes (and the refresh cookie's, which
//! `refresh` needs to decide its style).

use serde_json::{Map, Value};

use super::{boolean, cookie_name, field, number, obj, read_cookie_options};
use crate::error::{LayerError, Result};
use crate::http::cookies::CookieOptions;

/// What the `cookies` section resolves to; `refresh` reads the last four fields.
pub(super) struct Cookies {
    /// `cookies.hostPrefix`: every auth cookie name gets `__Host-`.
    pub host_prefix: bool,
    pub user_cookie: String,
    pub guest_cookie: String,
    pub cookie_options: CookieOptions,
    pub user_cookie_max_age: Option<i64>,
    pub refresh_cookie_options: CookieOptions,
    pub refresh_cookie_max_age: Option<i64>,
    /// The refresh cookie named by `cookies.refresh` (dual-token mode), unprefixed.
    pub dual_cookie: Option<String>,
}

impl Cookies {
    /// The name as set: `__Host-<name>` when `cookies.hostPrefix` is on.
    pub fn prefixed(&self, n: String) -> String {
        with_host_prefix(self.host_prefix, n)
    }
}

fn with_host_prefix(host_prefix: bool, n: String) -> String {
    if host_prefix && !n.starts_with("__Host-") {
        format!("__Host-{n}")
    } else {
        n
    }
}

pub(super) fn parse(root: Option<&Map<String, Value>>, production: bool) -> Result<Cookies> {
    let cookies = obj(root, "cookies", "cookies")?;
    // `cookies.hostPrefix`: the auth cookies are `__Host-<name>` (Secure, Path=/, no
    // Domain), so a subdomain cannot set or overwrite them (cookie tossing).
    let host_prefix = boolean(cookies, "hostPrefix", "cookies.hostPrefix", false)?;
    let prefixed = |n: String| with_host_prefix(host_prefix, n);
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
    let user_cookie_max_age = number(copts, "maxAge", "cookies.options.maxAge")?.map(|n| n as i64);
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
    Ok(Cookies {
        host_prefix,
        user_cookie,
        guest_cookie,
        cookie_options,
        user_cookie_max_age,
        refresh_cookie_options,
        refresh_cookie_max_age,
        dual_cookie,
    })
}

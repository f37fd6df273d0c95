//! The token cascade: which token a request is judged by.
//!
//! Order: a token refreshed earlier in this request chain (the `x-refreshed-token`
//! request header, set by our own proxy; the adapter strips client-sent copies before
//! anything else sees them), then the user cookie, then the guest cookie.

use crate::http::cookies::scan;

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenSource {
    /// `x-refreshed-token`: refreshed earlier in this request chain.
    Refreshed,
    /// The user cookie (default `userToken`).
    UserCookie,
    /// The guest cookie (default `guestToken`).
    GuestCookie,
}

impl TokenSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Refreshed => "refreshed",
            TokenSource::UserCookie => "user",
            TokenSource::GuestCookie => "guest",
        }
    }
}

/// The token chosen for a request, borrowed from the request's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PickedToken<'a> {
    pub token: &'a str,
    pub source: TokenSource,
    /// Whether the cookie header carries the guest cookie at all (even empty or twice), when
    /// the pick read it anyway: `None` when the pick did not look (a refreshed token).
    pub guest_cookie_sent: Option<bool>,
}

/// Picks the token: refreshed header, then user cookie, then guest cookie.
/// Empty values are ignored.
pub fn pick_token<'a>(
    refreshed_header: Option<&'a str>,
    cookie_header: Option<&'a str>,
    user_cookie: &str,
    guest_cookie: &str,
) -> Option<PickedToken<'a>> {
    if let Some(t) = refreshed_header.map(str::trim).filter(|t| !t.is_empty()) {
        return Some(PickedToken {
            token: t,
            source: TokenSource::Refreshed,
            guest_cookie_sent: None,
        });
    }
    // one pass for both names (see `cookies::scan`)
    let [user, guest] = scan(cookie_header?, [user_cookie, guest_cookie]);
    let guest_cookie_sent = Some(guest.present());
    if let Some(t) = user.value() {
        return Some(PickedToken {
            token: t,
            source: TokenSource::UserCookie,
            guest_cookie_sent,
        });
    }
    guest.value().map(|t| PickedToken {
        token: t,
        source: TokenSource::GuestCookie,
        guest_cookie_sent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_refreshed_user_guest() {
        let c = Some("guestToken=g; userToken=u");
        let p = pick_token(Some("r"), c, "userToken", "guestToken").unwrap();
        assert_eq!((p.token, p.source), ("r", TokenSource::Refreshed));
        let p = pick_token(None, c, "userToken", "guestToken").unwrap();
        assert_eq!((p.token, p.source), ("u", TokenSource::UserCookie));
        let p = pick_token(None, Some("guestToken=g"), "userToken", "guestToken").unwrap();
        assert_eq!((p.token, p.source), ("g", TokenSource::GuestCookie));
        assert_eq!(
            pick_token(None, Some("x=1"), "userToken", "guestToken"),
            None
        );
        assert_eq!(pick_token(None, None, "userToken", "guestToken"), None);
    }

    #[test]
    fn empty_values_fall_through() {
        let p = pick_token(
            Some("  "),
            Some("userToken=; guestToken=g"),
            "userToken",
            "guestToken",
        )
        .unwrap();
        assert_eq!(p.source, TokenSource::GuestCookie);
    }

    #[test]
    fn custom_cookie_names() {
        let p = pick_token(None, Some("sess=s; userToken=u"), "sess", "guestToken").unwrap();
        assert_eq!((p.token, p.source), ("s", TokenSource::UserCookie));
        assert_eq!(p.source.as_str(), "user");
    }
}

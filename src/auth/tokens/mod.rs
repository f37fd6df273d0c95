//! Token state: the validation cache, single-flight coalescing, the refresh grace window,
//! the validation strategy and the refresh/guest calls.
//!
//! State sits behind small traits ([`store::KeyValueStore`], [`singleflight::SingleFlight`],
//! [`validate::ValidationStrategy`]) with in-memory implementations, so a shared store
//! (Redis) or local JWT verification can be added without touching the engine.

pub mod issue;
pub mod validate;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::auth::mappers::{IssuedToken, ValidatedUser};

/// Cache key of a token: SHA-256 of the token (the raw token is never stored as a key).
pub type TokenKey = [u8; 32];

pub fn token_key(token: &str) -> TokenKey {
    Sha256::digest(token.as_bytes()).into()
}

/// A key in another namespace (refresh-token cookie, guest client fingerprint).
pub fn namespaced_key(ns: &str, value: &str) -> TokenKey {
    let mut h = Sha256::new();
    h.update(ns.as_bytes());
    h.update([0u8]);
    h.update(value.as_bytes());
    h.finalize().into()
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Now in Unix milliseconds. `exp` is in whole seconds, but a token is good only while the
/// current time is before it (RFC 7519 4.1.4): compared in whole seconds, it stayed good for up
/// to a second past its `exp`.
pub fn now_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Time from now until the Unix second `at` (zero once it has begun).
pub fn until_unix(at: i64) -> Duration {
    Duration::from_millis(at.saturating_mul(1000).saturating_sub(now_unix_ms()).max(0) as u64)
}

/// The `exp` claim of a JWT, read WITHOUT verifying the signature. Only used to avoid
/// asking the backend about a token that is certainly expired (a forged past `exp` can
/// only make us refresh, which the backend verifies) and to cap cache lifetimes.
pub fn jwt_exp_unverified(token: &str) -> Option<i64> {
    let mut parts = token.split('.');
    let (_h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || p.len() > 8192 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = v.get("exp")?;
    exp.as_i64().or_else(|| exp.as_f64().map(|f| f as i64))
}

/// Is `token` shaped like a JWT (JWS compact form): three base64url segments whose first two
/// decode to JSON objects, the header naming an `alg`? Read WITHOUT verifying anything; used
/// only to refuse, without asking the backend, what cannot be a token where the deployment
/// says its tokens are JWTs (`tokenFormat: 'jwt'`).
pub fn is_jwt_shaped(token: &str) -> bool {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if h.is_empty() || p.is_empty() || h.len() > 8192 || p.len() > 8192 {
        return false;
    }
    let b64url = |x: &str| {
        x.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !b64url(h) || !b64url(p) || !b64url(s) {
        return false;
    }
    let object = |x: &str| {
        URL_SAFE_NO_PAD
            .decode(x)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .filter(serde_json::Value::is_object)
    };
    object(h).is_some_and(|v| v.get("alg").is_some_and(serde_json::Value::is_string))
        && object(p).is_some()
}

/// Seconds an `exp` must lie ahead of now for a rejected JWT to count as invalid (forged,
/// revoked, signed with another key) rather than expired: clocks drift, and a token the
/// backend calls expired a little early is still worth a refresh.
pub const EXP_LEEWAY_SECS: i64 = 60;

/// True when `token` is a JWT whose own `exp` is comfortably in the future: the backend's
/// rejection then means "invalid", and refreshing it would be a wasted call.
pub fn rejected_as_invalid_not_expired(token: &str) -> bool {
    jwt_exp_unverified(token).is_some_and(|e| e > now_unix() + EXP_LEEWAY_SECS)
}

/// A validated session, with the downstream header precomputed once per cache entry.
#[derive(Debug)]
pub struct Session {
    pub user: ValidatedUser,
    /// `JSON.stringify(user)` (UTF-8).
    pub user_json: String,
    /// base64 of `user_json` (non-ASCII safe) for `x-auth-user`.
    pub x_auth_user: String,
    /// `x-auth-user-sig`: HMAC of `x_auth_user` under this process's secret (see
    /// [`sign_auth_user`]); computed once per cache entry.
    pub x_auth_sig: String,
    pub is_guest: bool,
    /// When the verdict was given (the start of its cache entry's life).
    pub judged_at: std::time::Instant,
    /// Set once a background re-validation of this verdict has been started (at most one
    /// per verdict, whatever the backend answers).
    pub revalidating: std::sync::atomic::AtomicBool,
}

/// A random secret, created once per process. The auth proxy and the server components of
/// one Next.js server run in one process and load one copy of the addon, so a signature made
/// by the proxy verifies in `getServerUser`; a client cannot produce one.
fn process_secret() -> &'static [u8; 32] {
    static SECRET: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    SECRET.get_or_init(rand::random)
}

/// Signs an `x-auth-user` value (base64url HMAC-SHA256).
pub fn sign_auth_user(value: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(process_secret()).expect("any key length");
    mac.update(value.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Verifies an `x-auth-user` signature in constant time.
pub fn verify_auth_user(value: &str, sig: &str) -> bool {
    use hmac::{Hmac, Mac};
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig.trim()) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(process_secret()).expect("any key length");
    mac.update(value.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// Signs an `x-refreshed-token` value: downstream code outside the proxy's matcher (the
/// catch-all, getServerUser, the auth routes) believes a token in that header only with this
/// signature, which no client can make. Domain-separated from `x-auth-user` signatures (those
/// values are base64 and never contain a NUL).
pub fn sign_refreshed_token(token: &str) -> String {
    sign_auth_user(&format!("x-refreshed-token\0{token}"))
}

/// Verifies an `x-refreshed-token-sig` in constant time.
pub fn verify_refreshed_token(token: &str, sig: &str) -> bool {
    verify_auth_user(&format!("x-refreshed-token\0{token}"), sig)
}

impl Session {
    pub fn new(user: ValidatedUser) -> Self {
        let user_json = serde_json::to_string(&user.user).unwrap_or_else(|_| "{}".to_string());
        let x_auth_user = STANDARD.encode(user_json.as_bytes());
        let x_auth_sig = sign_auth_user(&x_auth_user);
        let is_guest = user.token_type == "guest";
        Self {
            user,
            user_json,
            x_auth_user,
            x_auth_sig,
            is_guest,
            judged_at: std::time::Instant::now(),
            revalidating: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Token expiry, if known.
    pub fn exp(&self) -> Option<i64> {
        self.user.exp
    }
}

/// What the cache remembers about one token.
#[derive(Debug, Clone)]
pub enum Validation {
    Valid(Arc<Session>),
    /// The backend said no. `refresh_failed`: a refresh was tried and refused too.
    Rejected {
        refresh_failed: bool,
    },
}

/// The outcome of a refresh, kept for the grace window under the old token's key.
#[derive(Debug, Clone)]
pub struct RefreshOutcome {
    pub issued: IssuedToken,
}

/// The cache lifetime of a valid token: the configured TTL, never past the token's `exp`
/// (to the millisecond: the entry ends as the `exp` second begins).
pub fn valid_ttl(cache_ttl: Duration, exp: Option<i64>) -> Duration {
    match exp {
        Some(exp) => cache_ttl.min(until_unix(exp)),
        None => cache_ttl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_hashes() {
        let k = token_key("abc");
        assert_eq!(k.len(), 32);
        assert_ne!(k, token_key("abd"));
        assert_ne!(namespaced_key("rt", "abc"), k);
    }

    #[test]
    fn reads_jwt_exp() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"1","exp":1234}"#);
        assert_eq!(jwt_exp_unverified(&format!("h.{payload}.s")), Some(1234));
        assert_eq!(jwt_exp_unverified("opaque-token"), None);
        assert_eq!(jwt_exp_unverified("a.b.c"), None);
    }

    #[test]
    fn jwt_shape() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"sub":"1","exp":1234}"#);
        assert!(is_jwt_shaped(&format!("{h}.{p}.sig_-1")));
        assert!(is_jwt_shaped(&format!("{h}.{p}."))); // alg none: shaped, the backend judges
        let no_alg = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT"}"#);
        let array = URL_SAFE_NO_PAD.encode(b"[1,2]");
        for bad in [
            String::new(),
            "opaque-token".into(),
            "a.b.c".into(),
            "1|laravelSanctumToken".into(),
            format!("{h}.{p}"),
            format!("{h}.{p}.s.x"),
            format!("{no_alg}.{p}.s"),
            format!("{h}.{array}.s"),
            format!("{h}.{p}.s+/"),
            format!("{h}=.{p}.s"),
            format!(".{p}.s"),
        ] {
            assert!(!is_jwt_shaped(&bad), "{bad}");
        }
    }

    #[test]
    fn invalid_not_expired() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let tok = |exp: i64| {
            let p = URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{exp}}}"#));
            format!("{h}.{p}.s")
        };
        assert!(rejected_as_invalid_not_expired(&tok(now_unix() + 3600)));
        assert!(!rejected_as_invalid_not_expired(&tok(now_unix() + 10)));
        assert!(!rejected_as_invalid_not_expired(&tok(now_unix() - 10)));
        assert!(!rejected_as_invalid_not_expired("opaque"));
    }

    #[test]
    fn session_header_is_base64_utf8() {
        let s = Session::new(ValidatedUser {
            user: json!({ "name": "Zoë 😀" }),
            token_type: "user".into(),
            exp: None,
        });
        let back = STANDARD.decode(&s.x_auth_user).unwrap();
        assert_eq!(String::from_utf8(back).unwrap(), s.user_json);
        assert!(s.user_json.contains("Zoë"));
        assert!(!s.is_guest);
    }

    #[test]
    fn auth_user_signature() {
        let sig = sign_auth_user("e30=");
        assert!(verify_auth_user("e30=", &sig));
        assert!(!verify_auth_user("e31=", &sig));
        assert!(!verify_auth_user("e30=", "forged"));
        assert!(!verify_auth_user("e30=", ""));
        let s = Session::new(ValidatedUser {
            user: json!({ "id": 1 }),
            token_type: "user".into(),
            exp: None,
        });
        assert!(verify_auth_user(&s.x_auth_user, &s.x_auth_sig));
    }

    #[test]
    fn refreshed_token_signature_is_its_own() {
        let sig = sign_refreshed_token("tok");
        assert!(verify_refreshed_token("tok", &sig));
        for forged in [
            "",
            "x",
            &sign_auth_user("tok"),
            &sign_refreshed_token("tok2"),
        ] {
            assert!(!verify_refreshed_token("tok", forged), "{forged}");
        }
        // an x-auth-user signature never passes for a token, nor the other way round
        assert!(!verify_auth_user("tok", &sig));
    }

    #[test]
    fn ttl_never_past_exp() {
        let ttl = Duration::from_secs(2);
        assert_eq!(valid_ttl(ttl, None), ttl);
        assert_eq!(valid_ttl(ttl, Some(now_unix() - 5)), Duration::ZERO);
        // the exp second has begun: over, however many ms of it are left
        assert_eq!(valid_ttl(ttl, Some(now_unix())), Duration::ZERO);
        let next = valid_ttl(ttl, Some(now_unix() + 1));
        assert!(next <= Duration::from_secs(1), "{next:?}");
        assert_eq!(valid_ttl(ttl, Some(now_unix() + 3600)), ttl);
        assert!(
            valid_ttl(Duration::from_secs(600), Some(now_unix() + 10)) <= Duration::from_secs(10)
        );
    }
}

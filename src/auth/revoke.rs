//! Revoked tokens: logout and a refused refresh make a token dead at once, not when its cache
//! entry runs out. The list is its own bounded store (a flood of random tokens filling the
//! validation cache cannot evict a logout) and remembers each token until its own `exp`, so a
//! later validation (the backend's, or a local JWT check) cannot bring it back to life.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::tokens::{TokenKey, jwt_exp_unverified, now_unix};
use crate::store::kv::{KeyValueStore, MokaStore};

/// At most this many revoked tokens are remembered (oldest evicted first); ~100 bytes each.
pub const MAX_REVOKED: u64 = 100_000;
/// How long a token with no readable `exp` (opaque) is remembered.
pub const OPAQUE_TTL: Duration = Duration::from_secs(24 * 3600);
/// Longest memory of a JWT, whatever its `exp` says (a forged far-future `exp` cannot pin an
/// entry forever; the store's bound holds anyway).
pub const MAX_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

pub struct Revocations {
    store: Arc<dyn KeyValueStore<()>>,
}

impl Default for Revocations {
    fn default() -> Self {
        Self::with_capacity(MAX_REVOKED)
    }
}

impl Revocations {
    pub fn with_capacity(max: u64) -> Self {
        Self {
            store: Arc::new(MokaStore::new(max)),
        }
    }

    /// How long `token` must be remembered: until its own `exp` (at least `min`, so a token
    /// whose `exp` already passed is still refused while caches may hold it), bounded.
    pub fn ttl_for(token: &str, min: Duration) -> Duration {
        let ttl = match jwt_exp_unverified(token) {
            Some(exp) => Duration::from_secs((exp - now_unix()).max(0) as u64).min(MAX_TTL),
            None => OPAQUE_TTL,
        };
        ttl.max(min)
    }

    pub fn insert(&self, key: TokenKey, ttl: Duration) {
        self.store.insert(key, Arc::new(()), ttl);
    }

    pub fn contains(&self, key: &TokenKey) -> bool {
        self.store.get(key).is_some()
    }

    pub fn len(&self) -> u64 {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::token_key;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(exp: i64) -> String {
        let p = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"1","exp":{exp}}}"#));
        format!("eyJhbGciOiJIUzI1NiJ9.{p}.sig")
    }

    #[test]
    fn remembers_until_exp_bounded() {
        let min = Duration::from_secs(2);
        let t = Revocations::ttl_for(&jwt(now_unix() + 600), min);
        assert!(t <= Duration::from_secs(600) && t >= Duration::from_secs(598));
        // already expired: still the minimum (caches may hold it that long)
        assert_eq!(Revocations::ttl_for(&jwt(now_unix() - 10), min), min);
        // a forged far-future exp is capped
        assert_eq!(
            Revocations::ttl_for(&jwt(now_unix() + 10i64.pow(10)), min),
            MAX_TTL
        );
        // opaque tokens
        assert_eq!(Revocations::ttl_for("opaque-token", min), OPAQUE_TTL);
    }

    #[test]
    fn bounded_store() {
        let r = Revocations::with_capacity(50);
        for i in 0..2000 {
            r.insert(token_key(&i.to_string()), Duration::from_secs(60));
        }
        assert!(r.len() <= 60, "len {}", r.len());
        r.insert(token_key("x"), Duration::from_secs(60));
        assert!(r.contains(&token_key("x")));
        assert!(!r.contains(&token_key("y")));
    }
}

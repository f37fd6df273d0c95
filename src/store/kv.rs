//! A small key-value store trait with per-entry lifetimes, and its in-memory (moka)
//! implementation. Used for the validation cache and for the refresh grace window.
//! Memory is bounded by `max_capacity`: a flood of distinct tokens evicts old entries.
//!
//! `get` is synchronous on purpose: a cache hit is answered without a Promise. A shared store
//! for several app instances (Redis) is planned as a second level behind this trait's
//! in-process level: consulted on the async path (a miss here), writing through to it, so
//! the synchronous path keeps reading only local memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;

use crate::auth::tokens::TokenKey;

/// Per-entry TTL store. Implementations must be cheap to call on the hot path.
pub trait KeyValueStore<V>: Send + Sync {
    fn get(&self, key: &TokenKey) -> Option<Arc<V>>;
    fn insert(&self, key: TokenKey, value: Arc<V>, ttl: Duration);
    fn remove(&self, key: &TokenKey);
    /// Forgets every entry.
    fn clear(&self);
    /// Approximate number of live entries.
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct Timed<V> {
    value: Arc<V>,
    expires_at: Instant,
}

impl<V> Clone for Timed<V> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            expires_at: self.expires_at,
        }
    }
}

struct PerEntry;

impl<V> Expiry<TokenKey, Timed<V>> for PerEntry {
    fn expire_after_create(&self, _k: &TokenKey, v: &Timed<V>, now: Instant) -> Option<Duration> {
        Some(v.expires_at.saturating_duration_since(now))
    }
    fn expire_after_update(
        &self,
        _k: &TokenKey,
        v: &Timed<V>,
        now: Instant,
        _left: Option<Duration>,
    ) -> Option<Duration> {
        Some(v.expires_at.saturating_duration_since(now))
    }
}

/// moka-backed [`KeyValueStore`].
pub struct MokaStore<V: Send + Sync + 'static> {
    cache: moka::sync::Cache<TokenKey, Timed<V>>,
}

impl<V: Send + Sync + 'static> MokaStore<V> {
    pub fn new(max_capacity: u64) -> Self {
        Self {
            cache: moka::sync::Cache::builder()
                .max_capacity(max_capacity)
                .expire_after(PerEntry)
                .build(),
        }
    }
}

impl<V: Send + Sync + 'static> KeyValueStore<V> for MokaStore<V> {
    #[inline]
    fn get(&self, key: &TokenKey) -> Option<Arc<V>> {
        let t = self.cache.get(key)?;
        // moka evicts lazily; never hand out an entry past its deadline.
        (Instant::now() < t.expires_at).then_some(t.value)
    }

    fn insert(&self, key: TokenKey, value: Arc<V>, ttl: Duration) {
        if ttl.is_zero() {
            self.cache.invalidate(&key);
            return;
        }
        self.cache.insert(
            key,
            Timed {
                value,
                expires_at: Instant::now() + ttl,
            },
        );
    }

    fn remove(&self, key: &TokenKey) {
        self.cache.invalidate(key);
    }

    fn clear(&self) {
        self.cache.invalidate_all();
    }

    fn len(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::token_key;

    #[test]
    fn get_insert_expire() {
        let s: MokaStore<u32> = MokaStore::new(10);
        let k = token_key("a");
        assert!(s.get(&k).is_none());
        s.insert(k, Arc::new(7), Duration::from_millis(30));
        assert_eq!(*s.get(&k).unwrap(), 7);
        std::thread::sleep(Duration::from_millis(40));
        assert!(s.get(&k).is_none());
        s.insert(k, Arc::new(8), Duration::ZERO);
        assert!(s.get(&k).is_none());
        s.insert(k, Arc::new(9), Duration::from_secs(5));
        s.remove(&k);
        assert!(s.get(&k).is_none());
    }

    #[test]
    fn bounded() {
        let s: MokaStore<u32> = MokaStore::new(50);
        for i in 0..2000 {
            s.insert(
                token_key(&i.to_string()),
                Arc::new(i),
                Duration::from_secs(60),
            );
        }
        assert!(s.len() <= 60, "len {}", s.len());
    }
}

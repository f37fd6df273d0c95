//! A small key-value store trait with per-entry lifetimes, and its in-memory implementations:
//! quick_cache for the validation cache and the refresh grace window (read on every request),
//! moka for the revocation list.
//! Memory is bounded by `max_capacity`: a flood of distinct tokens evicts old entries.
//!
//! `get` is synchronous on purpose: a cache hit is answered without a Promise. A shared store
//! for several app instances (Redis) is planned as a second level behind this trait's
//! in-process level: consulted on the async path (a miss here), writing through to it, so
//! the synchronous path keeps reading only local memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::Expiry;

use crate::auth::tokens::TokenKey;

/// Per-entry TTL store. Implementations must be cheap to call on the hot path.
pub trait KeyValueStore<V>: Send + Sync {
    fn get(&self, key: &TokenKey) -> Option<Arc<V>>;
    /// `get`, with the entry's deadline when the store knows it (`None`: unknown, so the
    /// value may not be kept anywhere else).
    fn get_until(&self, key: &TokenKey) -> Option<(Arc<V>, Option<Instant>)> {
        self.get(key).map(|v| (v, None))
    }
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

/// [`KeyValueStore`] on `quick_cache`: the validation cache and the refresh grace window,
/// read on every request. A hit is one shard read lock, one probe of a hash table and a
/// "referenced" bit, where moka also pins a crossbeam epoch and queues the read for its
/// eviction policy: in a server, where the CPU caches are cold at each of our calls, every
/// extra structure touched is a cache miss. The bound is exact (`max_capacity` entries,
/// S3-FIFO eviction, so a flood of one-shot tokens passes through its small queue without
/// pushing out the tokens in use); expiry is checked on read, and an expired entry found
/// there is dropped at once (the others leave with eviction).
///
/// It also knows the latest deadline of anything ever inserted: past it the store is empty,
/// and `get` answers without touching the table. The refresh grace window, looked up on
/// every request, is empty nearly always.
pub struct QuickStore<V: Send + Sync + 'static> {
    /// `None` for `max_capacity` 0: nothing is kept (the cache is off).
    cache: Option<quick_cache::sync::Cache<TokenKey, Timed<V>>>,
    born: Instant,
    /// Latest `expires_at` inserted, in ms after `born` (rounded up); 0 = nothing yet.
    last_deadline_ms: AtomicU64,
}

impl<V: Send + Sync + 'static> QuickStore<V> {
    pub fn new(max_capacity: u64) -> Self {
        let cap = usize::try_from(max_capacity).unwrap_or(usize::MAX);
        Self {
            cache: (cap > 0).then(|| quick_cache::sync::Cache::new(cap)),
            born: Instant::now(),
            last_deadline_ms: AtomicU64::new(0),
        }
    }

    /// Has every entry ever inserted expired by `now`?
    #[inline]
    fn all_expired(&self, now: Instant) -> bool {
        let ms = now.saturating_duration_since(self.born).as_millis();
        ms >= u128::from(self.last_deadline_ms.load(Ordering::Acquire))
    }
}

impl<V: Send + Sync + 'static> KeyValueStore<V> for QuickStore<V> {
    #[inline]
    fn get(&self, key: &TokenKey) -> Option<Arc<V>> {
        self.get_until(key).map(|(v, _)| v)
    }

    #[inline]
    fn get_until(&self, key: &TokenKey) -> Option<(Arc<V>, Option<Instant>)> {
        let cache = self.cache.as_ref()?;
        let now = Instant::now();
        if self.all_expired(now) {
            return None;
        }
        let t = cache.get(key)?;
        if now < t.expires_at {
            return Some((t.value, Some(t.expires_at)));
        }
        cache.remove(key);
        None
    }

    fn insert(&self, key: TokenKey, value: Arc<V>, ttl: Duration) {
        let Some(cache) = &self.cache else { return };
        if ttl.is_zero() {
            cache.remove(&key);
            return;
        }
        let expires_at = Instant::now() + ttl;
        // Raised before the entry is in: a reader that sees the entry sees the deadline.
        let ms = expires_at.saturating_duration_since(self.born).as_millis() + 1;
        let ms = u64::try_from(ms).unwrap_or(u64::MAX);
        self.last_deadline_ms.fetch_max(ms, Ordering::AcqRel);
        cache.insert(key, Timed { value, expires_at });
    }

    fn remove(&self, key: &TokenKey) {
        if let Some(c) = &self.cache {
            c.remove(key);
        }
    }

    fn clear(&self) {
        if let Some(c) = &self.cache {
            c.clear();
        }
    }

    fn len(&self) -> u64 {
        self.cache.as_ref().map_or(0, |c| c.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::token_key;

    /// What every store does: an entry lives for its TTL, then is gone.
    fn expires(s: &dyn KeyValueStore<u32>, k: TokenKey) {
        assert!(s.get(&k).is_none());
        s.insert(k, Arc::new(7), Duration::from_millis(30));
        assert_eq!(*s.get(&k).unwrap(), 7);
        std::thread::sleep(Duration::from_millis(40));
        assert!(s.get(&k).is_none());
    }

    /// A zero TTL stores nothing; `remove` forgets an entry.
    fn zero_ttl_and_remove(s: &dyn KeyValueStore<u32>, k: TokenKey) {
        s.insert(k, Arc::new(8), Duration::ZERO);
        assert!(s.get(&k).is_none());
        s.insert(k, Arc::new(9), Duration::from_secs(5));
        s.remove(&k);
        assert!(s.get(&k).is_none());
    }

    #[test]
    fn get_insert_expire() {
        let s: MokaStore<u32> = MokaStore::new(10);
        expires(&s, token_key("a"));
        zero_ttl_and_remove(&s, token_key("a"));
    }

    #[test]
    fn quick_get_insert_expire() {
        let s: QuickStore<u32> = QuickStore::new(10);
        let k = token_key("a");
        expires(&s, k);
        // past the last deadline: not found, without reading the table
        assert!(s.get(&k).is_none());
        // with a later deadline pending, the expired entry is found, refused and dropped
        let long = token_key("long");
        s.insert(long, Arc::new(1), Duration::from_secs(5));
        s.insert(k, Arc::new(2), Duration::from_millis(20));
        assert_eq!(*s.get(&k).unwrap(), 2);
        std::thread::sleep(Duration::from_millis(30));
        assert!(s.get(&k).is_none());
        assert_eq!(s.len(), 1, "the expired entry found by get is gone");
        assert_eq!(*s.get(&long).unwrap(), 1);
        zero_ttl_and_remove(&s, k);
        s.clear();
        assert!(s.is_empty());
        assert!(s.get(&long).is_none());
    }

    #[test]
    fn quick_off_and_bounded() {
        let off: QuickStore<u32> = QuickStore::new(0);
        off.insert(token_key("a"), Arc::new(1), Duration::from_secs(60));
        assert!(off.get(&token_key("a")).is_none());
        assert_eq!(off.len(), 0);
        let s: QuickStore<u32> = QuickStore::new(50);
        let hot = token_key("hot");
        s.insert(hot, Arc::new(1), Duration::from_secs(60));
        for i in 0..2000 {
            // the token in use keeps being read while a flood of one-shot tokens passes
            assert!(s.get(&hot).is_some(), "evicted after {i} one-shot tokens");
            s.insert(
                token_key(&i.to_string()),
                Arc::new(i),
                Duration::from_secs(60),
            );
        }
        assert!(s.len() <= 50, "len {}", s.len());
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

//! An epoch over the validation cache, for the JS memo of `getServerUser` (js/shared/engine.js).
//!
//! The route side of a warm request asks the engine for the user of a cookie header it has
//! most likely seen a moment ago. JS keeps that answer for a while (cookie header -> user
//! JSON, until the cache entry's own deadline), so a repeat costs no native call. The memo
//! must never answer where the engine would no longer say "valid": the token revoked (here
//! or, through the shared store, on another instance), the cache cleared, the entry replaced.
//! Every such change goes through the cache, so the cache is wrapped ([`Watched`]) and a
//! change to a token JS may be holding bumps a counter JS reads from native memory without a
//! call ([`Watch::words`], exposed as an external `ArrayBuffer` by `src/napi/user_lookup.rs`).
//! A different epoch empties the whole memo.
//!
//! Only the tokens handed to the memo are watched ([`Watch::mark`], with the deadline the
//! memo got), so the churn of other tokens (an expired one refused, a new login validated)
//! does not empty the memo of everyone else. The watched set is bounded: when it is full of
//! live entries the epoch moves and the set starts again, so a flood of distinct tokens costs
//! bounded memory here and in JS (the memo is emptied with the set).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::kv::KeyValueStore;
use crate::auth::tokens::TokenKey;

/// The words JS reads from native memory. `epoch` is written from any thread (the Redis
/// listener's revocations arrive on the tokio runtime); the lookup words are scratch space of
/// the JS thread's lookup call (its answer beyond the user JSON: where the token is in the
/// cookie header, how long the answer may be kept), read right after that call.
#[repr(C)]
pub struct Words {
    /// Moves whenever a watched token's cache entry changes or the cache is cleared.
    pub epoch: AtomicU32,
    /// Start of the picked token in the cookie header (UTF-16 code units, as JS indexes).
    pub token_start: AtomicU32,
    /// End of the picked token (exclusive).
    pub token_end: AtomicU32,
    pub _pad: u32,
    /// ms the last answer may be kept (0: not at all), an `f64`'s bits.
    pub keep_ms: AtomicU64,
}

/// The epoch and the watched tokens of one engine's validation cache.
pub struct Watch {
    words: Box<Words>,
    /// token -> the deadline given to JS for it (`None`: a lookup is under way).
    marked: Mutex<HashMap<TokenKey, Option<Instant>>>,
    cap: usize,
}

impl Watch {
    /// `cap`: most tokens watched at once (at least 1).
    pub fn new(cap: usize) -> Self {
        Self {
            words: Box::new(Words {
                epoch: AtomicU32::new(0),
                token_start: AtomicU32::new(0),
                token_end: AtomicU32::new(0),
                _pad: 0,
                keep_ms: AtomicU64::new(0),
            }),
            marked: Mutex::new(HashMap::new()),
            cap: cap.max(1),
        }
    }

    /// The words JS reads; they live as long as this `Watch`.
    pub fn words(&self) -> &Words {
        &self.words
    }

    pub fn epoch(&self) -> u32 {
        self.words.epoch.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TokenKey, Option<Instant>>> {
        // A panic while holding the lock cannot leave the map inconsistent (single calls).
        self.marked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every memo answer is void: the epoch moves and nothing is watched any more.
    pub fn bump(&self) {
        let mut m = self.lock();
        m.clear();
        self.words.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Watches `key` before its cache entry is read for the memo: a change that lands
    /// between this and the read is either seen by the read or bumps the epoch. A key still
    /// watched for an earlier answer (other cookie headers may carry the same token) stays so.
    pub fn mark(&self, key: TokenKey) {
        let mut m = self.lock();
        let now = Instant::now();
        match m.get(&key) {
            Some(Some(d)) if now < *d => return,
            Some(_) => {}
            None if m.len() >= self.cap => {
                m.retain(|_, d| d.is_none_or(|d| now < d));
                if m.len() >= self.cap {
                    m.clear();
                    self.words.epoch.fetch_add(1, Ordering::AcqRel);
                }
            }
            None => {}
        }
        m.insert(key, None);
    }

    /// The memo keeps an answer for `key` until `deadline` (the latest of its answers counts).
    pub fn settle(&self, key: TokenKey, deadline: Instant) {
        if let Some(d) = self.lock().get_mut(&key) {
            *d = Some(d.map_or(deadline, |d| d.max(deadline)));
        }
    }

    /// This lookup's answer for `key` is not kept (not valid, or no deadline). An earlier
    /// answer still kept for it stays watched.
    pub fn unmark(&self, key: &TokenKey) {
        let mut m = self.lock();
        if matches!(m.get(key), Some(None)) {
            m.remove(key);
        }
    }

    /// `key`'s cache entry changed: the memo answers for it are void if any may be live.
    pub fn changed(&self, key: &TokenKey) {
        let mut m = self.lock();
        match m.get(key) {
            None => {}
            Some(Some(d)) if Instant::now() >= *d => {
                // the memo's answer ran out already
                m.remove(key);
            }
            Some(_) => {
                m.clear();
                self.words.epoch.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    /// Tokens watched now.
    pub fn watched(&self) -> usize {
        self.lock().len()
    }

    /// Writes the lookup words for JS.
    pub fn set_lookup(&self, token: (u32, u32), keep: Duration) {
        let w = &self.words;
        w.token_start.store(token.0, Ordering::Relaxed);
        w.token_end.store(token.1, Ordering::Relaxed);
        self.set_keep(keep);
    }

    /// Writes how long the last answer may be kept (whole ms, rounded down).
    pub fn set_keep(&self, keep: Duration) {
        let ms = keep.as_secs_f64() * 1000.0;
        self.words
            .keep_ms
            .store(ms.floor().to_bits(), Ordering::Relaxed);
    }
}

/// A [`KeyValueStore`] that tells its [`Watch`] about every change (the expiry and eviction
/// of entries inside the store are no change: the memo keeps an answer no longer than the
/// entry's own deadline, and an evicted entry is judged again, not refused).
pub struct Watched<S> {
    inner: S,
    watch: Arc<Watch>,
}

impl<S> Watched<S> {
    pub fn new(inner: S, watch: Arc<Watch>) -> Self {
        Self { inner, watch }
    }
}

impl<V, S: KeyValueStore<V>> KeyValueStore<V> for Watched<S> {
    #[inline]
    fn get(&self, key: &TokenKey) -> Option<Arc<V>> {
        self.inner.get(key)
    }

    #[inline]
    fn get_until(&self, key: &TokenKey) -> Option<(Arc<V>, Option<Instant>)> {
        self.inner.get_until(key)
    }

    fn insert(&self, key: TokenKey, value: Arc<V>, ttl: Duration) {
        // In first, then told: a reader that marked the key before this sees the new entry
        // or the moved epoch (see `Watch::mark`).
        self.inner.insert(key, value, ttl);
        self.watch.changed(&key);
    }

    fn remove(&self, key: &TokenKey) {
        self.inner.remove(key);
        self.watch.changed(key);
    }

    fn clear(&self) {
        self.inner.clear();
        self.watch.bump();
    }

    fn len(&self) -> u64 {
        self.inner.len()
    }
}

#[cfg(test)]
mod tests;

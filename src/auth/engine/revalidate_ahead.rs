//! Refresh-ahead for the validation cache (`cache.revalidateAhead`): a verdict used in the last
//! part of its life is re-validated in the background, so a steadily used token never waits
//! for the backend when its entry ends (with the default 2-s TTL, a request every 2 s would
//! otherwise take the asynchronous path and the backend's latency).
//!
//! What the cache promises does not change: no verdict is older than `cache.ttl`. When the
//! background call has not answered by the entry's end, the next request asks as before (and
//! joins the flight in progress). One background call per verdict, whatever it answers: a
//! backend that is down costs one call per entry, not one per request. A rejection replaces
//! the entry at once (the session ends sooner, not later).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::Engine;
use crate::auth::tokens::{Session, TokenKey, until_unix};
use crate::stats::bump;

/// The runtime of the caller, when it runs on one.
pub(super) fn current_runtime() -> std::sync::OnceLock<tokio::runtime::Handle> {
    let cell = std::sync::OnceLock::new();
    if let Ok(h) = tokio::runtime::Handle::try_current() {
        let _ = cell.set(h);
    }
    cell
}

impl Engine {
    /// When the background re-validation of `s` may start (`None`: never: the option is off,
    /// tokens are verified locally, or nothing is cached).
    pub(super) fn revalidate_at(&self, s: &Session) -> Option<Instant> {
        let ahead = self.cfg.cache_revalidate_ahead;
        let ttl = self.cfg.cache_ttl;
        if ahead <= 0.0 || ttl.is_zero() || self.strategy.verifies_locally() {
            return None;
        }
        Some(s.judged_at + ttl.mul_f64(1.0 - ahead))
    }

    /// On a cache hit: starts the background re-validation of `s` once its time has come.
    pub(super) fn revalidate_if_ahead(&self, token: &str, key: TokenKey, s: &Arc<Session>) {
        let Some(at) = self.revalidate_at(s) else {
            return;
        };
        if Instant::now() < at || s.revalidating.load(Ordering::Relaxed) {
            return;
        }
        // a token that expires within the window would only get a verdict ending at its `exp`
        if s.exp().is_some_and(|e| {
            until_unix(e) <= self.cfg.cache_ttl.mul_f64(self.cfg.cache_revalidate_ahead)
        }) {
            return;
        }
        let Some(rt) = self.runtime.get() else {
            return;
        };
        if s.revalidating.swap(true, Ordering::AcqRel) {
            return;
        }
        bump(&self.stats.revalidated_ahead);
        let work = self.validation_work(token, key, true);
        let flight = self.validate_flight.clone();
        rt.spawn(async move {
            let _ = flight.run(key, work).await;
        });
    }
}

#[cfg(test)]
mod tests;

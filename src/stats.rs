//! Engine counters (relaxed atomics: cheap, monotonic, read as a snapshot).

use std::sync::atomic::{AtomicU64, Ordering};

use napi_derive::napi;

#[derive(Debug, Default)]
pub struct Stats {
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    pub validate_calls: AtomicU64,
    pub refresh_calls: AtomicU64,
    pub guest_calls: AtomicU64,
    pub coalesced_waiters: AtomicU64,
    pub grace_hits: AtomicU64,
    pub negative_hits: AtomicU64,
    pub backend_errors: AtomicU64,
    pub guest_mints_limited: AtomicU64,
    pub sync_decisions: AtomicU64,
    pub async_decisions: AtomicU64,
    pub local_verifications: AtomicU64,
    pub jwks_fetches: AtomicU64,
    pub jwks_unknown_kid_refetches: AtomicU64,
    pub jwks_fetch_errors: AtomicU64,
    pub revalidations: AtomicU64,
    pub revalidated_ahead: AtomicU64,
}

/// A snapshot of the counters, as returned by `stats()`.
#[napi(object)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Token validations answered from the cache (positive or negative entries).
    pub cache_hits: i64,
    /// Token validations that needed the backend (or a coalesced in-flight call).
    pub cache_misses: i64,
    /// Calls to the validate endpoint.
    pub backend_validate_calls: i64,
    /// Calls to the refresh endpoint.
    pub backend_refresh_calls: i64,
    /// Calls to the guest endpoint.
    pub backend_guest_calls: i64,
    /// Requests that waited on another request's in-flight validate/refresh/guest call.
    pub coalesced_waiters: i64,
    /// Requests with an already-refreshed token answered from the grace window.
    pub grace_hits: i64,
    /// Cache hits on a remembered rejected token.
    pub negative_cache_hits: i64,
    /// Backend down, timed out, 5xx or malformed answers.
    pub backend_errors: i64,
    /// Guests not minted because the client was over `guestToken.rateLimit`.
    pub guest_mints_limited: i64,
    /// Decisions answered synchronously / asynchronously.
    pub sync_decisions: i64,
    pub async_decisions: i64,
    /// Tokens judged by local JWT verification (`validate.mode: 'local'`), valid or not.
    pub local_verifications: i64,
    /// Fetches of the JWKS (first load, expiry, unknown `kid`), and those that failed.
    pub jwks_fetches: i64,
    pub jwks_fetch_errors: i64,
    /// JWKS fetches caused by a token with an unknown `kid` (at most one per cooldown).
    pub jwks_unknown_kid_refetches: i64,
    /// Locally verified tokens re-checked with the backend (`validate.revalidateInterval`).
    pub revalidations: i64,
    /// Cached verdicts re-validated in the background before their end (`cache.revalidateAhead`).
    pub revalidated_ahead: i64,
    /// Requests refused with 429 by the rate limiter.
    pub rate_limited: i64,
    /// Client keys the rate limiter holds right now (bounded by `rateLimit.maxKeys`).
    pub rate_limit_keys: i64,
    /// Keys the rate limiter dropped to stay within its bound.
    pub rate_limit_evicted: i64,
    /// Unsafe requests refused by the CSRF check.
    pub csrf_failures: i64,
    /// Audit events produced / handed to the logger / dropped because the logger could
    /// not keep up (the queue is bounded by `audit.queueSize`).
    pub audit_emitted: i64,
    pub audit_delivered: i64,
    pub audit_dropped: i64,
    /// The shared store's counters (`store` configured), else absent.
    pub store: Option<crate::store::redis::StoreSnapshot>,
}

#[inline]
pub fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed) as i64;
        StatsSnapshot {
            cache_hits: g(&self.cache_hits),
            cache_misses: g(&self.cache_misses),
            backend_validate_calls: g(&self.validate_calls),
            backend_refresh_calls: g(&self.refresh_calls),
            backend_guest_calls: g(&self.guest_calls),
            coalesced_waiters: g(&self.coalesced_waiters),
            grace_hits: g(&self.grace_hits),
            negative_cache_hits: g(&self.negative_hits),
            backend_errors: g(&self.backend_errors),
            guest_mints_limited: g(&self.guest_mints_limited),
            sync_decisions: g(&self.sync_decisions),
            async_decisions: g(&self.async_decisions),
            local_verifications: g(&self.local_verifications),
            jwks_fetches: g(&self.jwks_fetches),
            jwks_fetch_errors: g(&self.jwks_fetch_errors),
            jwks_unknown_kid_refetches: g(&self.jwks_unknown_kid_refetches),
            revalidations: g(&self.revalidations),
            revalidated_ahead: g(&self.revalidated_ahead),
            // Filled in by `Engine::stats` from the security modules.
            rate_limited: 0,
            rate_limit_keys: 0,
            rate_limit_evicted: 0,
            csrf_failures: 0,
            audit_emitted: 0,
            audit_delivered: 0,
            audit_dropped: 0,
            store: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_reads_counters() {
        let s = Stats::default();
        bump(&s.cache_hits);
        bump(&s.cache_hits);
        bump(&s.refresh_calls);
        let snap = s.snapshot();
        assert_eq!(snap.cache_hits, 2);
        assert_eq!(snap.backend_refresh_calls, 1);
        assert_eq!(snap.backend_validate_calls, 0);
    }
}

//! Rate limits exact across instances: GCRA in one Lua script on Redis's clock
//! ([`scripts::GCRA`], one round trip per check), with the headers of the in-process limiter.
//!
//! A local deny cache remembers a refused client until its next request could be accepted:
//! a blocked client costs no round trip, and the answer is the one Redis would give (a
//! refused request does not change the GCRA state, so nothing is lost by not asking).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{SharedStore, Unavailable, bump, hex, scripts};
use crate::auth::tokens::{TokenKey, namespaced_key};
use crate::security::ratelimit::{RateLimitOutcome, RateLimiter};

/// Clients remembered as refused, per engine (bounded; an evicted one costs a round trip).
const DENY_CACHE_CAP: u64 = 10_000;

pub struct SharedRate {
    pub store: Arc<SharedStore>,
    deny: moka::sync::Cache<TokenKey, (Instant, RateLimitOutcome)>,
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl SharedRate {
    pub fn new(store: Arc<SharedStore>) -> Self {
        SharedRate {
            store,
            deny: moka::sync::Cache::builder()
                .max_capacity(DENY_CACHE_CAP)
                .time_to_live(Duration::from_secs(3600))
                .build(),
        }
    }

    fn id(rl: &RateLimiter, idx: usize, key: &str) -> (TokenKey, String) {
        let (name, t, burst) = rl.rule_params(idx);
        let id = namespaced_key(&format!("rl|{name}|{}|{burst}", t.as_micros()), key);
        let bucket = format!("{name}:{}:{burst}:{}", t.as_micros(), &hex(&id)[..40]);
        (id, bucket)
    }

    /// The remembered refusal of `key` under rule `idx`, while it still holds.
    pub fn deny_cached(&self, rl: &RateLimiter, idx: usize, key: &str) -> Option<RateLimitOutcome> {
        let (id, _) = Self::id(rl, idx, key);
        let (until, mut out) = self.deny.get(&id)?;
        let now = Instant::now();
        if now >= until {
            self.deny.invalidate(&id);
            return None;
        }
        bump(&self.store.stats.rate_deny_cache_hits);
        rl.count_check(false);
        let wait = until - now;
        out.retry_after_secs = Some(wait.as_nanos().div_ceil(1_000_000_000).max(1) as u64);
        let left_ms = (out.reset_unix * 1000).saturating_sub(unix_ms());
        out.reset_after_secs = left_ms.div_ceil(1000);
        Some(out)
    }

    /// Counts one request of `key` under rule `idx` in Redis.
    pub async fn check(
        &self,
        rl: &RateLimiter,
        idx: usize,
        key: &str,
    ) -> Result<RateLimitOutcome, Unavailable> {
        let (id, bucket) = Self::id(rl, idx, key);
        let (_, t, burst) = rl.rule_params(idx);
        let bucket = self.store.key("rl", &bucket);
        let t_us = t.as_micros().max(1) as u64;
        let (allowed, remaining, until_full_us, retry_us): (i64, i64, i64, i64) = self
            .store
            .redis
            .call(|mut c| async move {
                scripts::GCRA
                    .key(bucket)
                    .arg(t_us)
                    .arg(burst)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        bump(&self.store.stats.rate_checks);
        let us = |n: i64| Duration::from_micros(n.max(0) as u64);
        let out = if allowed == 1 {
            rl.count_check(true);
            rl.outcome(
                idx,
                Some(remaining.clamp(0, u32::MAX as i64) as u32),
                us(until_full_us),
                None,
                unix_ms(),
            )
        } else {
            rl.count_check(false);
            let wait = us(retry_us);
            let out = rl.outcome(idx, None, us(until_full_us), Some(wait), unix_ms());
            self.deny.insert(id, (Instant::now() + wait, out.clone()));
            out
        };
        Ok(out)
    }
}

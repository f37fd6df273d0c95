//! The shared store: state on Redis (or Valkey) so several app instances behave as one.
//!
//! * [`conn`]: one multiplexed, reconnecting connection (`ConnectionManager`), every command
//!   bounded by `timeoutMs`, and a breaker so an outage costs one probe per interval, not a
//!   timeout per request.
//! * [`refresh`]: one backend refresh per token family across instances (lock + outcome).
//! * [`gcra`]: exact rate limits across instances (GCRA in one Lua script on Redis's clock).
//! * [`revocations`]: logout and refused refreshes, visible to every instance (pub/sub + keys).
//!
//! The validation cache stays in-process (cache hits are synchronous and never touch Redis).
//! Keys hold SHA-256 hashes of tokens, never a token.

pub mod conn;
pub mod gcra;
pub mod refresh;
pub mod revocations;
pub mod scripts;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::auth::tokens::TokenKey;
use crate::error::{LayerError, Result};

pub use conn::{Redis, Unavailable};

pub const DEFAULT_PREFIX: &str = "nal:";
pub const DEFAULT_TIMEOUT_MS: u64 = 250;

/// What to do when Redis cannot answer in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnUnavailable {
    /// Fall back to in-process state (per-instance limits and refresh coordination).
    Local,
    /// Answer 503 for whatever needs the shared state.
    Closed,
}

/// The `store` option, validated at construction.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreConfig {
    pub url: String,
    pub key_prefix: String,
    pub on_unavailable: OnUnavailable,
    pub timeout: Duration,
}

impl StoreConfig {
    /// Parses `store` (`undefined`/`null` => no shared store). Errors name the option.
    pub fn from_json(v: Option<&Value>) -> Result<Option<Self>> {
        let obj = match v {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(o)) => o,
            Some(_) => {
                return Err(LayerError::config(
                    "store",
                    "must be an object { url, keyPrefix, onUnavailable, timeoutMs }",
                ));
            }
        };
        crate::config::reject_unknown_keys(
            obj,
            "store",
            &["url", "keyPrefix", "onUnavailable", "timeoutMs"],
        )?;
        let url = obj
            .get("url")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                LayerError::config("store.url", "must be a redis:// or rediss:// URL")
            })?;
        let scheme_ok = ["redis://", "rediss://", "redis+unix://", "unix://"]
            .iter()
            .any(|s| url.starts_with(s));
        // The URL may hold a password: never echo it in the error.
        if !scheme_ok || redis::Client::open(url).is_err() {
            return Err(LayerError::config(
                "store.url",
                "is not a valid redis:// or rediss:// URL",
            ));
        }
        let key_prefix = match obj.get("keyPrefix") {
            None | Some(Value::Null) => DEFAULT_PREFIX.to_string(),
            Some(Value::String(s)) if s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic()) => {
                s.clone()
            }
            Some(_) => {
                return Err(LayerError::config(
                    "store.keyPrefix",
                    "must be a string of at most 64 visible ASCII characters",
                ));
            }
        };
        let on_unavailable = match obj.get("onUnavailable") {
            None | Some(Value::Null) => OnUnavailable::Local,
            Some(Value::String(s)) if s == "local" => OnUnavailable::Local,
            Some(Value::String(s)) if s == "closed" => OnUnavailable::Closed,
            Some(_) => {
                return Err(LayerError::config(
                    "store.onUnavailable",
                    "must be 'local' or 'closed'",
                ));
            }
        };
        let timeout_ms = match obj.get("timeoutMs") {
            None | Some(Value::Null) => DEFAULT_TIMEOUT_MS,
            Some(v) => match v.as_f64() {
                Some(n) if n.fract() == 0.0 && (5.0..=60_000.0).contains(&n) => n as u64,
                _ => {
                    return Err(LayerError::config(
                        "store.timeoutMs",
                        "must be an integer between 5 and 60000",
                    ));
                }
            },
        };
        Ok(Some(StoreConfig {
            url: url.to_string(),
            key_prefix,
            on_unavailable,
            timeout: Duration::from_millis(timeout_ms),
        }))
    }
}

/// Counters of the shared store, for `stats()`.
#[derive(Debug, Default)]
pub struct StoreStats {
    /// Commands (or scripts, or pipelines) Redis answered.
    pub commands: AtomicU64,
    /// Commands that failed or timed out, and calls skipped while Redis was known down.
    pub errors: AtomicU64,
    /// Outages seen (one per transition from reachable to unreachable).
    pub outages: AtomicU64,
    /// Answers given from in-process state because Redis was unavailable (`'local'`).
    pub fallbacks: AtomicU64,
    /// Answers refused with 503 because Redis was unavailable (`'closed'`).
    pub refused: AtomicU64,
    /// Refreshes this instance ran for the whole fleet (it held the lock).
    pub refresh_led: AtomicU64,
    /// Refreshes answered from Redis: another instance ran (or had run) the backend call.
    pub refresh_shared: AtomicU64,
    /// Rate-limit checks answered by Redis / by the local deny cache.
    pub rate_checks: AtomicU64,
    pub rate_deny_cache_hits: AtomicU64,
    /// Revocations published by this instance / received from others.
    pub revocations_published: AtomicU64,
    pub revocations_received: AtomicU64,
}

#[inline]
pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Hex of a token key (64 characters), the form keys and messages carry.
pub fn hex(key: &TokenKey) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(64);
    for b in key {
        let _ = write!(s, "{b:02x}");
    }
    s
}

pub fn unhex(s: &str) -> Option<TokenKey> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

/// One engine's view of the shared store.
pub struct SharedStore {
    pub redis: Arc<Redis>,
    pub prefix: String,
    pub on_unavailable: OnUnavailable,
    pub stats: Arc<StoreStats>,
    pub revocations: revocations::Subscriber,
}

impl SharedStore {
    pub fn new(cfg: &StoreConfig) -> Result<Arc<Self>> {
        let stats = Arc::new(StoreStats::default());
        let redis = Arc::new(Redis::new(cfg, stats.clone())?);
        Ok(Arc::new(SharedStore {
            revocations: revocations::Subscriber::new(
                redis.clone(),
                format!("{}revoked", cfg.key_prefix),
                stats.clone(),
            ),
            redis,
            prefix: cfg.key_prefix.clone(),
            on_unavailable: cfg.on_unavailable,
            stats,
        }))
    }

    pub fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.prefix)
    }

    /// Redis was unavailable: count the fallback, or refuse in `'closed'` mode.
    pub fn unavailable(&self) -> Result<()> {
        match self.on_unavailable {
            OnUnavailable::Local => {
                bump(&self.stats.fallbacks);
                Ok(())
            }
            OnUnavailable::Closed => {
                bump(&self.stats.refused);
                Err(LayerError::store_unavailable(
                    "the shared store (Redis) is unavailable",
                ))
            }
        }
    }

    /// Tells every instance that `key` is refused for `ttl` (fire and forget: the caller,
    /// a logout, does not wait for Redis; a failure is counted and logged by the connection).
    pub fn publish_revocation(self: &Arc<Self>, key: TokenKey, ttl: Duration) {
        let me = self.clone();
        self.revocations.spawn(async move {
            let name = me.key("rv", &hex(&key));
            if revocations::publish(&me.redis, name, &me.revocations.channel, &key, ttl)
                .await
                .is_ok()
            {
                bump(&me.stats.revocations_published);
            }
        });
    }

    /// Was `key` revoked by some instance (and not yet past its `exp`)?
    pub async fn is_revoked(&self, key: &TokenKey) -> std::result::Result<bool, Unavailable> {
        self.revocations.ensure_started();
        revocations::is_revoked(&self.redis, self.key("rv", &hex(key))).await
    }

    pub fn snapshot(&self) -> StoreSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed) as i64;
        let s = &self.stats;
        StoreSnapshot {
            commands: g(&s.commands),
            errors: g(&s.errors),
            outages: g(&s.outages),
            fallbacks: g(&s.fallbacks),
            refused: g(&s.refused),
            refresh_led: g(&s.refresh_led),
            refresh_shared: g(&s.refresh_shared),
            rate_checks: g(&s.rate_checks),
            rate_deny_cache_hits: g(&s.rate_deny_cache_hits),
            revocations_published: g(&s.revocations_published),
            revocations_received: g(&s.revocations_received),
            up: !self.redis.is_down(),
        }
    }
}

/// The shared store's counters in `stats().store`.
#[napi_derive::napi(object)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreSnapshot {
    /// Commands Redis answered.
    pub commands: i64,
    /// Commands that failed or timed out (or were skipped while Redis was known down).
    pub errors: i64,
    /// Outages (transitions from reachable to unreachable).
    pub outages: i64,
    /// Answers from in-process state because Redis was unavailable (`onUnavailable: 'local'`).
    pub fallbacks: i64,
    /// 503 answers because Redis was unavailable (`onUnavailable: 'closed'`).
    pub refused: i64,
    /// Backend refreshes this instance ran while holding the token family's lock.
    pub refresh_led: i64,
    /// Refreshes answered from Redis (another instance called the backend).
    pub refresh_shared: i64,
    /// Rate-limit checks answered by Redis, and by the local deny cache.
    pub rate_checks: i64,
    pub rate_deny_cache_hits: i64,
    /// Revocations published by this instance, and received from other instances.
    pub revocations_published: i64,
    pub revocations_received: i64,
    /// Whether Redis answered the last command.
    pub up: bool,
}

#[cfg(test)]
mod tests;

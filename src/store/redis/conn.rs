//! The connection to Redis: one `ConnectionManager` (multiplexed, reconnects by itself),
//! created lazily on the tokio runtime, every call bounded by `timeoutMs`.
//!
//! A breaker keeps an outage cheap: after a failure, calls fail at once (the caller falls
//! back or refuses) and one probe per [`PROBE_INTERVAL_MS`] tries Redis again. The first
//! failure of an outage and the recovery are logged once each.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use redis::RedisResult;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{OnUnavailable, StoreConfig, StoreStats, bump};
use crate::error::{LayerError, Result};

/// While Redis is down, at most one call per interval tries it.
pub const PROBE_INTERVAL_MS: u64 = 250;

/// Redis did not answer (error, timeout, or known down): the caller decides what that means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable;

pub struct Redis {
    pub(crate) client: redis::Client,
    pub timeout: Duration,
    on_unavailable: OnUnavailable,
    mgr: OnceLock<Option<ConnectionManager>>,
    down: AtomicBool,
    down_since_ms: AtomicI64,
    next_probe_ms: AtomicU64,
    stats: Arc<StoreStats>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Redis {
    pub fn new(cfg: &StoreConfig, stats: Arc<StoreStats>) -> Result<Self> {
        let client = redis::Client::open(cfg.url.as_str())
            .map_err(|_| LayerError::config("store.url", "is not a valid redis:// URL"))?;
        Ok(Redis {
            client,
            timeout: cfg.timeout,
            on_unavailable: cfg.on_unavailable,
            mgr: OnceLock::new(),
            down: AtomicBool::new(false),
            down_since_ms: AtomicI64::new(0),
            next_probe_ms: AtomicU64::new(0),
            stats,
        })
    }

    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// The connection manager; created on first use (it needs the tokio runtime).
    fn manager(&self) -> Option<ConnectionManager> {
        self.mgr
            .get_or_init(|| {
                let cfg = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(PROBE_INTERVAL_MS));
                ConnectionManager::new_lazy_with_config(self.client.clone(), cfg).ok()
            })
            .clone()
    }

    /// Whether this call may try Redis: always when up; one probe per interval when down.
    fn may_try(&self) -> bool {
        if !self.down.load(Ordering::Relaxed) {
            return true;
        }
        let now = now_ms();
        let next = self.next_probe_ms.load(Ordering::Relaxed);
        now >= next
            && self
                .next_probe_ms
                .compare_exchange(
                    next,
                    now + PROBE_INTERVAL_MS,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    /// Runs one command (or script, or pipeline) against Redis within `timeoutMs`.
    pub async fn call<T, F, Fut>(&self, f: F) -> std::result::Result<T, Unavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        if !self.may_try() {
            bump(&self.stats.errors);
            return Err(Unavailable);
        }
        let Some(mgr) = self.manager() else {
            self.mark_down("the connection could not be set up");
            return Err(Unavailable);
        };
        match tokio::time::timeout(self.timeout, f(mgr)).await {
            Ok(Ok(v)) => {
                bump(&self.stats.commands);
                self.mark_up();
                Ok(v)
            }
            Ok(Err(e)) => {
                self.mark_down(&describe(&e));
                Err(Unavailable)
            }
            Err(_) => {
                self.mark_down(&format!("no answer within {} ms", self.timeout.as_millis()));
                Err(Unavailable)
            }
        }
    }

    fn mark_down(&self, why: &str) {
        bump(&self.stats.errors);
        self.next_probe_ms
            .store(now_ms() + PROBE_INTERVAL_MS, Ordering::Relaxed);
        if !self.down.swap(true, Ordering::Relaxed) {
            bump(&self.stats.outages);
            self.down_since_ms.store(now_ms() as i64, Ordering::Relaxed);
            let then = match self.on_unavailable {
                OnUnavailable::Local => {
                    "falling back to in-process state (onUnavailable: 'local') until it is back"
                }
                OnUnavailable::Closed => {
                    "answering 503 for what needs shared state (onUnavailable: 'closed') until it is back"
                }
            };
            tracing::warn!(target: "next_api_layer::store", error = why, "Redis unavailable");
            eprintln!("[next-api-layer-native] store: Redis unavailable ({why}); {then}");
        }
    }

    fn mark_up(&self) {
        if self.down.swap(false, Ordering::Relaxed) {
            let since = self.down_since_ms.load(Ordering::Relaxed);
            let secs = (now_ms() as i64 - since).max(0) as f64 / 1000.0;
            tracing::info!(target: "next_api_layer::store", "Redis reachable again");
            eprintln!(
                "[next-api-layer-native] store: Redis reachable again after {secs:.1} s; shared state in use"
            );
        }
    }
}

/// An error without the URL (which may carry a password).
fn describe(e: &redis::RedisError) -> String {
    let kind = format!("{:?}", e.kind());
    if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connection_refusal() {
        "connection refused".to_string()
    } else if e.is_connection_dropped() || e.is_io_error() {
        "connection lost".to_string()
    } else {
        format!("{kind}: {}", e.detail().unwrap_or(""))
    }
}

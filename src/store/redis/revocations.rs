//! A revocation list shared by all instances: logout (and a refused refresh) on one
//! instance makes the token refused on every other one, before their cache entries expire.
//!
//! `publish` sets `rv:<hash>` until the token's `exp` (bounded) and publishes the hash on one
//! channel; every instance's listener evicts the token from its cache and remembers it as
//! refused. A listener that lost its connection may have missed messages: when it is back it
//! asks the engine to forget its cached validations (`Resync`). Cache misses check
//! `rv:<hash>` too, so a token revoked while an instance was away is still refused.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;

use super::{Redis, StoreStats, Unavailable, bump, hex, unhex};
use crate::auth::tokens::TokenKey;

/// Longest time a revocation is remembered (tokens without a known `exp` use this too).
pub const MAX_REVOCATION: Duration = Duration::from_secs(24 * 3600);

pub enum Event {
    /// This token is refused for `ttl`.
    Revoked(TokenKey, Duration),
    /// The listener was away: messages may have been missed.
    Resync,
}

pub type Hook = Arc<dyn Fn(Event) + Send + Sync>;

pub struct Subscriber {
    redis: Arc<Redis>,
    pub channel: String,
    stats: Arc<StoreStats>,
    hook: OnceLock<Hook>,
    started: AtomicBool,
    handle: OnceLock<tokio::runtime::Handle>,
    /// Dropped with the engine: the listener stops.
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl Subscriber {
    pub fn new(redis: Arc<Redis>, channel: String, stats: Arc<StoreStats>) -> Self {
        Subscriber {
            redis,
            channel,
            stats,
            hook: OnceLock::new(),
            started: AtomicBool::new(false),
            handle: OnceLock::new(),
            stop: Mutex::new(None),
        }
    }

    /// What to do with a revocation from another instance (set once, by the engine).
    pub fn set_hook(&self, hook: Hook) {
        let _ = self.hook.set(hook);
    }

    /// Starts the listener on the current tokio runtime, once. Without a runtime (a
    /// synchronous caller) it is started by the first asynchronous call instead.
    pub fn ensure_started(&self) {
        if self.started.load(Ordering::Relaxed) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(hook) = self.hook.get().cloned() else {
            return;
        };
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let _ = self.handle.set(handle.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        if let Ok(mut s) = self.stop.lock() {
            *s = Some(tx);
        }
        handle.spawn(listen(
            self.redis.client.clone(),
            self.redis.timeout,
            self.channel.clone(),
            self.stats.clone(),
            hook,
            rx,
        ));
    }

    /// Runs `fut` on the runtime (the current one, else the one the listener runs on).
    pub fn spawn(&self, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        if let Ok(h) = tokio::runtime::Handle::try_current() {
            h.spawn(fut);
        } else if let Some(h) = self.handle.get() {
            h.spawn(fut);
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        if let Ok(mut s) = self.stop.lock() {
            s.take();
        }
    }
}

/// Sets `rv:<hash>` for `ttl` and tells every instance, in one round trip.
pub async fn publish(
    redis: &Redis,
    key_name: String,
    channel: &str,
    key: &TokenKey,
    ttl: Duration,
) -> Result<(), Unavailable> {
    let ttl = ttl.clamp(Duration::from_millis(1), MAX_REVOCATION);
    let msg = format!("{} {}", hex(key), ttl.as_millis());
    let channel = channel.to_string();
    redis
        .call(|mut c| async move {
            redis::pipe()
                .cmd("SET")
                .arg(key_name)
                .arg(1)
                .arg("PX")
                .arg(ttl.as_millis() as u64)
                .ignore()
                .cmd("PUBLISH")
                .arg(channel)
                .arg(msg)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
}

/// Is `rv:<hash>` set?
pub async fn is_revoked(redis: &Redis, key_name: String) -> Result<bool, Unavailable> {
    redis
        .call(|mut c| async move {
            redis::cmd("EXISTS")
                .arg(key_name)
                .query_async::<bool>(&mut c)
                .await
        })
        .await
}

fn parse(msg: &str) -> Option<(TokenKey, Duration)> {
    let (h, ms) = msg.split_once(' ')?;
    let ms: u64 = ms.parse().ok()?;
    Some((unhex(h)?, Duration::from_millis(ms).min(MAX_REVOCATION)))
}

async fn listen(
    client: redis::Client,
    timeout: Duration,
    channel: String,
    stats: Arc<StoreStats>,
    hook: Hook,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut was_connected = false;
    let mut backoff = Duration::from_millis(50);
    loop {
        let connected = async {
            let mut ps = tokio::time::timeout(timeout, client.get_async_pubsub())
                .await
                .ok()?
                .ok()?;
            tokio::time::timeout(timeout, ps.subscribe(&channel))
                .await
                .ok()?
                .ok()?;
            Some(ps)
        };
        let ps = tokio::select! {
            ps = connected => ps,
            _ = &mut stop => return,
        };
        if let Some(mut ps) = ps {
            if was_connected {
                hook(Event::Resync);
            }
            was_connected = true;
            backoff = Duration::from_millis(50);
            let mut messages = ps.on_message();
            loop {
                tokio::select! {
                    m = messages.next() => match m {
                        Some(m) => {
                            let payload: String = m.get_payload().unwrap_or_default();
                            if let Some((key, ttl)) = parse(&payload) {
                                bump(&stats.revocations_received);
                                hook(Event::Revoked(key, ttl));
                            }
                        }
                        None => break,
                    },
                    _ = &mut stop => return,
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = &mut stop => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

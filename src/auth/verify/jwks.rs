//! The backend's JWKS, fetched once and cached.
//!
//! - Cached for the response's `Cache-Control: max-age`, clamped between the cooldown and
//!   [`MAX_TTL`] (`jwksCacheMaxAge` when the header says nothing, default 10 min).
//! - A token with an unknown `kid` triggers a refetch, at most one per cooldown (default
//!   30 s), so a flood of random `kid`s costs one request to the key endpoint, not one each.
//! - One fetch at a time (single flight): concurrent requests wait for it instead of fetching.
//! - A failed refresh keeps the keys we have (stale beats an outage of every login).
//! - Bounded: the body is read up to [`MAX_BODY`] bytes and at most `max_keys` keys are kept.
//!
//! Lookups are synchronous and cheap (a read lock); only the fetch is async.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::Algorithm;
use serde_json::Value;

use super::keys::VerifyKey;
use crate::error::{LayerError, Result};
use crate::stats::{Stats, bump};

pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// No JWKS has any business being larger.
pub const MAX_BODY: usize = 512 * 1024;

#[derive(Debug, Clone)]
pub struct JwksOptions {
    pub url: String,
    /// Cache lifetime when the response has no usable `max-age`. default 600 s
    pub default_ttl: Duration,
    /// Least time between two fetches that an unknown `kid` (or a failed fetch) may cause.
    /// default 30 s
    pub cooldown: Duration,
    /// default 100
    pub max_keys: usize,
    pub timeout: Duration,
}

#[derive(Default)]
struct State {
    keys: Vec<Arc<VerifyKey>>,
    loaded: bool,
    expires_at: Option<Instant>,
    last_attempt: Option<Instant>,
    in_flight: bool,
}

/// What the cache can say right now about a token's key.
#[derive(Debug)]
pub enum Lookup {
    /// Keys that may verify the token (possibly stale while a refresh is not allowed yet).
    Found(Vec<Arc<VerifyKey>>),
    /// No key now, but a fetch may bring one (first load, unknown kid past the cooldown,
    /// expired set, or a fetch in flight): go async and [`Jwks::refresh`].
    Fetch,
    /// No key and no fetch allowed (cooldown): the token cannot be verified.
    Missing,
}

pub struct Jwks {
    opts: JwksOptions,
    client: reqwest::Client,
    state: RwLock<State>,
    /// Bumped after every finished fetch (success or failure): a waiter that sees it moved
    /// knows someone else fetched for it.
    generation: AtomicU64,
    fetch_lock: tokio::sync::Mutex<()>,
    stats: Arc<Stats>,
}

impl Jwks {
    pub fn new(opts: JwksOptions, stats: Arc<Stats>) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("next-api-layer-native/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LayerError::config("validate.jwksUrl", format!("no HTTP client: {e}")))?;
        Ok(Self {
            opts,
            client,
            state: RwLock::default(),
            generation: AtomicU64::new(0),
            fetch_lock: tokio::sync::Mutex::new(()),
            stats,
        })
    }

    fn may_fetch(&self, s: &State, now: Instant) -> bool {
        !s.in_flight
            && s.last_attempt
                .is_none_or(|t| now.duration_since(t) >= self.opts.cooldown)
    }

    /// The keys that may verify a token with `alg` / `kid`, without I/O.
    pub fn lookup(&self, alg: Algorithm, kid: Option<&str>) -> Lookup {
        let now = Instant::now();
        let s = self.state.read().unwrap_or_else(|e| e.into_inner());
        let found: Vec<_> = s
            .keys
            .iter()
            .filter(|k| k.accepts(alg, kid) && (kid.is_none() || k.kid.is_some()))
            .cloned()
            .collect();
        let expired = s.expires_at.is_none_or(|t| now >= t);
        if !found.is_empty() {
            // An expired set is refreshed by the one request allowed to fetch; everyone
            // else keeps verifying with the keys we have.
            if expired && self.may_fetch(&s, now) {
                return Lookup::Fetch;
            }
            return Lookup::Found(found);
        }
        if s.in_flight || self.may_fetch(&s, now) {
            Lookup::Fetch
        } else {
            Lookup::Missing
        }
    }

    /// Fetches the set unless another request did so while we waited (single flight) or the
    /// cooldown forbids it. `unknown_kid`: counted as an unknown-kid refetch.
    pub async fn refresh(&self, unknown_kid: bool) {
        let seen = self.generation.load(Ordering::Acquire);
        let _guard = self.fetch_lock.lock().await;
        if self.generation.load(Ordering::Acquire) != seen {
            return;
        }
        {
            let now = Instant::now();
            let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
            if !self.may_fetch(&s, now) {
                return;
            }
            s.in_flight = true;
            s.last_attempt = Some(now);
        }
        if unknown_kid && self.state.read().is_ok_and(|s| s.loaded) {
            bump(&self.stats.jwks_unknown_kid_refetches);
        }
        bump(&self.stats.jwks_fetches);
        let fetched = self.fetch().await;
        {
            let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
            s.in_flight = false;
            match fetched {
                Ok((keys, ttl)) => {
                    s.keys = keys;
                    s.loaded = true;
                    s.expires_at = Some(Instant::now() + ttl);
                }
                Err(e) => {
                    // Keep what we have; the next attempt waits for the cooldown.
                    bump(&self.stats.jwks_fetch_errors);
                    tracing::warn!(target: "next_api_layer::jwks", error = %e.message, "JWKS fetch failed");
                    eprintln!(
                        "[next-api-layer-native] JWKS fetch failed ({}); keeping {} cached key(s)",
                        e.message,
                        s.keys.len()
                    );
                }
            }
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    async fn fetch(&self) -> Result<(Vec<Arc<VerifyKey>>, Duration)> {
        let url = &self.opts.url;
        let res = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| LayerError::backend_unavailable(format!("{url}: {e}")))?;
        let status = res.status();
        if !status.is_success() {
            return Err(LayerError::backend_bad_response(format!(
                "{url} answered {status}"
            )));
        }
        let ttl = res
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age)
            .unwrap_or(self.opts.default_ttl)
            .clamp(self.opts.cooldown.min(MAX_TTL), MAX_TTL);
        let body = read_capped(res, MAX_BODY, url).await?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| {
            LayerError::backend_bad_response(format!("{url} is not a JSON key set: {e}"))
        })?;
        let keys = parse_set(&v, self.opts.max_keys)
            .map_err(|m| LayerError::backend_bad_response(format!("{url} {m}")))?;
        Ok((keys, ttl))
    }

    /// Number of usable keys held (stats, tests).
    pub fn len(&self) -> usize {
        self.state.read().map(|s| s.keys.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The usable verification keys of a JWKS document, at most `max`. Malformed or unusable
/// keys are skipped (one bad key must not take the others down).
pub fn parse_set(v: &Value, max: usize) -> std::result::Result<Vec<Arc<VerifyKey>>, String> {
    let list = v
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("has no \"keys\" array")?;
    Ok(list
        .iter()
        .filter_map(|k| VerifyKey::from_jwk(k, false).ok().flatten())
        .take(max)
        .map(Arc::new)
        .collect())
}

/// `max-age` of a Cache-Control value (`no-store` / `no-cache` count as 0).
fn max_age(cc: &str) -> Option<Duration> {
    let mut out = None;
    for d in cc.split(',').map(str::trim) {
        let lower = d.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(n) = lower.strip_prefix("max-age=") {
            out = n
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    out
}

async fn read_capped(mut res: reqwest::Response, cap: usize, url: &str) -> Result<Vec<u8>> {
    if res.content_length().is_some_and(|n| n as usize > cap) {
        return Err(LayerError::backend_bad_response(format!(
            "{url} is larger than {cap} bytes"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| LayerError::backend_unavailable(format!("{url}: {e}")))?
    {
        if body.len() + chunk.len() > cap {
            return Err(LayerError::backend_bad_response(format!(
                "{url} is larger than {cap} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_max_age() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=x"), None);
    }

    #[test]
    fn set_skips_unusable_keys_and_is_bounded() {
        let set = serde_json::json!({ "keys": [
            { "kty": "oct", "k": "c2VjcmV0" },
            { "kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB" },
            { "kty": "EC", "crv": "P-256", "x": "bad", "y": "bad" },
            { "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "a" },
            { "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "b" },
            { "nonsense": true }
        ]});
        let keys = parse_set(&set, 10).unwrap();
        // oct (a symmetric key in a public set) and use=enc are skipped
        assert!(
            keys.iter()
                .all(|k| k.kind != super::super::keys::KeyKind::Hmac)
        );
        assert!(
            keys.iter()
                .all(|k| k.kind != super::super::keys::KeyKind::Rsa)
        );
        assert!(keys.iter().any(|k| k.kid.as_deref() == Some("a")));
        assert_eq!(parse_set(&set, 1).unwrap().len(), 1);
        assert!(parse_set(&serde_json::json!({}), 10).is_err());
    }
}

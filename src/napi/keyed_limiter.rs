//! `KeyedLimiter`: the rate limiter (GCRA, bounded memory) under a key the caller builds, for
//! limits that are not per request path: the auth routes' login/register attempts keyed by
//! account identifier + client address.

use napi_derive::napi;

use crate::error;
use crate::security::ratelimit::{RateLimitConfig, RateLimiter};

#[napi(object)]
pub struct KeyedLimiterOptions {
    /// Requests per window. Default 5.
    pub max_requests: Option<u32>,
    /// Window in ms. Default 60000.
    pub window_ms: Option<u32>,
    /// Most keys remembered (oldest replenished first evicted). Default 100000.
    pub max_keys: Option<u32>,
    /// The option path used in error messages, e.g. `rateLimit`.
    pub option: Option<String>,
}

/// One check: allowed or not, and the headers to send.
#[napi(object)]
pub struct KeyedLimit {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the next attempt is accepted (when refused).
    pub retry_after: Option<u32>,
    /// `name, value, name, value, ...`: `X-RateLimit-*`, `RateLimit`, `Retry-After`.
    pub headers: Vec<String>,
}

#[napi]
pub struct KeyedLimiter {
    inner: RateLimiter,
}

#[napi]
impl KeyedLimiter {
    #[napi(constructor)]
    pub fn new(options: KeyedLimiterOptions) -> napi::Result<Self, error::ErrorCode> {
        let option = options.option.unwrap_or_else(|| "rateLimit".into());
        let mut json = serde_json::Map::new();
        json.insert(
            "maxRequests".into(),
            options.max_requests.unwrap_or(5).into(),
        );
        json.insert(
            "windowMs".into(),
            options.window_ms.unwrap_or(60_000).into(),
        );
        if let Some(k) = options.max_keys {
            json.insert("maxKeys".into(), k.into());
        }
        let cfg = RateLimitConfig::from_json(Some(&serde_json::Value::Object(json))).map_err(
            |mut e| {
                e.message = e.message.replacen("rateLimit", &option, 1);
                e.into_napi()
            },
        )?;
        Ok(Self {
            inner: RateLimiter::new(cfg),
        })
    }

    /// Counts one attempt under `key`.
    #[napi]
    pub fn check(&self, key: String) -> KeyedLimit {
        match self.inner.check("/", &format!("k:{key}")) {
            Some(o) => {
                let mut headers = Vec::with_capacity(12);
                o.push_headers(&mut headers);
                KeyedLimit {
                    allowed: o.allowed,
                    limit: o.limit,
                    remaining: o.remaining,
                    retry_after: o.retry_after_secs.map(|s| s.min(u32::MAX as u64) as u32),
                    headers,
                }
            }
            None => KeyedLimit {
                allowed: true,
                limit: 0,
                remaining: 0,
                retry_after: None,
                headers: Vec::new(),
            },
        }
    }
}

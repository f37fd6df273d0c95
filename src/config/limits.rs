//! `cache`, `timeout` and `backend`: how long answers are kept, how long the backend may
//! take, and how much of it is read.

use std::time::Duration;

use serde_json::{Map, Value};

use super::{number, obj};
use crate::error::{LayerError, Result};

/// The validation cache (`cache.*`).
pub(super) struct Cache {
    pub ttl: Duration,
    pub max_size: u64,
    pub negative_ttl: Duration,
    pub revalidate_ahead: f64,
}

pub(super) fn cache(root: Option<&Map<String, Value>>) -> Result<Cache> {
    let cache = obj(root, "cache", "cache")?;
    let cache_ttl = number(cache, "ttl", "cache.ttl")?.unwrap_or(2000.0);
    let cache_max_size = number(cache, "maxSize", "cache.maxSize")?.unwrap_or(100.0);
    if cache_max_size < 1.0 {
        return Err(LayerError::config("cache.maxSize", "must be at least 1"));
    }
    let negative_ttl = number(cache, "negativeTtl", "cache.negativeTtl")?.unwrap_or(1000.0);
    let revalidate_ahead =
        number(cache, "revalidateAhead", "cache.revalidateAhead")?.unwrap_or(0.2);
    if revalidate_ahead >= 1.0 {
        return Err(LayerError::config(
            "cache.revalidateAhead",
            "must be a fraction of cache.ttl below 1 (0 turns it off)",
        ));
    }
    Ok(Cache {
        ttl: Duration::from_millis(cache_ttl as u64),
        max_size: cache_max_size as u64,
        negative_ttl: Duration::from_millis(negative_ttl as u64),
        revalidate_ahead,
    })
}

/// The backend's caps: `timeout` (or `backend.timeout`) and the byte limits.
pub(super) struct Backend {
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub max_user_header_bytes: usize,
}

pub(super) fn backend(root: Option<&Map<String, Value>>) -> Result<Backend> {
    let timeout = number(root, "timeout", "timeout")?
        .or(number(
            obj(root, "backend", "backend")?,
            "timeout",
            "backend.timeout",
        )?)
        .unwrap_or(5000.0);
    if timeout < 1.0 {
        return Err(LayerError::config(
            "timeout",
            "must be at least 1 (milliseconds)",
        ));
    }

    let backend = obj(root, "backend", "backend")?;
    let max_body_bytes = byte_limit(
        backend,
        "maxBodyBytes",
        "backend.maxBodyBytes",
        crate::auth::backend::DEFAULT_MAX_BODY,
    )?;
    let max_user_header_bytes = byte_limit(
        backend,
        "maxUserHeaderBytes",
        "backend.maxUserHeaderBytes",
        16 * 1024,
    )?;
    Ok(Backend {
        timeout: Duration::from_millis(timeout as u64),
        max_body_bytes,
        max_user_header_bytes,
    })
}

/// A positive whole number of bytes (at most 1 GiB), or `default`.
fn byte_limit(
    o: Option<&Map<String, Value>>,
    key: &str,
    option: &str,
    default: usize,
) -> Result<usize> {
    match number(o, key, option)? {
        None => Ok(default),
        Some(n) if n >= 1.0 && n <= (1u64 << 30) as f64 && n.fract() == 0.0 => Ok(n as usize),
        Some(n) => Err(LayerError::config(
            option,
            format!("must be a whole number of bytes between 1 and 1073741824 (got {n})"),
        )),
    }
}

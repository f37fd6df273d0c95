//! `guestToken`: whether anonymous visitors get a guest token, and how often one is minted.

use serde_json::{Map, Value};

use super::{GuestConfig, boolean, field, number, obj, type_name};
use crate::error::{LayerError, Result};

pub(super) fn parse(root: Option<&Map<String, Value>>) -> Result<GuestConfig> {
    let g = obj(root, "guestToken", "guestToken")?;
    let credentials = match field(g, "credentials") {
        None => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(v) => {
            return Err(LayerError::config(
                "guestToken.credentials",
                format!("must be an object (got {})", type_name(v)),
            ));
        }
    };
    let mint_limit = mint_limit(g)?;
    Ok(GuestConfig {
        enabled: boolean(g, "enabled", "guestToken.enabled", false)?,
        credentials,
        ttl_seconds: number(g, "ttl", "guestToken.ttl")?.unwrap_or(3600.0) as i64,
        mint_limit,
    })
}

/// `guestToken.rateLimit`: (max mints, window ms) per client, `None` when turned off.
fn mint_limit(g: Option<&Map<String, Value>>) -> Result<Option<(u32, u64)>> {
    Ok(match field(g, "rateLimit") {
        Some(Value::Bool(false)) => None,
        None | Some(Value::Bool(true)) => Some((30, 60_000)),
        Some(Value::Object(_)) => {
            let rl = obj(g, "rateLimit", "guestToken.rateLimit")?;
            let max =
                number(rl, "maxRequests", "guestToken.rateLimit.maxRequests")?.unwrap_or(30.0);
            let window =
                number(rl, "windowMs", "guestToken.rateLimit.windowMs")?.unwrap_or(60_000.0);
            if max < 1.0 || max.fract() != 0.0 || max > 1e6 || window < 1.0 {
                return Err(LayerError::config(
                    "guestToken.rateLimit",
                    "needs maxRequests (whole number, 1..1000000) and windowMs (>= 1)",
                ));
            }
            Some((max as u32, window as u64))
        }
        Some(v) => {
            return Err(LayerError::config(
                "guestToken.rateLimit",
                format!(
                    "must be false or {{ maxRequests, windowMs }} (got {})",
                    type_name(v)
                ),
            ));
        }
    })
}

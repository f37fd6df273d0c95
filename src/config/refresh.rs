//! `refresh`: how an expired or near-expiry user token is renewed.

use std::time::Duration;

use serde_json::{Map, Value};

use super::cookies::Cookies;
use super::{
    RefreshConfig, RefreshStyle, boolean, cookie_name, field, non_empty_string, number, obj,
    string, string_list, type_name,
};
use crate::error::{LayerError, Result};

pub(super) fn parse(root: Option<&Map<String, Value>>, cookies: &Cookies) -> Result<RefreshConfig> {
    let r = obj(root, "refresh", "refresh")?;
    let dual_cookie = &cookies.dual_cookie;
    let style = match string(r, "style", "refresh.style")?.as_deref() {
        None if dual_cookie.is_some() => RefreshStyle::Cookie,
        None | Some("bearer") => RefreshStyle::Bearer,
        Some("cookie") => RefreshStyle::Cookie,
        Some(s) => {
            return Err(LayerError::config(
                "refresh.style",
                format!("must be 'bearer' or 'cookie' (got \"{s}\")"),
            ));
        }
    };
    if style == RefreshStyle::Bearer && dual_cookie.is_some() {
        return Err(LayerError::config(
            "refresh.style",
            "is 'bearer' but cookies.refresh names a refresh-token cookie (dual-token mode \
             is refresh.style 'cookie'; drop one of the two)",
        ));
    }
    let own_cookie = string(r, "cookie", "refresh.cookie")?;
    let cookie = match (dual_cookie, own_cookie) {
        (Some(a), Some(b)) if *a != b => {
            return Err(LayerError::config(
                "refresh.cookie",
                format!("and cookies.refresh name different cookies (\"{b}\", \"{a}\")"),
            ));
        }
        (Some(a), _) => a.clone(),
        (None, _) => cookie_name(r, "cookie", "refresh.cookie", "refreshToken")?,
    };
    let threshold = threshold_seconds(r)?;
    let reuse_status_codes = reuse_status_codes(r)?;
    let reuse_codes = match field(r, "reuseCodes") {
        None => vec!["token_reuse".to_string()],
        Some(_) => string_list(r, "reuseCodes", "refresh.reuseCodes")?,
    };
    let refresh = RefreshConfig {
        enabled: boolean(r, "enabled", "refresh.enabled", true)?,
        style,
        threshold_seconds: threshold as i64,
        grace: Duration::from_millis(
            number(r, "graceMs", "refresh.graceMs")?.unwrap_or(10_000.0) as u64
        ),
        cookie: cookies.prefixed(cookie),
        body_field: non_empty_string(r, "bodyField", "refresh.bodyField", "refresh_token")?,
        single_flight: boolean(r, "singleFlight", "refresh.singleFlight", true)?,
        reuse_status_codes,
        reuse_codes,
        js_classify: boolean(
            obj(root, "jsMappers", "jsMappers")?,
            "classifyFail",
            "jsMappers.classifyFail",
            false,
        )?,
        cookie_options: cookies.refresh_cookie_options.clone(),
        cookie_max_age: cookies.refresh_cookie_max_age,
    };

    if refresh.style == RefreshStyle::Cookie
        && (refresh.cookie == cookies.user_cookie || refresh.cookie == cookies.guest_cookie)
    {
        return Err(LayerError::config(
            "refresh.cookie",
            format!(
                "must differ from cookies.user and cookies.guest (got \"{}\")",
                refresh.cookie
            ),
        ));
    }
    Ok(refresh)
}

/// `proactive` + `proactiveWindow` (next-api-layer) and `thresholdSeconds` (ours) set the
/// same thing: refresh a valid user token this many seconds before it expires.
fn threshold_seconds(r: Option<&Map<String, Value>>) -> Result<f64> {
    Ok(match field(r, "proactive") {
        Some(Value::Bool(true)) => {
            number(r, "proactiveWindow", "refresh.proactiveWindow")?.unwrap_or(120.0)
        }
        Some(Value::Bool(false)) => 0.0,
        Some(v) => {
            return Err(LayerError::config(
                "refresh.proactive",
                format!("must be a boolean (got {})", type_name(v)),
            ));
        }
        None => number(r, "thresholdSeconds", "refresh.thresholdSeconds")?.unwrap_or(0.0),
    })
}

fn reuse_status_codes(r: Option<&Map<String, Value>>) -> Result<Vec<u16>> {
    Ok(match field(r, "reuseStatusCodes") {
        None => vec![409],
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| match v.as_u64() {
                Some(n) if (400..=599).contains(&n) => Ok(n as u16),
                _ => Err(LayerError::config(
                    &format!("refresh.reuseStatusCodes[{i}]"),
                    "must be an HTTP status code between 400 and 599",
                )),
            })
            .collect::<Result<Vec<_>>>()?,
        Some(v) => {
            return Err(LayerError::config(
                "refresh.reuseStatusCodes",
                format!("must be an array of status codes (got {})", type_name(v)),
            ));
        }
    })
}

//! The engine as the JS adapter drives it, for the integration tests: an engine on the mock
//! backend, the facts of a plain GET, and a decision taken sync first, async only when pending.

use std::sync::Arc;

use next_api_layer_native::auth::decide::{Decision, Facts};
use next_api_layer_native::auth::engine::{Engine, JsMapperSet};
use serde_json::{Value, json};

use super::Mock;

/// An engine on `mock` with two protected areas and `/login`; `extra` overrides top-level keys.
pub fn engine(mock: &Mock, extra: Value) -> Arc<Engine> {
    let mut cfg = json!({
        "apiBaseUrl": mock.url,
        "access": { "protectedRoutes": ["/dashboard/**", "/api/profile/**"], "authRoutes": ["/login"] },
        "timeout": 1000
    });
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    Arc::new(Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap())
}

/// The facts of a GET to `path` with an optional cookie header.
pub fn facts(path: &str, cookie: Option<&str>) -> Facts {
    Facts {
        method: "GET".into(),
        path: path.into(),
        cookie: cookie.map(str::to_string),
        user_agent: Some("test-agent".into()),
        ..Default::default()
    }
}

/// What the JS adapter does: sync first, async only when pending.
pub async fn decide(e: &Engine, f: &Facts) -> Decision {
    let d = e.decide_sync(f);
    if d.is_pending() { e.decide(f).await } else { d }
}

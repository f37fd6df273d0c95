//! Hardening after the red-team review (issue 12): each test holds one invariant over several
//! variants, against the real HTTP mock backend on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::Mock;
use next_api_layer_native::auth::decide::{Decision, Facts};
use next_api_layer_native::auth::engine::{Engine, JsMapperSet};
use serde_json::{Value, json};

fn engine(mock: &Mock, extra: Value) -> Arc<Engine> {
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

fn facts(path: &str, cookie: Option<&str>) -> Facts {
    Facts {
        method: "GET".into(),
        path: path.into(),
        cookie: cookie.map(str::to_string),
        user_agent: Some("test-agent".into()),
        ..Default::default()
    }
}

async fn decide(e: &Engine, f: &Facts) -> Decision {
    let d = e.decide_sync(f);
    if d.is_pending() { e.decide(f).await } else { d }
}

fn authenticated(d: &Decision) -> bool {
    d.auth.as_ref().is_some_and(|a| a.is_authenticated)
}

// ------------------------------------------------------------------ 13. revocation

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_token_is_refused_at_once_without_backend_or_refresh() {
    let mock = Mock::start().await;
    // long cache: without revocation the token would stay accepted for a minute
    let e = engine(&mock, json!({ "cache": { "ttl": 60000 } }));
    let (tok, _) = mock.mint("user", true);
    let cookie = format!("userToken={tok}");
    let f = facts("/dashboard", Some(&cookie));
    assert!(authenticated(&decide(&e, &f).await));
    assert!(authenticated(&e.decide_sync(&f)), "cached");
    e.revoke_token(&tok);
    assert!(e.is_revoked(&tok));
    // synchronous path, async path, and getServerUser's validation all refuse it
    let d = e.decide_sync(&f);
    assert!(!d.is_pending() && !authenticated(&d), "{d:?}");
    assert_eq!(d.kind, "redirect");
    assert!(d.set_cookies.iter().any(|c| c.starts_with("userToken=;")));
    assert!(!authenticated(&e.decide(&f).await));
    assert!(matches!(
        e.validate_token(&tok).await.unwrap(),
        next_api_layer_native::auth::tokens::Validation::Rejected { .. }
    ));
    let (me, refresh, _) = mock.counts();
    assert_eq!((me, refresh), (1, 0), "never asked again, never refreshed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_outlives_cache_eviction_and_covers_the_refreshed_successor() {
    let mock = Mock::start().await;
    // a tiny cache: a flood of other tokens evicts the revoked entry from it
    let e = engine(
        &mock,
        json!({ "cache": { "maxSize": 5, "negativeTtl": 0 } }),
    );
    let (tok, _) = mock.mint("user", true);
    let cookie = format!("userToken={tok}");
    assert!(authenticated(&decide(&e, &facts("/", Some(&cookie))).await));
    e.revoke_token(&tok);
    for i in 0..50 {
        let c = format!("userToken=junk{i}");
        decide(&e, &facts("/", Some(&c))).await;
    }
    let before = mock.counts().0;
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert!(!authenticated(&d));
    assert_eq!(mock.counts().0, before, "refused from the revocation list");

    // a refreshed session: revoking the old token also kills the new one it maps to
    let (old, _) = mock.mint("user", false);
    let cookie = format!("userToken={old}");
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    let new = d
        .request_header("x-refreshed-token")
        .expect("refreshed")
        .to_string();
    e.revoke_token(&old);
    assert!(e.is_revoked(&new));
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert!(!authenticated(&d), "{d:?}");
    let c2 = format!("userToken={new}");
    assert!(!authenticated(
        &decide(&e, &facts("/dashboard", Some(&c2))).await
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_during_an_inflight_validation_wins() {
    let mock = Mock::start().await;
    mock.set_latency(Duration::from_millis(200));
    let e = engine(&mock, json!({ "cache": { "ttl": 60000 } }));
    let (tok, _) = mock.mint("user", true);
    let cookie = format!("userToken={tok}");
    let e2 = e.clone();
    let c2 = cookie.clone();
    let h = tokio::spawn(async move { decide(&e2, &facts("/dashboard", Some(&c2))).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    e.revoke_token(&tok);
    let d = h.await.unwrap();
    assert!(!authenticated(&d), "{d:?}");
    assert!(!authenticated(
        &e.decide_sync(&facts("/dashboard", Some(&cookie)))
    ));
}

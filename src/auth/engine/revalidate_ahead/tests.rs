//! Refresh-ahead against a real HTTP backend: a used verdict is re-validated before its entry
//! ends, once per verdict, and never lives past `cache.ttl` without one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::super::test_backend::TestBackend;
use super::super::{Engine, JsMapperSet};
use crate::auth::decide::{Decision, Facts};

const TTL: Duration = Duration::from_millis(1000);

/// `/auth/me` answers `status` (200: the user) for every token.
async fn backend(status: Arc<AtomicU16>) -> TestBackend {
    TestBackend::start(move |req| {
        let code = status.load(Ordering::SeqCst);
        if req.starts_with("get /auth/me") && code == 200 {
            (
                200,
                json!({ "success": true, "data": { "id": 1, "type": "user" } }),
            )
        } else {
            (code, json!({ "success": false }))
        }
    })
    .await
}

fn engine(url: &str, ahead: f64) -> Engine {
    let cfg = json!({
        "apiBaseUrl": url,
        "access": { "protectedRoutes": ["/dashboard/**"] },
        "cache": { "ttl": TTL.as_millis() as u64, "revalidateAhead": ahead },
        "refresh": { "enabled": false },
        "guestToken": { "enabled": false },
    });
    Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap()
}

fn page() -> Facts {
    Facts {
        method: "GET".into(),
        path: "/dashboard".into(),
        cookie: Some("userToken=live".into()),
        no_auth_result: Some(true),
        ..Facts::default()
    }
}

async fn sleep_until(t: Instant) {
    tokio::time::sleep_until(t.into()).await;
}

/// Waits (up to 2 s) until the backend has seen `n` validations.
async fn until_calls(b: &TestBackend, n: u64) {
    let end = Instant::now() + Duration::from_secs(2);
    while b.count("get /auth/me") < n && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn sync(e: &Engine) -> Decision {
    e.decide_sync(&page())
}

/// A backend, an engine (`ahead`) that has judged the token once, and when; the backend
/// answers `then` from there on.
async fn judged_once(ahead: f64, then: u16) -> (TestBackend, Engine, Instant) {
    let status = Arc::new(AtomicU16::new(200));
    let b = backend(status.clone()).await;
    let e = engine(&b.url, ahead);
    let t0 = Instant::now();
    assert_eq!(e.decide(&page()).await.kind, "next");
    assert_eq!(b.count("get /auth/me"), 1);
    status.store(then, Ordering::SeqCst);
    (b, e, t0)
}

/// Sleeps into the window and asks once: still the cached verdict, and its re-validation starts.
async fn into_the_window(e: &Engine, t0: Instant) {
    sleep_until(t0 + TTL.mul_f64(0.6)).await;
    assert_eq!(
        sync(e).kind,
        "next",
        "answered from the cache while it re-validates"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_token_never_waits_for_the_backend() {
    let status = Arc::new(AtomicU16::new(200));
    let b = backend(status).await;
    let e = engine(&b.url, 0.5);
    let t0 = Instant::now();
    assert_eq!(e.decide(&page()).await.kind, "next");
    assert_eq!(b.count("get /auth/me"), 1);
    // before the window: a cache hit and nothing else
    assert_eq!(sync(&e).kind, "next");
    sleep_until(t0 + TTL.mul_f64(0.6)).await;
    assert_eq!(
        sync(&e).kind,
        "next",
        "answered from the cache while it re-validates"
    );
    until_calls(&b, 2).await;
    assert_eq!(b.count("get /auth/me"), 2, "one background validation");
    assert_eq!(e.stats().revalidated_ahead, 1);
    // past the first verdict's end: the new one answers, synchronously
    sleep_until(t0 + TTL.mul_f64(1.1)).await;
    assert_eq!(sync(&e).kind, "next");
    assert_eq!(b.count("get /auth/me"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_background_call_per_verdict_and_none_outlives_the_ttl() {
    let (b, e, t0) = judged_once(0.5, 503).await;
    into_the_window(&e, t0).await;
    for _ in 0..20 {
        assert_eq!(sync(&e).kind, "next", "a backend fault logs nobody out");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    until_calls(&b, 2).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(b.count("get /auth/me"), 2, "one call, not one per request");
    sleep_until(t0 + TTL.mul_f64(1.1)).await;
    assert!(sync(&e).is_pending(), "no verdict older than cache.ttl");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_ends_the_session_at_once() {
    let (b, e, t0) = judged_once(0.5, 401).await;
    into_the_window(&e, t0).await;
    until_calls(&b, 2).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let d = sync(&e);
    assert_eq!(d.kind, "redirect", "before the entry's end: {d:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_answer_ends_where_the_window_starts() {
    let (_b, e, t0) = judged_once(0.5, 200).await;
    let (d, until) = e.decide_kept(&page(), false);
    assert_eq!(d.kind, "next");
    let until = until.expect("kept");
    // not the entry's end (1 s): the window's start, half-way
    let kept = until - t0;
    assert!(
        kept <= TTL.mul_f64(0.55) && kept >= TTL.mul_f64(0.4),
        "{kept:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_turns_it_off() {
    let (b, e, t0) = judged_once(0.0, 200).await;
    sleep_until(t0 + TTL.mul_f64(0.9)).await;
    assert_eq!(sync(&e).kind, "next");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(b.count("get /auth/me"), 1);
    assert_eq!(e.stats().revalidated_ahead, 0);
    sleep_until(t0 + TTL.mul_f64(1.1)).await;
    assert!(
        sync(&e).is_pending(),
        "the entry ended: the next request asks"
    );
}

#[test]
fn a_fraction_of_one_or_more_is_refused_by_name() {
    for bad in [json!(1), json!(2.5), json!(-0.1), json!("0.2")] {
        let cfg =
            json!({ "apiBaseUrl": "http://127.0.0.1:9", "cache": { "revalidateAhead": bad } });
        let err = Engine::from_json(&cfg.to_string(), JsMapperSet::default())
            .err()
            .expect("refused");
        assert!(err.to_string().contains("cache.revalidateAhead"), "{err}");
    }
}

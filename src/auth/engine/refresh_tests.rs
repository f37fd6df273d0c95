//! What the engine remembers of a refresh the backend refused, against a real HTTP server
//! that refuses every refresh: no later verdict on the token reopens it, and a refused
//! proactive refresh leaves a still-valid token valid.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::json;

use super::test_backend::TestBackend;
use super::{Engine, JsMapperSet};
use crate::auth::decide::Facts;
use crate::auth::tokens::{Validation, now_unix, token_key};

/// A backend refusing every refresh with `status` (and every other call with 401, except
/// `/auth/me` for the bearer `live`, a user expiring in 30 s).
async fn refusing_backend(status: u16) -> TestBackend {
    TestBackend::start(move |req| {
        if req.starts_with("post /auth/refresh") {
            (status, json!({ "success": false, "message": "refused" }))
        } else if req.starts_with("get /auth/me") && req.contains("bearer live") {
            let user = json!({ "id": 1, "type": "user", "exp": now_unix() + 30 });
            (200, json!({ "success": true, "data": user }))
        } else {
            (401, json!({ "success": false }))
        }
    })
    .await
}

fn engine(url: &str, extra: serde_json::Value) -> Engine {
    let mut cfg = json!({
        "apiBaseUrl": url,
        "access": { "protectedRoutes": ["/dashboard/**"], "guestFallbackOnUserRefreshFail": false },
        "cache": { "negativeTtl": 60000 },
        "timeout": 2000,
    });
    cfg.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap()
}

/// An unsigned JWT that expired a minute ago (judged expired without a backend call).
fn expired_jwt(sub: &str) -> String {
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        b64(json!({ "alg": "HS256", "typ": "JWT" })),
        b64(json!({ "sub": sub, "exp": now_unix() - 60 }))
    )
}

fn page(token: &str) -> Facts {
    Facts {
        method: "GET".into(),
        path: "/dashboard".into(),
        cookie: Some(format!("userToken={token}")),
        ..Facts::default()
    }
}

/// What a late verdict does to the cache entry: the token merely rejected, refresh untried.
fn overwrite_as_untried(e: &Engine, token: &str) {
    e.cache.insert(
        token_key(token),
        Arc::new(Validation::Rejected {
            refresh_failed: false,
        }),
        Duration::from_secs(60),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_outlives_a_later_verdict_on_the_token() {
    let b = refusing_backend(401).await;
    let e = engine(&b.url, json!({}));
    let token = expired_jwt("1");
    let d = e.decide(&page(&token)).await;
    assert_eq!(d.kind, "redirect", "{d:?}");
    assert_eq!(b.count("post /auth/refresh"), 1);
    for _ in 0..3 {
        overwrite_as_untried(&e, &token);
        let d = e.decide(&page(&token)).await;
        assert_eq!(d.kind, "redirect", "{d:?}");
    }
    assert_eq!(
        b.count("post /auth/refresh"),
        1,
        "the refusal is remembered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_never_refreshed() {
    let b = refusing_backend(401).await;
    let e = engine(&b.url, json!({}));
    let token = expired_jwt("2");
    e.revoke_token(&token);
    overwrite_as_untried(&e, &token);
    let d = e.decide(&page(&token)).await;
    assert_eq!(d.kind, "redirect", "{d:?}");
    assert_eq!(b.count("post /auth/refresh"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_refusal_keeps_its_reason() {
    // 409: a replayed refresh token by `refresh.reuseStatusCodes`; it fails closed each time
    let b = refusing_backend(409).await;
    let e = engine(
        &b.url,
        json!({ "access": { "protectedRoutes": ["/dashboard/**"] }, "refresh": { "reuseStatusCodes": [409] } }),
    );
    let token = expired_jwt("3");
    for round in 0..3 {
        overwrite_as_untried(&e, &token);
        let d = e.decide(&page(&token)).await;
        let a = d.auth.as_ref().expect("auth result");
        assert_eq!(
            a.refresh_fail.as_deref(),
            Some("reuse"),
            "round {round}: {d:?}"
        );
    }
    assert_eq!(b.count("post /auth/refresh"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_proactive_refresh_leaves_the_token_valid() {
    let b = refusing_backend(401).await;
    let e = engine(&b.url, json!({ "refresh": { "thresholdSeconds": 120 } }));
    for round in 0..3 {
        let d = e.decide(&page("live")).await;
        assert_eq!(d.kind, "next", "round {round}: {d:?}");
    }
    assert_eq!(
        b.count("post /auth/refresh"),
        1,
        "the refusal is remembered"
    );
}

#[test]
fn without_a_negative_ttl_nothing_is_remembered() {
    let e = engine(
        "http://127.0.0.1:9",
        json!({ "cache": { "negativeTtl": 0 } }),
    );
    let key = token_key("t");
    e.refusals
        .insert(key, Arc::new(super::RefreshFail::Expired), Duration::ZERO);
    assert!(super::recall_refresh(&*e.grace, &*e.refusals, &key).is_none());
}

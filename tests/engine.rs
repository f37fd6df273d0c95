//! Engine integration tests against a real HTTP mock backend on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::engine::{decide, engine, facts};
use common::{Mock, Mode};
use next_api_layer_native::auth::engine::{Engine, JsMapperSet};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_hit_is_synchronous_and_one_validate_call() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({ "cache": { "ttl": 60000 } }));
    let cookie = format!("userToken={tok}");
    let f = facts("/dashboard", Some(&cookie));
    assert!(
        e.decide_sync(&f).is_pending(),
        "first request needs the backend"
    );
    let d = e.decide(&f).await;
    assert_eq!(d.kind, "next");
    for _ in 0..1000 {
        let d = e.decide_sync(&f);
        assert_eq!(d.kind, "next");
        // an unchanged request goes on bare (userHeader 'auto'); the user is in the result
        assert!(d.request_headers.is_empty());
        let user = d
            .auth
            .as_ref()
            .and_then(|a| a.user_json.as_deref())
            .unwrap();
        assert!(!user.is_empty());
    }
    assert_eq!(mock.counts().0, 1);
    let s = e.stats();
    assert_eq!(s.backend_validate_calls, 1);
    assert!(s.cache_hits >= 1000);
}

/// A cache hit reads the guest cookie in the same pass as the user token: a signed-in user's
/// leftover guest cookie (even empty) is cleared, and none is cleared when there is none.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_hit_clears_a_leftover_guest_cookie() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({ "cache": { "ttl": 60000 } }));
    let user_only = format!("userToken={tok}");
    assert_eq!(
        e.decide(&facts("/dashboard", Some(&user_only))).await.kind,
        "next"
    );
    for guest in ["guestToken=g", "guestToken=", "guestToken=a; guestToken=b"] {
        let cookie = format!("{guest}; userToken={tok}");
        let d = e.decide_sync(&facts("/dashboard", Some(&cookie)));
        assert_eq!(d.kind, "next", "{guest}");
        assert!(
            d.set_cookies.iter().any(|c| c.starts_with("guestToken=;")),
            "{guest}: {d:?}"
        );
        assert_eq!(
            d.request_header("cookie"),
            Some(user_only.as_str()),
            "{guest}"
        );
    }
    let d = e.decide_sync(&facts("/dashboard", Some(&user_only)));
    assert!(
        d.set_cookies.is_empty() && d.request_headers.is_empty(),
        "{d:?}"
    );
    assert_eq!(mock.counts().0, 1, "every one a cache hit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_validations_share_one_call() {
    let mock = Mock::start().await;
    mock.set_latency(Duration::from_millis(100));
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({}));
    let cookie = format!("userToken={tok}");
    let mut hs = Vec::new();
    for _ in 0..100 {
        let e = e.clone();
        let f = facts("/dashboard", Some(&cookie));
        hs.push(tokio::spawn(async move { decide(&e, &f).await }));
    }
    for h in hs {
        assert_eq!(h.await.unwrap().kind, "next");
    }
    assert_eq!(mock.counts().0, 1);
    assert!(e.stats().coalesced_waiters >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_token_100_concurrent_one_refresh_then_grace() {
    let mock = Mock::start().await;
    mock.set_latency(Duration::from_millis(50));
    let (old, _) = mock.mint("user", false); // rejected by /auth/me, refreshable once
    let e = engine(&mock, json!({}));
    let cookie = format!("userToken={old}; guestToken=g1");
    let mut hs = Vec::new();
    for _ in 0..100 {
        let e = e.clone();
        let f = facts("/dashboard", Some(&cookie));
        hs.push(tokio::spawn(async move { decide(&e, &f).await }));
    }
    let mut new_tokens = std::collections::HashSet::new();
    for h in hs {
        let d = h.await.unwrap();
        assert_eq!(d.kind, "next", "{d:?}");
        let t = d
            .request_header("x-refreshed-token")
            .expect("refreshed token downstream");
        new_tokens.insert(t.to_string());
        assert!(
            d.set_cookies
                .iter()
                .any(|c| c.starts_with(&format!("userToken={t};")))
        );
        // the new token is visible to cookies() downstream; the guest cookie is cleared on login
        assert_eq!(
            d.request_header("cookie"),
            Some(format!("userToken={t}").as_str())
        );
        assert!(d.set_cookies.iter().any(|c| c.starts_with("guestToken=;")));
        assert!(d.auth.as_ref().unwrap().refreshed);
    }
    assert_eq!(new_tokens.len(), 1, "everyone got the same new token");
    let (me, refresh, _) = mock.counts();
    assert_eq!(refresh, 1, "exactly one refresh call");
    assert_eq!(me, 2, "one validate for the old token, one for the new");

    // inside the grace window, the old token still maps to the new one, synchronously
    let d = e.decide_sync(&facts("/dashboard", Some(&cookie)));
    assert_eq!(d.kind, "next");
    assert_eq!(
        d.request_header("x-refreshed-token"),
        new_tokens.iter().next().map(String::as_str)
    );
    assert_eq!(mock.counts().1, 1);
    assert!(e.stats().grace_hits >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grace_window_expires() {
    let mock = Mock::start().await;
    let (old, _) = mock.mint("user", false);
    let e = engine(
        &mock,
        json!({ "refresh": { "graceMs": 100 }, "cache": { "negativeTtl": 0 } }),
    );
    let cookie = format!("userToken={old}");
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert!(d.auth.unwrap().refreshed);
    tokio::time::sleep(Duration::from_millis(150)).await;
    // after the window the old token is refreshed again, which the rotating backend refuses
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert_eq!(d.kind, "redirect");
    assert!(
        d.set_cookies.iter().any(|c| c.starts_with("userToken=;")),
        "{d:?}"
    );
    assert_eq!(mock.counts().1, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_token_is_remembered() {
    let mock = Mock::start().await;
    let e = engine(
        &mock,
        json!({ "refresh": { "enabled": false }, "cache": { "negativeTtl": 60000 } }),
    );
    let f = facts("/", Some("userToken=forged"));
    for _ in 0..50 {
        let d = decide(&e, &f).await;
        assert_eq!(d.kind, "next");
        assert!(!d.auth.unwrap().is_authenticated);
    }
    assert_eq!(mock.counts().0, 1);
    assert!(e.stats().negative_cache_hits >= 49);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsendable_tokens_are_rejected_not_backend_trouble() {
    let mock = Mock::start().await;
    let e = engine(&mock, json!({}));
    let long = "a".repeat(20_000);
    for token in ["a\u{1}b", "a\u{7f}b", "a b", "caf\u{e9}", long.as_str()] {
        let cookie = format!("userToken={token}");
        let d = decide(&e, &facts("/api/profile", Some(&cookie))).await;
        assert_eq!(
            (d.kind.as_str(), d.status),
            ("json", 401),
            "{token:.20}: {d:?}"
        );
        assert!(d.auth.unwrap().error.is_none());
        // the cookie is the client's own garbage: it is cleared
        assert!(d.set_cookies.iter().any(|c| c.starts_with("userToken=;")));
    }
    assert_eq!(mock.counts(), (0, 0, 0), "the backend is never asked");
    assert_eq!(e.stats().backend_errors, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_down_api_503_page_keeps_cookies() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    mock.set_mode(Mode::Down);
    let e = engine(&mock, json!({}));
    let cookie = format!("userToken={tok}");
    let d = decide(&e, &facts("/api/profile", Some(&cookie))).await;
    assert_eq!((d.kind.as_str(), d.status), ("json", 503));
    assert!(
        d.body
            .as_deref()
            .unwrap()
            .contains("ERR_BACKEND_UNAVAILABLE")
    );
    let d = decide(&e, &facts("/", Some(&cookie))).await;
    assert_eq!(d.kind, "next");
    assert!(
        d.set_cookies.is_empty(),
        "a backend blip never deletes cookies"
    );
    assert_eq!(
        d.auth.unwrap().error.as_deref(),
        Some("ERR_BACKEND_UNAVAILABLE")
    );
    assert!(e.stats().backend_errors >= 2);
    // the backend comes back: the same cookie works
    mock.set_mode(Mode::Ok);
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert_eq!(d.kind, "next");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_5xx_malformed_backends() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({ "timeout": 200 }));
    let cookie = format!("userToken={tok}");
    let f = facts("/api/profile", Some(&cookie));
    mock.set_mode(Mode::Hang);
    let d = decide(&e, &f).await;
    assert_eq!(d.status, 503);
    assert!(d.body.unwrap().contains("ERR_BACKEND_TIMEOUT"));
    mock.set_mode(Mode::Error500);
    let d = decide(&e, &f).await;
    assert!(d.body.unwrap().contains("ERR_BACKEND_BAD_RESPONSE"));
    mock.set_mode(Mode::Malformed);
    let d = decide(&e, &f).await;
    assert!(d.body.unwrap().contains("ERR_BACKEND_BAD_RESPONSE"));
    mock.set_mode(Mode::Ok);
    mock.set_latency(Duration::from_millis(500));
    let d = decide(&e, &facts("/", Some(&cookie))).await;
    assert_eq!(d.kind, "next");
    assert!(d.set_cookies.is_empty());
    assert_eq!(
        d.auth.unwrap().error.as_deref(),
        Some("ERR_BACKEND_TIMEOUT")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guest_token_created_per_request_and_cached() {
    let mock = Mock::start().await;
    let e = engine(
        &mock,
        json!({ "guestToken": { "enabled": true, "credentials": { "username": "guest", "password": "x" } } }),
    );
    mock.set_latency(Duration::from_millis(50));
    let mut hs = Vec::new();
    for _ in 0..20 {
        let e = e.clone();
        hs.push(tokio::spawn(
            async move { decide(&e, &facts("/", None)).await },
        ));
    }
    let mut tokens = std::collections::HashSet::new();
    for h in hs {
        let d = h.await.unwrap();
        let a = d.auth.clone().unwrap();
        assert!(a.is_guest && a.guest_created && !a.is_authenticated);
        let c = d
            .set_cookies
            .iter()
            .find(|c| c.starts_with("guestToken="))
            .unwrap();
        assert!(c.contains("Max-Age=3600") && c.contains("HttpOnly"));
        tokens.insert(d.request_header("x-refreshed-token").unwrap().to_string());
    }
    // each request its own guest: one minted for a request is never set on another's
    // response (minting is bounded per client by guestToken.rateLimit instead)
    assert_eq!(tokens.len(), 20);
    assert_eq!(mock.counts().2, 20);
    // a different client gets its own guest
    let mut other = facts("/", None);
    other.user_agent = Some("other-browser".into());
    let d = decide(&e, &other).await;
    assert!(!tokens.contains(d.request_header("x-refreshed-token").unwrap()));
    // the guest cookie is then answered from the cache, and guests cannot enter protected pages
    let cookie = format!("guestToken={}", tokens.iter().next().unwrap());
    let d = e.decide_sync(&facts("/dashboard", Some(&cookie)));
    assert_eq!(d.kind, "redirect");
    assert_eq!(mock.counts().0, 0, "a fresh guest needs no validate call");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_style_refresh_rotates_the_refresh_cookie() {
    let mock = Mock::start().await;
    let (old, rt) = mock.mint("user", false);
    let e = engine(&mock, json!({ "refresh": { "style": "cookie" } }));
    let cookie = format!("userToken={old}; refreshToken={rt}");
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert_eq!(d.kind, "next", "{d:?}");
    let new = d.request_header("x-refreshed-token").unwrap().to_string();
    assert!(
        d.set_cookies
            .iter()
            .any(|c| c.starts_with(&format!("userToken={new};")))
    );
    let new_rt = d
        .set_cookies
        .iter()
        .find(|c| c.starts_with("refreshToken="))
        .expect("rotated refresh token written back");
    assert!(!new_rt.starts_with(&format!("refreshToken={rt};")));
    // only a refresh cookie (access cookie gone): refreshed too
    let (_, rt2) = mock.mint("user", false);
    let d = decide(
        &e,
        &facts("/dashboard", Some(&format!("refreshToken={rt2}"))),
    )
    .await;
    assert!(d.auth.unwrap().refreshed);
    assert_eq!(mock.counts().1, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declarative_mappers_read_custom_shapes() {
    let mock = Mock::start().await;
    *mock.custom_shape.lock().unwrap() = true;
    let (tok, _) = mock.mint("user", true);
    let e = engine(
        &mock,
        json!({ "responseMappers": { "parseAuthMe": { "user": "result.account", "type": "/result/kind", "exp": "result.expires" } } }),
    );
    let d = decide(&e, &facts("/dashboard", Some(&format!("userToken={tok}")))).await;
    assert_eq!(d.kind, "next");
    let a = d.auth.unwrap();
    assert!(a.is_authenticated);
    let user: Value = serde_json::from_str(a.user_json.as_deref().unwrap()).unwrap();
    assert_eq!(user["name"], "Zoë Démo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_protected_page_redirects_synchronously() {
    let mock = Mock::start().await;
    let e = engine(&mock, json!({}));
    let mut f = facts("/dashboard/x", None);
    f.search = Some("?a=1".into());
    let d = e.decide_sync(&f);
    assert_eq!(d.kind, "redirect");
    assert_eq!(
        d.location.as_deref(),
        Some("/login?returnTo=/dashboard/x%3Fa%3D1")
    );
    assert_eq!(mock.counts(), (0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proactive_refresh_near_expiry() {
    let mock = Mock::start().await;
    *mock.exp_offset.lock().unwrap() = Some(30);
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({ "refresh": { "thresholdSeconds": 60 } }));
    let d = decide(&e, &facts("/dashboard", Some(&format!("userToken={tok}")))).await;
    assert_eq!(d.kind, "next");
    assert!(
        d.auth.unwrap().refreshed,
        "a token expiring within the threshold is refreshed"
    );
    assert_eq!(mock.counts().1, 1);
    // without a threshold the same token is simply used
    let (tok2, _) = mock.mint("user", true);
    let e2 = engine(&mock, json!({}));
    let d = decide(
        &e2,
        &facts("/dashboard", Some(&format!("userToken={tok2}"))),
    )
    .await;
    assert!(!d.auth.unwrap().refreshed);
    assert_eq!(mock.counts().1, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_mappers_are_called_with_the_body() {
    use next_api_layer_native::auth::tokens::validate::JsMapperFn;
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen2 = seen.clone();
    let f: JsMapperFn = Arc::new(move |body: String| {
        seen2.lock().unwrap().push(body.clone());
        Box::pin(async move {
            let v: Value = serde_json::from_str(&body).unwrap();
            Ok(
                json!({ "user": { "name": v["data"]["name"], "mapped": true }, "tokenType": "user" }),
            )
        })
    });
    let cfg = json!({ "apiBaseUrl": mock.url, "jsMappers": { "parseAuthMe": true } });
    let js = JsMapperSet {
        auth_me: Some(f),
        ..Default::default()
    };
    let e = Engine::from_json(&cfg.to_string(), js).unwrap();
    let d = decide(&e, &facts("/", Some(&format!("userToken={tok}")))).await;
    let user: Value = serde_json::from_str(d.auth.unwrap().user_json.as_deref().unwrap()).unwrap();
    assert_eq!(user["mapped"], true);
    assert_eq!(user["name"], "Zoë Démo");
    assert_eq!(seen.lock().unwrap().len(), 1);
    // marked as a function but none passed: a config error
    let err = Engine::from_json(&cfg.to_string(), JsMapperSet::default())
        .err()
        .unwrap();
    assert_eq!(err.code.as_str(), "ERR_CONFIG_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_distinct_tokens_stays_bounded() {
    let mock = Mock::start().await;
    let e = engine(
        &mock,
        json!({ "refresh": { "enabled": false }, "cache": { "maxSize": 50, "negativeTtl": 600000 } }),
    );
    let mut hs = Vec::new();
    for w in 0..8 {
        let e = e.clone();
        hs.push(tokio::spawn(async move {
            for i in 0..250 {
                let cookie = format!("userToken=forged-{w}-{i}");
                let d = decide(&e, &facts("/", Some(&cookie))).await;
                assert!(!d.auth.unwrap().is_authenticated);
            }
        }));
    }
    for h in hs {
        h.await.unwrap();
    }
    assert_eq!(mock.counts().0, 2000);
    let (cache, grace) = e.cache_len();
    assert!(cache <= 60, "cache holds {cache} entries for maxSize 50");
    assert_eq!(grace, 0);
}

#[test]
fn config_errors_have_stable_codes() {
    for (cfg, option) in [
        (json!({}), "apiBaseUrl"),
        (json!({ "apiBaseUrl": "not a url" }), "apiBaseUrl"),
        (
            json!({ "apiBaseUrl": "http://x", "cache": { "ttl": -1 } }),
            "cache.ttl",
        ),
        (
            json!({ "apiBaseUrl": "http://x", "responseMappers": { "parseAuthMe": { "user": { "path": "a", "type": "xpath" } } } }),
            "responseMappers.parseAuthMe.user.type",
        ),
        // the readable CSRF cookie must never take an auth cookie's name
        (
            json!({ "apiBaseUrl": "http://x", "csrf": { "cookieName": "userToken" } }),
            "csrf.cookieName",
        ),
        (
            json!({ "apiBaseUrl": "http://x", "cookies": { "guest": "g" }, "csrf": { "cookieName": "g" } }),
            "csrf.cookieName",
        ),
        (
            json!({ "apiBaseUrl": "http://x", "refresh": { "style": "cookie" }, "csrf": { "cookieName": "refreshToken" } }),
            "csrf.cookieName",
        ),
        // a misspelt security option fails instead of keeping its default
        (
            json!({ "apiBaseUrl": "http://x", "rateLimit": { "max": 5 } }),
            "rateLimit.max",
        ),
    ] {
        let err = match Engine::from_json(&cfg.to_string(), JsMapperSet::default()) {
            Err(e) => e,
            Ok(_) => panic!("{cfg} must be rejected"),
        };
        assert_eq!(err.code.as_str(), "ERR_CONFIG_INVALID");
        assert!(err.message.starts_with(option), "{}", err.message);
    }
}

/// Cache off (`cache.ttl: 0`): a request joins the validation in flight when it arrives, or
/// starts the next one; it never waits on two backend round trips in a row. The mock numbers
/// each `auth/me` call and reports the number in the user, so each request tells which call
/// answered it: with `n` calls started when it arrived, that is call `n` (the one in flight,
/// joined) or call `n + 1` (its own). A later call means it waited behind one flight and then
/// on another; an earlier one would be a stale answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_off_each_request_waits_on_at_most_one_validation() {
    let mock = Mock::start().await;
    mock.set_latency(Duration::from_millis(60));
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({ "cache": { "ttl": 0 } }));
    let cookie = format!("userToken={tok}");
    let requests = 80;
    let mut hs = Vec::new();
    for i in 0..requests {
        let e = e.clone();
        let f = facts("/dashboard", Some(&cookie));
        let started = mock.me_calls.clone();
        hs.push(tokio::spawn(async move {
            let before = started.load(std::sync::atomic::Ordering::SeqCst);
            let d = decide(&e, &f).await;
            (before, d)
        }));
        // staggered arrivals, with a burst now and then
        if i % 4 != 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    for h in hs {
        let (before, d) = h.await.unwrap();
        assert_eq!(d.kind, "next");
        let user: Value =
            serde_json::from_str(d.auth.unwrap().user_json.as_deref().unwrap()).unwrap();
        let call = user["meCall"].as_u64().unwrap();
        assert!(
            call >= before.max(1) && call <= before + 1,
            "{before} auth/me calls had started when the request arrived; it was answered by call {call}"
        );
    }
    let calls = mock.counts().0;
    assert!(calls >= 2, "the cache is off: later requests ask again");
    assert!(
        calls < requests,
        "concurrent requests share calls ({calls})"
    );
    assert_eq!(e.cache_len().0, 0, "nothing is cached");
}

/// A refused refresh is remembered for everyone, including a request that checked before the
/// refusal landed and reached the flight after it retired (the late joiner runs the flight's
/// work itself, so the work recalls what is remembered; the check before is a shortcut).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_refresh_is_one_call_however_late_the_joiners() {
    let mock = Mock::start().await;
    mock.set_latency(Duration::from_millis(1));
    let e = engine(&mock, json!({ "cache": { "negativeTtl": 60000 } }));
    for round in 0..60u64 {
        let (tok, _) = mock.mint("user", false);
        mock.state
            .lock()
            .unwrap()
            .tokens
            .get_mut(&tok)
            .unwrap()
            .refreshable = false;
        let before = mock.counts().1;
        let cookie = format!("userToken={tok}");
        let mut hs = Vec::new();
        for i in 0..48u64 {
            let e = e.clone();
            let f = facts("/dashboard", Some(&cookie));
            // arrivals spread over the flight's lifetime, so some come just as it retires
            hs.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_micros((i * 97 + round * 13) % 4000)).await;
                decide(&e, &f).await
            }));
        }
        for h in hs {
            assert_eq!(h.await.unwrap().kind, "redirect");
        }
        assert_eq!(
            mock.counts().1 - before,
            1,
            "round {round}: one refresh call"
        );
    }
}

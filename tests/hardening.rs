//! Hardening after the red-team review (issue 12): each test holds one invariant over several
//! variants, against the real HTTP mock backend on 127.0.0.1.

mod common;

use std::time::Duration;

use common::Mock;
use common::engine::{decide, engine, facts};
use next_api_layer_native::auth::decide::Decision;
use next_api_layer_native::auth::engine::{Engine, JsMapperSet};
use serde_json::json;

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

// ------------------------------------------------------------------ helpers for the rest

fn fake_jwt(exp_in: i64, n: usize) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"{n}","exp":{}}}"#, now + exp_in));
    format!("{h}.{p}.forged-signature-{n}")
}

fn backend_calls(mock: &Mock) -> u64 {
    let (a, b, c) = mock.counts();
    a + b + c
}

// ------------------------------------------------------------------ 5. bad-token floods

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_one_backend_call_per_distinct_bad_token() {
    let mock = Mock::start().await;
    let guest = json!({ "enabled": true, "credentials": { "username": "guest" } });
    // default config (opaque tokens allowed), refresh on, guests on: forged JWTs with a
    // future exp are invalid, not expired: one validate call each, never a refresh
    let e = engine(&mock, json!({ "guestToken": guest }));
    let n = 40;
    for i in 0..n {
        let c = format!("userToken={}", fake_jwt(3600, i));
        let mut f = facts("/", Some(&c));
        f.x_forwarded_for = Some("203.0.113.7".into());
        // the same token three times: remembered after the first
        for _ in 0..3 {
            decide(&e, &f).await;
        }
    }
    let (me, refresh, guests) = mock.counts();
    assert_eq!(me, n as u64, "one validate per distinct token");
    assert_eq!(refresh, 0, "a JWT with a future exp is not sent to refresh");
    assert!(
        guests <= 30,
        "guest minting is bounded per client: {guests}"
    );

    // an expired-looking JWT is still refreshed (that is what refresh is for)
    let before = mock.counts().1;
    let c = format!("userToken={}", fake_jwt(-30, 999));
    decide(&e, &facts("/", Some(&c))).await;
    assert_eq!(mock.counts().1, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_format_jwt_refuses_non_jwts_without_a_call() {
    let mock = Mock::start().await;
    let e = engine(&mock, json!({ "tokenFormat": "jwt" }));
    for (i, t) in [
        "random-garbage",
        "a.b.c",
        "1|sanctum-looking-token",
        "eyJhbGciOiJIUzI1NiJ9.notbase64!.x",
        "x.y",
    ]
    .iter()
    .enumerate()
    {
        let c = format!("userToken={t}{i}");
        let d = decide(&e, &facts("/api/profile", Some(&c))).await;
        assert_eq!((d.kind.as_str(), d.status), ("json", 401), "{t}");
    }
    assert_eq!(backend_calls(&mock), 0);
    // a JWT-shaped token is still asked about
    let c = format!("userToken={}", fake_jwt(3600, 1));
    decide(&e, &facts("/api/profile", Some(&c))).await;
    assert_eq!(mock.counts().0, 1);
    let bad = Engine::from_json(
        &json!({ "apiBaseUrl": mock.url, "tokenFormat": "paseto" }).to_string(),
        JsMapperSet::default(),
    );
    assert!(bad.err().unwrap().message.contains("tokenFormat"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_refresh_tokens_are_remembered() {
    let mock = Mock::start().await;
    let e = engine(
        &mock,
        json!({ "refresh": { "style": "cookie" }, "cache": { "negativeTtl": 60000 } }),
    );
    // no access token, a bogus refresh cookie, many requests: one refresh call per distinct
    // refresh token
    for i in 0..5 {
        let c = format!("refreshToken=bogus-{i}");
        for _ in 0..4 {
            decide(&e, &facts("/dashboard", Some(&c))).await;
        }
    }
    assert_eq!(mock.counts().1, 5);
}

// ------------------------------------------------------------------ 6. guests are per request

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_guest_token_is_never_shared_between_requests() {
    let mock = Mock::start().await;
    mock.set_latency(Duration::from_millis(100));
    let e = engine(
        &mock,
        json!({ "guestToken": { "enabled": true, "credentials": { "username": "guest" } } }),
    );
    // victim and attacker send the same client-controlled data at the same moment
    let mut hs = Vec::new();
    for _ in 0..6 {
        let e = e.clone();
        hs.push(tokio::spawn(async move {
            let mut f = facts("/", None);
            f.x_forwarded_for = Some("198.51.100.1".into());
            f.user_agent = Some("same agent".into());
            decide(&e, &f).await
        }));
    }
    let mut tokens = std::collections::HashSet::new();
    for h in hs {
        let d = h.await.unwrap();
        let t = d
            .request_header("x-refreshed-token")
            .expect("a guest")
            .to_string();
        assert!(
            tokens.insert(t),
            "each response carries its own guest token"
        );
    }
    assert_eq!(mock.counts().2, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guest_minting_is_bounded_per_client() {
    let mock = Mock::start().await;
    let e = engine(
        &mock,
        json!({
            "guestToken": { "enabled": true, "credentials": { "username": "guest" },
                            "rateLimit": { "maxRequests": 3, "windowMs": 60000 } },
            "rateLimit": { "enabled": false, "trustedProxies": 1 }
        }),
    );
    let with_ip = |ip: &str| {
        let mut f = facts("/", None);
        f.x_forwarded_for = Some(ip.into());
        f
    };
    for _ in 0..10 {
        decide(&e, &with_ip("192.0.2.1")).await;
    }
    assert_eq!(mock.counts().2, 3, "one client: three guests, then none");
    let d = decide(&e, &with_ip("192.0.2.2")).await;
    assert!(
        d.request_header("x-refreshed-token").is_some(),
        "another client still gets one"
    );
    assert_eq!(e.stats().guest_mints_limited, 7);
}

// ------------------------------------------------------------------ 3. bounded answers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_backend_answers_are_backend_trouble() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({ "backend": { "maxBodyBytes": 4096 } }));
    let cookie = format!("userToken={tok}");
    mock.set_mode(common::Mode::Huge(10_000));
    let d = decide(&e, &facts("/api/profile", Some(&cookie))).await;
    assert_eq!(d.status, 503, "{d:?}");
    assert!(
        !d.set_cookies.iter().any(|c| c.starts_with("userToken=;")),
        "nobody logged out"
    );
    // a page goes on unauthenticated, cookies kept
    let d = decide(&e, &facts("/", Some(&cookie))).await;
    assert_eq!(d.kind, "next");
    assert!(d.set_cookies.is_empty(), "{d:?}");
    // under the cap it is fine
    mock.set_mode(common::Mode::Huge(1000));
    let d = decide(&e, &facts("/api/profile", Some(&cookie))).await;
    assert_eq!(d.kind, "next", "{d:?}");
    for bad in [json!(0), json!(-1), json!(1.5), json!("1mb")] {
        let r = Engine::from_json(
            &json!({ "apiBaseUrl": mock.url, "backend": { "maxBodyBytes": bad } }).to_string(),
            JsMapperSet::default(),
        );
        assert!(r.err().unwrap().message.contains("backend.maxBodyBytes"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_user_is_not_forwarded_in_headers() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    // 'always': the header on an unchanged request too, to see the size limit at work
    let cfg = json!({ "backend": { "maxUserHeaderBytes": 512 }, "userHeader": "always" });
    let e = engine(&mock, cfg.clone());
    let cookie = format!("userToken={tok}");
    mock.set_mode(common::Mode::Huge(2000));
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert_eq!(d.kind, "next");
    assert!(d.auth.as_ref().unwrap().is_authenticated);
    assert!(d.request_header("x-auth-user").is_none());
    assert!(d.request_header("x-auth-user-sig").is_none());
    mock.set_mode(common::Mode::Huge(10));
    let e = engine(&mock, cfg);
    let d = decide(&e, &facts("/dashboard", Some(&cookie))).await;
    assert!(d.request_header("x-auth-user").is_some());
}

// ------------------------------------------------------------------ 4. faults are not rejections

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_definite_rejections_clear_cookies() {
    for status in [404u16, 405, 409, 410, 422, 429, 500, 502, 503] {
        let mock = Mock::start().await;
        let (tok, _) = mock.mint("user", false); // rejected by /auth/me, refresh faulty
        let e = engine(&mock, json!({}));
        // validate rejects (401 from the mock), then the refresh endpoint is broken
        let cookie = format!("userToken={tok}");
        mock.set_mode(common::Mode::Status(status));
        let d = decide(&e, &facts("/api/profile", Some(&cookie))).await;
        assert_eq!(d.status, 503, "{status}: {d:?}");
        assert!(
            !d.set_cookies.iter().any(|c| c.starts_with("userToken=;")),
            "{status}: cookies kept"
        );
    }
    for status in [400u16, 401, 403] {
        let mock = Mock::start().await;
        let e = engine(&mock, json!({}));
        mock.set_mode(common::Mode::Status(status));
        let cookie = "userToken=some-token";
        let d = decide(&e, &facts("/api/profile", Some(cookie))).await;
        assert_eq!(d.status, 401, "{status}: {d:?}");
        assert!(
            d.set_cookies.iter().any(|c| c.starts_with("userToken=;")),
            "{status}"
        );
    }
}

// ------------------------------------------------------------------ 7. duplicate cookies

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_auth_cookies_count_as_none_and_are_removed_downstream() {
    let mock = Mock::start().await;
    let (a, _) = mock.mint("user", true);
    let (b, _) = mock.mint("user", true);
    let e = engine(&mock, json!({}));
    for header in [
        format!("userToken={a}; userToken={b}"),
        format!("userToken={a}; x=1; userToken={b}"),
        format!("userToken={a};userToken={a}"),
        format!("userToken={a}; userToken="),
        format!("userToken =\"{a}\"; userToken={b}"),
    ] {
        let d = decide(&e, &facts("/dashboard", Some(&header))).await;
        assert_eq!(d.kind, "redirect", "{header}");
        assert!(!d.auth.as_ref().unwrap().is_authenticated);
        let down = d.request_header("cookie").expect("cookie rewritten");
        assert!(!down.contains("userToken"), "{header} -> {down}");
    }
    assert_eq!(mock.counts().0, 0);
}

// ------------------------------------------------------------------ 8. signed x-refreshed-token

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshed_token_goes_downstream_signed() {
    use next_api_layer_native::auth::tokens::verify_refreshed_token;
    let mock = Mock::start().await;
    let (old, _) = mock.mint("user", false);
    let e = engine(&mock, json!({}));
    let c = format!("userToken={old}");
    let d = decide(&e, &facts("/dashboard", Some(&c))).await;
    let t = d.request_header("x-refreshed-token").unwrap();
    let sig = d.request_header("x-refreshed-token-sig").unwrap();
    assert!(verify_refreshed_token(t, sig));
    assert!(!verify_refreshed_token(&old, sig));
}

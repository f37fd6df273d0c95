//! The security stages inside the engine's decide pipeline, against a real HTTP mock backend
//! on 127.0.0.1: the rate limit counts each request exactly once (sync cache hit or async
//! backend path, also under concurrency) and refuses before any backend call; CSRF runs once
//! the session is known; audit events come out in order.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::Mock;
use next_api_layer_native::auth::decide::{Decision, Facts};
use next_api_layer_native::auth::engine::{Engine, JsMapperSet};
use next_api_layer_native::security::audit::AuditEventType;
use serde_json::{Value, json};

fn engine(mock: &Mock, extra: Value) -> Arc<Engine> {
    let mut cfg = json!({
        "apiBaseUrl": mock.url,
        "access": { "protectedRoutes": ["/dashboard/**", "/api/profile"] },
        "cache": { "ttl": 60000 },
        "timeout": 1000
    });
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    Arc::new(Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap())
}

fn facts(method: &str, path: &str, cookie: Option<&str>) -> Facts {
    Facts {
        method: method.into(),
        path: path.into(),
        cookie: cookie.map(str::to_string),
        ..Default::default()
    }
}

fn header<'a>(d: &'a Decision, name: &str) -> Option<&'a str> {
    d.response_headers
        .chunks(2)
        .find(|c| c[0] == name)
        .map(|c| c[1].as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counted_once_on_the_async_path_and_refused_before_the_backend() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    let e = engine(&mock, json!({ "rateLimit": { "maxRequests": 3 } }));
    let cookie = format!("userToken={tok}");
    let f = facts("GET", "/dashboard", Some(&cookie));
    // Pending: not counted yet; the async decision counts it.
    assert!(e.decide_sync(&f).is_pending());
    let d = e.decide(&f).await;
    assert_eq!(d.kind, "next");
    assert_eq!(header(&d, "x-ratelimit-remaining"), Some("2"));
    // Cache hits: answered synchronously, counted there.
    assert_eq!(
        header(&e.decide_sync(&f), "x-ratelimit-remaining"),
        Some("1")
    );
    assert_eq!(
        header(&e.decide_sync(&f), "x-ratelimit-remaining"),
        Some("0")
    );
    let d = e.decide_sync(&f);
    assert_eq!(d.status, 429);
    assert!(header(&d, "retry-after").is_some());
    // A new token after the limit: refused before the backend is asked.
    let (other, _) = mock.mint("user", true);
    let cookie = format!("userToken={other}");
    let f = facts("GET", "/dashboard", Some(&cookie));
    assert!(e.decide_sync(&f).is_pending());
    assert_eq!(e.decide(&f).await.status, 429);
    assert_eq!(
        mock.counts().0,
        1,
        "one validate call: the refused one never reached it"
    );
    let s = e.stats();
    assert_eq!(s.rate_limited, 2);
    assert_eq!(s.rate_limit_keys, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_the_limit_passes_under_concurrency() {
    let mock = Mock::start().await;
    // 30 days per 5000 requests: nothing is replenished while the test runs.
    let e = engine(
        &mock,
        json!({ "rateLimit": { "windowMs": 2_592_000_000u64, "maxRequests": 5000 } }),
    );
    let passed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (e, passed, refused) = (e.clone(), passed.clone(), refused.clone());
            std::thread::spawn(move || {
                let f = facts("GET", "/posts", None);
                for _ in 0..1000 {
                    let d = e.decide_sync(&f);
                    match d.status {
                        429 => refused.fetch_add(1, Ordering::Relaxed),
                        _ => passed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(passed.load(Ordering::Relaxed), 5000);
    assert_eq!(refused.load(Ordering::Relaxed), 3000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn route_limits_apply_under_every_locale_prefix() {
    let mock = Mock::start().await;
    let e = engine(
        &mock,
        json!({
            "i18n": { "locales": ["en", "de"], "defaultLocale": "en" },
            "rateLimit": {
                "maxRequests": 100,
                "skipRoutes": ["/health"],
                "routes": [{ "match": "/login", "maxRequests": 2 }]
            }
        }),
    );
    // One budget of 2 for /login, whichever locale prefix the attacker picks.
    let mut statuses = Vec::new();
    for path in ["/login", "/de/login", "/en/login", "/DE/login"] {
        statuses.push(e.decide_sync(&facts("POST", path, None)).status);
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
    // skipRoutes too: a skipped route carries no rate-limit headers under a prefix either.
    let d = e.decide_sync(&facts("GET", "/de/health", None));
    assert_eq!(header(&d, "x-ratelimit-limit"), None, "{d:?}");
    // Other paths keep the default rule.
    let d = e.decide_sync(&facts("GET", "/de/posts", None));
    assert_eq!(header(&d, "x-ratelimit-limit"), Some("100"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_and_audit_in_the_pipeline() {
    let mock = Mock::start().await;
    let (tok, _) = mock.mint("user", true);
    let e = engine(
        &mock,
        json!({
            "production": true,
            "csrf": { "secret": "pipeline-secret-0123456789abcdefghij" },
            "audit": {}
        }),
    );
    let wakes = Arc::new(AtomicUsize::new(0));
    let w = wakes.clone();
    e.security().auditor().set_notifier(Some(Arc::new(move || {
        w.fetch_add(1, Ordering::SeqCst);
        true
    })));
    let cookie = format!("userToken={tok}");
    // A page view issues the CSRF cookie bound to the user.
    let page = e.decide(&facts("GET", "/dashboard", Some(&cookie))).await;
    let set = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__csrf="))
        .expect("csrf cookie")
        .clone();
    assert!(set.contains("Secure") && !set.contains("HttpOnly"), "{set}");
    let token = set["__csrf=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // The echoed token passes, a missing one is refused.
    let both = format!("{cookie}; __csrf={token}");
    let mut ok = facts("POST", "/api/profile", Some(&both));
    ok.x_csrf_token = Some(token.clone());
    assert_eq!(e.decide_sync(&ok).kind, "next");
    let forged = e.decide_sync(&facts("POST", "/api/profile", Some(&both)));
    assert_eq!(forged.status, 403);
    // Not signed in: redirected (access:denied).
    let anon = e.decide_sync(&facts("GET", "/dashboard", None));
    assert_eq!(anon.kind, "redirect");
    let events = e.security().auditor().take_batch();
    let kinds: Vec<_> = events.iter().map(|ev| ev.kind).collect();
    assert_eq!(
        kinds,
        [
            AuditEventType::AuthSuccess,
            AuditEventType::CsrfFail,
            AuditEventType::AccessDenied
        ]
    );
    assert_eq!(events[0].user_id.as_deref(), Some("1"));
    assert_eq!(events[1].method, "POST");
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains(&tok) && !text.contains(&token));
    assert_eq!(
        wakes.load(Ordering::SeqCst),
        1,
        "one wake for the whole batch"
    );
    assert_eq!(e.stats().csrf_failures, 1);
}

use super::*;
use governor::clock::FakeRelativeClock;
use serde_json::json;

const ANCHOR_MS: u64 = 1_700_000_000_000;

fn limiter(cfg: Value) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
    let clock = FakeRelativeClock::default();
    let cfg = RateLimitConfig::from_json(Some(&cfg)).unwrap();
    (
        RateLimiter::with_clock(cfg, clock.clone(), ANCHOR_MS),
        clock,
    )
}

#[test]
fn exact_count_at_the_boundary_and_reset_time() {
    let (rl, clock) = limiter(json!({}));
    for i in 0..100u32 {
        let o = rl.check("/api/posts", "ip:1.1.1.1").unwrap();
        assert!(o.allowed, "request {} must pass", i + 1);
        assert_eq!(o.remaining, 99 - i);
        assert_eq!(o.limit, 100);
    }
    // After 100 requests at t=0, the bucket is full again 60 s later.
    let o = rl.check("/api/posts", "ip:1.1.1.1").unwrap();
    assert!(!o.allowed, "the 101st request inside the window is refused");
    assert_eq!(o.remaining, 0);
    // GCRA: one request is replenished every 600 ms.
    assert_eq!(o.retry_after_secs, Some(1));
    assert_eq!(o.reset_unix, ANCHOR_MS / 1000 + 60);
    assert_eq!(o.reset_after_secs, 60);
    // Refused requests do not consume: 599 ms later still refused, at 600 ms one passes.
    clock.advance(Duration::from_millis(599));
    assert!(!rl.check("/api/posts", "ip:1.1.1.1").unwrap().allowed);
    clock.advance(Duration::from_millis(1));
    let o = rl.check("/api/posts", "ip:1.1.1.1").unwrap();
    assert!(o.allowed);
    assert_eq!(o.remaining, 0);
    assert!(!rl.check("/api/posts", "ip:1.1.1.1").unwrap().allowed);
    // Another key is independent.
    assert_eq!(rl.check("/api/posts", "ip:2.2.2.2").unwrap().remaining, 99);
    // After a full window everything is back.
    clock.advance(Duration::from_secs(60));
    let o = rl.check("/api/posts", "ip:1.1.1.1").unwrap();
    assert_eq!(o.remaining, 99);
    // One used cell: full again 600 ms from now (anchor + 60.6 s + 0.6 s, rounded up).
    assert_eq!(o.reset_after_secs, 1);
    assert_eq!(o.reset_unix, (ANCHOR_MS + 60_600 + 600).div_ceil(1000));
    let s = rl.stats();
    assert_eq!(s.limited, 3);
    assert_eq!(s.checked, 106);
}

#[test]
fn first_request_reset_and_headers() {
    let (rl, _clock) = limiter(json!({ "windowMs": 10_000, "maxRequests": 5 }));
    let o = rl.check("/", "k").unwrap();
    assert_eq!((o.limit, o.remaining), (5, 4));
    assert_eq!(o.reset_unix, (ANCHOR_MS + 2_000) / 1000);
    let h: HashMap<_, _> = o.headers().into_iter().collect();
    assert_eq!(h["x-ratelimit-limit"], "5");
    assert_eq!(h["x-ratelimit-remaining"], "4");
    assert_eq!(h["x-ratelimit-reset"], (ANCHOR_MS / 1000 + 2).to_string());
    assert_eq!(h["ratelimit-policy"], "\"default\";q=5;w=10");
    assert_eq!(h["ratelimit"], "\"default\";r=4;t=2");
    assert!(!h.contains_key("retry-after"));
    for _ in 0..4 {
        rl.check("/", "k");
    }
    let o = rl.check("/", "k").unwrap();
    let h: HashMap<_, _> = o.headers().into_iter().collect();
    assert_eq!(h["retry-after"], "2");
    assert_eq!(h["x-ratelimit-remaining"], "0");
}

#[test]
fn counted_once_by_the_first_matching_rule() {
    let (rl, _c) = limiter(json!({
        "maxRequests": 10,
        "routes": [
            { "match": "/api/auth/login", "windowMs": 60_000, "maxRequests": 2 },
            { "match": "/api/auth/**", "maxRequests": 3 }
        ]
    }));
    assert_eq!(&*rl.check("/api/auth/login", "a").unwrap().policy, "route0");
    assert!(rl.check("/api/auth/login", "a").unwrap().allowed);
    assert!(!rl.check("/api/auth/login", "a").unwrap().allowed);
    // The other buckets were not touched by those requests.
    let o = rl.check("/api/auth/register", "a").unwrap();
    assert_eq!((&*o.policy, o.remaining), ("route1", 2));
    let o = rl.check("/dashboard", "a").unwrap();
    assert_eq!((&*o.policy, o.remaining), ("default", 9));
    // Normalisation: an encoded path still hits the tight rule.
    assert!(!rl.check("/api/auth/%6cogin?x=1", "a").unwrap().allowed);
}

#[test]
fn skip_routes_and_disabled() {
    let (rl, _c) = limiter(json!({ "skipRoutes": ["/health", "/_next/**", "/static/*"] }));
    assert!(rl.check("/health", "a").is_none());
    assert!(rl.check("/_next/static/chunks/x.js", "a").is_none());
    assert!(rl.check("/static/a.css", "a").is_none());
    assert!(rl.check("/static/a/b.css", "a").is_some());
    assert_eq!(rl.stats().checked, 1);
    let (off, _c) = limiter(json!({ "enabled": false }));
    assert!(off.check("/x", "a").is_none());
    let none = RateLimitConfig::from_json(None).unwrap();
    assert!(!none.enabled);
}

#[test]
fn config_errors_name_the_option() {
    let bad = [
        (json!({ "windowMs": 0 }), "rateLimit.windowMs"),
        (json!({ "windowMs": "60s" }), "rateLimit.windowMs"),
        (json!({ "maxRequests": 1.5 }), "rateLimit.maxRequests"),
        (json!({ "skipRoutes": "health" }), "rateLimit.skipRoutes"),
        (json!({ "skipRoutes": ["health"] }), "rateLimit.skipRoutes"),
        (
            json!({ "routes": [{ "windowMs": 1 }] }),
            "rateLimit.routes[0].match",
        ),
        (
            json!({ "routes": [{ "match": "/a", "maxRequests": -1 }] }),
            "rateLimit.routes[0].maxRequests",
        ),
        (json!({ "trustedProxies": -1 }), "rateLimit.trustedProxies"),
        (json!({ "maxKeys": 0 }), "rateLimit.maxKeys"),
        (json!({ "enabled": 1 }), "rateLimit.enabled"),
        (json!(5), "rateLimit"),
        // misspelt options fail instead of silently keeping the default
        (json!({ "max": 5 }), "rateLimit.max is not a known option"),
        (json!({ "maxRequest": 5 }), "rateLimit.maxRequest is not"),
        (
            json!({ "routes": [{ "match": "/a", "limit": 1 }] }),
            "rateLimit.routes[0].limit is not",
        ),
    ];
    for (cfg, opt) in bad {
        let e = RateLimitConfig::from_json(Some(&cfg)).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::ConfigInvalid);
        assert!(e.message.starts_with(opt), "{cfg}: {}", e.message);
    }
}

#[test]
fn client_ip_ignores_headers_without_trusted_proxies() {
    let f = KeyFacts {
        peer_ip: Some("::ffff:127.0.0.1"),
        forwarded_for: Some("6.6.6.6"),
        real_ip: Some("7.7.7.7"),
        custom_key: None,
    };
    assert_eq!(
        client_ip(&f, 0),
        "127.0.0.1",
        "IPv4-mapped IPv6 is the IPv4 client"
    );
    let no_peer = KeyFacts { peer_ip: None, ..f };
    assert_eq!(client_ip(&no_peer, 0), "unknown");
    // One trusted proxy: the entry it appended (rightmost) is the client.
    let f = KeyFacts {
        forwarded_for: Some("6.6.6.6, 203.0.113.9"),
        ..f
    };
    assert_eq!(client_ip(&f, 1), "203.0.113.9");
    assert_eq!(client_ip(&f, 2), "6.6.6.6");
    assert_eq!(client_ip(&f, 5), "6.6.6.6");
    // x-real-ip only from a trusted proxy, when there is no x-forwarded-for.
    let f = KeyFacts {
        forwarded_for: None,
        ..f
    };
    assert_eq!(client_ip(&f, 1), "7.7.7.7");
    // Ports and brackets are stripped.
    let f = KeyFacts {
        forwarded_for: Some("[2001:db8::1]:443"),
        ..f
    };
    assert_eq!(client_ip(&f, 1), "2001:db8::1");
    let rl = RateLimiter::new(RateLimitConfig::default());
    // IPv6 clients are keyed by their /64; IPv4 by the address.
    let v6 = |a: &'static str| KeyFacts {
        peer_ip: Some(a),
        forwarded_for: None,
        real_ip: None,
        custom_key: None,
    };
    assert_eq!(
        rl.key_for(&v6("2001:db8:1:2:aaaa::1")),
        "ip:2001:db8:1:2::/64"
    );
    assert_eq!(
        rl.key_for(&v6("2001:db8:1:2:bbbb::7")),
        rl.key_for(&v6("[2001:db8:1:2::9]:443"))
    );
    assert_ne!(
        rl.key_for(&v6("2001:db8:1:3::1")),
        rl.key_for(&v6("2001:db8:1:2::1"))
    );
    assert_eq!(rl.key_for(&v6("203.0.113.5")), "ip:203.0.113.5");
    assert_eq!(rl.key_for(&v6("::ffff:203.0.113.5")), "ip:203.0.113.5");
    assert_eq!(
        rl.key_for(&KeyFacts {
            custom_key: Some("user-1"),
            ..f
        }),
        "k:user-1"
    );
}

#[test]
fn memory_is_capped_and_idle_keys_go_first() {
    let (rl, clock) = limiter(json!({ "maxKeys": 1_600, "maxRequests": 2, "windowMs": 1000 }));
    // An active client that keeps its state.
    assert!(rl.check("/", "victim").unwrap().allowed);
    assert!(rl.check("/", "victim").unwrap().allowed);
    assert!(!rl.check("/", "victim").unwrap().allowed);
    for i in 0..10_000 {
        rl.check("/", &format!("flood-{i}"));
    }
    let s = rl.stats();
    assert!(s.keys <= 1_600, "{s:?}");
    assert!(s.evicted_active > 0);
    // Once the flood's states are idle, new keys evict only idle entries.
    clock.advance(Duration::from_secs(2));
    let before = rl.stats().evicted_active;
    for i in 0..1_000 {
        rl.check("/", &format!("second-{i}"));
    }
    let s = rl.stats();
    assert!(s.keys <= 1_600, "{s:?}");
    assert!(s.evicted_idle > 0);
    assert_eq!(s.evicted_active, before, "only idle keys were evicted");
}

/// A second store behind the same trait (what a shared Redis store would be).
#[derive(Default)]
struct PlainStore(Mutex<HashMap<u64, u64>>, std::sync::atomic::AtomicUsize);

impl StateStore for PlainStore {
    type Key = u64;
    fn measure_and_replace<T, F, E>(&self, key: &u64, f: F) -> std::result::Result<T, E>
    where
        F: Fn(Option<Nanos>) -> std::result::Result<(T, Nanos), E>,
    {
        self.1.fetch_add(1, Ordering::Relaxed);
        let mut m = self.0.lock().unwrap();
        let (out, next) = f(m.get(key).map(|v| Nanos::from(*v)))?;
        m.insert(*key, next.as_u64());
        Ok(out)
    }
}

impl RateLimitStore for PlainStore {
    fn keys(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

#[test]
fn another_store_plugs_in_behind_the_trait() {
    let cfg = RateLimitConfig::from_json(Some(&json!({ "maxRequests": 2 }))).unwrap();
    let rl = RateLimiter::with_store(cfg, FakeRelativeClock::default(), ANCHOR_MS, |_, _| {
        PlainStore::default()
    });
    assert!(rl.check("/", "a").unwrap().allowed);
    assert!(rl.check("/", "a").unwrap().allowed);
    assert!(!rl.check("/", "a").unwrap().allowed);
    assert!(rl.check("/", "b").unwrap().allowed);
    let s = rl.stats();
    assert_eq!((s.keys, s.limited), (2, 1));
    assert_eq!(
        rl.limits[0].store.1.load(Ordering::Relaxed),
        4,
        "every check went to it"
    );
}

#[test]
fn idle_eviction_does_not_change_decisions() {
    // A key whose bucket is full again is indistinguishable from a new key.
    let (rl, clock) = limiter(json!({ "maxKeys": 8, "maxRequests": 3, "windowMs": 3000 }));
    for _ in 0..3 {
        assert!(rl.check("/", "a").unwrap().allowed);
    }
    clock.advance(Duration::from_secs(3));
    for i in 0..200 {
        rl.check("/", &format!("x{i}"));
    }
    let o = rl.check("/", "a").unwrap();
    assert_eq!(o.remaining, 2);
}

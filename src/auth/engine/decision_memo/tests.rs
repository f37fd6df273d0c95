use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::super::{Engine, JsMapperSet};
use crate::auth::decide::Facts;
use crate::auth::mappers::ValidatedUser;
use crate::auth::tokens::{Session, Validation, now_unix, token_key};
use crate::auth::wire;

fn engine(extra: serde_json::Value) -> Engine {
    let mut cfg = json!({
        "apiBaseUrl": "http://127.0.0.1:9",
        "access": { "protectedRoutes": ["/dashboard/**"] },
        // entries here are cached by hand for a minute, past the default TTL: no window
        // ahead of their end (its own cap on a kept answer is revalidate_ahead's test)
        "cache": { "revalidateAhead": 0 },
    });
    cfg.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap()
}

fn cache(e: &Engine, token: &str, v: Validation, ttl: Duration) {
    e.cache.insert(token_key(token), Arc::new(v), ttl);
}

fn valid(e: &Engine, token: &str, exp: Option<i64>, ttl: Duration) {
    let user = ValidatedUser {
        user: json!({ "id": 1, "type": "user" }),
        token_type: "user".into(),
        exp,
    };
    cache(
        e,
        token,
        Validation::Valid(Arc::new(Session::new(user))),
        ttl,
    );
}

fn facts(method: &str, path: &str, cookie: Option<&str>) -> Facts {
    Facts {
        method: method.into(),
        path: path.into(),
        cookie: cookie.map(str::to_string),
        no_auth_result: Some(true),
        ..Facts::default()
    }
}

const MIN: Duration = Duration::from_secs(60);

/// Kept for how long from now (None: not kept), with the answer bare.
fn kept(e: &Engine, f: &Facts) -> Option<Duration> {
    let (d, until) = e.decide_kept(f, false);
    until.map(|t| {
        assert!(wire::is_bare_next(&d), "only a bare answer is kept: {d:?}");
        t.saturating_duration_since(Instant::now())
    })
}

#[test]
fn a_warm_safe_request_is_kept_no_longer_than_its_cache_entry() {
    let e = engine(json!({}));
    valid(&e, "u1", None, MIN);
    for (method, path) in [("GET", "/dashboard"), ("HEAD", "/"), ("GET", "/api/x")] {
        let left = kept(&e, &facts(method, path, Some("userToken=u1"))).unwrap();
        assert!(
            left <= MIN && left > MIN - Duration::from_secs(5),
            "{left:?}"
        );
    }
    assert_eq!(e.watch.watched(), 1);
}

#[test]
fn what_must_be_decided_every_time_is_never_kept() {
    let e = engine(json!({}));
    valid(&e, "u1", None, MIN);
    cache(
        &e,
        "bad",
        Validation::Rejected {
            refresh_failed: true,
        },
        MIN,
    );
    let warm = Some("userToken=u1");
    // an unsafe method: its CSRF check (and the backend's) runs every time
    for m in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert_eq!(kept(&e, &facts(m, "/api/x", warm)), None, "{m}");
    }
    // the auth result asked for (afterAuth, onError): the answer is not bare
    assert_eq!(e.decide_kept(&facts("GET", "/", warm), true).1, None);
    // no token, a refused one, a protected page without a session
    assert_eq!(kept(&e, &facts("GET", "/", None)), None);
    assert_eq!(kept(&e, &facts("GET", "/", Some("userToken=bad"))), None);
    assert_eq!(
        kept(&e, &facts("GET", "/dashboard", Some("userToken=nope"))),
        None
    );
    // not in the cache: pending, not kept
    let (d, until) = e.decide_kept(&facts("GET", "/", Some("userToken=cold")), false);
    assert_eq!((d.kind.as_str(), until), ("pending", None));
    // nothing left watched by the refusals
    assert_eq!(e.watch.watched(), 0);
}

#[test]
fn an_engine_that_counts_or_reports_each_request_keeps_nothing() {
    for extra in [
        json!({ "rateLimit": { "enabled": true, "maxRequests": 1000, "windowMs": 60000 } }),
        json!({ "audit": { "enabled": true } }),
    ] {
        let e = engine(extra.clone());
        valid(&e, "u1", None, MIN);
        let (d, until) = e.decide_kept(&facts("GET", "/", Some("userToken=u1")), false);
        assert_eq!(d.kind, "next", "{extra}");
        assert_eq!(until, None, "{extra}");
    }
}

#[test]
fn a_user_token_is_kept_until_its_proactive_refresh_starts() {
    let e = engine(json!({ "refresh": { "thresholdSeconds": 30 } }));
    let now = now_unix();
    valid(&e, "soon", Some(now + 40), MIN);
    let left = kept(&e, &facts("GET", "/", Some("userToken=soon"))).unwrap();
    assert!(left <= Duration::from_secs(10), "{left:?}");
    // inside the window already: the engine refreshes, nothing is kept
    valid(&e, "now", Some(now + 20), MIN);
    assert_eq!(kept(&e, &facts("GET", "/", Some("userToken=now"))), None);
    // a guest token is never refreshed proactively: its entry's deadline counts
    let g = engine(json!({ "refresh": { "thresholdSeconds": 30 } }));
    let guest = ValidatedUser {
        user: json!({ "id": "g", "type": "guest" }),
        token_type: "guest".into(),
        exp: Some(now + 40),
    };
    cache(
        &g,
        "g1",
        Validation::Valid(Arc::new(Session::new(guest))),
        MIN,
    );
    let left = kept(&g, &facts("GET", "/", Some("guestToken=g1"))).unwrap();
    assert!(left > Duration::from_secs(10), "{left:?}");
}

#[test]
fn a_change_to_the_token_moves_the_epoch() {
    let e = engine(json!({}));
    let warm = facts("GET", "/", Some("userToken=u1"));
    // revoked
    valid(&e, "u1", None, MIN);
    kept(&e, &warm).unwrap();
    let epoch = e.watch.epoch();
    e.revoke_token("u1");
    assert_ne!(e.watch.epoch(), epoch, "revocation");
    assert_eq!(kept(&e, &warm), None);
    // replaced in the cache, and a refresh's grace entry for it
    valid(&e, "u2", None, MIN);
    let warm2 = facts("GET", "/", Some("userToken=u2"));
    kept(&e, &warm2).unwrap();
    let epoch = e.watch.epoch();
    valid(&e, "u2", None, MIN);
    assert_ne!(e.watch.epoch(), epoch, "replacement");
    kept(&e, &warm2).unwrap();
    let epoch = e.watch.epoch();
    e.grace.remove(&token_key("u2"));
    assert_ne!(e.watch.epoch(), epoch, "grace window");
    // another token's churn leaves it alone
    kept(&e, &warm2).unwrap();
    let epoch = e.watch.epoch();
    valid(&e, "other", None, MIN);
    assert_eq!(e.watch.epoch(), epoch);
}

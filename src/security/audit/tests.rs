use super::*;
use std::sync::atomic::AtomicUsize;

fn enabled() -> AuditConfig {
    AuditConfig::from_json(Some(&serde_json::json!({}))).unwrap()
}

#[test]
fn event_serializes_to_documented_shape() {
    let e = AuditEvent::new(
        AuditEventType::AuthSuccess,
        "10.0.0.1",
        "/dashboard?x=1",
        "get",
    )
    .user("1");
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["type"], "auth:success");
    assert_eq!(v["ip"], "10.0.0.1");
    assert_eq!(v["userId"], "1");
    assert_eq!(v["path"], "/dashboard");
    assert_eq!(v["method"], "GET");
    assert_eq!(v["success"], true);
    assert!(v.get("metadata").is_none());
    assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
    let fail = AuditEvent::new(AuditEventType::CsrfFail, "ip", "/", "POST");
    assert!(!fail.success);
}

#[test]
fn iso8601_matches_js_date() {
    assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
    // new Date(1700000000123).toISOString()
    assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    // leap day: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)).toISOString()
    assert_eq!(iso8601(1_709_251_199_999), "2024-02-29T23:59:59.999Z");
}

#[test]
fn secrets_never_reach_an_event() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
    let e = AuditEvent::new(
        AuditEventType::AuthFail,
        "ip",
        &format!("/cb?token={jwt}"),
        "GET",
    )
    .meta("token", jwt)
    .meta("refresh_token", "r")
    .meta("password", "hunter2")
    .meta("Cookie", "a=b")
    .meta("Authorization", format!("Bearer {jwt}"))
    .meta("reason", "invalid token")
    .meta("echo", jwt)
    .meta(
        "nested",
        serde_json::json!({ "accessToken": jwt, "ok": 1, "list": [jwt] }),
    );
    let s = serde_json::to_string(&e).unwrap();
    assert!(!s.contains(jwt), "{s}");
    assert!(!s.contains("hunter2"), "{s}");
    assert!(!s.contains("a=b"), "{s}");
    assert!(!s.contains("refresh_token"), "{s}");
    let m = e.metadata.unwrap();
    assert_eq!(m["reason"], "invalid token");
    assert_eq!(m["echo"], "[redacted]");
    assert_eq!(
        m["nested"],
        serde_json::json!({ "ok": 1, "list": ["[redacted]"] })
    );
}

#[test]
fn config_parsing_and_errors_name_the_option() {
    assert!(!AuditConfig::from_json(None).unwrap().enabled);
    assert!(enabled().enabled);
    let c = AuditConfig::from_json(Some(&serde_json::json!({
        "events": ["csrf:fail", "rateLimit:exceeded"]
    })))
    .unwrap();
    assert!(c.accepts(AuditEventType::CsrfFail));
    assert!(c.accepts(AuditEventType::RateLimitExceeded));
    assert!(!c.accepts(AuditEventType::AuthSuccess));
    let off = AuditConfig::from_json(Some(&serde_json::json!({ "enabled": false }))).unwrap();
    assert!(!off.accepts(AuditEventType::Error));
    let err =
        AuditConfig::from_json(Some(&serde_json::json!({ "events": ["auth:nope"] }))).unwrap_err();
    assert!(
        err.message.starts_with("audit.events[0]"),
        "{}",
        err.message
    );
    let err = AuditConfig::from_json(Some(&serde_json::json!({ "enabled": "yes" }))).unwrap_err();
    assert!(err.message.starts_with("audit.enabled"), "{}", err.message);
    let err = AuditConfig::from_json(Some(&serde_json::json!({ "queueSize": 0 }))).unwrap_err();
    assert!(
        err.message.starts_with("audit.queueSize"),
        "{}",
        err.message
    );
    let err = AuditConfig::from_json(Some(&serde_json::json!({ "event": ["error"] }))).unwrap_err();
    assert!(
        err.message.starts_with("audit.event is not a known option"),
        "{}",
        err.message
    );
    // `true` switches it on with the defaults; `false` off.
    assert!(
        AuditConfig::from_json(Some(&serde_json::json!(true)))
            .unwrap()
            .enabled
    );
    assert!(
        !AuditConfig::from_json(Some(&serde_json::json!(false)))
            .unwrap()
            .enabled
    );
}

fn counting_notifier(a: &Auditor) -> Arc<AtomicUsize> {
    let wakes = Arc::new(AtomicUsize::new(0));
    let w = wakes.clone();
    a.set_notifier(Some(Arc::new(move || {
        w.fetch_add(1, Ordering::SeqCst);
        true
    })));
    wakes
}

fn ev(kind: AuditEventType, n: usize) -> AuditEvent {
    AuditEvent::new(kind, "ip", &format!("/p{n}"), "GET")
}

#[test]
fn batches_in_order_and_wakes_once_per_batch() {
    let a = Auditor::new(enabled());
    let wakes = counting_notifier(&a);
    for i in 0..5 {
        a.emit(ev(AuditEventType::AuthSuccess, i));
    }
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    let batch = a.take_batch();
    let paths: Vec<_> = batch.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/p0", "/p1", "/p2", "/p3", "/p4"]);
    a.emit(ev(AuditEventType::AuthFail, 5));
    assert_eq!(wakes.load(Ordering::SeqCst), 2);
    assert_eq!(a.take_batch()[0].path, "/p5");
    let s = a.stats();
    assert_eq!((s.emitted, s.delivered, s.dropped, s.queued), (6, 6, 0, 0));
}

#[test]
fn filter_applies_and_nothing_queues_without_logger() {
    let cfg =
        AuditConfig::from_json(Some(&serde_json::json!({ "events": ["csrf:fail"] }))).unwrap();
    let a = Auditor::new(cfg);
    a.emit(ev(AuditEventType::CsrfFail, 0));
    assert_eq!(a.stats().queued, 0, "no logger: tracing only");
    let _w = counting_notifier(&a);
    a.emit(ev(AuditEventType::AuthSuccess, 1));
    a.emit(ev(AuditEventType::CsrfFail, 2));
    let batch = a.take_batch();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].kind, AuditEventType::CsrfFail);
    assert_eq!(a.stats().emitted, 2);
}

#[test]
fn burst_is_bounded_and_drops_are_counted() {
    let cfg = AuditConfig::from_json(Some(&serde_json::json!({ "queueSize": 100 }))).unwrap();
    let a = Auditor::new(cfg);
    let wakes = counting_notifier(&a);
    // The logger never drains (a stuck JS thread): the queue stops at its cap.
    for i in 0..10_000 {
        a.emit(ev(AuditEventType::RateLimitExceeded, i));
    }
    let s = a.stats();
    assert_eq!(s.queued, 100);
    assert_eq!(s.dropped, 9_900);
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    // The oldest events are the ones kept, in order.
    let batch = a.take_batch();
    assert_eq!(batch.first().unwrap().path, "/p0");
    assert_eq!(batch.last().unwrap().path, "/p99");
}

#[test]
fn failed_wake_is_retried_on_next_event() {
    let a = Auditor::new(enabled());
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    a.set_notifier(Some(Arc::new(move || c.fetch_add(1, Ordering::SeqCst) > 0)));
    a.emit(ev(AuditEventType::Error, 0)); // wake fails
    a.emit(ev(AuditEventType::Error, 1)); // retried, succeeds
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(a.take_batch().len(), 2);
}

#[test]
fn concurrent_producers_lose_nothing() {
    let a = Arc::new(Auditor::new(enabled()));
    let _w = counting_notifier(&a);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let a = a.clone();
            std::thread::spawn(move || {
                for i in 0..1000 {
                    a.emit(ev(AuditEventType::AuthSuccess, t * 1000 + i));
                }
            })
        })
        .collect();
    let mut got = Vec::new();
    for h in handles {
        h.join().unwrap();
    }
    got.extend(a.take_batch());
    assert_eq!(got.len(), 4000);
    // Per producer, order is preserved.
    for t in 0..4 {
        let mine: Vec<usize> = got
            .iter()
            .map(|e| e.path[2..].parse::<usize>().unwrap())
            .filter(|n| n / 1000 == t)
            .collect();
        assert!(mine.windows(2).all(|w| w[0] < w[1]));
    }
}

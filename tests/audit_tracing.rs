//! Audit events reach a Rust-side `tracing` subscriber. This lives in its own test binary:
//! `tracing` caches each callsite's interest process-wide, so a unit test running beside other
//! tests that emit the same callsite with no subscriber set could see its events dropped.

use std::sync::{Arc, Mutex};

use next_api_layer_native::security::audit::{AuditConfig, AuditEvent, AuditEventType, Auditor};
use serde_json::{Map, Value};

/// A Rust-side `tracing` subscriber that records the audit events it sees.
#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<Map<String, Value>>>>);

struct Fields<'a>(&'a mut Map<String, Value>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0
            .insert(field.name().into(), Value::String(value.into()));
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.0.insert(field.name().into(), Value::Bool(value));
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() != "next_api_layer::audit" {
            return;
        }
        let mut m = Map::new();
        event.record(&mut Fields(&mut m));
        self.0.lock().unwrap().push(m);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn a_rust_tracing_subscriber_sees_the_events() {
    let rec = Recorder::default();
    let a = Auditor::new(
        AuditConfig::from_json(Some(&serde_json::json!({ "events": ["csrf:fail"] }))).unwrap(),
    );
    tracing::subscriber::with_default(rec.clone(), || {
        a.emit(
            AuditEvent::new(AuditEventType::CsrfFail, "203.0.113.9", "/api/x", "POST")
                .user("7")
                .meta("reason", "missing-cookie-token")
                .meta("token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
        );
        // filtered out: neither traced nor queued
        a.emit(ev(AuditEventType::AuthSuccess, 1));
    });
    let seen = rec.0.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let e = &seen[0];
    assert_eq!(e["type"], "csrf:fail");
    assert_eq!(e["ip"], "203.0.113.9");
    assert_eq!(e["user_id"], "7");
    assert_eq!(e["path"], "/api/x");
    assert_eq!(e["method"], "POST");
    assert_eq!(e["success"], false);
    let meta = e["metadata"].as_str().unwrap();
    assert!(meta.contains("missing-cookie-token"), "{meta}");
    assert!(!meta.contains("eyJ"), "no token in a traced event: {meta}");
}

fn ev(kind: AuditEventType, n: usize) -> AuditEvent {
    AuditEvent::new(kind, "ip", &format!("/p{n}"), "GET")
}

//! Audit events: produced in Rust at the engine's auth / security points, emitted as
//! `tracing` events and delivered to an optional JS logger in batches.
//!
//! Delivery never blocks a request: [`Auditor::emit`] pushes onto a bounded in-order
//! queue (events beyond the cap are counted as dropped, never buffered without limit)
//! and wakes the deliverer at most once until it has drained the queue. The JS side
//! (see `js/audit.js`) receives one JSON array per batch and calls the user's logger
//! per event, swallowing throws and rejected promises.
//!
//! Tokens, passwords and cookies never appear in an event: the path is stored without
//! its query string, and metadata keys that name a secret (or values shaped like a JWT)
//! are dropped / redacted by [`AuditEvent::meta`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::LayerError;

/// Default cap of the in-memory queue between producers and the JS logger.
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;

/// The event types the documented `audit.events` option accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AuditEventType {
    #[serde(rename = "auth:success")]
    AuthSuccess,
    #[serde(rename = "auth:fail")]
    AuthFail,
    #[serde(rename = "auth:refresh")]
    AuthRefresh,
    #[serde(rename = "auth:guest")]
    AuthGuest,
    #[serde(rename = "access:denied")]
    AccessDenied,
    #[serde(rename = "csrf:fail")]
    CsrfFail,
    #[serde(rename = "rateLimit:exceeded")]
    RateLimitExceeded,
    #[serde(rename = "error")]
    Error,
}

impl AuditEventType {
    pub const ALL: [AuditEventType; 8] = [
        AuditEventType::AuthSuccess,
        AuditEventType::AuthFail,
        AuditEventType::AuthRefresh,
        AuditEventType::AuthGuest,
        AuditEventType::AccessDenied,
        AuditEventType::CsrfFail,
        AuditEventType::RateLimitExceeded,
        AuditEventType::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditEventType::AuthSuccess => "auth:success",
            AuditEventType::AuthFail => "auth:fail",
            AuditEventType::AuthRefresh => "auth:refresh",
            AuditEventType::AuthGuest => "auth:guest",
            AuditEventType::AccessDenied => "access:denied",
            AuditEventType::CsrfFail => "csrf:fail",
            AuditEventType::RateLimitExceeded => "rateLimit:exceeded",
            AuditEventType::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether an event of this type reports a success by default.
    pub fn default_success(self) -> bool {
        matches!(
            self,
            AuditEventType::AuthSuccess | AuditEventType::AuthRefresh | AuditEventType::AuthGuest
        )
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// One audit event, serialized as `{ type, timestamp, ip, userId?, path, method, success,
/// metadata? }` (timestamp is an ISO-8601 UTC string with milliseconds).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    #[serde(rename = "type")]
    pub kind: AuditEventType,
    pub timestamp: String,
    pub ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub path: String,
    pub method: String,
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// Metadata keys that could carry a credential; they are never stored in an event.
const SECRET_KEY_PARTS: [&str; 8] = [
    "token",
    "password",
    "passwd",
    "cookie",
    "secret",
    "authorization",
    "credential",
    "session",
];

fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    SECRET_KEY_PARTS.iter().any(|p| k.contains(p))
}

/// A string that looks like a JWT (three base64url segments, header starting `eyJ`).
fn looks_like_jwt(s: &str) -> bool {
    let s = s.trim();
    let s = s
        .strip_prefix("Bearer ")
        .or_else(|| s.strip_prefix("bearer "))
        .unwrap_or(s);
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        })
}

fn scrub(value: Value) -> Value {
    match value {
        Value::String(s) if looks_like_jwt(&s) => Value::String("[redacted]".into()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !is_secret_key(k))
                .map(|(k, v)| (k, scrub(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub).collect()),
        other => other,
    }
}

impl AuditEvent {
    /// A new event stamped now. `path` may be a full request path: its query string
    /// (which could carry a token) is cut off.
    pub fn new(kind: AuditEventType, ip: &str, path: &str, method: &str) -> Self {
        let path = path.split(['?', '#']).next().unwrap_or("");
        AuditEvent {
            kind,
            timestamp: iso8601_now(),
            ip: ip.to_string(),
            user_id: None,
            path: path.to_string(),
            method: method.to_ascii_uppercase(),
            success: kind.default_success(),
            metadata: None,
        }
    }

    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    pub fn success(mut self, success: bool) -> Self {
        self.success = success;
        self
    }

    /// Adds one metadata entry. Keys naming a credential (token, password, cookie,
    /// secret, authorization, ...) are dropped; JWT-shaped strings are redacted.
    pub fn meta(mut self, key: &str, value: impl Into<Value>) -> Self {
        if is_secret_key(key) {
            return self;
        }
        self.metadata
            .get_or_insert_with(Map::new)
            .insert(key.to_string(), scrub(value.into()));
        self
    }
}

/// `audit` options, validated once at construction.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditConfig {
    pub enabled: bool,
    /// Bit set of accepted [`AuditEventType`]s.
    pub events: u16,
    pub queue_capacity: usize,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            enabled: false,
            events: AuditEventType::ALL.iter().fold(0, |m, t| m | t.bit()),
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }
}

impl AuditConfig {
    /// Parses the `audit` option (`undefined`/`null` => disabled; an object => enabled
    /// unless `enabled: false`). Errors name the offending option.
    pub fn from_json(value: Option<&Value>) -> Result<Self, LayerError> {
        let mut cfg = AuditConfig::default();
        let (enabled, obj) = crate::config::feature_section(
            value,
            "audit",
            &["enabled", "events", "logger", "queueSize"],
        )?;
        cfg.enabled = enabled;
        let Some(obj) = obj else {
            return Ok(cfg);
        };
        match obj.get("events") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let mut mask = 0u16;
                for (i, item) in items.iter().enumerate() {
                    let t = item
                        .as_str()
                        .and_then(AuditEventType::parse)
                        .ok_or_else(|| {
                            LayerError::config(
                                &format!("audit.events[{i}]"),
                                format!(
                                    "must be one of {}",
                                    AuditEventType::ALL
                                        .iter()
                                        .map(|t| format!("'{}'", t.as_str()))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            )
                        })?;
                    mask |= t.bit();
                }
                cfg.events = mask;
            }
            Some(_) => {
                return Err(LayerError::config(
                    "audit.events",
                    "must be an array of event types",
                ));
            }
        }
        match obj.get("queueSize") {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(n) if (1..=1_000_000).contains(&n) => cfg.queue_capacity = n as usize,
                _ => {
                    return Err(LayerError::config(
                        "audit.queueSize",
                        "must be an integer between 1 and 1000000",
                    ));
                }
            },
        }
        Ok(cfg)
    }

    pub fn accepts(&self, kind: AuditEventType) -> bool {
        self.enabled && self.events & kind.bit() != 0
    }
}

/// Counters reported by `stats()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditStats {
    /// Events that passed the filter.
    pub emitted: u64,
    /// Events handed to the logger.
    pub delivered: u64,
    /// Events lost because the queue was full (the logger could not keep up).
    pub dropped: u64,
    /// Events waiting for the logger right now.
    pub queued: u64,
}

/// Wakes the deliverer; returns `false` when it cannot be woken (e.g. shutting down).
pub type Notifier = Arc<dyn Fn() -> bool + Send + Sync>;

struct Shared {
    queue: Mutex<VecDeque<AuditEvent>>,
    capacity: usize,
    scheduled: AtomicBool,
    emitted: AtomicU64,
    delivered: AtomicU64,
    dropped: AtomicU64,
}

impl Shared {
    fn take_batch(&self) -> Vec<AuditEvent> {
        // Clear the flag before draining: an event pushed after the drain sees the flag
        // cleared and schedules the next delivery, so nothing is stranded.
        self.scheduled.store(false, Ordering::SeqCst);
        let batch: Vec<AuditEvent> = {
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.drain(..).collect()
        };
        self.delivered
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        batch
    }
}

/// Produces audit events. Cheap to call from any thread; never blocks on the logger.
pub struct Auditor {
    config: AuditConfig,
    shared: Arc<Shared>,
    notifier: RwLock<Option<Notifier>>,
}

impl Auditor {
    pub fn new(config: AuditConfig) -> Self {
        let capacity = config.queue_capacity;
        Auditor {
            config,
            shared: Arc::new(Shared {
                queue: Mutex::new(VecDeque::new()),
                capacity,
                scheduled: AtomicBool::new(false),
                emitted: AtomicU64::new(0),
                delivered: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
            }),
            notifier: RwLock::new(None),
        }
    }

    pub fn config(&self) -> &AuditConfig {
        &self.config
    }

    /// Whether an event of this type would be recorded (lets callers skip building it).
    pub fn wants(&self, kind: AuditEventType) -> bool {
        self.config.accepts(kind)
    }

    /// Installs the deliverer. Events are queued from now on; the notifier is called
    /// (at most once until the next [`Auditor::take_batch`]) when there is work.
    pub fn set_notifier(&self, notifier: Option<Notifier>) {
        if let Ok(mut n) = self.notifier.write() {
            *n = notifier;
        }
    }

    /// Records an event: a `tracing` event always (when accepted by the filter), plus a
    /// queued delivery to the logger when one is attached.
    pub fn emit(&self, event: AuditEvent) {
        if !self.config.accepts(event.kind) {
            return;
        }
        tracing::info!(
            target: "next_api_layer::audit",
            r#type = event.kind.as_str(),
            ip = %event.ip,
            user_id = event.user_id.as_deref().unwrap_or(""),
            path = %event.path,
            method = %event.method,
            success = event.success,
            metadata = %event
                .metadata
                .as_ref()
                .map(|m| serde_json::to_string(m).unwrap_or_default())
                .unwrap_or_default(),
            "audit event"
        );
        self.shared.emitted.fetch_add(1, Ordering::Relaxed);
        let notifier = match self.notifier.read() {
            Ok(n) => match n.as_ref() {
                Some(n) => n.clone(),
                None => return,
            },
            Err(_) => return,
        };
        {
            let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            if q.len() >= self.shared.capacity {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                return;
            }
            q.push_back(event);
        }
        if !self.shared.scheduled.swap(true, Ordering::SeqCst) && !notifier() {
            self.shared.scheduled.store(false, Ordering::SeqCst);
        }
    }

    /// Takes every queued event, in emission order (called by the deliverer).
    pub fn take_batch(&self) -> Vec<AuditEvent> {
        self.shared.take_batch()
    }

    pub fn stats(&self) -> AuditStats {
        let queued = self
            .shared
            .queue
            .lock()
            .map(|q| q.len() as u64)
            .unwrap_or(0);
        AuditStats {
            emitted: self.shared.emitted.load(Ordering::Relaxed),
            delivered: self.shared.delivered.load(Ordering::Relaxed),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
            queued,
        }
    }

    /// Attaches a JS function as the deliverer. The function receives one argument, a
    /// JSON array of events (use `js/audit.js` `batchLogger(logger)` to build it). It runs
    /// on the JS thread, after the current request's native call has returned; a throw is
    /// caught here and discarded. The thread-safe function is weak: it never keeps the
    /// process alive.
    pub fn attach_js_logger(
        &self,
        logger: napi::bindgen_prelude::Function<String, ()>,
    ) -> napi::Result<()> {
        use napi::threadsafe_function::ThreadsafeFunctionCallMode;
        let shared = self.shared.clone();
        let tsfn = logger
            .build_threadsafe_function::<()>()
            .weak::<true>()
            .callee_handled::<false>()
            .build_callback(move |_ctx| {
                let batch = shared.take_batch();
                Ok(serde_json::to_string(&batch).unwrap_or_else(|_| "[]".to_string()))
            })?;
        let tsfn = Arc::new(tsfn);
        self.set_notifier(Some(Arc::new(move || {
            // With a return-value callback napi clears a thrown exception and hands it
            // to us instead of raising it as uncaught: a throwing logger is ignored.
            tsfn.call_with_return_value(
                (),
                ThreadsafeFunctionCallMode::NonBlocking,
                |_ret: napi::Result<()>, _env| Ok(()),
            ) == napi::Status::Ok
        })));
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, formatted like JS `Date.prototype.toISOString()`.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z")
}

fn iso8601_now() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    iso8601(ms)
}

#[cfg(test)]
mod tests {
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
        let err = AuditConfig::from_json(Some(&serde_json::json!({ "events": ["auth:nope"] })))
            .unwrap_err();
        assert!(
            err.message.starts_with("audit.events[0]"),
            "{}",
            err.message
        );
        let err =
            AuditConfig::from_json(Some(&serde_json::json!({ "enabled": "yes" }))).unwrap_err();
        assert!(err.message.starts_with("audit.enabled"), "{}", err.message);
        let err = AuditConfig::from_json(Some(&serde_json::json!({ "queueSize": 0 }))).unwrap_err();
        assert!(
            err.message.starts_with("audit.queueSize"),
            "{}",
            err.message
        );
        let err =
            AuditConfig::from_json(Some(&serde_json::json!({ "event": ["error"] }))).unwrap_err();
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
}

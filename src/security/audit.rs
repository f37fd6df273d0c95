//! Audit events: produced in Rust at the engine's auth / security points, emitted as
//! `tracing` events and delivered to an optional JS logger in batches.
//!
//! Delivery never blocks a request: [`Auditor::emit`] pushes onto a bounded in-order
//! queue (events beyond the cap are counted as dropped, never buffered without limit)
//! and wakes the deliverer at most once until it has drained the queue. The JS side
//! (see `js/proxy/audit.js`) receives one JSON array per batch and calls the user's logger
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
    #[serde(rename = "auth:refresh:fail")]
    AuthRefreshFail,
    /// A replayed (rotated) refresh token: the session was dropped (RFC 9700).
    #[serde(rename = "auth:reuse")]
    AuthReuse,
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
    pub const ALL: [AuditEventType; 10] = [
        AuditEventType::AuthSuccess,
        AuditEventType::AuthFail,
        AuditEventType::AuthRefresh,
        AuditEventType::AuthRefreshFail,
        AuditEventType::AuthReuse,
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
            AuditEventType::AuthRefreshFail => "auth:refresh:fail",
            AuditEventType::AuthReuse => "auth:reuse",
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
    /// JSON array of events (use `js/proxy/audit.js` `batchLogger(logger)` to build it). It runs
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
mod tests;

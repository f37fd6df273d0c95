//! Rate limiting: a keyed GCRA limiter (crate `governor`) with bounded memory.
//!
//! * Each request is counted exactly once, by exactly one limiter: the first per-route
//!   rule whose `match` pattern matches the path, else the default rule.
//! * State lives behind [`RateLimitStore`] (governor's [`StateStore`] contract). The
//!   in-memory implementation is [`BoundedStore`]: sharded
//!   maps from a 64-bit keyed hash of the client key (SipHash with a per-process random
//!   key, so a client cannot aim at collisions) to governor's GCRA state (the theoretical
//!   arrival time, one `u64`). Each entry costs a few tens of bytes whatever the key length.
//! * Memory is capped (`maxKeys` per rule). When a shard is full, entries whose state is
//!   indistinguishable from a fresh key are dropped first (no behaviour change); if that
//!   frees too little, the entries closest to being fully replenished are evicted (those
//!   clients get a fresh bucket: under a key flood the cap wins over precision).
//! * The client key defaults to the client IP: with `trustedProxies: 0` the
//!   `x-forwarded-for` / `x-real-ip` headers are ignored and the peer address given by the
//!   adapter is used (or the shared key `unknown` when there is none), so a client cannot
//!   choose its own key. With `n` trusted proxies the `n`-th `x-forwarded-for` entry from
//!   the right is used (each trusted proxy appends the address it saw). IPv6 clients are
//!   keyed by their /64 network (a subscriber can rotate through its /64 at will).

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::{Quota, RateLimiter as GovLimiter};
use serde_json::Value;

use crate::error::{LayerError, Result};
use crate::http::routes::{RoutePattern, RouteSet, normalize_path};

pub const DEFAULT_WINDOW_MS: u64 = 60_000;
pub const DEFAULT_MAX_REQUESTS: u32 = 100;
pub const DEFAULT_MAX_KEYS: usize = 100_000;
const SHARDS: usize = 16;
/// Longest client key kept as is; longer keys are hashed anyway, this only bounds parsing.
const MAX_KEY_LEN: usize = 256;

// ---------------------------------------------------------------------------------------
// configuration

/// One limit: `maxRequests` per `windowMs` (burst = maxRequests, replenished evenly).
#[derive(Clone, Debug, PartialEq)]
pub struct LimitRule {
    /// `None` for the default rule.
    pub pattern: Option<RoutePattern>,
    pub window_ms: u64,
    pub max_requests: u32,
}

/// `rateLimit` options, validated once at construction. `keyFn` and `onRateLimited` are
/// JS callbacks and stay in the adapter.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimitConfig {
    pub enabled: bool,
    pub default_rule: LimitRule,
    pub routes: Vec<LimitRule>,
    pub skip_routes: RouteSet,
    pub trusted_proxies: usize,
    pub max_keys: usize,
    /// Do not count speculative prefetches (`rateLimit.skipPrefetch`, GET/HEAD only: the
    /// adapter flags them from `Next-Router-Prefetch`, `Sec-Purpose`, `Purpose`,
    /// `X-Purpose`, `X-Moz`). default true
    pub skip_prefetch: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            enabled: false,
            default_rule: LimitRule {
                pattern: None,
                window_ms: DEFAULT_WINDOW_MS,
                max_requests: DEFAULT_MAX_REQUESTS,
            },
            routes: Vec::new(),
            skip_routes: RouteSet::default(),
            trusted_proxies: 0,
            max_keys: DEFAULT_MAX_KEYS,
            skip_prefetch: true,
        }
    }
}

fn positive_int(v: Option<&Value>, option: &str, default: u64, max: u64) -> Result<u64> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_f64() {
            Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= max as f64 => Ok(n as u64),
            _ => Err(LayerError::config(
                option,
                format!("must be an integer between 1 and {max}"),
            )),
        },
    }
}

fn string_list(v: Option<&Value>, option: &str) -> Result<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.as_str().map(str::to_string).ok_or_else(|| {
                    LayerError::config(&format!("{option}[{i}]"), "must be a string")
                })
            })
            .collect(),
        Some(_) => Err(LayerError::config(option, "must be an array of strings")),
    }
}

/// The keys of the `rateLimit` option (`keyFn` and `onRateLimited` are JS functions, run by
/// the adapter; JSON drops them, a `null` may remain).
const KNOWN_OPTIONS: &[&str] = &[
    "enabled",
    "windowMs",
    "maxRequests",
    "skipRoutes",
    "routes",
    "trustedProxies",
    "maxKeys",
    "keyFn",
    "onRateLimited",
    "skipPrefetch",
    // read by the adapter (it resolves the client IP from these headers when a trusted proxy
    // sets them; see js/proxy/client-ip.js)
    "ipHeaders",
];

impl RateLimitConfig {
    /// Parses the `rateLimit` option (`undefined` => disabled; an object => enabled unless
    /// `enabled: false`). Errors name the option, e.g. `rateLimit.windowMs`.
    pub fn from_json(value: Option<&Value>) -> Result<Self> {
        let mut cfg = RateLimitConfig::default();
        let (enabled, obj) = crate::config::feature_section(value, "rateLimit", KNOWN_OPTIONS)?;
        cfg.enabled = enabled;
        let Some(obj) = obj else {
            return Ok(cfg);
        };
        // A window of up to 30 days, up to a million requests per window.
        const MAX_WINDOW: u64 = 30 * 24 * 3600 * 1000;
        cfg.default_rule.window_ms = positive_int(
            obj.get("windowMs"),
            "rateLimit.windowMs",
            DEFAULT_WINDOW_MS,
            MAX_WINDOW,
        )?;
        cfg.default_rule.max_requests = positive_int(
            obj.get("maxRequests"),
            "rateLimit.maxRequests",
            DEFAULT_MAX_REQUESTS as u64,
            1_000_000,
        )? as u32;
        let skip = string_list(obj.get("skipRoutes"), "rateLimit.skipRoutes")?;
        cfg.skip_routes =
            RouteSet::parse(&skip).map_err(|e| LayerError::config("rateLimit.skipRoutes", e))?;
        cfg.skip_prefetch = match obj.get("skipPrefetch") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(LayerError::config(
                    "rateLimit.skipPrefetch",
                    "must be a boolean",
                ));
            }
        };
        string_list(obj.get("ipHeaders"), "rateLimit.ipHeaders")?;
        cfg.trusted_proxies = match obj.get("trustedProxies") {
            None | Some(Value::Null) => 0,
            Some(v) => match v.as_u64() {
                Some(n) if n <= 16 => n as usize,
                _ => {
                    return Err(LayerError::config(
                        "rateLimit.trustedProxies",
                        "must be an integer between 0 and 16",
                    ));
                }
            },
        };
        cfg.max_keys = positive_int(
            obj.get("maxKeys"),
            "rateLimit.maxKeys",
            DEFAULT_MAX_KEYS as u64,
            100_000_000,
        )? as usize;
        match obj.get("routes") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let opt = format!("rateLimit.routes[{i}]");
                    let o = item
                        .as_object()
                        .ok_or_else(|| LayerError::config(&opt, "must be an object"))?;
                    crate::config::reject_unknown_keys(
                        o,
                        &opt,
                        &["match", "windowMs", "maxRequests"],
                    )?;
                    let m = o.get("match").and_then(Value::as_str).ok_or_else(|| {
                        LayerError::config(
                            &format!("{opt}.match"),
                            "must be a route pattern string",
                        )
                    })?;
                    let pattern = RoutePattern::parse(m)
                        .map_err(|e| LayerError::config(&format!("{opt}.match"), e))?;
                    cfg.routes.push(LimitRule {
                        pattern: Some(pattern),
                        window_ms: positive_int(
                            o.get("windowMs"),
                            &format!("{opt}.windowMs"),
                            cfg.default_rule.window_ms,
                            MAX_WINDOW,
                        )?,
                        max_requests: positive_int(
                            o.get("maxRequests"),
                            &format!("{opt}.maxRequests"),
                            cfg.default_rule.max_requests as u64,
                            1_000_000,
                        )? as u32,
                    });
                }
            }
            Some(_) => {
                return Err(LayerError::config(
                    "rateLimit.routes",
                    "must be an array of { match, windowMs, maxRequests }",
                ));
            }
        }
        Ok(cfg)
    }
}

// ---------------------------------------------------------------------------------------
// client key

/// What the adapter read from the request for the rate-limit key.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyFacts<'a> {
    /// The result of a user `keyFn(req)`, when configured: used as is.
    pub custom_key: Option<&'a str>,
    /// The socket / peer address, when the runtime exposes one.
    pub peer_ip: Option<&'a str>,
    pub forwarded_for: Option<&'a str>,
    pub real_ip: Option<&'a str>,
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let ip = s
        .parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|sa| sa.ip()))
        .or_else(|| {
            s.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()
        })?;
    // `::ffff:1.2.3.4` is the IPv4 client 1.2.3.4.
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    })
}

/// Canonical form of an address (`[::1]:80`, `1.2.3.4:5` -> bare IP); other text is kept.
fn clean_ip(s: &str) -> Option<String> {
    let s = s.trim().trim_matches('"');
    if s.is_empty() {
        return None;
    }
    match parse_ip(s) {
        Some(ip) => Some(ip.to_string()),
        None => Some(s.chars().take(MAX_KEY_LEN).collect()),
    }
}

/// The rate-limit key of a client address: IPv4 as is, IPv6 by its /64 network (one
/// subscriber usually holds a whole /64 and could otherwise rotate through it).
fn addr_key(raw: &str) -> String {
    let s = raw.trim().trim_matches('"');
    // Fast path: a plain IPv4 address parses only in its canonical form, so the text is
    // the key as it is.
    if s.parse::<Ipv4Addr>().is_ok() {
        let mut k = String::with_capacity(3 + s.len());
        k.push_str("ip:");
        k.push_str(s);
        return k;
    }
    match parse_ip(s) {
        Some(IpAddr::V6(v6)) => {
            let g = v6.segments();
            let net = Ipv6Addr::new(g[0], g[1], g[2], g[3], 0, 0, 0, 0);
            format!("ip:{net}/64")
        }
        Some(IpAddr::V4(v4)) => format!("ip:{v4}"),
        None => format!("ip:{}", s.chars().take(MAX_KEY_LEN).collect::<String>()),
    }
}

/// The address text the client IP is read from, honouring `trusted_proxies` (see the
/// module docs); `None` when there is none.
fn select_addr<'a>(facts: &KeyFacts<'a>, trusted_proxies: usize) -> Option<&'a str> {
    let usable = |s: &&str| !s.trim().trim_matches('"').is_empty();
    if trusted_proxies > 0 {
        if let Some(xff) = facts.forwarded_for {
            // The n-th entry from the right was appended by the outermost trusted proxy;
            // with fewer entries than trusted proxies, the leftmost is the best we have.
            let count = xff.split(',').filter(|h| usable(h)).count();
            if count > 0 {
                let idx = count.saturating_sub(trusted_proxies);
                return xff.split(',').filter(|h| usable(h)).nth(idx);
            }
        }
        if let Some(ip) = facts.real_ip.filter(usable) {
            return Some(ip);
        }
    }
    facts.peer_ip.filter(usable)
}

/// The client address by the same trusted-proxy rule, as an IP (`None` when there is none or
/// it is not an address): what the catch-all tells the backend instead of client-sent
/// forwarding headers.
pub fn client_addr(facts: &KeyFacts<'_>, trusted_proxies: usize) -> Option<IpAddr> {
    select_addr(facts, trusted_proxies).and_then(|s| parse_ip(s.trim().trim_matches('"')))
}

/// The client IP, honouring `trusted_proxies` (see the module docs), or `unknown`.
pub fn client_ip(facts: &KeyFacts<'_>, trusted_proxies: usize) -> String {
    select_addr(facts, trusted_proxies)
        .and_then(clean_ip)
        .unwrap_or_else(|| "unknown".to_string())
}

// ---------------------------------------------------------------------------------------
// bounded state store

/// The key is already a keyed SipHash; hashing it again would only cost time.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Shard = HashMap<u64, u64, BuildHasherDefault<IdentityHasher>>;

/// Where the GCRA state of one rule lives, behind governor's compare-and-swap contract
/// ([`StateStore::measure_and_replace`]; keys are keyed 64-bit hashes). [`BoundedStore`]
/// keeps it in this process; a store shared by several app instances (Redis) is a second
/// implementation. Nothing outside this module assumes the state is in-process.
pub trait RateLimitStore: StateStore<Key = u64> + Send + Sync + 'static {
    /// Keys held now (may be an estimate).
    fn keys(&self) -> usize;
    /// `(dropped as idle, dropped while active)` since construction.
    fn evictions(&self) -> (u64, u64) {
        (0, 0)
    }
}

/// A keyed governor state store with a hard cap on entries (see the module docs).
pub struct BoundedStore {
    shards: Vec<Mutex<Shard>>,
    shard_cap: usize,
    /// The GCRA emission interval `T` in nanos: a fresh key's new state is `now + T`.
    t_nanos: u64,
    evicted_idle: AtomicU64,
    evicted_active: AtomicU64,
}

impl BoundedStore {
    /// A store for at most `max_keys` keys; `t_nanos` is the rule's emission interval.
    pub fn new(max_keys: usize, t_nanos: u64) -> Self {
        let shard_cap = max_keys.div_ceil(SHARDS).max(8);
        BoundedStore {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            shard_cap,
            t_nanos,
            evicted_idle: AtomicU64::new(0),
            evicted_active: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: u64) -> &Mutex<Shard> {
        // Top bits pick the shard; hashbrown uses the low bits and top 7 bits inside it,
        // the entropy of a SipHash output is spread over all of them.
        &self.shards[(key >> 32) as usize % SHARDS]
    }

    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|m| m.len()).unwrap_or(0))
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room in a full shard. `now` is the limiter-relative time in nanos.
    fn make_room(&self, map: &mut Shard, now: u64) {
        let before = map.len();
        // 1. Entries whose arrival time has passed equal a fresh bucket: drop them.
        map.retain(|_, tat| *tat > now);
        let idle = before - map.len();
        self.evicted_idle.fetch_add(idle as u64, Ordering::Relaxed);
        // 2. Keep at least 1/8 of the shard free so the sweep is amortised over many
        //    inserts: evict the entries closest to full replenishment.
        let target = self.shard_cap - self.shard_cap / 8;
        if map.len() > target {
            let excess = map.len() - target;
            let mut tats: Vec<u64> = map.values().copied().collect();
            let (_, &mut threshold, _) = tats.select_nth_unstable(excess - 1);
            let mut removed = 0usize;
            map.retain(|_, tat| {
                if removed < excess && *tat <= threshold {
                    removed += 1;
                    false
                } else {
                    true
                }
            });
            self.evicted_active
                .fetch_add(removed as u64, Ordering::Relaxed);
        }
    }
}

impl RateLimitStore for BoundedStore {
    fn keys(&self) -> usize {
        self.len()
    }
    fn evictions(&self) -> (u64, u64) {
        (
            self.evicted_idle.load(Ordering::Relaxed),
            self.evicted_active.load(Ordering::Relaxed),
        )
    }
}

impl StateStore for BoundedStore {
    type Key = u64;

    fn measure_and_replace<T, F, E>(&self, key: &u64, f: F) -> std::result::Result<T, E>
    where
        F: Fn(Option<Nanos>) -> std::result::Result<(T, Nanos), E>,
    {
        let mut map = self.shard(*key).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tat) = map.get_mut(key) {
            let (out, next) = f(Some(Nanos::from(*tat)))?;
            *tat = next.as_u64();
            return Ok(out);
        }
        let (out, next) = f(None)?;
        let next = next.as_u64();
        if map.len() >= self.shard_cap {
            self.make_room(&mut map, next.saturating_sub(self.t_nanos));
        }
        map.insert(*key, next);
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------
// limiter

/// Shares the store between governor's limiter and our stats.
struct SharedStore<S>(Arc<S>);

impl<S: RateLimitStore> StateStore for SharedStore<S> {
    type Key = u64;

    fn measure_and_replace<T, F, E>(&self, key: &u64, f: F) -> std::result::Result<T, E>
    where
        F: Fn(Option<Nanos>) -> std::result::Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

type Gov<C, S> = GovLimiter<u64, SharedStore<S>, C, StateInformationMiddleware>;

struct Limit<C: Clock, S: RateLimitStore> {
    rule: LimitRule,
    store: Arc<S>,
    /// Name in the IETF `RateLimit` / `RateLimit-Policy` headers.
    name: Arc<str>,
    policy_header: Arc<str>,
    /// `T`: time to replenish one request.
    t: Duration,
    gov: Gov<C, S>,
}

/// The result of one check: what to answer and which headers to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitOutcome {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub window_secs: u64,
    /// Seconds until the bucket is fully replenished (rounded up).
    pub reset_after_secs: u64,
    /// Unix time (seconds) at which the bucket is fully replenished.
    pub reset_unix: u64,
    /// Seconds until the next request will be accepted (set when denied; at least 1).
    pub retry_after_secs: Option<u64>,
    /// Policy name: `default` or `route<i>`.
    pub policy: Arc<str>,
    /// The `RateLimit-Policy` value (`"default";q=100;w=60`).
    pub policy_header: Arc<str>,
}

impl RateLimitOutcome {
    /// The response headers: `X-RateLimit-*`, IETF `RateLimit` / `RateLimit-Policy`
    /// (draft-ietf-httpapi-ratelimit-headers structured fields) and `Retry-After` on 429.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut flat = Vec::with_capacity(12);
        self.push_headers(&mut flat);
        let mut it = flat.into_iter();
        std::iter::from_fn(|| Some((it.next()?, it.next()?))).collect()
    }

    /// The same headers, appended as `name, value, name, value, ...` (the decision's form).
    pub fn push_headers(&self, out: &mut Vec<String>) {
        out.push("x-ratelimit-limit".into());
        out.push(self.limit.to_string());
        out.push("x-ratelimit-remaining".into());
        out.push(self.remaining.to_string());
        out.push("x-ratelimit-reset".into());
        out.push(self.reset_unix.to_string());
        out.push("ratelimit-policy".into());
        out.push(self.policy_header.to_string());
        out.push("ratelimit".into());
        out.push(format!(
            "\"{}\";r={};t={}",
            self.policy, self.remaining, self.reset_after_secs
        ));
        if let Some(s) = self.retry_after_secs {
            out.push("retry-after".into());
            out.push(s.to_string());
        }
    }
}

/// Counters for `stats()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitStats {
    pub checked: u64,
    pub limited: u64,
    /// Keys held right now, over all rules.
    pub keys: u64,
    /// Keys dropped because their state equalled a fresh bucket.
    pub evicted_idle: u64,
    /// Keys dropped while still active, to respect `maxKeys` (a key flood).
    pub evicted_active: u64,
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_nanos().div_ceil(1_000_000_000) as u64
}

/// The keyed limiter for one engine. `C` is the clock (governor's fake clock in tests), `S`
/// the state store.
pub struct RateLimiter<C: Clock + Clone = DefaultClock, S: RateLimitStore = BoundedStore> {
    config: RateLimitConfig,
    limits: Vec<Limit<C, S>>,
    hasher: RandomState,
    clock: C,
    anchor: C::Instant,
    anchor_unix_ms: u64,
    checked: AtomicU64,
    limited: AtomicU64,
}

impl RateLimiter<DefaultClock> {
    pub fn new(config: RateLimitConfig) -> Self {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Self::with_clock(config, DefaultClock::default(), now_ms)
    }
}

impl<C: Clock + Clone> RateLimiter<C, BoundedStore> {
    /// `anchor_unix_ms` is the wall-clock time that corresponds to `clock.now()` now.
    pub fn with_clock(config: RateLimitConfig, clock: C, anchor_unix_ms: u64) -> Self {
        Self::with_store(config, clock, anchor_unix_ms, BoundedStore::new)
    }
}

impl<C: Clock + Clone, S: RateLimitStore> RateLimiter<C, S> {
    /// `make_store(max_keys, t_nanos)` builds the store of each rule.
    pub fn with_store(
        config: RateLimitConfig,
        clock: C,
        anchor_unix_ms: u64,
        make_store: impl Fn(usize, u64) -> S,
    ) -> Self {
        let mut rules: Vec<(String, LimitRule)> = config
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("route{i}"), r.clone()))
            .collect();
        rules.push(("default".to_string(), config.default_rule.clone()));
        let limits = rules
            .into_iter()
            .map(|(name, rule)| {
                let max = NonZeroU32::new(rule.max_requests.max(1)).unwrap_or(NonZeroU32::MIN);
                let window = Duration::from_millis(rule.window_ms.max(1));
                let t = (window / max.get()).max(Duration::from_nanos(1));
                let quota = Quota::with_period(t)
                    .unwrap_or_else(|| Quota::per_second(max))
                    .allow_burst(max);
                let store = Arc::new(make_store(config.max_keys, t.as_nanos() as u64));
                let gov: Gov<C, S> =
                    GovLimiter::new(quota, SharedStore(store.clone()), clock.clone());
                let policy_header = format!(
                    "\"{name}\";q={};w={}",
                    rule.max_requests,
                    rule.window_ms.div_ceil(1000)
                );
                Limit {
                    rule,
                    store,
                    name: name.into(),
                    policy_header: policy_header.into(),
                    t,
                    gov,
                }
            })
            .collect();
        let anchor = clock.now();
        RateLimiter {
            config,
            limits,
            hasher: RandomState::new(),
            clock,
            anchor,
            anchor_unix_ms,
            checked: AtomicU64::new(0),
            limited: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    pub fn enabled(&self) -> bool {
        self.config.enabled
    }

    /// The client key for a request: the `keyFn` result, else the client IP.
    pub fn key_for(&self, facts: &KeyFacts<'_>) -> String {
        match facts.custom_key {
            Some(k) => format!("k:{}", k.chars().take(MAX_KEY_LEN).collect::<String>()),
            None => select_addr(facts, self.config.trusted_proxies)
                .map_or_else(|| "ip:unknown".to_string(), addr_key),
        }
    }

    fn unix_ms_now(&self, now: C::Instant) -> u64 {
        let since: Duration = now.duration_since(self.anchor).into();
        self.anchor_unix_ms + since.as_millis() as u64
    }

    /// The index of the rule that counts a request on `path` (a request path; normalised
    /// here): `None` when rate limiting is disabled or the path is in `skipRoutes`.
    pub fn rule_for(&self, path: &str) -> Option<usize> {
        if !self.config.enabled {
            return None;
        }
        let path = normalize_path(path.split(['?', '#']).next().unwrap_or("/"));
        if self.config.skip_routes.matches(&path) {
            return None;
        }
        self.limits
            .iter()
            .position(|l| l.rule.pattern.as_ref().is_none_or(|p| p.matches(&path)))
    }

    /// Rule `idx` as a shared store sees it: policy name, emission interval `T` and burst.
    pub fn rule_params(&self, idx: usize) -> (&str, Duration, u32) {
        let l = &self.limits[idx];
        (&l.name, l.t, l.rule.max_requests)
    }

    /// Counts a check made elsewhere (a shared store) in `stats()`.
    pub fn count_check(&self, allowed: bool) {
        self.checked.fetch_add(1, Ordering::Relaxed);
        if !allowed {
            self.limited.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The outcome and headers of one check of rule `idx`: `until_full` is the time until
    /// the bucket is full again, `retry` (denied only) until the next request is accepted.
    pub fn outcome(
        &self,
        idx: usize,
        remaining: Option<u32>,
        until_full: Duration,
        retry: Option<Duration>,
        now_unix_ms: u64,
    ) -> RateLimitOutcome {
        let limit = &self.limits[idx];
        let reset_after_secs = ceil_secs(until_full);
        let reset_unix = (now_unix_ms + until_full.as_millis() as u64).div_ceil(1000);
        RateLimitOutcome {
            allowed: retry.is_none(),
            limit: limit.rule.max_requests,
            remaining: remaining.unwrap_or(0),
            window_secs: limit.rule.window_ms.div_ceil(1000),
            reset_after_secs,
            reset_unix,
            retry_after_secs: retry.map(|w| ceil_secs(w).max(1)),
            policy: Arc::clone(&limit.name),
            policy_header: Arc::clone(&limit.policy_header),
        }
    }

    /// Counts one request for `key` on `path` (a request path; normalised here). Returns
    /// `None` when rate limiting is disabled or the path is in `skipRoutes`.
    pub fn check(&self, path: &str, key: &str) -> Option<RateLimitOutcome> {
        let idx = self.rule_for(path)?;
        let limit = &self.limits[idx];
        let hashed = self.hasher.hash_one(key);
        let max = limit.rule.max_requests;
        let result = limit.gov.check_key(&hashed);
        let now = self.clock.now();
        let now_ms = self.unix_ms_now(now);
        let out = match result {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                // The bucket is full again after the used cells have been replenished.
                let used = max.saturating_sub(remaining);
                self.outcome(idx, Some(remaining), limit.t * used, None, now_ms)
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(now);
                let until_full = wait + limit.t * max.saturating_sub(1);
                self.outcome(idx, None, until_full, Some(wait), now_ms)
            }
        };
        self.count_check(out.allowed);
        Some(out)
    }

    pub fn stats(&self) -> RateLimitStats {
        let mut s = RateLimitStats {
            checked: self.checked.load(Ordering::Relaxed),
            limited: self.limited.load(Ordering::Relaxed),
            ..Default::default()
        };
        for l in &self.limits {
            let (idle, active) = l.store.evictions();
            s.keys += l.store.keys() as u64;
            s.evicted_idle += idle;
            s.evicted_active += active;
        }
        s
    }
}

#[cfg(test)]
mod tests;

//! The security stages of the engine's decide pipeline: rate limiting, CSRF and audit,
//! composed once per engine from the `rateLimit`, `csrf` and `audit` options.
//!
//! The engine calls, per request (one native call):
//! 1. [`Security::rate_limit`] before auth: a refused request gets its 429 decision at
//!    once; an accepted one carries the rate-limit headers into the final decision.
//! 2. [`Security::csrf`] after the policy decision, once the session is known: a forged
//!    unsafe request becomes a 403 (keeping the auth cookies the decision already carries,
//!    e.g. a rotated refresh token); a readable CSRF cookie is issued when needed.
//! 3. [`Security::emit`] at the auth points (events for the audit logger).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::Value;

use crate::auth::decide::{AuthOutcome, Decision, Facts, NewToken};
use crate::auth::tokens::Session;
use crate::error::Result;
use crate::http::cookies::{CookieOptions, rewrite_cookie_header};
use crate::security::audit::{AuditConfig, AuditEvent, AuditEventType, AuditStats, Auditor};
use crate::security::csrf::{Csrf, CsrfConfig, CsrfFacts, session_id};
use crate::security::ratelimit::{
    KeyFacts, RateLimitConfig, RateLimitOutcome, RateLimitStats, RateLimiter, client_ip,
};
use crate::store::redis::SharedStore;
use crate::store::redis::gcra::SharedRate;

/// The rate-limit stage as the synchronous path sees it.
pub enum RateStage {
    /// Answered here (in-process limiter, or a refusal the deny cache remembers).
    Ready(std::result::Result<Vec<String>, Box<Decision>>),
    /// The shared store must be asked: go asynchronous (nothing was counted).
    Remote,
}

pub const RATE_LIMIT_MESSAGE: &str = "Too many requests. Please try again later.";
pub const CSRF_MESSAGE: &str = "Invalid or missing CSRF token.";
pub const CSRF_CODE: &str = "ERR_CSRF";
pub const RATE_LIMIT_CODE: &str = "ERR_RATE_LIMITED";

/// Counters of the security stages, for `stats()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecurityStats {
    pub rate_limit: RateLimitStats,
    pub csrf_failures: u64,
    pub audit: AuditStats,
}

pub struct Security {
    rate: RateLimiter,
    /// Limits counted in the shared store (Redis), when one is configured.
    shared_rate: Option<SharedRate>,
    csrf: Csrf,
    auditor: Arc<Auditor>,
    cookie_options: CookieOptions,
    csrf_failures: AtomicU64,
    warned_shared_key: AtomicBool,
}

/// The user id of a session, as a string (`id` of the validated user, number or string).
pub fn user_id(auth: &AuthOutcome) -> Option<String> {
    session_user_id(auth.session.as_deref()?)
}

fn session_user_id(s: &Session) -> Option<String> {
    match s.user.user.get("id")? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Security {
    /// Validates the three options (errors name the option, e.g. `csrf.secret`).
    pub fn new(
        rate_limit: Option<&Value>,
        csrf: Option<&Value>,
        audit: Option<&Value>,
        production: bool,
        cookie_options: CookieOptions,
    ) -> Result<Self> {
        let rate = RateLimiter::new(RateLimitConfig::from_json(rate_limit)?);
        let csrf = Csrf::new(CsrfConfig::from_json(csrf, production)?);
        let audit = AuditConfig::from_json(audit)?;
        Ok(Security {
            rate,
            shared_rate: None,
            csrf,
            auditor: Arc::new(Auditor::new(audit)),
            cookie_options,
            csrf_failures: AtomicU64::new(0),
            warned_shared_key: AtomicBool::new(false),
        })
    }

    pub fn auditor(&self) -> &Arc<Auditor> {
        &self.auditor
    }

    /// Does every request leave a trace here (a rate-limit count, an audit event)? Then no
    /// decision may be given again without the engine (see `auth/engine/decision_memo.rs`).
    pub fn leaves_trace_per_request(&self) -> bool {
        self.rate.enabled() || self.shared_rate.is_some() || self.auditor.config().enabled
    }

    pub fn csrf_checker(&self) -> &Csrf {
        &self.csrf
    }

    /// The client IP as the rate limiter resolves it (trusted proxies honoured).
    pub fn client_ip(&self, f: &Facts) -> String {
        client_ip(&key_facts(f), self.rate.config().trusted_proxies)
    }

    /// STAGE rate-limit: counts this request once. `Err(decision)`: answer 429 now.
    /// `Ok(headers)`: flat `[name, value, ...]` to add to the final decision's response.
    pub fn rate_limit(&self, f: &Facts) -> std::result::Result<Vec<String>, Box<Decision>> {
        self.rate_limit_at(f, &f.path)
    }

    /// Counts rate limits in the shared store from now on (the engine calls this once).
    pub fn use_shared_store(&mut self, store: std::sync::Arc<SharedStore>) {
        if self.rate.enabled() {
            self.shared_rate = Some(SharedRate::new(store));
        }
    }

    fn client_key(&self, f: &Facts) -> String {
        let key = self.rate.key_for(&key_facts(f));
        if key == "ip:unknown" && !self.warned_shared_key.swap(true, Ordering::Relaxed) {
            warn_shared_key(self.rate.config().trusted_proxies);
        }
        key
    }

    /// [`Security::rate_limit`] with the path the rules and `skipRoutes` match (the engine
    /// passes it without its locale prefix, as the access lists see it).
    pub fn rate_limit_at(
        &self,
        f: &Facts,
        path: &str,
    ) -> std::result::Result<Vec<String>, Box<Decision>> {
        if !self.rate.enabled() {
            return Ok(Vec::new());
        }
        if self.skips(f) {
            return Ok(Vec::new());
        }
        let key = self.client_key(f);
        let Some(outcome) = self.rate.check(path, &key) else {
            return Ok(Vec::new());
        };
        self.answer(f, outcome)
    }

    /// The rate-limit stage on the synchronous path: with a shared store, only a refusal
    /// remembered by the deny cache is answered here; anything else needs Redis.
    pub fn rate_limit_sync_at(&self, f: &Facts, path: &str) -> RateStage {
        if self.skips(f) {
            return RateStage::Ready(Ok(Vec::new()));
        }
        if let Some(shared) = &self.shared_rate
            && let Some(idx) = self.rate.rule_for(path)
        {
            let key = self.client_key(f);
            return match shared.deny_cached(&self.rate, idx, &key) {
                Some(out) => RateStage::Ready(self.answer(f, out)),
                None => RateStage::Remote,
            };
        }
        RateStage::Ready(self.rate_limit_at(f, path))
    }

    /// The rate-limit stage on the asynchronous path: one round trip to the shared store
    /// when there is one. Redis unavailable: the in-process limiter (`'local'`) or a 503
    /// (`'closed'`).
    pub async fn rate_limit_async_at(
        &self,
        f: &Facts,
        path: &str,
    ) -> std::result::Result<Vec<String>, Box<Decision>> {
        if self.skips(f) {
            return Ok(Vec::new());
        }
        if let Some(shared) = &self.shared_rate
            && let Some(idx) = self.rate.rule_for(path)
        {
            let key = self.client_key(f);
            if let Some(out) = shared.deny_cached(&self.rate, idx, &key) {
                return self.answer(f, out);
            }
            match shared.check(&self.rate, idx, &key).await {
                Ok(out) => return self.answer(f, out),
                Err(_) => {
                    if let Err(e) = shared.store.unavailable() {
                        return Err(Box::new(Decision::json(
                            503,
                            "Service temporarily unavailable.",
                            Some(e.code.as_str()),
                        )));
                    }
                }
            }
        }
        self.rate_limit_at(f, path)
    }

    /// A prefetch (a `<Link>` in view, a hover) is not a visit: counting it gives false 429s
    /// after a few real clicks (`rateLimit.skipPrefetch`). Only safe methods: a POST cannot
    /// hide behind the flag.
    fn skips(&self, f: &Facts) -> bool {
        f.prefetch == Some(true)
            && self.rate.config().skip_prefetch
            && (f.method.eq_ignore_ascii_case("GET") || f.method.eq_ignore_ascii_case("HEAD"))
    }

    /// The headers of a counted request, or its 429 (with the audit event).
    fn answer(
        &self,
        f: &Facts,
        outcome: RateLimitOutcome,
    ) -> std::result::Result<Vec<String>, Box<Decision>> {
        let mut headers = Vec::with_capacity(12);
        outcome.push_headers(&mut headers);
        if outcome.allowed {
            return Ok(headers);
        }
        if self.auditor.wants(AuditEventType::RateLimitExceeded) {
            self.auditor.emit(
                self.event(AuditEventType::RateLimitExceeded, f, None)
                    .meta("limit", outcome.limit)
                    .meta("windowSeconds", outcome.window_secs)
                    .meta("policy", &*outcome.policy)
                    .meta("retryAfter", outcome.retry_after_secs.unwrap_or(1)),
            );
        }
        let mut d = Decision::json(429, RATE_LIMIT_MESSAGE, Some(RATE_LIMIT_CODE));
        d.response_headers = headers;
        Err(Box::new(d))
    }

    /// Adds rate-limit headers (from [`Security::rate_limit`]) to a decision.
    pub fn add_headers(d: &mut Decision, headers: Vec<String>) {
        d.response_headers.extend(headers);
    }

    /// The session a CSRF token is bound to: the user id, else a hash of the token in use.
    /// Guests are always bound to their token: a guest created in this request has no id
    /// yet, and a new guest token is a new session anyway.
    fn csrf_session(f: &Facts, auth: &AuthOutcome, token_cookie: Option<&str>) -> String {
        let new_token = match &auth.new_token {
            Some(NewToken::Refreshed(t)) | Some(NewToken::Guest(t)) => Some(t.token.as_str()),
            None => None,
        };
        let token = new_token.or(f.refreshed_token.as_deref()).or(token_cookie);
        Self::csrf_session_of(auth.session.as_deref(), token)
    }

    /// [`Security::csrf_session`] for a session already judged: `session` is what `token`
    /// validated to (`None`: no valid session, so anonymous).
    fn csrf_session_of(session: Option<&Session>, token: Option<&str>) -> String {
        let Some(s) = session else {
            return session_id(None, None);
        };
        let uid = if s.is_guest { None } else { session_user_id(s) };
        session_id(uid.as_deref(), token)
    }

    /// The `Set-Cookie` of a fresh CSRF token bound to the session `token` validated to
    /// (`session`; `None` = anonymous, e.g. after logout), exactly as the csrf stage would
    /// issue it. Used by the auth routes so a login, logout or refresh hands the browser a
    /// token for its new session at once. `None` when double-submit is not in use.
    pub fn csrf_cookie_for(
        &self,
        session: Option<&Session>,
        token: Option<&str>,
    ) -> Option<String> {
        let cfg = self.csrf.config();
        if !cfg.enabled || !cfg.strategy.uses_double_submit() {
            return None;
        }
        let minted = self.csrf.mint(&Self::csrf_session_of(session, token));
        self.csrf.set_cookie(&minted, &self.cookie_options)
    }

    /// STAGE csrf: checks `d`'s request now that the session is known. A failure turns
    /// `d` into a 403 JSON answer (its cookies and rate-limit headers are kept) and emits
    /// `csrf:fail`. Issues the readable CSRF cookie when the request has none valid for
    /// this session. `token_cookie` is the auth token the session came from, if any.
    pub fn csrf(
        &self,
        f: &Facts,
        auth: &AuthOutcome,
        token_cookie: Option<&str>,
        d: &mut Decision,
    ) {
        if !self.csrf.enabled() {
            return;
        }
        let session = Self::csrf_session(f, auth, token_cookie);
        let check = self.csrf.check(
            &CsrfFacts {
                method: &f.method,
                sec_fetch_site: f.sec_fetch_site.as_deref(),
                origin: f.origin.as_deref(),
                self_origin: f.host.as_deref(),
                cookie_header: f.cookie.as_deref(),
                header_token: f.x_csrf_token.as_deref(),
            },
            &session,
        );
        if let Err(failure) = check.result {
            self.csrf_failures.fetch_add(1, Ordering::Relaxed);
            if self.auditor.wants(AuditEventType::CsrfFail) {
                self.auditor.emit(
                    self.event(AuditEventType::CsrfFail, f, Some(auth))
                        .meta("reason", failure.reason()),
                );
            }
            let denied = Decision::json(403, CSRF_MESSAGE, Some(CSRF_CODE));
            d.kind = denied.kind;
            d.status = denied.status;
            d.body = denied.body;
            d.location = None;
            d.request_headers.clear();
        }
        if let Some(token) = check.new_token
            && let Some(set) = self.csrf.set_cookie(&token, &self.cookie_options)
        {
            d.set_cookies.push(set);
            if d.kind == "next" {
                // Make the new token visible to `getCsrfToken()` in this same request.
                let name = self.csrf.config().cookie_name.as_str();
                let at = d.request_headers.chunks(2).position(|c| c[0] == "cookie");
                match at {
                    Some(i) => {
                        let v = rewrite_cookie_header(
                            Some(&d.request_headers[i * 2 + 1]),
                            &[(name, &token)],
                            &[],
                        );
                        d.request_headers[i * 2 + 1] = v;
                    }
                    None => {
                        let v = rewrite_cookie_header(f.cookie.as_deref(), &[(name, &token)], &[]);
                        d.request_headers.push("cookie".into());
                        d.request_headers.push(v);
                    }
                }
            }
        }
    }

    /// A new event for this request (ip resolved like the rate limiter does).
    pub fn event(&self, kind: AuditEventType, f: &Facts, auth: Option<&AuthOutcome>) -> AuditEvent {
        let mut e = AuditEvent::new(kind, &self.client_ip(f), &f.path, &f.method);
        if let Some(uid) = auth.and_then(user_id) {
            e = e.user(uid);
        }
        e
    }

    /// Emits an event of `kind` with an optional `reason`, if the filter wants it.
    pub fn emit(
        &self,
        kind: AuditEventType,
        f: &Facts,
        auth: Option<&AuthOutcome>,
        reason: Option<&str>,
    ) {
        if !self.auditor.wants(kind) {
            return;
        }
        let mut e = self.event(kind, f, auth);
        if let Some(r) = reason {
            e = e.meta("reason", r);
        }
        self.auditor.emit(e);
    }

    pub fn stats(&self) -> SecurityStats {
        SecurityStats {
            rate_limit: self.rate.stats(),
            csrf_failures: self.csrf_failures.load(Ordering::Relaxed),
            audit: self.auditor.stats(),
        }
    }
}

/// Once per engine: requests without a usable client address share one rate-limit key.
fn warn_shared_key(trusted_proxies: usize) {
    let why = if trusted_proxies == 0 {
        "rateLimit.trustedProxies is 0, so x-forwarded-for / x-real-ip are not trusted, and \
         the runtime gives proxy.ts no peer address"
    } else {
        "the request carried no x-forwarded-for / x-real-ip from the trusted proxy"
    };
    tracing::warn!(target: "next_api_layer::ratelimit", "no client address: {why}");
    eprintln!(
        "[next-api-layer-native] rateLimit: a request had no client address ({why}); such \
         requests share one rate-limit key. Behind a reverse proxy set \
         rateLimit.trustedProxies to the number of proxies (e.g. 1), or give rateLimit.keyFn."
    );
}

fn key_facts(f: &Facts) -> KeyFacts<'_> {
    KeyFacts {
        custom_key: f.rate_limit_key.as_deref(),
        peer_ip: f.ip.as_deref(),
        forwarded_for: f.x_forwarded_for.as_deref(),
        real_ip: f.x_real_ip.as_deref(),
    }
}

#[cfg(test)]
mod tests;

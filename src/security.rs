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

use crate::audit::{AuditConfig, AuditEvent, AuditEventType, AuditStats, Auditor};
use crate::cookies::{CookieOptions, rewrite_cookie_header};
use crate::csrf::{Csrf, CsrfConfig, CsrfFacts, session_id};
use crate::decide::{AuthOutcome, Decision, Facts, NewToken};
use crate::error::Result;
use crate::ratelimit::{KeyFacts, RateLimitConfig, RateLimitStats, RateLimiter, client_ip};
use crate::tokens::Session;

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
        let key = self.rate.key_for(&key_facts(f));
        if key == "ip:unknown" && !self.warned_shared_key.swap(true, Ordering::Relaxed) {
            warn_shared_key(self.rate.config().trusted_proxies);
        }
        let Some(outcome) = self.rate.check(path, &key) else {
            return Ok(Vec::new());
        };
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
mod tests {
    use super::*;
    use crate::mappers::ValidatedUser;
    use crate::tokens::Session;
    use serde_json::json;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn security(rate: Value, csrf: Value, audit: Value) -> Security {
        Security::new(
            Some(&rate),
            Some(&csrf),
            Some(&audit),
            true,
            CookieOptions::default(),
        )
        .unwrap()
    }

    fn user(id: Value) -> AuthOutcome {
        AuthOutcome {
            session: Some(Arc::new(Session::new(ValidatedUser {
                user: json!({ "id": id, "name": "Demo" }),
                token_type: "user".into(),
                exp: None,
            }))),
            ..Default::default()
        }
    }

    fn facts(method: &str, path: &str) -> Facts {
        Facts {
            method: method.into(),
            path: path.into(),
            ..Default::default()
        }
    }

    #[test]
    fn rate_limit_stage_refuses_with_headers_and_event() {
        let s = security(
            json!({ "maxRequests": 2 }),
            json!({ "enabled": false }),
            json!({}),
        );
        let got = Arc::new(std::sync::Mutex::new(0usize));
        let g = got.clone();
        s.auditor().set_notifier(Some(Arc::new(move || {
            *g.lock().unwrap() += 1;
            true
        })));
        let mut f = facts("GET", "/api/posts");
        f.x_forwarded_for = Some("1.2.3.4".into());
        assert!(s.rate_limit(&f).is_ok());
        // Spoofing x-forwarded-for does not give a new key (no trusted proxy).
        f.x_forwarded_for = Some("5.6.7.8".into());
        let h = s.rate_limit(&f).unwrap();
        assert!(
            h.chunks(2)
                .any(|c| c[0] == "x-ratelimit-remaining" && c[1] == "0")
        );
        let d = s.rate_limit(&f).unwrap_err();
        assert_eq!(d.status, 429);
        assert!(d.body.as_deref().unwrap().contains("\"success\":false"));
        assert!(d.response_headers.chunks(2).any(|c| c[0] == "retry-after"));
        let ev = s.auditor().take_batch();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, AuditEventType::RateLimitExceeded);
        assert_eq!(ev[0].ip, "unknown");
        assert_eq!(s.stats().rate_limit.limited, 1);
    }

    #[test]
    fn csrf_stage_turns_forgeries_into_403_and_keeps_cookies() {
        let s = security(
            json!({ "enabled": false }),
            json!({ "secret": SECRET }),
            json!({ "events": ["csrf:fail"] }),
        );
        s.auditor().set_notifier(Some(Arc::new(|| true)));
        let auth = user(json!(1));
        // A GET issues a cookie bound to user 1, visible downstream.
        let mut d = Decision::next();
        s.csrf(&facts("GET", "/dashboard"), &auth, None, &mut d);
        assert_eq!(d.kind, "next");
        let set = d.set_cookies[0].clone();
        assert!(set.starts_with("__csrf=") && !set.contains("HttpOnly"));
        let token = set["__csrf=".len()..]
            .split(';')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            d.request_header("cookie"),
            Some(format!("__csrf={token}").as_str())
        );
        // POST with cookie + header passes.
        let mut f = facts("POST", "/api/profile");
        f.cookie = Some(format!("__csrf={token}"));
        f.x_csrf_token = Some(token.clone());
        let mut d = Decision::next();
        s.csrf(&f, &auth, None, &mut d);
        assert_eq!(d.kind, "next");
        assert!(d.set_cookies.is_empty());
        // The same token for another user is refused; the decision's cookies survive.
        let mut d = Decision::next();
        d.set_cookies.push("auth_token=new; HttpOnly".into());
        s.csrf(&f, &user(json!("2")), None, &mut d);
        assert_eq!((d.kind.as_str(), d.status), ("json", 403));
        assert!(
            d.set_cookies
                .iter()
                .any(|c| c.starts_with("auth_token=new"))
        );
        let body: Value = serde_json::from_str(d.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["success"], false);
        let ev = s.auditor().take_batch();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].kind, AuditEventType::CsrfFail);
        assert_eq!(ev[0].user_id.as_deref(), Some("2"));
        assert_eq!(
            ev[0].metadata.as_ref().unwrap()["reason"],
            "csrf token not valid for this session"
        );
        assert!(!serde_json::to_string(&ev[0]).unwrap().contains(&token));
        // Cross-site is refused even with a valid token.
        let mut f2 = f.clone();
        f2.sec_fetch_site = Some("cross-site".into());
        let mut d = Decision::next();
        s.csrf(&f2, &auth, None, &mut d);
        assert_eq!(d.status, 403);
        assert_eq!(s.stats().csrf_failures, 2);
    }

    #[test]
    fn guests_are_bound_to_their_token() {
        let guest = |id: Option<&str>| AuthOutcome {
            session: Some(Arc::new(Session::new(ValidatedUser {
                user: match id {
                    Some(i) => json!({ "id": i, "type": "guest" }),
                    None => json!({ "type": "guest" }),
                },
                token_type: "guest".into(),
                exp: None,
            }))),
            ..Default::default()
        };
        let f = facts("GET", "/");
        // Created in this request (no id yet) and later validated by the backend (with an
        // id): the same session, so the same CSRF binding.
        let a = Security::csrf_session(&f, &guest(None), Some("guest-token"));
        let b = Security::csrf_session(&f, &guest(Some("guest-42")), Some("guest-token"));
        assert_eq!(a, b);
        assert!(a.starts_with("t:"));
        assert_eq!(
            Security::csrf_session(&f, &user(json!(7)), Some("x")),
            "u:7"
        );
        assert_eq!(
            Security::csrf_session(&f, &AuthOutcome::default(), Some("x")),
            "anon"
        );
    }

    #[test]
    fn csrf_cookie_for_a_new_session_passes_the_csrf_stage_of_that_session_only() {
        let s = security(json!({}), json!({ "secret": SECRET }), json!({}));
        let token_of = |set: String| {
            set["__csrf=".len()..]
                .split(';')
                .next()
                .unwrap()
                .to_string()
        };
        let post = |token: &str| {
            let mut f = facts("POST", "/api/profile");
            f.cookie = Some(format!("__csrf={token}"));
            f.x_csrf_token = Some(token.to_string());
            f
        };
        let demo = user(json!(1));
        let set = s
            .csrf_cookie_for(demo.session.as_deref(), Some("user-token"))
            .unwrap();
        assert!(!set.contains("HttpOnly"), "{set}");
        let token = token_of(set);
        let mut d = Decision::next();
        s.csrf(&post(&token), &demo, Some("user-token"), &mut d);
        assert_eq!(d.status, 200, "{:?}", d.body);
        // The same token is refused for another user and for the anonymous session.
        let mut d = Decision::next();
        s.csrf(&post(&token), &user(json!(2)), None, &mut d);
        assert_eq!(d.status, 403);
        let mut d = Decision::next();
        s.csrf(&post(&token), &AuthOutcome::default(), None, &mut d);
        assert_eq!(d.status, 403);
        // After logout: anonymous.
        let anon = token_of(s.csrf_cookie_for(None, Some("revoked")).unwrap());
        let mut d = Decision::next();
        s.csrf(&post(&anon), &AuthOutcome::default(), None, &mut d);
        assert_eq!(d.status, 200, "{:?}", d.body);
        let mut d = Decision::next();
        s.csrf(&post(&anon), &demo, Some("user-token"), &mut d);
        assert_eq!(d.status, 403);
        // No double-submit, no cookie.
        let fm = security(
            json!({}),
            json!({ "strategy": "fetch-metadata" }),
            json!({}),
        );
        assert_eq!(fm.csrf_cookie_for(demo.session.as_deref(), None), None);
    }

    #[test]
    fn config_errors_surface_with_option_names() {
        let e = Security::new(None, Some(&json!({})), None, true, CookieOptions::default())
            .err()
            .unwrap();
        assert!(e.message.starts_with("csrf.secret"), "{}", e.message);
        let e = Security::new(
            None,
            None,
            Some(&json!({ "events": ["nope"] })),
            false,
            CookieOptions::default(),
        )
        .err()
        .unwrap();
        assert!(
            e.message.starts_with("audit.events[0] must be"),
            "{}",
            e.message
        );
        let e = Security::new(
            Some(&json!({ "windowMs": -1 })),
            None,
            None,
            false,
            CookieOptions::default(),
        )
        .err()
        .unwrap();
        assert!(e.message.starts_with("rateLimit.windowMs"), "{}", e.message);
    }
}

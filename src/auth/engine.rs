//! The auth engine: one per configuration, for the life of the process.
//!
//! `decide_sync` answers from the cache with no I/O (or says `pending`); `decide` may call
//! the backend (validate / refresh / guest), coalescing concurrent calls per token.

use std::sync::Arc;

use crate::auth::cascade::{PickedToken, TokenSource, pick_token};
use crate::auth::decide::{
    AuthOutcome, Decision, Facts, NewToken, RouteInfo, is_browser_navigation, policy,
};
use crate::auth::mappers::{IssuedToken, ValidatedUser};
use crate::auth::revoke::Revocations;
use crate::auth::tokens::issue::{
    FailClassifier, Issuer, RefreshAnswer, RefreshCredential, RefreshFail,
};
use crate::auth::tokens::validate::{
    BackendValidation, JsMapperFn, JsVerifyValidation, LocalValidation, ValidationStrategy, Verdict,
};
use crate::auth::tokens::{
    RefreshOutcome, Session, TokenKey, Validation, jwt_exp_unverified, namespaced_key, now_unix,
    token_key, valid_ttl,
};
use crate::config::{Config, RefreshStyle};
use crate::error::{LayerError, Result};
use crate::http::cookies::get_cookie;
use crate::security::audit::AuditEventType;
use crate::security::pipeline::{RateStage, Security};
use crate::stats::{Stats, StatsSnapshot, bump};
use crate::store::kv::{KeyValueStore, QuickStore};
use crate::store::redis::SharedStore;
use crate::store::redis::revocations::Event;
use crate::store::singleflight::{BoxFuture, InMemorySingleFlight, SingleFlight};
use crate::store::watch::{Watch, Watched};

mod decision_memo;
#[cfg(test)]
mod refresh_tests;
mod revalidate_ahead;
#[cfg(test)]
mod test_backend;
mod user_lookup;

/// Function-valued response mappers (JS), if any.
#[derive(Default, Clone)]
pub struct JsMapperSet {
    pub auth_me: Option<JsMapperFn>,
    pub refresh: Option<JsMapperFn>,
    pub guest: Option<JsMapperFn>,
    /// `validate.verify(token)` (local mode, next-api-layer 0.4's hook).
    pub verify: Option<JsMapperFn>,
    /// `refresh.classifyFail({ status, body })`.
    pub classify: Option<JsMapperFn>,
}

type Refreshed = Result<RefreshAnswer>;

pub struct Engine {
    cfg: Arc<Config>,
    stats: Arc<Stats>,
    cache: Arc<dyn KeyValueStore<Validation>>,
    grace: Arc<dyn KeyValueStore<RefreshOutcome>>,
    /// Refresh keys the backend refused, for the negative TTL. Apart from the validation
    /// cache, so a later verdict on the token (a validation flight, the expiry check) cannot
    /// overwrite the refusal and let one more refresh call through.
    refusals: Arc<dyn KeyValueStore<RefreshFail>>,
    validate_flight: Arc<dyn SingleFlight<Result<Validation>>>,
    refresh_flight: Arc<dyn SingleFlight<Refreshed>>,
    /// Guests minted per client (`guestToken.rateLimit`), keyed like the rate limiter.
    guest_limiter: Option<crate::security::ratelimit::RateLimiter>,
    strategy: Arc<dyn ValidationStrategy>,
    issuer: Arc<Issuer>,
    /// Tokens revoked by logout or a refused refresh (`revoke_token`), until their `exp`.
    revoked: Arc<Revocations>,
    /// Rate limiting, CSRF and audit (`security.rs`).
    security: Security,
    /// The shared store (Redis) of several app instances, when `store` is configured.
    shared: Option<Arc<SharedStore>>,
    /// The tokio runtime background re-validations run on (`revalidate_ahead.rs`): the one
    /// the engine was built on, else the first asynchronous decision's.
    runtime: std::sync::OnceLock<tokio::runtime::Handle>,
    /// Tells getServerUser's JS memo when a token it holds changed (`store/watch.rs`).
    watch: Arc<Watch>,
}

impl Engine {
    pub fn from_json(config_json: &str, js: JsMapperSet) -> Result<Self> {
        Self::new(Config::from_json(config_json)?, js)
    }

    pub fn new(cfg: Config, js: JsMapperSet) -> Result<Self> {
        if cfg.js_mappers.auth_me && js.auth_me.is_none() {
            return Err(LayerError::config(
                "responseMappers.parseAuthMe",
                "is marked as a function but none was passed",
            ));
        }
        let mut security = Security::new(
            cfg.rate_limit.as_ref(),
            cfg.csrf.as_ref(),
            cfg.audit.as_ref(),
            cfg.cookie_options.production,
            cfg.cookie_options.clone(),
        )?;
        for w in &cfg.warnings {
            tracing::warn!(target: "next_api_layer::config", "{w}");
            eprintln!("[next-api-layer-native] config: {w}");
        }
        let csrf = security.csrf_checker().config();
        let auth_cookies = [
            Some(&cfg.user_cookie),
            Some(&cfg.guest_cookie),
            (cfg.refresh.style == RefreshStyle::Cookie).then_some(&cfg.refresh.cookie),
        ];
        if csrf.enabled && auth_cookies.contains(&Some(&csrf.cookie_name)) {
            // The readable CSRF cookie would overwrite (and expose) an auth token.
            return Err(LayerError::config(
                "csrf.cookieName",
                format!(
                    "must differ from the auth cookies (got \"{}\")",
                    csrf.cookie_name
                ),
            ));
        }
        let stats = Arc::new(Stats::default());
        let backend = crate::auth::backend::Backend::with_limit(cfg.timeout, cfg.max_body_bytes)?;
        let backend_validation = BackendValidation {
            backend: backend.clone(),
            url: cfg.validate_url.clone(),
            mapper: cfg.auth_me_mapper.clone(),
            js_mapper: js.auth_me,
            stats: stats.clone(),
        };
        let strategy = pick_strategy(&cfg, backend_validation, js.verify, &stats)?;
        let issuer = Arc::new(Issuer {
            backend,
            refresh_url: cfg.refresh_url.clone(),
            guest_url: cfg.guest_url.clone(),
            refresh_mapper: cfg.refresh_mapper.clone(),
            guest_mapper: cfg.guest_mapper.clone(),
            js_refresh: js.refresh,
            js_guest: js.guest,
            guest_credentials: cfg.guest.credentials.clone(),
            stats: stats.clone(),
            classifier: FailClassifier {
                reuse_status_codes: cfg.refresh.reuse_status_codes.clone(),
                reuse_codes: cfg.refresh.reuse_codes.clone(),
                js: js.classify,
            },
        });
        let watch = Arc::new(Watch::new(user_lookup::WATCHED_TOKENS));
        let cache: Arc<dyn KeyValueStore<Validation>> = Arc::new(Watched::new(
            QuickStore::new(cfg.cache_max_size),
            watch.clone(),
        ));
        // The grace window holds one entry per refreshed token: bound it like the cache,
        // with headroom for bursts. Watched too: a grace entry changes the decision for the
        // old token, which a kept decision may rest on.
        let grace: Arc<dyn KeyValueStore<RefreshOutcome>> = Arc::new(Watched::new(
            QuickStore::new(cfg.cache_max_size.max(1000)),
            watch.clone(),
        ));
        let refusals: Arc<dyn KeyValueStore<RefreshFail>> =
            Arc::new(QuickStore::new(cfg.cache_max_size.max(1000)));
        let revoked = Arc::new(Revocations::default());
        let shared = match &cfg.store {
            Some(sc) => {
                let store = SharedStore::new(sc)?;
                store.revocations.set_hook(revocation_hook(
                    &cache,
                    &grace,
                    &revoked,
                    cfg.cache_ttl.max(cfg.negative_ttl),
                ));
                security.use_shared_store(store.clone());
                store.revocations.ensure_started();
                Some(store)
            }
            None => None,
        };
        Ok(Self {
            cache,
            grace,
            refusals,
            shared,
            runtime: revalidate_ahead::current_runtime(),
            validate_flight: Arc::new(InMemorySingleFlight::default()),
            refresh_flight: Arc::new(InMemorySingleFlight::default()),
            guest_limiter: guest_limiter(&cfg)?,
            strategy,
            issuer,
            revoked,
            stats,
            security,
            watch,
            cfg: Arc::new(cfg),
        })
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Entries in the validation cache and in the refresh grace window (both bounded).
    pub fn cache_len(&self) -> (u64, u64) {
        (self.cache.len(), self.grace.len())
    }

    pub fn stats(&self) -> StatsSnapshot {
        let mut s = self.stats.snapshot();
        let sec = self.security.stats();
        s.rate_limited = sec.rate_limit.limited as i64;
        s.rate_limit_keys = sec.rate_limit.keys as i64;
        s.rate_limit_evicted = (sec.rate_limit.evicted_idle + sec.rate_limit.evicted_active) as i64;
        s.csrf_failures = sec.csrf_failures as i64;
        s.audit_emitted = sec.audit.emitted as i64;
        s.audit_delivered = sec.audit.delivered as i64;
        s.audit_dropped = sec.audit.dropped as i64;
        s.store = self.shared.as_ref().map(|st| st.snapshot());
        s
    }

    /// Rate limiting, CSRF and audit of this engine.
    pub fn security(&self) -> &Security {
        &self.security
    }

    // ------------------------------------------------------------------ decisions

    /// Answers from the cache, synchronously, or returns `Decision::pending()`.
    pub fn decide_sync(&self, f: &Facts) -> Decision {
        let route = RouteInfo::new(&self.cfg, f);
        if let Some(d) = self.early(f, &route) {
            bump(&self.stats.sync_decisions);
            return d;
        }
        // The rate limit counts a request once: here when the cache answers, else in
        // `decide` (a `pending` answer has not been counted).
        match self.resolve_cached(f, route.bypassed) {
            Some(auth) => {
                let limits = match self
                    .security
                    .rate_limit_sync_at(f, &self.rate_limit_path(f))
                {
                    RateStage::Ready(Ok(h)) => h,
                    RateStage::Ready(Err(d)) => {
                        bump(&self.stats.sync_decisions);
                        return *d;
                    }
                    // Counted by the shared store: one round trip, on the async path.
                    RateStage::Remote => return Decision::pending(),
                };
                bump(&self.stats.sync_decisions);
                let mut d = self.finish(f, &route, auth, false);
                Security::add_headers(&mut d, limits);
                d
            }
            None => Decision::pending(),
        }
    }

    /// The full decision; may call the backend.
    pub async fn decide(&self, f: &Facts) -> Decision {
        bump(&self.stats.async_decisions);
        let route = RouteInfo::new(&self.cfg, f);
        if let Some(d) = self.early(f, &route) {
            return d;
        }
        if let Some(s) = &self.shared {
            s.revocations.ensure_started();
        }
        if self.runtime.get().is_none()
            && let Ok(h) = tokio::runtime::Handle::try_current()
        {
            let _ = self.runtime.set(h);
        }
        // STAGE rate-limit: before any backend call.
        let limits = match self
            .security
            .rate_limit_async_at(f, &self.rate_limit_path(f))
            .await
        {
            Ok(h) => h,
            Err(d) => return *d,
        };
        let auth = if route.bypassed {
            self.resolve_bypassed(f).await
        } else {
            self.resolve(f).await
        };
        let mut d = self.finish(f, &route, auth, true);
        Security::add_headers(&mut d, limits);
        d
    }

    /// The path rate-limit rules and `skipRoutes` match: without its locale prefix, as the
    /// access lists see it (else `/de/login` would escape a tight limit on `/login`).
    fn rate_limit_path<'a>(&self, f: &'a Facts) -> std::borrow::Cow<'a, str> {
        if !self.cfg.i18n.enabled {
            return std::borrow::Cow::Borrowed(&f.path);
        }
        let norm = crate::http::routes::normalize_path(&f.path);
        let (_, stripped) = crate::http::routes::strip_locale(&norm, &self.cfg.i18n.locales);
        std::borrow::Cow::Owned(stripped.to_string())
    }

    /// Decisions made before anyone is authenticated.
    fn early(&self, f: &Facts, route: &RouteInfo) -> Option<Decision> {
        if route.excluded || crate::http::routes::is_framework_path(&f.path) {
            let mut d = Decision::next();
            d.auth = Some(crate::auth::decide::AuthResult {
                bypassed: Some("excluded".into()),
                ..Default::default()
            });
            return Some(d);
        }
        if self.cfg.block_browser_api_access && route.is_api && is_browser_navigation(f) {
            self.emit(
                AuditEventType::AccessDenied,
                f,
                None,
                "browser navigation to an API route",
            );
            return Some(Decision::json(
                403,
                "Direct browser access to API routes is not allowed.",
                Some("ERR_BROWSER_API_ACCESS"),
            ));
        }
        // STAGE rate-limit (`security.rs`): runs right after this, in `decide_sync` /
        // `decide`, so that each request is counted exactly once.
        None
    }

    /// `fresh`: the session was judged now (backend or coalesced call), not from the cache.
    fn finish(&self, f: &Facts, route: &RouteInfo, auth: AuthOutcome, fresh: bool) -> Decision {
        let mut d = policy(&self.cfg, f, route, &auth);
        // STAGE audit: derive events from `auth` and `d`.
        if let Some(code) = auth.error {
            self.emit(AuditEventType::Error, f, Some(&auth), code.as_str());
        } else if matches!(auth.new_token, Some(NewToken::Refreshed(_))) {
            self.emit(
                AuditEventType::AuthRefresh,
                f,
                Some(&auth),
                "token refreshed",
            );
        } else if matches!(auth.new_token, Some(NewToken::Guest(_))) {
            self.emit(
                AuditEventType::AuthGuest,
                f,
                Some(&auth),
                "guest token created",
            );
        } else if auth.clear_user {
            self.emit(AuditEventType::AuthFail, f, Some(&auth), "token rejected");
        } else if fresh && auth.session.as_ref().is_some_and(|s| !s.is_guest) {
            self.emit(
                AuditEventType::AuthSuccess,
                f,
                Some(&auth),
                "token validated",
            );
        }
        // A refused refresh, after the rejected token's event (`error` covers a network one).
        match auth.refresh_fail {
            _ if auth.error.is_some() => {}
            Some(RefreshFail::Reuse) => self.emit(
                AuditEventType::AuthReuse,
                f,
                Some(&auth),
                "refresh token reuse detected",
            ),
            Some(r) => self.emit(AuditEventType::AuthRefreshFail, f, Some(&auth), r.as_str()),
            None => {}
        }
        // A redirect away from an auth route (signed in already) is not a denial.
        let denied = (d.kind == "redirect" && route.kind != crate::auth::decide::RouteKind::Auth)
            || (d.kind == "json" && (d.status == 401 || d.status == 403));
        if denied {
            self.emit(
                AuditEventType::AccessDenied,
                f,
                Some(&auth),
                "protected route",
            );
        }
        // STAGE csrf: the session is known; a forged unsafe request becomes a 403 that
        // keeps the cookies `policy` wrote (e.g. a rotated refresh token).
        if self.security.csrf_checker().enabled() {
            let token_cookie = self.pick(f).map(|p| p.token);
            self.security.csrf(f, &auth, token_cookie, &mut d);
        }
        d
    }

    fn emit(&self, kind: AuditEventType, f: &Facts, auth: Option<&AuthOutcome>, reason: &str) {
        if self.security.auditor().wants(kind) {
            // Also traced by the auditor.
            self.security.emit(kind, f, auth, Some(reason));
        } else {
            tracing::info!(target: "next_api_layer::auth", event = kind.as_str(), path = %f.path, reason);
        }
    }

    // ------------------------------------------------------------------ who is it (cache only)

    fn pick<'a>(&self, f: &'a Facts) -> Option<PickedToken<'a>> {
        pick_token(
            f.refreshed_token.as_deref(),
            f.cookie.as_deref(),
            &self.cfg.user_cookie,
            &self.cfg.guest_cookie,
        )
    }

    fn refresh_cookie<'a>(&self, f: &'a Facts) -> Option<&'a str> {
        if self.cfg.refresh.enabled && self.cfg.refresh.style == RefreshStyle::Cookie {
            f.cookie
                .as_deref()
                .and_then(|h| get_cookie(h, &self.cfg.refresh.cookie))
        } else {
            None
        }
    }

    fn has_guest_cookie(&self, f: &Facts) -> bool {
        f.cookie
            .as_deref()
            .is_some_and(|h| crate::http::cookies::has_cookie(h, &self.cfg.guest_cookie))
    }

    fn needs_proactive_refresh(&self, s: &Session, source: TokenSource) -> bool {
        let r = &self.cfg.refresh;
        r.enabled
            && r.threshold_seconds > 0
            && source == TokenSource::UserCookie
            && !s.is_guest
            && s.exp()
                .is_some_and(|e| e - now_unix() <= r.threshold_seconds)
    }

    fn session_outcome(&self, f: &Facts, s: Arc<Session>, source: TokenSource) -> AuthOutcome {
        self.session_outcome_with(f, s, source, None)
    }

    /// `guest_cookie_sent`: what the token pick saw already (`PickedToken`), else the header
    /// is read again.
    fn session_outcome_with(
        &self,
        f: &Facts,
        s: Arc<Session>,
        source: TokenSource,
        guest_cookie_sent: Option<bool>,
    ) -> AuthOutcome {
        let clear_guest = !s.is_guest
            && source != TokenSource::GuestCookie
            && guest_cookie_sent.unwrap_or_else(|| self.has_guest_cookie(f));
        AuthOutcome {
            session: Some(s),
            source: Some(source),
            clear_guest,
            ..Default::default()
        }
    }

    /// `None` when the backend is needed.
    fn resolve_cached(&self, f: &Facts, bypassed: bool) -> Option<AuthOutcome> {
        if bypassed {
            return self.resolve_bypassed_cached(f);
        }
        let Some(p) = self.pick(f) else {
            if self.refresh_cookie(f).is_some() || self.cfg.guest.enabled {
                return None;
            }
            return Some(AuthOutcome::default());
        };
        let key = token_key(p.token);
        if p.source == TokenSource::UserCookie
            && let Some(o) = self.grace.get(&key)
        {
            let new_token = &o.issued.token;
            return match self
                .cached_or_judged(new_token, token_key(new_token))
                .as_deref()
            {
                Some(Validation::Valid(s)) => {
                    bump(&self.stats.grace_hits);
                    bump(&self.stats.cache_hits);
                    let mut out =
                        self.session_outcome_with(f, s.clone(), p.source, p.guest_cookie_sent);
                    out.new_token = Some(NewToken::Refreshed(o.issued.clone()));
                    Some(out)
                }
                _ => None,
            };
        }
        match self.cached_or_judged(p.token, key).as_deref() {
            Some(Validation::Valid(s)) => {
                if self.needs_proactive_refresh(s, p.source) {
                    return None;
                }
                bump(&self.stats.cache_hits);
                self.revalidate_if_ahead(p.token, key, s);
                Some(self.session_outcome_with(f, s.clone(), p.source, p.guest_cookie_sent))
            }
            Some(Validation::Rejected { refresh_failed }) => {
                let can_refresh = p.source == TokenSource::UserCookie
                    && self.cfg.refresh.enabled
                    && !refresh_failed;
                if can_refresh || self.cfg.guest.enabled {
                    return None;
                }
                bump(&self.stats.cache_hits);
                bump(&self.stats.negative_hits);
                Some(AuthOutcome {
                    source: Some(p.source),
                    clear_user: p.source == TokenSource::UserCookie,
                    clear_guest: p.source == TokenSource::GuestCookie,
                    ..Default::default()
                })
            }
            None => None,
        }
    }

    // ------------------------------------------------------------------ who is it (may call the backend)

    async fn resolve(&self, f: &Facts) -> AuthOutcome {
        let Some(p) = self.pick(f) else {
            // No access token: cookie-style refresh token, then a guest.
            if let Some(rt) = self.refresh_cookie(f) {
                let key = namespaced_key("refresh-cookie", rt);
                match self
                    .refresh_once(
                        key,
                        None,
                        RefreshCredential::Body {
                            field: &self.cfg.refresh.body_field,
                            refresh_token: rt,
                        },
                    )
                    .await
                {
                    Ok(Ok(issued)) => {
                        return self.after_refresh(f, issued, TokenSource::UserCookie).await;
                    }
                    Ok(Err(reason)) => return self.refresh_failed(f, None, Some(reason)).await,
                    Err(e) => {
                        let mut out = error_outcome(None, &e);
                        out.refresh_fail = Some(RefreshFail::Network);
                        return out;
                    }
                }
            }
            return self.guest_fallback(f).await;
        };
        let key = token_key(p.token);

        if p.source == TokenSource::UserCookie
            && let Some(o) = self.grace.get(&key)
        {
            bump(&self.stats.grace_hits);
            return self.after_refresh(f, o.issued.clone(), p.source).await;
        }

        match self.validation(p.token, key).await {
            Err(e) => error_outcome(Some(p.source), &e),
            Ok(Validation::Valid(s)) => {
                if self.needs_proactive_refresh(&s, p.source) {
                    // Best effort: the token is still valid, so a failed proactive refresh
                    // changes nothing, except a detected reuse, which fails closed.
                    match self.refresh_user(f, p.token, key).await {
                        Ok(Ok(issued)) => return self.after_refresh(f, issued, p.source).await,
                        Ok(Err(RefreshFail::Reuse)) => {
                            return self.terminal(Some(p.source), RefreshFail::Reuse);
                        }
                        _ => {}
                    }
                }
                self.session_outcome(f, s, p.source)
            }
            Ok(Validation::Rejected { refresh_failed }) => match p.source {
                TokenSource::GuestCookie => {
                    let mut out = self.create_guest(f).await;
                    out.clear_guest = true;
                    out
                }
                TokenSource::Refreshed => AuthOutcome {
                    source: Some(p.source),
                    ..Default::default()
                },
                TokenSource::UserCookie => {
                    let mut reason = None;
                    // Dual-token mode without a refresh cookie: nothing to refresh with (no
                    // attempt, so no refresh-fail reason), as in next-api-layer.
                    // A revoked token is never refreshed, even when a later verdict (an
                    // expiry check, a validation flight) replaced its refused cache entry.
                    let can = (self.cfg.refresh.style == RefreshStyle::Bearer
                        || self.refresh_cookie(f).is_some())
                        && !self.revoked.contains(&key);
                    if self.cfg.refresh.enabled && !refresh_failed && can {
                        match self.refresh_user(f, p.token, key).await {
                            Ok(Ok(issued)) => {
                                return self.after_refresh(f, issued, p.source).await;
                            }
                            Ok(Err(r)) => {
                                self.cache.insert(
                                    key,
                                    Arc::new(Validation::Rejected {
                                        refresh_failed: true,
                                    }),
                                    self.cfg.negative_ttl,
                                );
                                // Every instance refuses it now, without its own refresh try.
                                self.publish_revoked(
                                    key,
                                    Revocations::ttl_for(p.token, self.cfg.negative_ttl),
                                );
                                reason = Some(r);
                            }
                            Err(e) => {
                                let mut out = error_outcome(Some(p.source), &e);
                                out.refresh_fail = Some(RefreshFail::Network);
                                return out;
                            }
                        }
                    }
                    self.refresh_failed(f, Some(p.source), reason).await
                }
            },
        }
    }

    /// A user token that is rejected and could not be refreshed (`reason`: why the refresh
    /// was refused; `None` when none was tried). Falls back to a guest unless the refresh
    /// token was replayed or `access.guestFallbackOnUserRefreshFail` is false.
    async fn refresh_failed(
        &self,
        f: &Facts,
        source: Option<TokenSource>,
        reason: Option<RefreshFail>,
    ) -> AuthOutcome {
        if reason == Some(RefreshFail::Reuse) {
            return self.terminal(source, RefreshFail::Reuse);
        }
        if !self.cfg.access.guest_fallback_on_user_refresh_fail {
            let mut out = self.terminal(source, reason.unwrap_or(RefreshFail::Unknown));
            out.refresh_fail = reason;
            return out;
        }
        let mut out = self.guest_fallback(f).await;
        out.clear_user = true;
        out.refresh_fail = reason;
        out
    }

    /// Fail closed: every auth cookie cleared, no guest; pages go to login, APIs get 401.
    fn terminal(&self, source: Option<TokenSource>, reason: RefreshFail) -> AuthOutcome {
        AuthOutcome {
            source,
            clear_user: true,
            clear_guest: true,
            terminal: true,
            refresh_fail: Some(reason),
            ..Default::default()
        }
    }

    /// `authApi.bypassPaths`: the auth routes refresh, log in and out themselves. The token
    /// is judged (cache, else one coalesced validate call) so the CSRF check still knows the
    /// session, but nothing is refreshed, created or deleted, and a backend fault is no 503.
    fn resolve_bypassed_cached(&self, f: &Facts) -> Option<AuthOutcome> {
        let Some(p) = self.pick(f) else {
            return Some(AuthOutcome::default());
        };
        match self.cache.get(&token_key(p.token)).as_deref() {
            Some(Validation::Valid(s)) => {
                bump(&self.stats.cache_hits);
                Some(AuthOutcome {
                    session: Some(s.clone()),
                    source: Some(p.source),
                    ..Default::default()
                })
            }
            Some(Validation::Rejected { .. }) => Some(AuthOutcome {
                source: Some(p.source),
                ..Default::default()
            }),
            None => None,
        }
    }

    async fn resolve_bypassed(&self, f: &Facts) -> AuthOutcome {
        let Some(p) = self.pick(f) else {
            return AuthOutcome::default();
        };
        let session = match self.validation(p.token, token_key(p.token)).await {
            Ok(Validation::Valid(s)) => Some(s),
            _ => None,
        };
        AuthOutcome {
            session,
            source: Some(p.source),
            ..Default::default()
        }
    }

    /// Refreshes the user token in the configured style: Bearer with the access token, or the
    /// refresh-token cookie in the body (coalesced per refresh token; the outcome is also kept
    /// under the access token's key for the grace window).
    async fn refresh_user(&self, f: &Facts, token: &str, key: TokenKey) -> Refreshed {
        match (self.cfg.refresh.style, self.refresh_cookie(f)) {
            (RefreshStyle::Cookie, Some(rt)) => {
                self.refresh_once(
                    namespaced_key("refresh-cookie", rt),
                    Some(&key),
                    RefreshCredential::Body {
                        field: &self.cfg.refresh.body_field,
                        refresh_token: rt,
                    },
                )
                .await
            }
            (RefreshStyle::Cookie, None) => Ok(Err(RefreshFail::Expired)),
            (RefreshStyle::Bearer, _) => {
                self.refresh_once(key, None, RefreshCredential::Bearer(token))
                    .await
            }
        }
    }

    /// After a successful refresh: judge the new token (one coalesced validate call).
    async fn after_refresh(
        &self,
        f: &Facts,
        issued: IssuedToken,
        source: TokenSource,
    ) -> AuthOutcome {
        let nkey = token_key(&issued.token);
        match self.validation(&issued.token, nkey).await {
            Ok(Validation::Valid(s)) => {
                let mut out = self.session_outcome(f, s, source);
                out.new_token = Some(NewToken::Refreshed(issued));
                out
            }
            Ok(Validation::Rejected { .. }) => AuthOutcome {
                source: Some(source),
                clear_user: true,
                ..Default::default()
            },
            Err(e) => {
                // The refresh worked; keep the new token even though we cannot judge it now.
                let mut out = error_outcome(Some(source), &e);
                out.new_token = Some(NewToken::Refreshed(issued));
                out
            }
        }
    }

    /// No usable user token: use the guest cookie if valid, else create a guest (if enabled).
    async fn guest_fallback(&self, f: &Facts) -> AuthOutcome {
        if !self.cfg.guest.enabled {
            return AuthOutcome::default();
        }
        let guest = f
            .cookie
            .as_deref()
            .and_then(|h| get_cookie(h, &self.cfg.guest_cookie));
        if let Some(g) = guest {
            match self.validation(g, token_key(g)).await {
                Ok(Validation::Valid(s)) => {
                    return AuthOutcome {
                        session: Some(s),
                        source: Some(TokenSource::GuestCookie),
                        ..Default::default()
                    };
                }
                Ok(Validation::Rejected { .. }) => {}
                Err(e) => return error_outcome(Some(TokenSource::GuestCookie), &e),
            }
        }
        self.create_guest(f).await
    }

    /// Creates a guest token for THIS request. A guest minted for one request is never set on
    /// another's response (coalescing on client-sent data, IP and user agent, would hand a
    /// victim the guest session of whoever floods with the victim's headers); instead, minting
    /// is bounded per client by `guestToken.rateLimit` (over it: no guest, nobody waits).
    async fn create_guest(&self, f: &Facts) -> AuthOutcome {
        if !self.cfg.guest.enabled {
            return AuthOutcome::default();
        }
        if let Some(limiter) = &self.guest_limiter {
            let key = limiter.key_for(&crate::security::ratelimit::KeyFacts {
                custom_key: f.rate_limit_key.as_deref(),
                peer_ip: f.ip.as_deref(),
                forwarded_for: f.x_forwarded_for.as_deref(),
                real_ip: f.x_real_ip.as_deref(),
            });
            if limiter.check("/", &key).is_some_and(|o| !o.allowed) {
                bump(&self.stats.guest_mints_limited);
                return AuthOutcome::default();
            }
        }
        let res = self.issuer.guest().await;
        match res {
            Ok(Some(t)) => {
                let exp = t
                    .exp
                    .or_else(|| jwt_exp_unverified(&t.token))
                    .or_else(|| t.expires_in.map(|s| now_unix() + s));
                let mut user = serde_json::Map::new();
                user.insert("type".into(), "guest".into());
                if let Some(e) = exp {
                    user.insert("exp".into(), e.into());
                }
                let s = Arc::new(Session::new(ValidatedUser {
                    user: serde_json::Value::Object(user),
                    token_type: "guest".into(),
                    exp,
                }));
                self.cache.insert(
                    token_key(&t.token),
                    Arc::new(Validation::Valid(s.clone())),
                    valid_ttl(self.cfg.cache_ttl, exp),
                );
                AuthOutcome {
                    session: Some(s),
                    source: Some(TokenSource::GuestCookie),
                    new_token: Some(NewToken::Guest(t)),
                    ..Default::default()
                }
            }
            Ok(None) => AuthOutcome::default(),
            Err(e) => error_outcome(None, &e),
        }
    }

    /// A judgement the strategy can make without I/O (local verification with a known
    /// key), remembered like any other: the first request of a new token stays synchronous.
    fn judge_now(&self, token: &str, key: TokenKey) -> Option<Arc<Validation>> {
        // a revoked token stays refused however genuine its signature
        if self.revoked.contains(&key) {
            return Some(Arc::new(self.remember_revoked(key)));
        }
        let v = Arc::new(self.verdict_to_validation(self.strategy.judge_now(token)?));
        self.cache.insert(key, v.clone(), self.ttl_of(&v));
        Some(v)
    }

    /// The cached judgement of `key`, else a synchronous local one, else `None`.
    fn cached_or_judged(&self, token: &str, key: TokenKey) -> Option<Arc<Validation>> {
        self.cache.get(&key).or_else(|| self.judge_now(token, key))
    }

    fn verdict_to_validation(&self, v: Verdict) -> Validation {
        match v {
            Verdict::Valid(user) => Validation::Valid(Arc::new(Session::new(user))),
            Verdict::Rejected => Validation::Rejected {
                refresh_failed: false,
            },
            // Forged: no refresh call either.
            Verdict::Forged => Validation::Rejected {
                refresh_failed: true,
            },
        }
    }

    fn ttl_of(&self, v: &Validation) -> std::time::Duration {
        match v {
            Validation::Valid(s) => valid_ttl(self.cfg.cache_ttl, s.exp()),
            Validation::Rejected { .. } => self.cfg.negative_ttl,
        }
    }

    /// The cached judgement of a token, or one coalesced backend validation.
    async fn validation(&self, token: &str, key: TokenKey) -> Result<Validation> {
        if let Some(v) = self.cache.get(&key) {
            bump(&self.stats.cache_hits);
            if matches!(*v, Validation::Rejected { .. }) {
                bump(&self.stats.negative_hits);
            }
            return Ok((*v).clone());
        }
        bump(&self.stats.cache_misses);
        if self.revoked.contains(&key) {
            return Ok(self.remember_revoked(key));
        }
        if let Some(v) = self.judge_now(token, key) {
            return Ok((*v).clone());
        }
        // Client input that cannot be a token (control characters, longer than any cookie):
        // judged here, so a client can never make us report backend trouble (503, logs).
        if !is_sendable_token(token) {
            let v = Validation::Rejected {
                refresh_failed: true,
            };
            self.cache
                .insert(key, Arc::new(v.clone()), self.cfg.negative_ttl);
            return Ok(v);
        }
        // Where the deployment says its tokens are JWTs, what is not even shaped like one is
        // refused without a call (a flood of random strings costs the backend nothing).
        if self.cfg.token_format == crate::config::TokenFormat::Jwt
            && !crate::auth::tokens::is_jwt_shaped(token)
        {
            let v = Validation::Rejected {
                refresh_failed: true,
            };
            self.cache
                .insert(key, Arc::new(v.clone()), self.cfg.negative_ttl);
            return Ok(v);
        }
        // Certainly expired: no need to ask (the refresh that follows is verified by the backend).
        // Not for a local verifier: it tells a genuine expired token from a forged one.
        if !self.strategy.verifies_locally()
            && jwt_exp_unverified(token).is_some_and(|e| e <= now_unix())
        {
            let v = Validation::Rejected {
                refresh_failed: false,
            };
            // remembered like a backend rejection, so the next request is answered synchronously
            self.cache
                .insert(key, Arc::new(v.clone()), self.cfg.negative_ttl);
            return Ok(v);
        }
        let work = self.validation_work(token, key, false);
        let (res, coalesced) = self.validate_flight.run(key, work).await;
        if coalesced {
            bump(&self.stats.coalesced_waiters);
        }
        res
    }

    /// The work of one validation flight: the shared store's revocation list, then the
    /// configured strategy; the verdict goes into the cache. `ask_anyway`: even when the cache
    /// holds a verdict (a re-validation ahead of its end).
    fn validation_work(
        &self,
        token: &str,
        key: TokenKey,
        ask_anyway: bool,
    ) -> BoxFuture<'static, Result<Validation>> {
        let cache = self.cache.clone();
        let strategy = self.strategy.clone();
        let cfg = self.cfg.clone();
        let revoked = self.revoked.clone();
        // A Bearer refresh sends this very token: when the backend rejects a JWT whose own exp
        // is still well ahead, it is invalid (forged, revoked), not expired, and a refresh
        // would only be a second backend call per bad token. (A refresh-token cookie is
        // judged on its own, so that style still refreshes.)
        let skip_refresh = cfg.refresh.style == RefreshStyle::Bearer
            && crate::auth::tokens::rejected_as_invalid_not_expired(token);
        let owned = token.to_string();
        let shared = self.shared.clone();
        Box::pin(async move {
            // (a re-validation ahead asks although the entry is still there)
            if !ask_anyway && let Some(v) = cache.get(&key) {
                return Ok((*v).clone());
            }
            // Revoked on another instance (logout, refused refresh) while this one was not
            // listening, or evicted from this cache since: refused without asking.
            if let Some(st) = &shared {
                match st.is_revoked(&key).await {
                    Ok(true) => {
                        let v = Validation::Rejected {
                            refresh_failed: true,
                        };
                        cache.insert(key, Arc::new(v.clone()), cfg.negative_ttl);
                        return Ok(v);
                    }
                    Ok(false) => {}
                    Err(_) => st.unavailable()?,
                }
            }
            match strategy.judge(&owned).await {
                // revoked while the backend was asked: the revocation wins
                Ok(Verdict::Valid(_)) if revoked.contains(&key) => Ok(Validation::Rejected {
                    refresh_failed: true,
                }),
                Ok(Verdict::Valid(user)) => {
                    let exp = user.exp.or_else(|| jwt_exp_unverified(&owned));
                    let v = Validation::Valid(Arc::new(Session::new(user)));
                    cache.insert(key, Arc::new(v.clone()), valid_ttl(cfg.cache_ttl, exp));
                    Ok(v)
                }
                Ok(verdict) => {
                    let v = Validation::Rejected {
                        // a forged token (local verification) or a JWT rejected while its
                        // exp is still ahead is not worth a refresh call
                        refresh_failed: skip_refresh || matches!(verdict, Verdict::Forged),
                    };
                    cache.insert(key, Arc::new(v.clone()), cfg.negative_ttl);
                    Ok(v)
                }
                Err(e) => Err(e),
            }
        })
    }

    /// One coalesced refresh per `key`; the outcome is kept for the grace window under
    /// `key` (and `also`), so requests still carrying the old token get the new one.
    async fn refresh_once(
        &self,
        key: TokenKey,
        also: Option<&TokenKey>,
        cred: RefreshCredential<'_>,
    ) -> Refreshed {
        if !self.cfg.refresh.single_flight {
            // `refresh.singleFlight: false`: every request refreshes on its own (no
            // coalescing, no grace window), as next-api-layer does with the option off.
            return self.issuer.refresh(cred).await;
        }
        if let Some(answer) = recall_refresh(&*self.grace, &*self.refusals, &key) {
            bump(match answer {
                Ok(_) => &self.stats.grace_hits,
                Err(_) => &self.stats.negative_hits,
            });
            return Ok(answer);
        }
        let refusals = self.refusals.clone();
        let negative_ttl = self.cfg.negative_ttl;
        let grace = self.grace.clone();
        let issuer = self.issuer.clone();
        let grace_ttl = self.cfg.refresh.grace;
        let shared = self.shared.clone();
        // The lock must outlast the backend call (bounded by the backend timeout).
        let lock_ttl = self.cfg.timeout + std::time::Duration::from_secs(1);
        let also = also.copied();
        let cred = match cred {
            RefreshCredential::Bearer(t) => OwnedCred::Bearer(t.to_string()),
            RefreshCredential::Body {
                field,
                refresh_token,
            } => OwnedCred::Body(field.to_string(), refresh_token.to_string()),
        };
        let work = Box::pin(async move {
            // A caller that checked before the last flight's outcome was stored and arrived
            // after it retired runs this work itself: the outcome must stop it here too.
            if let Some(answer) = recall_refresh(&*grace, &*refusals, &key) {
                return Ok(answer);
            }
            let call = refresh_with(&issuer, &cred);
            // With a shared store, one instance calls the backend for the whole fleet.
            let res = match &shared {
                Some(st) => {
                    let secret = match &cred {
                        OwnedCred::Bearer(t) => t.as_str(),
                        OwnedCred::Body(_, rt) => rt.as_str(),
                    };
                    match st.refresh(&key, secret, lock_ttl, grace_ttl, call).await {
                        Ok(res) => res,
                        Err(_) => {
                            st.unavailable()?;
                            refresh_with(&issuer, &cred).await
                        }
                    }
                }
                None => call.await,
            };
            match &res {
                Ok(Ok(t)) => {
                    let o = Arc::new(RefreshOutcome { issued: t.clone() });
                    grace.insert(key, o.clone(), grace_ttl);
                    if let Some(k) = also {
                        grace.insert(k, o, grace_ttl);
                    }
                }
                Ok(Err(r)) => refusals.insert(key, Arc::new(*r), negative_ttl),
                Err(_) => {}
            }
            res
        });
        let (res, coalesced) = self.refresh_flight.run(key, work).await;
        if coalesced {
            bump(&self.stats.coalesced_waiters);
        }
        res
    }

    // ------------------------------------------------------------------ revocation

    /// Makes `token` dead at once (logout, a refused refresh): evicts it from the validation
    /// cache and the refresh grace window, and refuses it until its own `exp` (bounded store,
    /// see `revoke.rs`) without asking the backend or refreshing it. The one place a token
    /// is revoked: a shared store publishes revocations to other instances from here.
    pub fn revoke_token(&self, token: &str) {
        if token.is_empty() {
            return;
        }
        let key = token_key(token);
        let ttl = Revocations::ttl_for(token, self.cfg.cache_ttl.max(self.cfg.negative_ttl));
        self.revoked.insert(key, ttl);
        self.publish_revoked(key, ttl);
        // A token refreshed a moment ago: its successor (held for the grace window) belongs
        // to the same session and dies with it.
        if let Some(o) = self.grace.get(&key) {
            let next = token_key(&o.issued.token);
            let next_ttl = Revocations::ttl_for(&o.issued.token, ttl.min(self.cfg.cache_ttl));
            self.revoked.insert(next, next_ttl);
            self.publish_revoked(next, next_ttl);
            self.remember_revoked(next);
            self.grace.remove(&key);
        }
        self.remember_revoked(key);
    }

    /// Tells the other instances (shared store) that `key` is refused for `ttl`.
    fn publish_revoked(&self, key: TokenKey, ttl: std::time::Duration) {
        if let Some(st) = &self.shared {
            st.publish_revocation(key, ttl);
        }
    }

    /// Is `token` revoked (and not yet past its remembered lifetime)?
    pub fn is_revoked(&self, token: &str) -> bool {
        self.revoked.contains(&token_key(token))
    }

    /// Caches a revoked token as refused for good (no refresh), so the synchronous path
    /// answers it without a lookup of its own; returns that judgement.
    fn remember_revoked(&self, key: TokenKey) -> Validation {
        let v = Validation::Rejected {
            refresh_failed: true,
        };
        let ttl = self.cfg.cache_ttl.max(self.cfg.negative_ttl);
        self.cache.insert(key, Arc::new(v.clone()), ttl);
        v
    }

    // ------------------------------------------------------------------ getServerUser support

    /// The cached (or locally verified) judgement of `token`, no I/O: `None` when unknown.
    pub fn cached_validation(&self, token: &str) -> Option<Validation> {
        let v = self.cached_or_judged(token, token_key(token))?;
        bump(&self.stats.cache_hits);
        Some((*v).clone())
    }

    /// Judges `token` through the cache and the coalesced backend call. Never refreshes and
    /// never creates guests (server components cannot write cookies).
    pub async fn validate_token(&self, token: &str) -> Result<Validation> {
        self.validation(token, token_key(token)).await
    }
}

/// Longest token we send to the backend: browsers keep at most 4096 bytes per cookie.
const MAX_TOKEN_LEN: usize = 8192;

/// Can `token` travel as `Authorization: Bearer <token>`? Visible ASCII only (RFC 9110
/// token68 and every opaque token format fit), bounded length.
fn is_sendable_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= MAX_TOKEN_LEN && token.bytes().all(|b| b.is_ascii_graphic())
}

/// The per-client bound on guest minting (`guestToken.rateLimit`), keyed like the rate
/// limiter (`rateLimit.trustedProxies`, `keyFn`): `None` when guests are off or unbounded.
fn guest_limiter(cfg: &Config) -> Result<Option<crate::security::ratelimit::RateLimiter>> {
    use crate::security::ratelimit::{RateLimitConfig, RateLimiter};
    let (true, Some((max, window))) = (cfg.guest.enabled, cfg.guest.mint_limit) else {
        return Ok(None);
    };
    let mut rl = RateLimitConfig::from_json(cfg.rate_limit.as_ref())?;
    rl.enabled = true;
    rl.routes.clear();
    rl.skip_routes = Default::default();
    rl.default_rule.max_requests = max;
    rl.default_rule.window_ms = window;
    Ok(Some(RateLimiter::new(rl)))
}

enum OwnedCred {
    Bearer(String),
    Body(String, String),
}

/// What is remembered of a refresh key: the successor it was refreshed to (grace window) or
/// the backend's refusal (negative TTL).
fn recall_refresh(
    grace: &dyn KeyValueStore<RefreshOutcome>,
    refusals: &dyn KeyValueStore<RefreshFail>,
    key: &TokenKey,
) -> Option<RefreshAnswer> {
    if let Some(o) = grace.get(key) {
        return Some(Ok(o.issued.clone()));
    }
    refusals.get(key).map(|r| Err(*r))
}

/// One refresh call with an owned credential: the first try, and the try again when the
/// shared store could not coordinate it (`'local'`).
async fn refresh_with(issuer: &Issuer, cred: &OwnedCred) -> Refreshed {
    match cred {
        OwnedCred::Bearer(t) => issuer.refresh(RefreshCredential::Bearer(t)).await,
        OwnedCred::Body(field, rt) => {
            issuer
                .refresh(RefreshCredential::Body {
                    field,
                    refresh_token: rt,
                })
                .await
        }
    }
}

/// What a revocation from another instance does here (as `Engine::revoke_token` does
/// locally): the token goes to the revoked list until its `exp` and is cached as refused;
/// `Resync` (the listener was away) forgets every cached validation, since some revocations
/// may have been missed (cache misses then check Redis's list).
fn revocation_hook(
    cache: &Arc<dyn KeyValueStore<Validation>>,
    grace: &Arc<dyn KeyValueStore<RefreshOutcome>>,
    revoked: &Arc<Revocations>,
    refused_ttl: std::time::Duration,
) -> crate::store::redis::revocations::Hook {
    let cache = Arc::downgrade(cache);
    let grace = Arc::downgrade(grace);
    let revoked = Arc::downgrade(revoked);
    Arc::new(move |e| {
        let (Some(cache), Some(grace), Some(revoked)) =
            (cache.upgrade(), grace.upgrade(), revoked.upgrade())
        else {
            return;
        };
        match e {
            Event::Revoked(key, ttl) => {
                revoked.insert(key, ttl);
                grace.remove(&key);
                cache.insert(
                    key,
                    Arc::new(Validation::Rejected {
                        refresh_failed: true,
                    }),
                    refused_ttl,
                );
            }
            Event::Resync => cache.clear(),
        }
    })
}

/// Backend trouble is logged to stderr (at most one line per second, with a count of the
/// ones held back, so an outage cannot flood the log) and to `tracing`.
fn log_backend_trouble(e: &LayerError) {
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    static HELD: AtomicU64 = AtomicU64::new(0);
    tracing::warn!(target: "next_api_layer::backend", code = e.code.as_str(), error = %e.message);
    let now = now_unix();
    let last = LAST.load(Ordering::Relaxed);
    if now > last
        && LAST
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let held = HELD.swap(0, Ordering::Relaxed);
        let more = if held > 0 {
            format!(" ({held} more since the last line)")
        } else {
            String::new()
        };
        eprintln!(
            "[next-api-layer-native] backend trouble {}: {}{more}; pages go on unauthenticated, cookies are kept",
            e.code, e.message
        );
    } else {
        HELD.fetch_add(1, Ordering::Relaxed);
    }
}

fn error_outcome(source: Option<TokenSource>, e: &LayerError) -> AuthOutcome {
    log_backend_trouble(e);
    AuthOutcome {
        source,
        error: Some(e.code),
        ..Default::default()
    }
}

/// How this engine judges tokens (`validate.mode`): the backend's validate endpoint, the JWT
/// verified here, or next-api-layer 0.4's JS `verify` hook.
fn pick_strategy(
    cfg: &Config,
    backend: BackendValidation,
    js_verify: Option<JsMapperFn>,
    stats: &Arc<Stats>,
) -> Result<Arc<dyn ValidationStrategy>> {
    let Some(local) = &cfg.validate else {
        return Ok(Arc::new(backend));
    };
    if local.js_verify {
        let verify = js_verify.ok_or_else(|| {
            LayerError::config(
                "validate.verify",
                "is marked as a function but none was passed",
            )
        })?;
        return Ok(Arc::new(JsVerifyValidation {
            verify,
            stats: stats.clone(),
        }));
    }
    let verifier = crate::auth::verify::LocalVerifier::new(local.verifier.clone(), stats.clone())?;
    Ok(Arc::new(LocalValidation::new(
        verifier,
        backend,
        local.revalidate_interval,
        // one "last checked" entry per live token: bounded like the cache, with headroom
        cfg.cache_max_size.max(10_000),
        stats.clone(),
    )))
}

//! The proxy side of a warm request: a bare "go on" may be given again by the adapter without
//! a native call (js/proxy/decision-memo.js keeps it by the packed facts) for as long as
//! nothing it rests on can change. The facts are the whole input of a decision; what else it
//! rests on is the engine's judgement of the token, which [`Watch`] guards exactly as for
//! `getServerUser`'s memo (the token is watched from before the cache is read; a revocation
//! here or on another instance, a refusal, a replacement, a refresh's grace entry or a cache
//! clear moves the epoch), and time, which the deadline bounds.
//!
//! Never kept: a decision that leaves a trace per request (a rate-limit count, an audit event),
//! an unsafe method (its CSRF check runs every time), a request without a token (a guest may be
//! issued), anything but a bare "go on".
//!
//! [`Watch`]: crate::store::watch::Watch

use std::time::Instant;

use super::Engine;
use crate::auth::cascade::TokenSource;
use crate::auth::decide::{Decision, Facts};
use crate::auth::tokens::{TokenKey, Validation, token_key, until_unix};
use crate::auth::wire;

impl Engine {
    /// May a decision of this engine be kept at all? Not when each request must be counted
    /// (rate limit) or reported (audit).
    pub(crate) fn keeps_decisions(&self) -> bool {
        !self.security.leaves_trace_per_request()
    }

    /// [`Engine::decide_sync`], and until when the adapter may give the same answer to the same
    /// facts without asking (`None`: not at all).
    pub fn decide_kept(&self, f: &Facts, with_auth: bool) -> (Decision, Option<Instant>) {
        let safe = matches!(f.method.as_str(), "GET" | "HEAD");
        let picked = match (with_auth, safe && self.keeps_decisions()) {
            (false, true) => self.pick(f).map(|p| (token_key(p.token), p.source)),
            _ => None,
        };
        let Some((key, source)) = picked else {
            return (self.decide_sync(f), None);
        };
        self.watch.mark(key);
        let d = self.decide_sync(f);
        let until = wire::is_bare_next(&d)
            .then(|| self.kept_until(&key, source))
            .flatten();
        match until {
            Some(t) => self.watch.settle(key, t),
            None => self.watch.unmark(&key),
        }
        (d, until)
    }

    /// The cache entry's deadline (never past the token's `exp`), not past the start of its
    /// re-validation ahead, and for a user token not past the moment a proactive refresh would
    /// start.
    fn kept_until(&self, key: &TokenKey, source: TokenSource) -> Option<Instant> {
        let (v, deadline) = self.cache.get_until(key)?;
        let Validation::Valid(s) = &*v else {
            return None;
        };
        // not past the start of a re-validation ahead: the engine must see that request
        let deadline = match self.revalidate_at(s) {
            Some(at) => deadline?.min(at),
            None => deadline?,
        };
        let r = &self.cfg.refresh;
        let refreshes = r.enabled
            && r.threshold_seconds > 0
            && source == TokenSource::UserCookie
            && !s.is_guest;
        match s.exp().filter(|_| refreshes) {
            None => Some(deadline),
            Some(exp) => {
                // the engine refreshes once the second `exp - threshold` has begun
                let left = until_unix(exp - r.threshold_seconds);
                (!left.is_zero()).then(|| deadline.min(Instant::now() + left))
            }
        }
    }
}

#[cfg(test)]
mod tests;

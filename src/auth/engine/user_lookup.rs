//! The route side of a warm request: `getServerUser` finds the user of a request the auth proxy
//! let through in the proxy's own engine, by the raw cookie header (one call: the token picked
//! by the proxy's own rule, its cached judgement, the user JSON), and may keep the answer in a
//! JS memo until the cache entry's deadline; the memo is voided through [`Watch`] whenever
//! the engine changes its mind about a token it holds.

use std::sync::Arc;
use std::time::Instant;

use super::Engine;
use crate::auth::cascade::pick_token;
use crate::auth::tokens::{Session, Validation, token_key};
use crate::stats::bump;
use crate::store::watch::Watch;

/// Most tokens the JS memo may hold answers for at once (js/shared/engine.js keeps at most
/// half as many cookie headers, so the set only fills under a flood of distinct tokens).
pub(crate) const WATCHED_TOKENS: usize = 1024;

/// A valid session found for a request.
pub struct FoundUser<'a> {
    pub session: Arc<Session>,
    /// The token it was found by (a slice of the cookie header, or the refreshed token).
    pub token: &'a str,
    /// Until when the answer may be kept (`None`: not at all).
    pub keep_until: Option<Instant>,
}

impl Engine {
    /// The user of a request as this engine's cache (or a synchronous local verification)
    /// judges it, with no I/O: the token by the proxy's rule (`x-refreshed-token`, then the
    /// user cookie, then the guest cookie; a repeated cookie name is never read), valid only.
    /// With `keep`, the token is watched from before the cache is read, so the deadline
    /// returned holds until the epoch moves.
    pub fn user_of<'a>(
        &self,
        cookie: Option<&'a str>,
        refreshed: Option<&'a str>,
        keep: bool,
    ) -> Option<FoundUser<'a>> {
        let p = pick_token(
            refreshed,
            cookie,
            &self.cfg.user_cookie,
            &self.cfg.guest_cookie,
        )?;
        let key = token_key(p.token);
        if keep {
            self.watch.mark(key);
        }
        let (v, deadline) = match self.cache.get_until(&key) {
            Some(hit) => hit,
            None => {
                if keep {
                    // judged now (and cached): kept from the next lookup on
                    self.watch.unmark(&key);
                }
                (self.judge_now(p.token, key)?, None)
            }
        };
        bump(&self.stats.cache_hits);
        let keep_until = deadline.filter(|_| keep);
        match (&*v, keep_until) {
            (Validation::Valid(_), Some(d)) => self.watch.settle(key, d),
            _ if keep => self.watch.unmark(&key),
            _ => {}
        }
        match &*v {
            Validation::Valid(s) => Some(FoundUser {
                session: s.clone(),
                token: p.token,
                keep_until,
            }),
            Validation::Rejected { .. } => None,
        }
    }

    /// The epoch and lookup words the JS memo reads.
    pub fn watch(&self) -> &Arc<Watch> {
        &self.watch
    }
}

#[cfg(test)]
mod tests;

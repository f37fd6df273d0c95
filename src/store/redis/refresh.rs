//! One backend refresh per token family, whatever the number of instances.
//!
//! The instance that takes the family's lock (`SET NX PX` in [`scripts::ACQUIRE`]) calls
//! the backend, extends the lock while the call runs (compare-and-expire) and stores the
//! outcome (new access token, rotated refresh token, expiry; or "refused") under the old
//! token's hash for the grace window, releasing the lock in the same script (compare-and-
//! delete). The others poll the outcome with backoff; an instance that arrives later with
//! the old token finds the successor at once. A leader that fails with backend trouble
//! stores nothing: the lock goes, and the next caller tries the backend itself.
//!
//! The outcome holds live tokens, so it is sealed (ChaCha20-Poly1305) under a key derived
//! from the old credential itself: only a caller that holds the old token (or refresh token)
//! can read its successor; read access to Redis alone yields nothing usable.

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::scripts;
use super::{SharedStore, Unavailable, bump, hex};
use crate::auth::mappers::IssuedToken;
use crate::auth::tokens::TokenKey;
use crate::auth::tokens::issue::{RefreshAnswer, RefreshFail};
use crate::error::{LayerError, Result};

/// A refresh: the new token, or the backend's refusal with its reason (a reuse stays a
/// reuse on every instance, so each of them fails closed).
pub type Issued = Result<RefreshAnswer>;

const MAX_BACKOFF: Duration = Duration::from_millis(40);

fn record(res: &Issued) -> Option<String> {
    match res {
        Ok(Ok(t)) => Some(
            json!({
                "ok": true,
                "token": t.token,
                "refreshToken": t.refresh_token,
                "expiresIn": t.expires_in,
                "exp": t.exp,
            })
            .to_string(),
        ),
        Ok(Err(reason)) => Some(json!({ "ok": false, "reason": reason.as_str() }).to_string()),
        // Backend trouble is not an outcome: the next caller tries again.
        Err(_) => None,
    }
}

const SEAL_LABEL: &[u8] = b"next-api-layer-native refresh outcome v1";

/// The key that seals a family's outcome: HMAC-SHA256 keyed by the old credential (never
/// stored anywhere; Redis only sees SHA-256 hashes of it in key names).
fn seal_key(secret: &str) -> ring::aead::LessSafeKey {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(SEAL_LABEL);
    let k = mac.finalize().into_bytes();
    let unbound =
        ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &k).expect("32-byte key");
    ring::aead::LessSafeKey::new(unbound)
}

/// base64(nonce || ciphertext || tag); `id` (the family's hash) is bound as associated data.
fn seal(secret: &str, id: &str, plain: &str) -> String {
    use base64::Engine as _;
    let nonce_bytes: [u8; 12] = rand::random();
    let nonce = ring::aead::Nonce::assume_unique_for_key(nonce_bytes);
    let mut buf = plain.as_bytes().to_vec();
    seal_key(secret)
        .seal_in_place_append_tag(nonce, ring::aead::Aad::from(id.as_bytes()), &mut buf)
        .expect("in-memory seal");
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&buf);
    base64::engine::general_purpose::STANDARD.encode(out)
}

fn open(secret: &str, id: &str, sealed: &str) -> Option<String> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .ok()?;
    if raw.len() < 12 + 16 {
        return None;
    }
    let (n, rest) = raw.split_at(12);
    let nonce = ring::aead::Nonce::try_assume_unique_for_key(n).ok()?;
    let mut buf = rest.to_vec();
    let plain = seal_key(secret)
        .open_in_place(nonce, ring::aead::Aad::from(id.as_bytes()), &mut buf)
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

fn parse(rec: &str) -> Option<RefreshAnswer> {
    let v: Value = serde_json::from_str(rec).ok()?;
    if v.get("ok")? != &Value::Bool(true) {
        let reason = v.get("reason").and_then(Value::as_str);
        return Some(Err(reason
            .and_then(RefreshFail::parse)
            .unwrap_or(RefreshFail::Unknown)));
    }
    Some(Ok(IssuedToken {
        token: v.get("token")?.as_str()?.to_string(),
        refresh_token: v
            .get("refreshToken")
            .and_then(Value::as_str)
            .map(str::to_string),
        expires_in: v.get("expiresIn").and_then(Value::as_i64),
        exp: v.get("exp").and_then(Value::as_i64),
    }))
}

impl SharedStore {
    /// Runs `work` (the backend refresh of the family `key`) on exactly one instance and
    /// hands its outcome to every caller. `secret`: the old credential the family's key is the
    /// hash of (the outcome is sealed with it). `lock_ttl` must outlast the backend call.
    /// `Err(Unavailable)`: Redis could not coordinate; `work` has not run.
    pub async fn refresh<F>(
        &self,
        key: &TokenKey,
        secret: &str,
        lock_ttl: Duration,
        grace: Duration,
        work: F,
    ) -> std::result::Result<Issued, Unavailable>
    where
        F: Future<Output = Issued>,
    {
        let id = hex(key);
        let lock = self.key("rf:lock", &id);
        let out = self.key("rf:out", &id);
        let owner = hex(&rand::random::<[u8; 32]>());
        let lock_ms = lock_ttl.as_millis().max(1) as u64;
        let deadline = Instant::now() + lock_ttl + self.redis.timeout;
        let mut backoff = Duration::from_millis(2);
        loop {
            let (state, rec): (i64, String) = self
                .redis
                .call(|mut c| {
                    let (lock, out, owner) = (lock.clone(), out.clone(), owner.clone());
                    async move {
                        scripts::ACQUIRE
                            .key(lock)
                            .key(out)
                            .arg(owner)
                            .arg(lock_ms)
                            .invoke_async(&mut c)
                            .await
                    }
                })
                .await?;
            match state {
                1 => {
                    if let Some(issued) = open(secret, &id, &rec).as_deref().and_then(parse) {
                        bump(&self.stats.refresh_shared);
                        return Ok(Ok(issued));
                    }
                    // An unreadable record (another version?): refresh ourselves.
                    return Err(Unavailable);
                }
                2 => break,
                _ => {}
            }
            if Instant::now() >= deadline {
                return Ok(Err(LayerError::backend_timeout(
                    "another instance's refresh of this token did not finish in time",
                )));
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        bump(&self.stats.refresh_led);
        let res = self.extending(&lock, &owner, lock_ttl, work).await;
        let grace_ms = grace.as_millis().max(1) as u64;
        match record(&res) {
            Some(rec) => {
                let rec = seal(secret, &id, &rec);
                let _ = self
                    .redis
                    .call(|mut c| async move {
                        let mut inv = scripts::FINISH.prepare_invoke();
                        inv.key(lock.as_str()).key(out.as_str());
                        inv.arg(owner.as_str()).arg(rec).arg(grace_ms);
                        inv.invoke_async::<i64>(&mut c).await
                    })
                    .await;
            }
            None => self.unlock(&lock, &owner).await,
        }
        Ok(res)
    }

    /// Runs `work`, extending our lock (compare-and-expire) every third of its lifetime.
    async fn extending<F: Future<Output = Issued>>(
        &self,
        lock: &str,
        owner: &str,
        lock_ttl: Duration,
        work: F,
    ) -> Issued {
        let mut work = std::pin::pin!(work);
        let every = (lock_ttl / 3).max(Duration::from_millis(10));
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let lock_ms = lock_ttl.as_millis() as u64;
        loop {
            tokio::select! {
                res = &mut work => return res,
                _ = tick.tick() => {
                    let _ = self
                        .redis
                        .call(|mut c| async move {
                            scripts::EXTEND
                                .key(lock)
                                .arg(owner)
                                .arg(lock_ms)
                                .invoke_async::<i64>(&mut c)
                                .await
                        })
                        .await;
                }
            }
        }
    }

    async fn unlock(&self, lock: &str, owner: &str) {
        let _ = self
            .redis
            .call(|mut c| async move {
                scripts::UNLOCK
                    .key(lock)
                    .arg(owner)
                    .invoke_async::<i64>(&mut c)
                    .await
            })
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_outcomes_open_only_with_the_old_credential() {
        let rec = record(&Ok(Ok(IssuedToken {
            token: "new-access".into(),
            refresh_token: Some("new-refresh".into()),
            expires_in: Some(60),
            exp: None,
        })))
        .unwrap();
        let sealed = seal("old-token", "id1", &rec);
        assert!(!sealed.contains("new-access"));
        assert_eq!(
            open("old-token", "id1", &sealed).as_deref(),
            Some(rec.as_str())
        );
        assert_eq!(open("other-token", "id1", &sealed), None);
        assert_eq!(open("old-token", "id2", &sealed), None, "bound to its key");
        assert_eq!(open("old-token", "id1", "not base64!"), None);
        let back = parse(&open("old-token", "id1", &sealed).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(back.token, "new-access");
        assert_eq!(back.refresh_token.as_deref(), Some("new-refresh"));
    }
}

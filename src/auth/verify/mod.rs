//! Local JWT verification (`validate.mode: 'local'`): signature, algorithm, `exp`/`nbf` with
//! leeway, issuer, audience and required claims, checked in Rust with the `jsonwebtoken`
//! crate. A token whose key is known is judged synchronously, in microseconds, with no I/O;
//! only a JWKS fetch (first load, unknown `kid`, expired set) needs the async path.
//!
//! The verdicts keep apart what the engine must treat differently:
//! - [`Outcome::Expired`]: genuine but expired, so a refresh may still help;
//! - [`Outcome::Invalid`]: forged, tampered, wrong issuer/audience, refused algorithm:
//!   never worth a backend call (no validate, no refresh).

pub mod jwks;
pub mod keys;

use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde_json::Value;

use crate::auth::mappers::{JsonPath, ValidatedUser, as_i64, as_string, finish_user};
use crate::auth::tokens::until_unix;
use crate::error::Result;
use crate::stats::{Stats, bump};
use jwks::{Jwks, JwksOptions, Lookup};
use keys::{ASYMMETRIC, VerifyKey};

/// Longest token we look at (browsers keep at most 4096 bytes per cookie).
const MAX_TOKEN_LEN: usize = 8192;

/// Which claims make the user (`validate.userFromClaims`). Defaults: the whole claim set is
/// the user; `type` from the `type` or `token_type` claim (else `user`); `exp` from `exp`.
#[derive(Debug, Clone, Default)]
pub struct ClaimsMapper {
    pub user: Option<JsonPath>,
    pub token_type: Option<JsonPath>,
    pub exp: Option<JsonPath>,
}

impl ClaimsMapper {
    pub fn map(&self, claims: &Value) -> Option<ValidatedUser> {
        let user = match &self.user {
            Some(p) => p.get(claims)?,
            None => claims,
        };
        if !user.is_object() {
            return None;
        }
        let token_type = match &self.token_type {
            Some(p) => p.get(claims).and_then(as_string),
            None => claims
                .get("type")
                .or(claims.get("token_type"))
                .and_then(as_string),
        }
        .unwrap_or_else(|| "user".to_string());
        let exp = match &self.exp {
            Some(p) => p.get(claims),
            None => claims.get("exp"),
        }
        .and_then(as_i64);
        Some(finish_user(user.clone(), token_type, exp))
    }
}

#[derive(Debug, Clone)]
pub struct VerifierOptions {
    /// `secret` and `publicKey` keys.
    pub static_keys: Vec<Arc<VerifyKey>>,
    pub jwks: Option<JwksOptions>,
    /// Algorithms a token may use (never `none`).
    pub algorithms: Vec<Algorithm>,
    pub issuer: Vec<String>,
    pub audience: Vec<String>,
    pub leeway_seconds: u64,
    /// Claims that must be present (`exp` by default).
    pub required_claims: Vec<String>,
    pub claims: ClaimsMapper,
}

/// The judgement of one token.
#[derive(Debug)]
pub enum Outcome {
    /// The user, and the token's `iat` (when it has one).
    Valid(ValidatedUser, Option<i64>),
    /// Signature and claims are fine but `exp` is past (beyond the leeway).
    Expired,
    /// Why it was refused (for logs and tests).
    Invalid(&'static str),
    /// The key may come with a JWKS fetch: take the async path ([`LocalVerifier::verify`]).
    NeedKeys { unknown_kid: bool },
}

pub struct LocalVerifier {
    static_keys: Vec<Arc<VerifyKey>>,
    jwks: Option<Jwks>,
    /// One `Validation` per allowed algorithm: the crate insists that every algorithm of a
    /// `Validation` belongs to the key's family.
    validations: Vec<(Algorithm, Validation)>,
    /// Required claims `jsonwebtoken` does not check itself (it knows exp/nbf/aud/iss/sub).
    custom_required: Vec<String>,
    claims: ClaimsMapper,
    stats: Arc<Stats>,
}

const SPEC_CLAIMS: &[&str] = &["exp", "nbf", "aud", "iss", "sub"];

impl LocalVerifier {
    pub fn new(o: VerifierOptions, stats: Arc<Stats>) -> Result<Self> {
        let mut v = Validation::new(Algorithm::HS256);
        v.algorithms = o.algorithms.clone();
        v.leeway = o.leeway_seconds;
        v.validate_exp = true;
        v.validate_nbf = true;
        v.required_spec_claims = o
            .required_claims
            .iter()
            .filter(|c| SPEC_CLAIMS.contains(&c.as_str()))
            .cloned()
            .collect();
        // The crate checks iss/aud only when the token carries them: a configured issuer or
        // audience must also be present, or a token without one would pass.
        if !o.issuer.is_empty() {
            v.set_issuer(&o.issuer);
            v.required_spec_claims.insert("iss".into());
        }
        if o.audience.is_empty() {
            v.validate_aud = false;
        } else {
            v.set_audience(&o.audience);
            v.required_spec_claims.insert("aud".into());
        }
        let validations = o
            .algorithms
            .iter()
            .map(|a| {
                let mut one = v.clone();
                one.algorithms = vec![*a];
                (*a, one)
            })
            .collect();
        let jwks = match o.jwks {
            Some(j) => Some(Jwks::new(j, stats.clone())?),
            None => None,
        };
        Ok(Self {
            static_keys: o.static_keys,
            jwks,
            validations,
            custom_required: o
                .required_claims
                .into_iter()
                .filter(|c| !SPEC_CLAIMS.contains(&c.as_str()))
                .collect(),
            claims: o.claims,
            stats,
        })
    }

    /// Judges `token` with the keys at hand, without I/O.
    pub fn verify_now(&self, token: &str) -> Outcome {
        let out = self.judge(token);
        if !matches!(out, Outcome::NeedKeys { .. }) {
            bump(&self.stats.local_verifications);
        }
        out
    }

    /// Judges `token`, fetching the JWKS first when its key may come with it.
    pub async fn verify(&self, token: &str) -> Outcome {
        match self.verify_now(token) {
            Outcome::NeedKeys { unknown_kid } => {
                if let Some(j) = &self.jwks {
                    j.refresh(unknown_kid).await;
                }
                match self.verify_now(token) {
                    // Still nothing: the fetch failed or the cooldown holds; not verifiable.
                    Outcome::NeedKeys { .. } => Outcome::Invalid("no key for this token"),
                    o => o,
                }
            }
            o => o,
        }
    }

    /// The JWKS cache, when configured (stats, tests).
    pub fn jwks(&self) -> Option<&Jwks> {
        self.jwks.as_ref()
    }

    fn judge(&self, token: &str) -> Outcome {
        if token.len() > MAX_TOKEN_LEN || token.split('.').count() != 3 {
            return Outcome::Invalid("not a JWS compact token");
        }
        // `alg: none` (and any name the crate does not know) fails here.
        let Ok(header) = decode_header(token) else {
            return Outcome::Invalid("malformed header or unsupported algorithm");
        };
        let alg = header.alg;
        let Some((_, validation)) = self.validations.iter().find(|(a, _)| *a == alg) else {
            return Outcome::Invalid("algorithm not allowed");
        };
        let kid = header.kid.as_deref();
        let mut candidates: Vec<Arc<VerifyKey>> = self
            .static_keys
            .iter()
            .filter(|k| k.accepts(alg, kid))
            .cloned()
            .collect();
        let mut may_fetch = false;
        if let Some(j) = &self.jwks
            && ASYMMETRIC.contains(&alg)
        {
            match j.lookup(alg, kid) {
                Lookup::Found(k) => candidates.extend(k),
                Lookup::Fetch => may_fetch = true,
                Lookup::Missing => {}
            }
        }
        for key in &candidates {
            match decode::<Value>(token, &key.key, validation) {
                Ok(data) => return self.accept(&data.claims, validation.leeway),
                Err(e) => match e.kind() {
                    ErrorKind::ExpiredSignature => return Outcome::Expired,
                    // This key did not sign it: try the next candidate.
                    ErrorKind::InvalidSignature
                    | ErrorKind::InvalidAlgorithm
                    | ErrorKind::InvalidKeyFormat
                    | ErrorKind::InvalidEcdsaKey
                    | ErrorKind::InvalidEddsaKey
                    | ErrorKind::InvalidRsaKey(_) => continue,
                    ErrorKind::InvalidIssuer => return Outcome::Invalid("wrong issuer"),
                    ErrorKind::InvalidAudience => return Outcome::Invalid("wrong audience"),
                    ErrorKind::ImmatureSignature => return Outcome::Invalid("not valid yet (nbf)"),
                    ErrorKind::MissingRequiredClaim(_) => {
                        return Outcome::Invalid("a required claim is missing");
                    }
                    _ => return Outcome::Invalid("malformed token"),
                },
            }
        }
        if may_fetch {
            return Outcome::NeedKeys {
                unknown_kid: kid.is_some(),
            };
        }
        if candidates.is_empty() {
            Outcome::Invalid("no key for this token")
        } else {
            Outcome::Invalid("bad signature")
        }
    }

    /// `leeway`: the seconds the decoding `Validation` allowed past `exp`.
    fn accept(&self, claims: &Value, leeway: u64) -> Outcome {
        // RFC 7519 4.1.4: good only while now is before `exp` (plus the leeway). The crate
        // compares whole seconds, which kept a token good for up to a second past it.
        if let Some(exp) = claims.get("exp").and_then(as_i64)
            && until_unix(exp.saturating_add(i64::try_from(leeway).unwrap_or(i64::MAX))).is_zero()
        {
            return Outcome::Expired;
        }
        if self
            .custom_required
            .iter()
            .any(|c| claims.get(c).is_none_or(Value::is_null))
        {
            return Outcome::Invalid("a required claim is missing");
        }
        match self.claims.map(claims) {
            Some(u) => Outcome::Valid(u, claims.get("iat").and_then(as_i64)),
            None => Outcome::Invalid("no user at validate.userFromClaims.user"),
        }
    }
}

//! Verification keys: an HMAC secret, a public key (PEM or JWK) or the keys of a JWKS, each
//! tagged with the one family of algorithms it may verify. A key is never used outside its
//! family: an HS256 token cannot be "verified" with an RSA public key taken as an HMAC secret
//! (algorithm confusion), an ES384 token never meets a P-256 key, and a JWK's own `alg`,
//! `use` and `key_ops` narrow it further.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

/// Which algorithms a key can verify. Finer than the crate's family: the curve matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Hmac,
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl KeyKind {
    pub fn algorithms(self) -> &'static [Algorithm] {
        use Algorithm::*;
        match self {
            KeyKind::Hmac => &[HS256, HS384, HS512],
            KeyKind::Rsa => &[RS256, RS384, RS512, PS256, PS384, PS512],
            KeyKind::P256 => &[ES256],
            KeyKind::P384 => &[ES384],
            KeyKind::Ed25519 => &[EdDSA],
        }
    }
}

/// Every algorithm verified by a public key (what a JWKS may serve).
pub const ASYMMETRIC: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

#[derive(Clone)]
pub struct VerifyKey {
    pub key: DecodingKey,
    pub kind: KeyKind,
    pub kid: Option<String>,
    /// The key's own `alg` (JWK): then only this algorithm may use it.
    pub alg: Option<Algorithm>,
}

impl std::fmt::Debug for VerifyKey {
    // Never print key material (an HMAC secret is one).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kind", &self.kind)
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish()
    }
}

/// Parses an algorithm name as JWT headers spell it; `none` is not one.
pub fn parse_alg(s: &str) -> Option<Algorithm> {
    s.parse().ok()
}

impl VerifyKey {
    /// May this key verify a token signed with `alg` (and, when both carry one, `kid`)?
    pub fn accepts(&self, alg: Algorithm, kid: Option<&str>) -> bool {
        self.kind.algorithms().contains(&alg)
            && self.alg.is_none_or(|a| a == alg)
            && match (self.kid.as_deref(), kid) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }

    pub fn from_secret(secret: &[u8]) -> Result<Self, String> {
        if secret.is_empty() {
            return Err("must not be empty".into());
        }
        Ok(Self {
            key: DecodingKey::from_secret(secret).map_err(|e| e.to_string())?,
            kind: KeyKind::Hmac,
            kid: None,
            alg: None,
        })
    }

    /// A public key in PEM (SPKI `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`): RSA, EC P-256/P-384
    /// or Ed25519. Private keys are refused: the layer only verifies.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        if pem.contains("PRIVATE KEY") {
            return Err("is a private key; give the public key (the layer only verifies)".into());
        }
        let b = pem.as_bytes();
        let (key, kind) = if let Ok(k) = DecodingKey::from_rsa_pem(b) {
            (k, KeyKind::Rsa)
        } else if let Ok(k) = DecodingKey::from_ec_pem(b) {
            let kind = ec_kind_of_point(k.try_get_as_bytes().map(<[u8]>::len).unwrap_or(0))
                .ok_or("is an EC key on a curve other than P-256 or P-384")?;
            (k, kind)
        } else if let Ok(k) = DecodingKey::from_ed_pem(b) {
            (k, KeyKind::Ed25519)
        } else {
            return Err("is not a PEM public key (RSA, EC P-256/P-384 or Ed25519)".into());
        };
        Ok(Self {
            key,
            kind,
            kid: None,
            alg: None,
        })
    }

    /// A JWK (RFC 7517). `Ok(None)`: a key this layer must not use for verification (`use`
    /// other than `sig`, `key_ops` without `verify`, a symmetric key where only public keys
    /// belong, an unknown `kty`/`crv`). `Err`: malformed.
    pub fn from_jwk(v: &Value, allow_symmetric: bool) -> Result<Option<Self>, String> {
        if v.get("kty").and_then(Value::as_str).is_none() {
            return Err("has no \"kty\"".into());
        }
        let Ok(jwk) = serde_json::from_value::<Jwk>(v.clone()) else {
            // An unknown kty or alg: skipped like jose does, not an error.
            return Ok(None);
        };
        let c = &jwk.common;
        if c.public_key_use
            .as_ref()
            .is_some_and(|u| *u != PublicKeyUse::Signature)
        {
            return Ok(None);
        }
        if c.key_operations
            .as_ref()
            .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
        {
            return Ok(None);
        }
        let kind = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => KeyKind::Rsa,
            AlgorithmParameters::EllipticCurve(p) => match p.curve {
                EllipticCurve::P256 => KeyKind::P256,
                EllipticCurve::P384 => KeyKind::P384,
                _ => return Ok(None),
            },
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                KeyKind::Ed25519
            }
            AlgorithmParameters::OctetKey(_) if allow_symmetric => KeyKind::Hmac,
            _ => return Ok(None),
        };
        // The JWK's `alg` as written (the crate's KeyAlgorithm also knows encryption algs).
        let alg = match v.get("alg").and_then(Value::as_str) {
            None => None,
            Some(a) => match parse_alg(a) {
                Some(a) if kind.algorithms().contains(&a) => Some(a),
                // An alg this key cannot verify, or one we do not know: never usable.
                _ => return Ok(None),
            },
        };
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("is not a usable key: {e}"))?;
        Ok(Some(Self {
            key,
            kind,
            kid: c.key_id.clone(),
            alg,
        }))
    }
}

/// The curve of an EC public key from the length of its SEC1 point.
fn ec_kind_of_point(len: usize) -> Option<KeyKind> {
    match len {
        65 | 33 => Some(KeyKind::P256),
        97 | 49 => Some(KeyKind::P384),
        _ => None,
    }
}

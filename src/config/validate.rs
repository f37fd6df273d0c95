//! The `validate` option: how a token is judged.
//!
//! Spelled as next-api-layer 0.4 spells it (`mode`, `secret`, `algorithms`,
//! `revalidateInterval`, `verify`), plus `jwksUrl`, `publicKey`, `issuer`, `audience`,
//! `leewaySeconds`, `requiredClaims`, `userFromClaims` and the JWKS cache knobs.
//! `mode: 'backend'` (the default) asks the validate endpoint; `mode: 'local'` verifies the
//! JWT in Rust (see `auth::verify`).

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::{boolean, field, number, string, string_list, type_name, validate_base_url};
use crate::auth::mappers::JsonPath;
use crate::auth::verify::jwks::JwksOptions;
use crate::auth::verify::keys::{ASYMMETRIC, KeyKind, VerifyKey, parse_alg};
use crate::auth::verify::{ClaimsMapper, VerifierOptions};
use crate::error::{LayerError, Result};

pub const KNOWN: &[&str] = &[
    "mode",
    "secret",
    "algorithms",
    "revalidateInterval",
    "verify",
    "jwksUrl",
    "publicKey",
    "issuer",
    "audience",
    "leewaySeconds",
    "requiredClaims",
    "userFromClaims",
    "jwksCacheMaxAge",
    "jwksCooldown",
    "jwksMaxKeys",
];

/// Local verification settings (`validate.mode: 'local'`).
#[derive(Debug, Clone)]
pub struct LocalValidate {
    pub verifier: VerifierOptions,
    /// Re-ask the backend about a token at most this often; zero = never (pure local until
    /// `exp`). `revalidateInterval`, seconds, default 0.
    pub revalidate_interval: Duration,
    /// A JS `verify(token)` hook is configured: it judges tokens instead of the keys.
    pub js_verify: bool,
}

/// `None`: backend mode.
pub fn parse(
    root: Option<&Map<String, Value>>,
    timeout: Duration,
) -> Result<Option<LocalValidate>> {
    let v = match field(root, "validate") {
        None => return Ok(None),
        // The original's `validate` string (an endpoint) lives in `endpoints.validate` here.
        Some(Value::Object(o)) => o,
        Some(v) => {
            return Err(LayerError::config(
                "validate",
                format!("must be an object (got {})", type_name(v)),
            ));
        }
    };
    super::reject_unknown_keys(v, "validate", KNOWN)?;
    let o = Some(v);
    match string(o, "mode", "validate.mode")?.as_deref() {
        None | Some("backend") => return Ok(None),
        Some("local") => {}
        Some(m) => {
            return Err(LayerError::config(
                "validate.mode",
                format!("must be 'backend' or 'local' (got \"{m}\")"),
            ));
        }
    }
    let js_verify = boolean(o, "verify", "validate.verify", false)?;

    let mut static_keys = Vec::new();
    if let Some(secret) = string(o, "secret", "validate.secret")? {
        if secret.contains("-----BEGIN") {
            // A PEM used as an HMAC secret is the algorithm-confusion setup: refuse it.
            return Err(LayerError::config(
                "validate.secret",
                "looks like a PEM key; put public keys in validate.publicKey",
            ));
        }
        let k = VerifyKey::from_secret(secret.as_bytes())
            .map_err(|m| LayerError::config("validate.secret", m))?;
        static_keys.push(Arc::new(k));
    }
    static_keys.extend(public_keys(field(o, "publicKey"))?);

    let jwks = match string(o, "jwksUrl", "validate.jwksUrl")? {
        None => None,
        Some(u) => Some(JwksOptions {
            url: validate_base_url(&u, "validate.jwksUrl")?,
            default_ttl: seconds(o, "jwksCacheMaxAge", 600.0)?,
            cooldown: seconds(o, "jwksCooldown", 30.0)?,
            max_keys: number(o, "jwksMaxKeys", "validate.jwksMaxKeys")?.unwrap_or(100.0) as usize,
            timeout,
        }),
    };
    if static_keys.is_empty() && jwks.is_none() && !js_verify {
        return Err(LayerError::config(
            "validate",
            "mode 'local' needs a key: secret (HS*), publicKey (PEM or JWK) or jwksUrl",
        ));
    }

    let algorithms = algorithms(o, &static_keys, jwks.is_some())?;
    let mut required = string_list(o, "requiredClaims", "validate.requiredClaims")?;
    if field(o, "requiredClaims").is_none() {
        required = vec!["exp".to_string()];
    }
    let verifier = VerifierOptions {
        static_keys,
        jwks,
        algorithms,
        issuer: string_list(o, "issuer", "validate.issuer")?,
        audience: string_list(o, "audience", "validate.audience")?,
        leeway_seconds: number(o, "leewaySeconds", "validate.leewaySeconds")?.unwrap_or(0.0) as u64,
        required_claims: required,
        claims: claims_mapper(field(o, "userFromClaims"))?,
    };
    Ok(Some(LocalValidate {
        verifier,
        revalidate_interval: seconds(o, "revalidateInterval", 0.0)?,
        js_verify,
    }))
}

/// A duration in seconds (fractions allowed), at most a year: `Duration::from_secs_f64` would
/// panic on an absurd value instead of naming the option.
fn seconds(o: Option<&Map<String, Value>>, key: &str, default: f64) -> Result<Duration> {
    let path = format!("validate.{key}");
    let n = number(o, key, &path)?.unwrap_or(default);
    if n > 365.0 * 24.0 * 3600.0 {
        return Err(LayerError::config(
            &path,
            "must be at most a year (in seconds)",
        ));
    }
    Ok(Duration::from_secs_f64(n))
}

/// `publicKey`: a PEM string, a JWK object, or an array of them.
fn public_keys(v: Option<&Value>) -> Result<Vec<Arc<VerifyKey>>> {
    let list: Vec<&Value> = match v {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    let many = matches!(v, Some(Value::Array(_)));
    let mut out = Vec::new();
    for (i, k) in list.into_iter().enumerate() {
        let path = if many {
            format!("validate.publicKey[{i}]")
        } else {
            "validate.publicKey".to_string()
        };
        let key = match k {
            Value::String(pem) => VerifyKey::from_pem(pem),
            Value::Object(_) => match VerifyKey::from_jwk(k, false) {
                Ok(Some(key)) => Ok(key),
                Ok(None) => Err(
                    "is a JWK this layer cannot verify with (use/key_ops not for verification, \
                     symmetric, or an unsupported kty/crv/alg)"
                        .to_string(),
                ),
                Err(m) => Err(m),
            },
            v => Err(format!(
                "must be a PEM string or a JWK object (got {})",
                type_name(v)
            )),
        }
        .map_err(|m| LayerError::config(&path, m))?;
        out.push(Arc::new(key));
    }
    Ok(out)
}

/// `algorithms`, default: every algorithm the configured keys can verify. Each listed
/// algorithm must have a key that can verify it (else it could only ever fail, or worse,
/// hint at a confused setup such as HS256 with only a public key).
fn algorithms(
    o: Option<&Map<String, Value>>,
    keys: &[Arc<VerifyKey>],
    jwks: bool,
) -> Result<Vec<Algorithm>> {
    let possible =
        |a: Algorithm| (jwks && ASYMMETRIC.contains(&a)) || keys.iter().any(|k| k.accepts(a, None));
    if field(o, "algorithms").is_none() {
        let kinds = [
            KeyKind::Hmac,
            KeyKind::Rsa,
            KeyKind::P256,
            KeyKind::P384,
            KeyKind::Ed25519,
        ];
        let mut all: Vec<Algorithm> = kinds
            .iter()
            .flat_map(|k| k.algorithms().iter().copied())
            .filter(|a| possible(*a))
            .collect();
        all.dedup();
        return Ok(all);
    }
    let names = string_list(o, "algorithms", "validate.algorithms")?;
    if names.is_empty() {
        return Err(LayerError::config(
            "validate.algorithms",
            "must list at least one algorithm",
        ));
    }
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let path = format!("validate.algorithms[{i}]");
        if n.eq_ignore_ascii_case("none") {
            return Err(LayerError::config(
                &path,
                "'none' (unsigned tokens) is never accepted",
            ));
        }
        let a = parse_alg(n).ok_or_else(|| {
            LayerError::config(
                &path,
                format!("\"{n}\" is not one of HS256/384/512, RS256/384/512, PS256/384/512, ES256/384, EdDSA"),
            )
        })?;
        if !possible(a) {
            return Err(LayerError::config(
                &path,
                format!(
                    "{n} has no key that can verify it (secret for HS*, publicKey or jwksUrl for the others)"
                ),
            ));
        }
        out.push(a);
    }
    Ok(out)
}

/// `userFromClaims: { user, type, exp }`, each a path into the claims (see mappers).
fn claims_mapper(v: Option<&Value>) -> Result<ClaimsMapper> {
    let o = match v {
        None => return Ok(ClaimsMapper::default()),
        Some(Value::Object(o)) => o,
        Some(v) => {
            return Err(LayerError::config(
                "validate.userFromClaims",
                format!("must be an object of paths (got {})", type_name(v)),
            ));
        }
    };
    super::reject_unknown_keys(o, "validate.userFromClaims", &["user", "type", "exp"])?;
    let p = |k: &str| -> Result<Option<JsonPath>> {
        match o.get(k).filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(v) => JsonPath::parse(v, &format!("validate.userFromClaims.{k}")).map(Some),
        }
    };
    Ok(ClaimsMapper {
        user: p("user")?,
        token_type: p("type")?,
        exp: p("exp")?,
    })
}

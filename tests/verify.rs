//! Local JWT verification (`validate.mode: 'local'`): every algorithm against the throwaway
//! keys in tests/keys (made by tests/keys/gen.sh), tampering, `alg: none`, algorithm
//! confusion, issuer/audience, leeway, and the JWKS cache against a real HTTP key server on
//! 127.0.0.1 (rotation, unknown-kid cooldown, single flight, stale keys on failure).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use next_api_layer_native::auth::engine::{Engine, JsMapperSet};
use next_api_layer_native::auth::verify::{LocalVerifier, Outcome};
use next_api_layer_native::config::Config;
use next_api_layer_native::stats::Stats;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const RSA1: &str = include_str!("keys/rsa1.pem");
const RSA1_PUB: &str = include_str!("keys/rsa1.pub.pem");
const RSA2: &str = include_str!("keys/rsa2.pem");
const P256: &str = include_str!("keys/p256.pem");
const P256_PUB: &str = include_str!("keys/p256.pub.pem");
const P384: &str = include_str!("keys/p384.pem");
const ED: &str = include_str!("keys/ed25519.pem");
const ED_PUB: &str = include_str!("keys/ed25519.pub.pem");
const SECRET: &str = "a-test-secret-of-reasonable-length-0123456789";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn enc_key(alg: Algorithm) -> EncodingKey {
    use Algorithm::*;
    match alg {
        HS256 | HS384 | HS512 => EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
        RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => {
            EncodingKey::from_rsa_pem(RSA1.as_bytes()).unwrap()
        }
        ES256 => EncodingKey::from_ec_pem(P256.as_bytes()).unwrap(),
        ES384 => EncodingKey::from_ec_pem(P384.as_bytes()).unwrap(),
        EdDSA => EncodingKey::from_ed_pem(ED.as_bytes()).unwrap(),
        a => panic!("no test key for {a:?}"),
    }
}

fn sign_with(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Value) -> String {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_string);
    encode(&h, claims, key).unwrap()
}

fn sign(alg: Algorithm, claims: &Value) -> String {
    sign_with(alg, &enc_key(alg), None, claims)
}

fn claims(exp_in: i64) -> Value {
    json!({ "sub": "42", "name": "Zoë", "type": "user", "exp": now() + exp_in,
            "iss": "https://issuer.test", "aud": "app" })
}

/// The public JWK of a signing key (what a backend publishes).
fn jwk(alg: Algorithm, key: &EncodingKey, kid: &str) -> Value {
    let mut v = serde_json::to_value(Jwk::from_encoding_key(key, alg).unwrap()).unwrap();
    v["kid"] = json!(kid);
    v.as_object_mut().unwrap().remove("alg");
    v
}

/// A verifier from a `validate` section (parsed exactly as the engine parses it).
fn verifier(validate: Value) -> (LocalVerifier, Arc<Stats>) {
    let cfg =
        Config::from_value(&json!({ "apiBaseUrl": "http://127.0.0.1:9", "validate": validate }))
            .unwrap();
    let stats = Arc::new(Stats::default());
    let v = LocalVerifier::new(cfg.validate.unwrap().verifier, stats.clone()).unwrap();
    (v, stats)
}

fn config_error(validate: Value) -> String {
    let e =
        Config::from_value(&json!({ "apiBaseUrl": "http://127.0.0.1:9", "validate": validate }))
            .unwrap_err();
    assert_eq!(e.code.as_str(), "ERR_CONFIG_INVALID");
    e.message
}

fn is_valid(o: &Outcome) -> bool {
    matches!(o, Outcome::Valid(..))
}

const ALL: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
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

fn all_keys_validate() -> Value {
    json!({
        "mode": "local",
        "secret": SECRET,
        "publicKey": [
            RSA1_PUB,
            P256_PUB,
            jwk(Algorithm::ES384, &enc_key(Algorithm::ES384), "p384"),
            ED_PUB,
        ],
        "issuer": "https://issuer.test",
        "audience": ["app", "other"],
    })
}

#[test]
fn every_algorithm_verifies_and_maps_the_user() {
    let (v, stats) = verifier(all_keys_validate());
    for alg in ALL {
        let t = sign(alg, &claims(600));
        match v.verify_now(&t) {
            Outcome::Valid(u, _) => {
                assert_eq!(u.user["sub"], "42", "{alg:?}");
                assert_eq!(u.user["name"], "Zoë");
                assert_eq!(u.token_type, "user");
                assert!(u.exp.is_some());
            }
            o => panic!("{alg:?}: {o:?}"),
        }
    }
    assert_eq!(
        stats.local_verifications.load(Ordering::Relaxed),
        ALL.len() as u64
    );
}

#[test]
fn tampered_tokens_are_refused_for_every_algorithm() {
    let (v, _) = verifier(all_keys_validate());
    for alg in ALL {
        let t = sign(alg, &claims(600));
        let (head_payload, sig) = t.rsplit_once('.').unwrap();
        // another signature byte
        let mut s: Vec<char> = sig.chars().collect();
        s[3] = if s[3] == 'A' { 'B' } else { 'A' };
        let bad_sig = format!("{head_payload}.{}", s.into_iter().collect::<String>());
        assert!(
            matches!(v.verify_now(&bad_sig), Outcome::Invalid(_)),
            "{alg:?} sig"
        );
        // another payload under the old signature (a different user)
        let other = sign(
            alg,
            &json!({ "sub": "1", "exp": now() + 600, "iss": "https://issuer.test", "aud": "app" }),
        );
        let payload2 = other.split('.').nth(1).unwrap();
        let head = t.split('.').next().unwrap();
        let swapped = format!("{head}.{payload2}.{sig}");
        assert!(
            matches!(v.verify_now(&swapped), Outcome::Invalid(_)),
            "{alg:?} payload"
        );
        // no signature at all
        assert!(matches!(
            v.verify_now(&format!("{head_payload}.")),
            Outcome::Invalid(_)
        ));
    }
}

#[test]
fn alg_none_is_refused_in_every_spelling() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let (v, _) = verifier(all_keys_validate());
    let payload = B64.encode(claims(600).to_string());
    for alg in ["none", "None", "NONE", "nOnE", ""] {
        let head = B64.encode(json!({ "alg": alg, "typ": "JWT" }).to_string());
        for sig in ["", "e30"] {
            let t = format!("{head}.{payload}.{sig}");
            assert!(
                matches!(v.verify_now(&t), Outcome::Invalid(_)),
                "{alg}/{sig}"
            );
        }
    }
    assert!(
        config_error(json!({ "mode": "local", "secret": SECRET, "algorithms": ["none"] }))
            .contains("validate.algorithms[0]")
    );
}

#[test]
fn algorithm_confusion_is_refused() {
    // The classic: an HS256 token whose "secret" is the server's RSA public key.
    let forged = sign_with(
        Algorithm::HS256,
        &EncodingKey::from_secret(RSA1_PUB.as_bytes()).unwrap(),
        None,
        &claims(600),
    );
    let (v, _) = verifier(json!({ "mode": "local", "publicKey": RSA1_PUB }));
    assert!(matches!(v.verify_now(&forged), Outcome::Invalid(_)));
    // Even with a secret configured too, HS tokens meet only the secret.
    let (v, _) = verifier(json!({ "mode": "local", "publicKey": RSA1_PUB, "secret": SECRET }));
    assert!(matches!(v.verify_now(&forged), Outcome::Invalid(_)));
    assert!(is_valid(
        &v.verify_now(&sign(Algorithm::RS256, &claims(600)))
    ));
    // An ES256 token never meets a P-384 key, an RSA token never an EC key.
    let (v, _) = verifier(
        json!({ "mode": "local", "publicKey": jwk(Algorithm::ES384, &enc_key(Algorithm::ES384), "k") }),
    );
    assert!(matches!(
        v.verify_now(&sign(Algorithm::ES256, &claims(600))),
        Outcome::Invalid(_)
    ));
    assert!(matches!(
        v.verify_now(&sign(Algorithm::RS256, &claims(600))),
        Outcome::Invalid(_)
    ));
    // Config: an HS algorithm without a secret, or a PEM as the secret, fails at construction.
    assert!(
        config_error(json!({ "mode": "local", "publicKey": RSA1_PUB, "algorithms": ["HS256"] }))
            .contains("validate.algorithms[0]")
    );
    assert!(
        config_error(json!({ "mode": "local", "secret": RSA1_PUB })).contains("validate.secret")
    );
    assert!(config_error(json!({ "mode": "local", "publicKey": RSA1 })).contains("private key"));
    assert!(config_error(json!({ "mode": "local" })).contains("validate"));
    assert!(
        config_error(json!({ "mode": "local", "secret": SECRET, "revalidateInterval": 1e300 }))
            .contains("validate.revalidateInterval")
    );
    assert!(
        config_error(
            json!({ "mode": "local", "jwksUrl": "http://127.0.0.1:9/jwks", "jwksCooldown": -1 })
        )
        .contains("validate.jwksCooldown")
    );
    // The algorithm list is honoured: RS256 only refuses an RS512 token of the same key.
    let (v, _) =
        verifier(json!({ "mode": "local", "publicKey": RSA1_PUB, "algorithms": ["RS256"] }));
    assert!(is_valid(
        &v.verify_now(&sign(Algorithm::RS256, &claims(600)))
    ));
    assert!(matches!(
        v.verify_now(&sign(Algorithm::RS512, &claims(600))),
        Outcome::Invalid(_)
    ));
}

#[test]
fn a_keys_alg_and_use_are_honoured() {
    let k = enc_key(Algorithm::RS256);
    let mut pinned = jwk(Algorithm::RS256, &k, "r");
    pinned["alg"] = json!("RS256");
    let (v, _) = verifier(json!({ "mode": "local", "publicKey": pinned }));
    assert!(is_valid(
        &v.verify_now(&sign(Algorithm::RS256, &claims(600)))
    ));
    assert!(matches!(
        v.verify_now(&sign(Algorithm::PS256, &claims(600))),
        Outcome::Invalid(_)
    ));
    let mut enc = jwk(Algorithm::RS256, &k, "r");
    enc["use"] = json!("enc");
    assert!(
        config_error(json!({ "mode": "local", "publicKey": enc })).contains("validate.publicKey")
    );
    let mut ops = jwk(Algorithm::RS256, &k, "r");
    ops["key_ops"] = json!(["sign"]);
    assert!(
        config_error(json!({ "mode": "local", "publicKey": ops })).contains("validate.publicKey")
    );
    // A kid on both sides must match.
    let (v, _) =
        verifier(json!({ "mode": "local", "publicKey": jwk(Algorithm::RS256, &k, "mine") }));
    assert!(is_valid(&v.verify_now(&sign_with(
        Algorithm::RS256,
        &k,
        Some("mine"),
        &claims(600)
    ))));
    assert!(matches!(
        v.verify_now(&sign_with(
            Algorithm::RS256,
            &k,
            Some("theirs"),
            &claims(600)
        )),
        Outcome::Invalid(_)
    ));
}

#[test]
fn issuer_audience_and_required_claims() {
    let (v, _) = verifier(all_keys_validate());
    let mut c = claims(600);
    c["iss"] = json!("https://evil.test");
    assert!(matches!(
        v.verify_now(&sign(Algorithm::HS256, &c)),
        Outcome::Invalid("wrong issuer")
    ));
    let mut c = claims(600);
    c["aud"] = json!("someone-else");
    assert!(matches!(
        v.verify_now(&sign(Algorithm::HS256, &c)),
        Outcome::Invalid("wrong audience")
    ));
    let mut c = claims(600);
    c["aud"] = json!(["x", "other"]);
    assert!(is_valid(&v.verify_now(&sign(Algorithm::HS256, &c))));
    // A configured issuer/audience must be present, not merely "not wrong".
    for missing in ["iss", "aud"] {
        let mut c = claims(600);
        c.as_object_mut().unwrap().remove(missing);
        assert!(
            matches!(
                v.verify_now(&sign(Algorithm::HS256, &c)),
                Outcome::Invalid(_)
            ),
            "{missing}"
        );
    }
    // exp is required by default; requiredClaims names others.
    let (v, _) = verifier(json!({ "mode": "local", "secret": SECRET }));
    assert!(matches!(
        v.verify_now(&sign(Algorithm::HS256, &json!({ "sub": "1" }))),
        Outcome::Invalid(_)
    ));
    let (v, _) =
        verifier(json!({ "mode": "local", "secret": SECRET, "requiredClaims": ["sub", "role"] }));
    assert!(is_valid(&v.verify_now(&sign(
        Algorithm::HS256,
        &json!({ "sub": "1", "role": "x" })
    ))));
    assert!(matches!(
        v.verify_now(&sign(Algorithm::HS256, &json!({ "sub": "1" }))),
        Outcome::Invalid(_)
    ));
}

#[test]
fn leeway_and_expiry() {
    let (strict, _) = verifier(json!({ "mode": "local", "secret": SECRET }));
    let (lenient, _) = verifier(json!({ "mode": "local", "secret": SECRET, "leewaySeconds": 120 }));
    let t = sign(Algorithm::HS256, &json!({ "sub": "1", "exp": now() - 30 }));
    assert!(matches!(strict.verify_now(&t), Outcome::Expired));
    assert!(is_valid(&lenient.verify_now(&t)));
    let old = sign(Algorithm::HS256, &json!({ "sub": "1", "exp": now() - 600 }));
    assert!(matches!(lenient.verify_now(&old), Outcome::Expired));
    // The exp second has begun: expired, though compared in whole seconds it was not yet.
    let this_second = sign(Algorithm::HS256, &json!({ "sub": "1", "exp": now() }));
    assert!(matches!(strict.verify_now(&this_second), Outcome::Expired));
    let next_second = sign(Algorithm::HS256, &json!({ "sub": "1", "exp": now() + 2 }));
    assert!(is_valid(&strict.verify_now(&next_second)));
    // with a leeway: good until exp + leeway has begun
    let (one, _) = verifier(json!({ "mode": "local", "secret": SECRET, "leewaySeconds": 1 }));
    let t = sign(Algorithm::HS256, &json!({ "sub": "1", "exp": now() - 1 }));
    assert!(matches!(one.verify_now(&t), Outcome::Expired));
    let t = sign(Algorithm::HS256, &json!({ "sub": "1", "exp": now() + 1 }));
    assert!(is_valid(&one.verify_now(&t)));
    // An expired token with a bad signature is forged, not expired (no refresh for it).
    let forged = sign_with(
        Algorithm::HS256,
        &EncodingKey::from_secret(b"other").unwrap(),
        None,
        &json!({ "sub": "1", "exp": now() - 30 }),
    );
    assert!(matches!(strict.verify_now(&forged), Outcome::Invalid(_)));
    // nbf in the future (beyond the leeway) is refused.
    let early = sign(
        Algorithm::HS256,
        &json!({ "sub": "1", "exp": now() + 600, "nbf": now() + 300 }),
    );
    assert!(matches!(strict.verify_now(&early), Outcome::Invalid(_)));
    assert!(is_valid(&lenient.verify_now(&sign(
        Algorithm::HS256,
        &json!({ "sub": "1", "exp": now() + 600, "nbf": now() + 60 })
    ))));
}

#[test]
fn user_from_claims_paths() {
    let (v, _) = verifier(json!({ "mode": "local", "secret": SECRET,
        "userFromClaims": { "user": "profile", "type": "kind", "exp": "exp" } }));
    let t = sign(
        Algorithm::HS256,
        &json!({ "profile": { "id": 7 }, "kind": "admin", "exp": now() + 60 }),
    );
    match v.verify_now(&t) {
        Outcome::Valid(u, _) => {
            assert_eq!(u.user["id"], 7);
            assert_eq!(u.token_type, "admin");
        }
        o => panic!("{o:?}"),
    }
    let t = sign(
        Algorithm::HS256,
        &json!({ "kind": "admin", "exp": now() + 60 }),
    );
    assert!(matches!(v.verify_now(&t), Outcome::Invalid(_)));
}

// ------------------------------------------------------------------ a real JWKS server

#[derive(Clone)]
struct KeyServer {
    url: String,
    body: Arc<Mutex<(u16, String, &'static str)>>,
    hits: Arc<AtomicU64>,
}

impl KeyServer {
    async fn start(keys: Value) -> KeyServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let ks = KeyServer {
            url,
            body: Arc::new(Mutex::new((200, keys.to_string(), "max-age=600"))),
            hits: Arc::default(),
        };
        let s = ks.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = sock.read(&mut buf).await;
                    s.hits.fetch_add(1, Ordering::SeqCst);
                    // a little latency, so concurrent requests really overlap the fetch
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let (status, body, cc) = s.body.lock().unwrap().clone();
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncache-control: {cc}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(body.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        ks
    }

    fn set(&self, status: u16, keys: Value, cc: &'static str) {
        *self.body.lock().unwrap() = (status, keys.to_string(), cc);
    }

    fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

/// What a flood looks like: a fresh `kid` each time and a made-up signature.
fn random_kid(i: usize) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let head = B64.encode(json!({ "alg": "RS256", "kid": format!("rnd-{i}") }).to_string());
    let payload = B64.encode(claims(600).to_string());
    format!("{head}.{payload}.{}", B64.encode([7u8; 256]))
}

fn rsa(pem: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jwks_first_load_is_single_flight_then_synchronous() {
    let k1 = rsa(RSA1);
    let ks = KeyServer::start(json!({ "keys": [jwk(Algorithm::RS256, &k1, "k1"), jwk(Algorithm::ES256, &enc_key(Algorithm::ES256), "e1")] })).await;
    let (v, stats) = verifier(json!({ "mode": "local", "jwksUrl": ks.url }));
    let v = Arc::new(v);
    let t = sign_with(Algorithm::RS256, &k1, Some("k1"), &claims(600));
    assert!(
        matches!(v.verify_now(&t), Outcome::NeedKeys { .. }),
        "nothing loaded yet"
    );
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (v, t) = (v.clone(), t.clone());
        tasks.push(tokio::spawn(async move { v.verify(&t).await }));
    }
    for task in tasks {
        assert!(is_valid(&task.await.unwrap()));
    }
    assert_eq!(ks.hits(), 1, "twenty first requests, one fetch");
    // From now on: synchronous, no fetch.
    let e = sign_with(
        Algorithm::ES256,
        &enc_key(Algorithm::ES256),
        Some("e1"),
        &claims(600),
    );
    assert!(is_valid(&v.verify_now(&e)));
    assert!(is_valid(&v.verify_now(&t)));
    assert_eq!(ks.hits(), 1);
    assert_eq!(stats.jwks_fetches.load(Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jwks_rotation_and_unknown_kid_cooldown() {
    let (k1, k2) = (rsa(RSA1), rsa(RSA2));
    let ks = KeyServer::start(json!({ "keys": [jwk(Algorithm::RS256, &k1, "k1")] })).await;
    // A cooldown long enough that a loaded machine still runs the flood inside it.
    let (v, stats) = verifier(json!({ "mode": "local", "jwksUrl": ks.url, "jwksCooldown": 2.0 }));
    let t1 = sign_with(Algorithm::RS256, &k1, Some("k1"), &claims(600));
    assert!(is_valid(&v.verify(&t1).await));
    assert_eq!(ks.hits(), 1);

    // A flood of random kids inside the cooldown: no fetch at all, refused synchronously.
    for i in 0..200 {
        assert!(matches!(
            v.verify(&random_kid(i)).await,
            Outcome::Invalid(_)
        ));
    }
    assert_eq!(
        ks.hits(),
        1,
        "the cooldown holds the flood off the key endpoint"
    );

    // The backend rotates to k2 (k1 retired). Past the cooldown, the first k2 token
    // refetches once; the flood after it costs nothing more.
    ks.set(
        200,
        json!({ "keys": [jwk(Algorithm::RS256, &k2, "k2")] }),
        "max-age=600",
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let t2 = sign_with(Algorithm::RS256, &k2, Some("k2"), &claims(600));
    assert!(matches!(
        v.verify_now(&t2),
        Outcome::NeedKeys { unknown_kid: true }
    ));
    assert!(is_valid(&v.verify(&t2).await), "rotation without a restart");
    assert_eq!(ks.hits(), 2);
    assert_eq!(stats.jwks_unknown_kid_refetches.load(Ordering::Relaxed), 1);
    for i in 200..400 {
        assert!(matches!(
            v.verify(&random_kid(i)).await,
            Outcome::Invalid(_)
        ));
    }
    assert_eq!(ks.hits(), 2);
    // The retired key no longer verifies.
    assert!(matches!(v.verify(&t1).await, Outcome::Invalid(_)));
    assert!(is_valid(&v.verify_now(&t2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stale_keys_are_kept_while_the_key_endpoint_fails() {
    let k1 = rsa(RSA1);
    // max-age=0: the set expires right after the cooldown (the lower bound)
    let ks = KeyServer::start(json!({ "keys": [jwk(Algorithm::RS256, &k1, "k1")] })).await;
    ks.set(
        200,
        json!({ "keys": [jwk(Algorithm::RS256, &k1, "k1")] }),
        "no-store",
    );
    let (v, stats) = verifier(json!({ "mode": "local", "jwksUrl": ks.url, "jwksCooldown": 0.3 }));
    let t = sign_with(Algorithm::RS256, &k1, Some("k1"), &claims(600));
    assert!(is_valid(&v.verify(&t).await));
    ks.set(500, json!({ "error": "down" }), "no-store");
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Expired set: one request refreshes (and fails), the key stays usable.
    assert!(matches!(v.verify_now(&t), Outcome::NeedKeys { .. }));
    assert!(is_valid(&v.verify(&t).await));
    assert_eq!(ks.hits(), 2);
    assert_eq!(stats.jwks_fetch_errors.load(Ordering::Relaxed), 1);
    // Within the cooldown: synchronous again with the stale key, no new fetch.
    assert!(is_valid(&v.verify_now(&t)));
    assert_eq!(ks.hits(), 2);
    // Garbage and oversized answers are failures too, never an empty key set.
    ks.set(200, json!("not a key set"), "no-store");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(is_valid(&v.verify(&t).await));
    ks.set(
        200,
        json!({ "keys": [], "pad": "x".repeat(600 * 1024) }),
        "no-store",
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(is_valid(&v.verify(&t).await));
    assert_eq!(stats.jwks_fetch_errors.load(Ordering::Relaxed), 3);
}

// ------------------------------------------------------------------ through the engine

fn engine(mock: &common::Mock, validate: Value) -> Arc<Engine> {
    let cfg = json!({
        "apiBaseUrl": mock.url,
        "access": { "protectedRoutes": ["/dashboard/**"] },
        "timeout": 1000,
        "validate": validate,
    });
    Arc::new(Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap())
}

fn facts(token: &str) -> next_api_layer_native::auth::decide::Facts {
    next_api_layer_native::auth::decide::Facts {
        method: "GET".into(),
        path: "/dashboard".into(),
        cookie: Some(format!("userToken={token}")),
        user_agent: Some("test-agent".into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_first_seen_token_is_synchronous_with_no_backend_call() {
    let mock = common::Mock::start().await;
    let e = engine(&mock, json!({ "mode": "local", "secret": SECRET }));
    for i in 0..50 {
        let t = sign(
            Algorithm::HS256,
            &json!({ "sub": i.to_string(), "exp": now() + 600 }),
        );
        let d = e.decide_sync(&facts(&t));
        assert_eq!(
            d.kind, "next",
            "first request of a new token answered synchronously"
        );
        assert!(d.auth.as_ref().is_some_and(|a| a.user_json.is_some()));
        // getServerUser's synchronous path judges the same way
        assert!(e.cached_validation(&t).is_some());
    }
    assert_eq!(mock.counts(), (0, 0, 0));
    let s = e.stats();
    assert_eq!(s.local_verifications, 50);
    assert_eq!(s.async_decisions, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_bad_signature_flood_costs_no_backend_call_but_expired_is_refreshed() {
    let mock = common::Mock::start().await;
    let e = engine(
        &mock,
        json!({ "mode": "local", "secret": SECRET, "issuer": "https://issuer.test" }),
    );
    let evil = EncodingKey::from_secret(b"guessed").unwrap();
    for i in 0..300 {
        let c = json!({ "sub": i.to_string(), "exp": now() + 600, "iss": "https://issuer.test" });
        let t = if i % 3 == 0 {
            // a genuine signature but the wrong issuer
            let mut c = c.clone();
            c["iss"] = json!("https://evil.test");
            sign(Algorithm::HS256, &c)
        } else if i % 3 == 1 {
            sign_with(Algorithm::HS256, &evil, None, &c)
        } else {
            format!("garbage.{i}.token")
        };
        let f = facts(&t);
        let d = e.decide_sync(&f);
        let d = if d.is_pending() {
            e.decide(&f).await
        } else {
            d
        };
        assert_eq!(d.kind, "redirect", "refused, to the login page");
    }
    assert_eq!(
        mock.counts(),
        (0, 0, 0),
        "no validate, no refresh call for forged tokens"
    );
    // A genuine expired token is still refreshed (the backend decides).
    let expired = sign(
        Algorithm::HS256,
        &json!({ "sub": "1", "exp": now() - 5, "iss": "https://issuer.test" }),
    );
    let f = facts(&expired);
    assert!(e.decide_sync(&f).is_pending());
    let _ = e.decide(&f).await;
    assert_eq!(mock.counts().1, 1, "one refresh call");
    assert_eq!(mock.counts().0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_revalidates_once_per_interval() {
    let mock = common::Mock::start().await;
    let cfg = json!({
        "apiBaseUrl": mock.url,
        "access": { "protectedRoutes": ["/dashboard/**"] },
        "cache": { "ttl": 100 },
        "validate": { "mode": "local", "secret": SECRET, "revalidateInterval": 0.4 },
    });
    let e = Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap();
    let t = sign(
        Algorithm::HS256,
        &json!({ "sub": "9", "exp": now() + 600, "name": "from claims" }),
    );
    // the mock backend knows this token (it would say 401 otherwise)
    mock.state.lock().unwrap().tokens.insert(
        t.clone(),
        common::Tok {
            kind: "user",
            valid: true,
            refreshable: false,
            user_id: 9,
        },
    );
    let f = facts(&t);
    for _ in 0..100 {
        assert_eq!(e.decide_sync(&f).kind, "next");
    }
    assert_eq!(mock.counts().0, 0, "first sight: local only");
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The interval is over: the next request re-asks the backend (async), once.
    let mut asked = 0;
    for _ in 0..100 {
        let d = e.decide_sync(&f);
        if d.is_pending() {
            asked += 1;
            assert_eq!(e.decide(&f).await.kind, "next");
        }
    }
    assert_eq!(asked, 1);
    assert_eq!(mock.counts().0, 1);
    assert_eq!(e.stats().revalidations, 1);
    // The backend's user is merged over the claims.
    let d = e.decide_sync(&f);
    let user: Value =
        serde_json::from_str(d.auth.as_ref().unwrap().user_json.as_deref().unwrap()).unwrap();
    assert_eq!(user["name"], "Zoë Démo");
    assert_eq!(user["sub"], "9");
    // The backend revokes it: after the next interval, the token is refused.
    mock.state.lock().unwrap().tokens.get_mut(&t).unwrap().valid = false;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let d = e.decide_sync(&f);
    let d = if d.is_pending() {
        e.decide(&f).await
    } else {
        d
    };
    assert_eq!(d.kind, "redirect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_checks_a_token_older_than_the_interval_before_believing_it() {
    let mock = common::Mock::start().await;
    let cfg = json!({
        "apiBaseUrl": mock.url,
        "access": { "protectedRoutes": ["/dashboard/**"] },
        "validate": { "mode": "local", "secret": SECRET, "revalidateInterval": 60 },
    });
    let e = Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap();
    // issued (vouched for by the backend) 5 s ago: inside the interval, local only
    let fresh = sign(
        Algorithm::HS256,
        &json!({ "sub": "1", "iat": now() - 5, "exp": now() + 600 }),
    );
    assert_eq!(e.decide_sync(&facts(&fresh)).kind, "next");
    assert_eq!(mock.counts().0, 0);
    // issued 2 minutes ago and never checked here: asked once, then local for the interval
    let old = sign(
        Algorithm::HS256,
        &json!({ "sub": "2", "iat": now() - 120, "exp": now() + 600 }),
    );
    mock.state.lock().unwrap().tokens.insert(
        old.clone(),
        common::Tok {
            kind: "user",
            valid: true,
            refreshable: false,
            user_id: 2,
        },
    );
    let f = facts(&old);
    assert!(e.decide_sync(&f).is_pending());
    assert_eq!(e.decide(&f).await.kind, "next");
    assert_eq!(mock.counts().0, 1);
    for _ in 0..10 {
        assert_eq!(e.decide_sync(&f).kind, "next");
    }
    assert_eq!(mock.counts().0, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_revoked_token_stays_refused_though_its_signature_is_genuine() {
    let mock = common::Mock::start().await;
    let e = engine(&mock, json!({ "mode": "local", "secret": SECRET }));
    let t = sign(Algorithm::HS256, &json!({ "sub": "1", "exp": now() + 600 }));
    assert_eq!(e.decide_sync(&facts(&t)).kind, "next");
    e.revoke_token(&t);
    let d = e.decide_sync(&facts(&t));
    let d = if d.is_pending() {
        e.decide(&facts(&t)).await
    } else {
        d
    };
    assert_eq!(d.kind, "redirect");
    assert!(matches!(
        e.cached_validation(&t),
        Some(next_api_layer_native::auth::tokens::Validation::Rejected { .. })
    ));
    assert_eq!(mock.counts(), (0, 0, 0));
}

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::super::{Engine, JsMapperSet};
use crate::auth::mappers::ValidatedUser;
use crate::auth::tokens::{Session, Validation, token_key};

fn engine(extra: serde_json::Value) -> Engine {
    let mut cfg = json!({ "apiBaseUrl": "http://127.0.0.1:9" });
    cfg.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    Engine::from_json(&cfg.to_string(), JsMapperSet::default()).unwrap()
}

fn valid(e: &Engine, token: &str, id: u32, ttl: Duration) {
    let user = ValidatedUser {
        user: json!({ "id": id, "type": "user" }),
        token_type: "user".into(),
        exp: None,
    };
    e.cache.insert(
        token_key(token),
        Arc::new(Validation::Valid(Arc::new(Session::new(user)))),
        ttl,
    );
}

const MIN: Duration = Duration::from_secs(60);

#[test]
fn picks_by_the_proxy_rule() {
    let e = engine(json!({}));
    valid(&e, "u1", 1, MIN);
    valid(&e, "g1", 2, MIN);
    valid(&e, "r1", 3, MIN);
    let id = |cookie: Option<&str>, refreshed: Option<&str>| {
        e.user_of(cookie, refreshed, false)
            .map(|f| (f.session.user_json.clone(), f.token.to_string()))
    };
    let c = "a=1; guestToken=g1; userToken=u1; b=2";
    assert_eq!(id(Some(c), None).unwrap().1, "u1");
    assert!(id(Some(c), None).unwrap().0.contains("\"id\":1"));
    // the refreshed token comes first
    assert_eq!(id(Some(c), Some("r1")).unwrap().1, "r1");
    assert_eq!(id(None, Some("r1")).unwrap().1, "r1");
    // no user cookie: the guest's
    assert_eq!(id(Some("guestToken=g1"), None).unwrap().1, "g1");
    // quoted and padded values read as the engine reads them
    assert_eq!(id(Some("userToken=\"u1\""), None).unwrap().1, "u1");
    assert_eq!(id(Some("  userToken = u1 ;x=1"), None).unwrap().1, "u1");
    // a repeated user cookie is never read, whichever copy is valid (then the guest's)
    assert!(id(Some("userToken=u1; userToken=u1"), None).is_none());
    assert_eq!(
        id(Some("userToken=u1; guestToken=g1; userToken=zz"), None)
            .unwrap()
            .1,
        "g1"
    );
    // not cached, unknown, empty
    assert!(id(Some("userToken=unknown"), None).is_none());
    assert!(id(Some("userToken="), None).is_none());
    assert!(id(Some(""), None).is_none());
    assert!(id(None, None).is_none());
}

#[test]
fn refused_tokens_are_not_found() {
    let e = engine(json!({}));
    valid(&e, "u1", 1, MIN);
    e.revoke_token("u1");
    assert!(e.user_of(Some("userToken=u1"), None, true).is_none());
    e.cache.insert(
        token_key("r"),
        Arc::new(Validation::Rejected {
            refresh_failed: false,
        }),
        MIN,
    );
    assert!(e.user_of(Some("userToken=r"), None, true).is_none());
    assert_eq!(e.watch.watched(), 0, "a refused token is not watched");
}

#[test]
fn keeps_until_the_entry_deadline_and_watches() {
    let e = engine(json!({}));
    valid(&e, "u1", 1, Duration::from_secs(30));
    let f = e.user_of(Some("userToken=u1"), None, true).unwrap();
    let left = f.keep_until.unwrap() - std::time::Instant::now();
    assert!(left <= Duration::from_secs(30) && left > Duration::from_secs(29));
    assert_eq!(e.watch.watched(), 1);
    // without keep: no deadline, nothing watched
    let f = e.user_of(Some("userToken=u1"), None, false).unwrap();
    assert!(f.keep_until.is_none());
    // a refreshed token is not kept by the binding (keep false), and not watched
    valid(&e, "r1", 3, MIN);
    assert!(
        e.user_of(None, Some("r1"), false)
            .unwrap()
            .keep_until
            .is_none()
    );
    assert_eq!(e.watch.watched(), 1);
}

#[test]
fn every_way_the_engine_changes_its_mind_moves_the_epoch() {
    for how in ["revoke", "clear", "refused", "replaced", "revoke successor"] {
        let e = engine(json!({}));
        valid(&e, "u1", 1, MIN);
        assert!(e.user_of(Some("userToken=u1"), None, true).is_some());
        let before = e.watch.epoch();
        match how {
            "revoke" => e.revoke_token("u1"),
            "clear" => e.cache.clear(),
            "refused" => e.cache.insert(
                token_key("u1"),
                Arc::new(Validation::Rejected {
                    refresh_failed: true,
                }),
                MIN,
            ),
            "replaced" => valid(&e, "u1", 9, MIN),
            _ => {
                // the session's older token is revoked: its successor (grace window) dies too
                let issued = crate::auth::mappers::IssuedToken {
                    token: "u1".into(),
                    refresh_token: None,
                    expires_in: None,
                    exp: None,
                };
                e.grace.insert(
                    token_key("old"),
                    Arc::new(crate::auth::tokens::RefreshOutcome { issued }),
                    MIN,
                );
                e.revoke_token("old");
            }
        }
        assert_ne!(e.watch.epoch(), before, "{how}");
    }
    // an unrelated token's refusal does not
    let e = engine(json!({}));
    valid(&e, "u1", 1, MIN);
    assert!(e.user_of(Some("userToken=u1"), None, true).is_some());
    let before = e.watch.epoch();
    e.revoke_token("someone-else");
    assert_eq!(e.watch.epoch(), before);
}

#[test]
fn a_local_first_judgement_is_not_kept() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, Mac};
    let e = engine(
        json!({ "validate": { "mode": "local", "secret": "s3cret", "algorithms": ["HS256"] } }),
    );
    let exp = crate::auth::tokens::now_unix() + 5;
    let head = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"7","exp":{exp}}}"#));
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(b"s3cret").unwrap();
    mac.update(format!("{head}.{body}").as_bytes());
    let t = format!(
        "{head}.{body}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    let cookie = format!("userToken={t}");
    let first = e.user_of(Some(&cookie), None, true).unwrap();
    assert!(first.keep_until.is_none(), "judged now: not kept yet");
    let epoch = e.watch.epoch();
    // the second lookup reads the cache entry, whose deadline is the JWT's exp
    let second = e.user_of(Some(&cookie), None, true).unwrap();
    let left = second.keep_until.unwrap() - std::time::Instant::now();
    assert!(left <= Duration::from_secs(5), "{left:?}");
    assert_eq!(e.watch.epoch(), epoch, "its own insert voided nothing");
}

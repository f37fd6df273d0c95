use super::*;
use serde_json::json;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn csrf(cfg: Value) -> Csrf {
    Csrf::new(CsrfConfig::from_json(Some(&cfg), true).unwrap())
}

fn ds() -> Csrf {
    csrf(json!({ "strategy": "double-submit", "secret": SECRET }))
}

fn post<'a>(cookie: Option<&'a str>, header: Option<&'a str>) -> CsrfFacts<'a> {
    CsrfFacts {
        method: "POST",
        cookie_header: cookie,
        header_token: header,
        ..Default::default()
    }
}

fn ct_calls() -> usize {
    CT_CALLS.with(|c| c.get())
}

#[test]
fn token_roundtrip_and_shape() {
    let c = ds();
    let t = c.mint("u:1");
    assert_eq!(t.len(), TOKEN_LEN);
    assert!(
        t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    );
    assert_eq!(c.verify("u:1", &t), Ok(()));
    assert_ne!(c.mint("u:1"), t, "a fresh nonce every time");
    let cookie = format!("a=b; __csrf={t}");
    let r = c.check(&post(Some(&cookie), Some(&t)), "u:1");
    assert_eq!(r.result, Ok(()));
    assert_eq!(r.new_token, None, "a valid cookie is kept");
}

#[test]
fn forgeries_are_rejected() {
    let c = ds();
    let mine = c.mint("u:1");
    // A token minted for another session.
    let other = c.mint("u:2");
    let cookie = format!("__csrf={other}");
    assert_eq!(
        c.check(&post(Some(&cookie), Some(&other)), "u:1").result,
        Err(CsrfFailure::InvalidSignature)
    );
    // Tampered: one character of the nonce changed, signature kept.
    let mut tampered = mine.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let cookie = format!("__csrf={tampered}");
    assert_eq!(
        c.check(&post(Some(&cookie), Some(&tampered)), "u:1").result,
        Err(CsrfFailure::InvalidSignature)
    );
    // Right shape, wrong signature (signed with another secret).
    let foreign =
        csrf(json!({ "strategy": "double-submit", "secret": "f".repeat(40) })).mint("u:1");
    assert_eq!(foreign.len(), mine.len());
    let cookie = format!("__csrf={foreign}");
    assert_eq!(
        c.check(&post(Some(&cookie), Some(&foreign)), "u:1").result,
        Err(CsrfFailure::InvalidSignature)
    );
    // Right shape, random bytes.
    let random = format!("{}.{}A", "Q".repeat(21) + "A", "B".repeat(42));
    assert_eq!(c.verify("u:1", &random), Err(CsrfFailure::InvalidSignature));
    // Malformed.
    for bad in ["", "abc", &format!("{mine}x"), &mine.replace('.', "-")] {
        assert_eq!(
            c.verify("u:1", bad),
            Err(CsrfFailure::MalformedToken),
            "{bad}"
        );
    }
    // Cookie and header disagree (both valid tokens for this session).
    let mine2 = c.mint("u:1");
    let cookie = format!("__csrf={mine}");
    assert_eq!(
        c.check(&post(Some(&cookie), Some(&mine2)), "u:1").result,
        Err(CsrfFailure::TokenMismatch)
    );
    // Missing pieces.
    assert_eq!(
        c.check(&post(None, Some(&mine)), "u:1").result,
        Err(CsrfFailure::MissingCookie)
    );
    assert_eq!(
        c.check(&post(Some(&cookie), None), "u:1").result,
        Err(CsrfFailure::MissingHeader)
    );
    // After a login the anonymous token no longer counts, and a new one is issued.
    let anon = c.mint("anon");
    let cookie = format!("__csrf={anon}");
    let r = c.check(&post(Some(&cookie), Some(&anon)), "u:1");
    assert_eq!(r.result, Err(CsrfFailure::InvalidSignature));
    assert!(c.verify("u:1", r.new_token.as_deref().unwrap()).is_ok());
}

#[test]
fn comparisons_go_through_the_constant_time_path() {
    let c = ds();
    let t = c.mint("u:1");
    let cookie = format!("__csrf={t}");
    // Valid: cookie == header compare + HMAC compare.
    let before = ct_calls();
    assert!(
        c.check(&post(Some(&cookie), Some(&t)), "u:1")
            .result
            .is_ok()
    );
    assert_eq!(
        ct_calls() - before,
        3,
        "header compare, HMAC verify, cookie re-validation"
    );
    // A signature wrong in its first or last byte both reach the constant-time compare.
    for pos in [TOKEN_LEN - 43, TOKEN_LEN - 2] {
        let mut b = t.clone().into_bytes();
        b[pos] = if b[pos] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(b).unwrap();
        let before = ct_calls();
        assert_eq!(c.verify("u:1", &forged), Err(CsrfFailure::InvalidSignature));
        assert_eq!(ct_calls() - before, 1);
    }
    // The header compare is constant-time too.
    let other = c.mint("u:1");
    let before = ct_calls();
    assert_eq!(
        c.check(&post(Some(&cookie), Some(&other)), "u:1").result,
        Err(CsrfFailure::TokenMismatch)
    );
    assert!(ct_calls() - before >= 1);
}

#[test]
fn fetch_metadata_rules() {
    let c = csrf(json!({ "strategy": "fetch-metadata" }));
    let f = |site: Option<&'static str>, origin: Option<&'static str>| CsrfFacts {
        method: "POST",
        sec_fetch_site: site,
        origin,
        self_origin: Some("https://app.example"),
        ..Default::default()
    };
    assert_eq!(
        c.check(&f(Some("same-origin"), None), "anon").result,
        Ok(())
    );
    assert_eq!(c.check(&f(Some("none"), None), "anon").result, Ok(()));
    assert_eq!(
        c.check(&f(Some("cross-site"), None), "anon").result,
        Err(CsrfFailure::CrossSite)
    );
    assert_eq!(
        c.check(&f(Some("same-site"), None), "anon").result,
        Err(CsrfFailure::SameSiteNotTrusted)
    );
    assert_eq!(
        c.check(&f(None, Some("https://evil.example")), "anon")
            .result,
        Err(CsrfFailure::OriginMismatch)
    );
    assert_eq!(
        c.check(&f(None, Some("https://app.example")), "anon")
            .result,
        Ok(())
    );
    assert_eq!(
        c.check(&f(None, Some("null")), "anon").result,
        Err(CsrfFailure::OriginMismatch)
    );
    // No cookie is issued when double-submit is off.
    assert_eq!(c.check(&f(None, None), "anon").new_token, None);
    let trusting = csrf(json!({ "strategy": "fetch-metadata", "trustSameSite": true }));
    assert_eq!(
        trusting.check(&f(Some("same-site"), None), "anon").result,
        Ok(())
    );
    // Safe methods are never checked.
    let get = CsrfFacts {
        method: "get",
        ..f(Some("cross-site"), None)
    };
    assert_eq!(c.check(&get, "anon").result, Ok(()));
}

#[test]
fn both_falls_back_to_double_submit() {
    let c = csrf(json!({ "secret": SECRET }));
    let t = c.mint("anon");
    let cookie = format!("__csrf={t}");
    let with = |site: Option<&'static str>, header: Option<&str>| {
        let facts = CsrfFacts {
            method: "DELETE",
            sec_fetch_site: site,
            cookie_header: Some(&cookie),
            header_token: header,
            ..Default::default()
        };
        c.check(&facts, "anon").result
    };
    assert_eq!(with(Some("same-origin"), None), Ok(()));
    assert_eq!(
        with(Some("cross-site"), Some(&t)),
        Err(CsrfFailure::CrossSite)
    );
    assert_eq!(with(None, None), Err(CsrfFailure::MissingHeader));
    assert_eq!(with(None, Some(&t)), Ok(()));
    assert_eq!(with(Some("same-site"), Some(&t)), Ok(()));
    assert_eq!(
        with(Some("same-site"), None),
        Err(CsrfFailure::MissingHeader)
    );
    // A GET without a cookie is issued one.
    let r = c.check(
        &CsrfFacts {
            method: "GET",
            ..Default::default()
        },
        "anon",
    );
    assert!(c.verify("anon", r.new_token.as_deref().unwrap()).is_ok());
}

#[test]
fn config_and_secret_rules() {
    // Production + double-submit without a secret: construction error naming it.
    for strategy in ["both", "double-submit"] {
        let e = CsrfConfig::from_json(Some(&json!({ "strategy": strategy })), true).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::ConfigInvalid);
        assert!(e.message.starts_with("csrf.secret"), "{}", e.message);
    }
    // An empty secret (`CSRF_SECRET=` in an .env file) is an unset one: the production error
    // names the variable, development falls back to the random secret.
    for secret in ["", "  "] {
        let e = CsrfConfig::from_json(Some(&json!({ "secret": secret })), true).unwrap_err();
        assert!(
            e.message.starts_with("csrf.secret is empty"),
            "{}",
            e.message
        );
        assert!(e.message.contains("CSRF_SECRET"), "{}", e.message);
        let dev = CsrfConfig::from_json(Some(&json!({ "secret": secret })), false).unwrap();
        assert!(dev.generated_secret);
    }
    let e = CsrfConfig::from_json(Some(&json!({})), true).unwrap_err();
    assert!(
        e.message.starts_with("csrf.secret is not set"),
        "{}",
        e.message
    );
    assert!(e.message.contains("CSRF_SECRET"), "{}", e.message);
    // Fetch Metadata alone needs no secret.
    assert!(CsrfConfig::from_json(Some(&json!({ "strategy": "fetch-metadata" })), true).is_ok());
    // Development: a per-process random secret, shared by engines of this process.
    let a = CsrfConfig::from_json(Some(&json!({})), false).unwrap();
    let b = CsrfConfig::from_json(Some(&json!({})), false).unwrap();
    assert!(a.generated_secret);
    let t = Csrf::new(a).mint("s");
    assert!(Csrf::new(b).verify("s", &t).is_ok());
    // The secret never shows up in Debug output.
    let c = CsrfConfig::from_json(Some(&json!({ "secret": SECRET })), true).unwrap();
    assert!(!format!("{c:?}").contains(SECRET));
    // A short secret: refused in production, accepted (with a warning) outside it, as
    // next-api-layer accepts any secret.
    let e = CsrfConfig::from_json(Some(&json!({ "secret": "short" })), true).unwrap_err();
    assert!(e.message.starts_with("csrf.secret"), "{}", e.message);
    let dev = CsrfConfig::from_json(Some(&json!({ "secret": "short" })), false).unwrap();
    assert!(!dev.generated_secret);
    let t = Csrf::new(dev.clone()).mint("s");
    assert!(Csrf::new(dev).verify("s", &t).is_ok());
    let bad = [
        (json!({ "secret": 1 }), "csrf.secret"),
        (json!({ "strategy": "token" }), "csrf.strategy"),
        (json!({ "cookieName": "a b" }), "csrf.cookieName"),
        (json!({ "headerName": "x csrf" }), "csrf.headerName"),
        (json!({ "ignoreMethods": "GET" }), "csrf.ignoreMethods"),
        (json!({ "ignoreMethods": [1] }), "csrf.ignoreMethods[0]"),
        (json!({ "trustSameSite": "yes" }), "csrf.trustSameSite"),
        (json!({ "enabled": 1 }), "csrf.enabled"),
        (
            json!({ "secrets": SECRET }),
            "csrf.secrets is not a known option",
        ),
        (json!({ "header": "x-csrf" }), "csrf.header is not"),
    ];
    for (cfg, opt) in bad {
        let e = CsrfConfig::from_json(Some(&cfg), false).unwrap_err();
        assert!(e.message.starts_with(opt), "{cfg}: {}", e.message);
    }
    let c = CsrfConfig::from_json(
        Some(&json!({ "headerName": "X-XSRF-Token", "ignoreMethods": ["get", "head"] })),
        false,
    )
    .unwrap();
    assert_eq!(c.header_name, "x-xsrf-token");
    assert_eq!(c.ignore_methods, ["GET", "HEAD"]);
    assert!(!CsrfConfig::from_json(None, true).unwrap().enabled);
}

#[test]
fn session_ids_and_cookie() {
    assert_eq!(session_id(Some("42"), Some("tok")), "u:42");
    let s = session_id(None, Some("eyJ.secret.token"));
    assert!(s.starts_with("t:") && !s.contains("secret"));
    assert_eq!(session_id(None, None), "anon");
    let c = ds();
    let cookie = c
        .set_cookie(
            &c.mint("anon"),
            &CookieOptions {
                production: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(cookie.starts_with("__csrf="));
    assert!(!cookie.contains("HttpOnly"), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
}

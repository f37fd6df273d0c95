use super::*;
use crate::auth::mappers::ValidatedUser;
use crate::auth::tokens::Session;
use serde_json::json;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn security(rate: Value, csrf: Value, audit: Value) -> Security {
    Security::new(
        Some(&rate),
        Some(&csrf),
        Some(&audit),
        true,
        CookieOptions::default(),
    )
    .unwrap()
}

fn user(id: Value) -> AuthOutcome {
    AuthOutcome {
        session: Some(Arc::new(Session::new(ValidatedUser {
            user: json!({ "id": id, "name": "Demo" }),
            token_type: "user".into(),
            exp: None,
        }))),
        ..Default::default()
    }
}

fn facts(method: &str, path: &str) -> Facts {
    Facts {
        method: method.into(),
        path: path.into(),
        ..Default::default()
    }
}

#[test]
fn rate_limit_stage_refuses_with_headers_and_event() {
    let s = security(
        json!({ "maxRequests": 2 }),
        json!({ "enabled": false }),
        json!({}),
    );
    let got = Arc::new(std::sync::Mutex::new(0usize));
    let g = got.clone();
    s.auditor().set_notifier(Some(Arc::new(move || {
        *g.lock().unwrap() += 1;
        true
    })));
    let mut f = facts("GET", "/api/posts");
    f.x_forwarded_for = Some("1.2.3.4".into());
    assert!(s.rate_limit(&f).is_ok());
    // Spoofing x-forwarded-for does not give a new key (no trusted proxy).
    f.x_forwarded_for = Some("5.6.7.8".into());
    let h = s.rate_limit(&f).unwrap();
    assert!(
        h.chunks(2)
            .any(|c| c[0] == "x-ratelimit-remaining" && c[1] == "0")
    );
    let d = s.rate_limit(&f).unwrap_err();
    assert_eq!(d.status, 429);
    assert!(d.body.as_deref().unwrap().contains("\"success\":false"));
    assert!(d.response_headers.chunks(2).any(|c| c[0] == "retry-after"));
    let ev = s.auditor().take_batch();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].kind, AuditEventType::RateLimitExceeded);
    assert_eq!(ev[0].ip, "unknown");
    assert_eq!(s.stats().rate_limit.limited, 1);
}

#[test]
fn csrf_stage_turns_forgeries_into_403_and_keeps_cookies() {
    let s = security(
        json!({ "enabled": false }),
        json!({ "secret": SECRET }),
        json!({ "events": ["csrf:fail"] }),
    );
    s.auditor().set_notifier(Some(Arc::new(|| true)));
    let auth = user(json!(1));
    // A GET issues a cookie bound to user 1, visible downstream.
    let mut d = Decision::next();
    s.csrf(&facts("GET", "/dashboard"), &auth, None, &mut d);
    assert_eq!(d.kind, "next");
    let set = d.set_cookies[0].clone();
    assert!(set.starts_with("__csrf=") && !set.contains("HttpOnly"));
    let token = set["__csrf=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        d.request_header("cookie"),
        Some(format!("__csrf={token}").as_str())
    );
    // POST with cookie + header passes.
    let mut f = facts("POST", "/api/profile");
    f.cookie = Some(format!("__csrf={token}"));
    f.x_csrf_token = Some(token.clone());
    let mut d = Decision::next();
    s.csrf(&f, &auth, None, &mut d);
    assert_eq!(d.kind, "next");
    assert!(d.set_cookies.is_empty());
    // The same token for another user is refused; the decision's cookies survive.
    let mut d = Decision::next();
    d.set_cookies.push("auth_token=new; HttpOnly".into());
    s.csrf(&f, &user(json!("2")), None, &mut d);
    assert_eq!((d.kind.as_str(), d.status), ("json", 403));
    assert!(
        d.set_cookies
            .iter()
            .any(|c| c.starts_with("auth_token=new"))
    );
    let body: Value = serde_json::from_str(d.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["success"], false);
    let ev = s.auditor().take_batch();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].kind, AuditEventType::CsrfFail);
    assert_eq!(ev[0].user_id.as_deref(), Some("2"));
    assert_eq!(
        ev[0].metadata.as_ref().unwrap()["reason"],
        "invalid-token-format"
    );
    assert!(!serde_json::to_string(&ev[0]).unwrap().contains(&token));
    // Cross-site is refused even with a valid token.
    let mut f2 = f.clone();
    f2.sec_fetch_site = Some("cross-site".into());
    let mut d = Decision::next();
    s.csrf(&f2, &auth, None, &mut d);
    assert_eq!(d.status, 403);
    assert_eq!(s.stats().csrf_failures, 2);
}

#[test]
fn guests_are_bound_to_their_token() {
    let guest = |id: Option<&str>| AuthOutcome {
        session: Some(Arc::new(Session::new(ValidatedUser {
            user: match id {
                Some(i) => json!({ "id": i, "type": "guest" }),
                None => json!({ "type": "guest" }),
            },
            token_type: "guest".into(),
            exp: None,
        }))),
        ..Default::default()
    };
    let f = facts("GET", "/");
    // Created in this request (no id yet) and later validated by the backend (with an
    // id): the same session, so the same CSRF binding.
    let a = Security::csrf_session(&f, &guest(None), Some("guest-token"));
    let b = Security::csrf_session(&f, &guest(Some("guest-42")), Some("guest-token"));
    assert_eq!(a, b);
    assert!(a.starts_with("t:"));
    assert_eq!(
        Security::csrf_session(&f, &user(json!(7)), Some("x")),
        "u:7"
    );
    assert_eq!(
        Security::csrf_session(&f, &AuthOutcome::default(), Some("x")),
        "anon"
    );
}

#[test]
fn csrf_cookie_for_a_new_session_passes_the_csrf_stage_of_that_session_only() {
    let s = security(json!({}), json!({ "secret": SECRET }), json!({}));
    let token_of = |set: String| {
        set["__csrf=".len()..]
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let post = |token: &str| {
        let mut f = facts("POST", "/api/profile");
        f.cookie = Some(format!("__csrf={token}"));
        f.x_csrf_token = Some(token.to_string());
        f
    };
    let demo = user(json!(1));
    let set = s
        .csrf_cookie_for(demo.session.as_deref(), Some("user-token"))
        .unwrap();
    assert!(!set.contains("HttpOnly"), "{set}");
    let token = token_of(set);
    let mut d = Decision::next();
    s.csrf(&post(&token), &demo, Some("user-token"), &mut d);
    assert_eq!(d.status, 200, "{:?}", d.body);
    // The same token is refused for another user and for the anonymous session.
    let mut d = Decision::next();
    s.csrf(&post(&token), &user(json!(2)), None, &mut d);
    assert_eq!(d.status, 403);
    let mut d = Decision::next();
    s.csrf(&post(&token), &AuthOutcome::default(), None, &mut d);
    assert_eq!(d.status, 403);
    // After logout: anonymous.
    let anon = token_of(s.csrf_cookie_for(None, Some("revoked")).unwrap());
    let mut d = Decision::next();
    s.csrf(&post(&anon), &AuthOutcome::default(), None, &mut d);
    assert_eq!(d.status, 200, "{:?}", d.body);
    let mut d = Decision::next();
    s.csrf(&post(&anon), &demo, Some("user-token"), &mut d);
    assert_eq!(d.status, 403);
    // No double-submit, no cookie.
    let fm = security(
        json!({}),
        json!({ "strategy": "fetch-metadata" }),
        json!({}),
    );
    assert_eq!(fm.csrf_cookie_for(demo.session.as_deref(), None), None);
}

#[test]
fn config_errors_surface_with_option_names() {
    let e = Security::new(None, Some(&json!({})), None, true, CookieOptions::default())
        .err()
        .unwrap();
    assert!(e.message.starts_with("csrf.secret"), "{}", e.message);
    let e = Security::new(
        None,
        None,
        Some(&json!({ "events": ["nope"] })),
        false,
        CookieOptions::default(),
    )
    .err()
    .unwrap();
    assert!(
        e.message.starts_with("audit.events[0] must be"),
        "{}",
        e.message
    );
    let e = Security::new(
        Some(&json!({ "windowMs": -1 })),
        None,
        None,
        false,
        CookieOptions::default(),
    )
    .err()
    .unwrap();
    assert!(e.message.starts_with("rateLimit.windowMs"), "{}", e.message);
}

use super::*;
use crate::auth::mappers::ValidatedUser;
use serde_json::json;

fn cfg(extra: serde_json::Value) -> Config {
    let mut v = json!({
      "apiBaseUrl": "http://127.0.0.1:1",
      "access": { "protectedRoutes": ["/dashboard/**", "/api/profile/**"], "authRoutes": ["/login", "/register"], "publicRoutes": ["/api/posts/**"] },
      "i18n": { "locales": ["en", "de"] }
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    Config::from_value(&v).unwrap()
}

fn facts(path: &str) -> Facts {
    Facts {
        method: "GET".into(),
        path: path.into(),
        ..Default::default()
    }
}

fn session(ty: &str) -> Arc<Session> {
    Arc::new(Session::new(ValidatedUser {
        user: json!({ "id": 1, "name": "Demo" }),
        token_type: ty.into(),
        exp: None,
    }))
}

fn run(c: &Config, f: &Facts, a: &AuthOutcome) -> Decision {
    policy(c, f, &RouteInfo::new(c, f), a)
}

#[test]
fn protected_page_redirects_with_safe_return_to() {
    let c = cfg(json!({}));
    let mut f = facts("/dashboard/settings");
    f.search = Some("?tab=1&x=%2F".into());
    let d = run(&c, &f, &AuthOutcome::default());
    assert_eq!(d.kind, "redirect");
    assert_eq!(
        d.location.as_deref(),
        Some("/login?returnTo=/dashboard/settings%3Ftab%3D1%26x%3D%252F")
    );
    // locale kept
    let d = run(&c, &facts("/de/dashboard"), &AuthOutcome::default());
    assert_eq!(
        d.location.as_deref(),
        Some("/de/login?returnTo=/de/dashboard")
    );
    // authenticated passes (the user header rule is `user_header_travels_when_...` below)
    let a = AuthOutcome {
        session: Some(session("user")),
        ..Default::default()
    };
    let d = run(&c, &facts("/dashboard"), &a);
    assert_eq!(d.kind, "next");
    // guests are not allowed in
    let a = AuthOutcome {
        session: Some(session("guest")),
        ..Default::default()
    };
    assert_eq!(run(&c, &facts("/dashboard"), &a).kind, "redirect");
}

#[test]
fn user_header_travels_when_the_request_is_rewritten_anyway() {
    let a = AuthOutcome {
        session: Some(session("user")),
        ..Default::default()
    };
    let has_user = |d: &Decision| {
        d.request_header("x-auth-user").is_some() && d.request_header("x-auth-user-sig").is_some()
    };
    // 'auto' (default): an unchanged request goes on bare; downstream reads the engine
    let c = cfg(json!({}));
    let d = run(&c, &facts("/dashboard"), &a);
    assert_eq!((d.kind.as_str(), d.request_headers.len()), ("next", 0));
    // ... but a client's internal header must be stripped: the request is rewritten anyway
    let mut f = facts("/dashboard");
    f.carries_internal = Some(true);
    assert!(has_user(&run(&c, &f, &a)));
    // ... and so it is when another header travels (the locale) or the cookie is rewritten
    let d = run(&c, &facts("/de/dashboard"), &a);
    assert_eq!(d.request_header("x-locale"), Some("de"));
    assert!(has_user(&d));
    let mut f = facts("/dashboard");
    f.cookie = Some("userToken=t; guestToken=g".into());
    let cleared = AuthOutcome {
        clear_guest: true,
        ..a.clone()
    };
    let d = run(&c, &f, &cleared);
    assert!(d.request_header("cookie").is_some());
    assert!(has_user(&d));
    // without a cache the downstream lookup would be a backend call: the header travels
    let c = cfg(json!({ "cache": { "ttl": 0 } }));
    assert!(has_user(&run(&c, &facts("/dashboard"), &a)));
    // a caller that reads no auth result gets none built (the packed hot path)
    let mut f = facts("/dashboard");
    f.no_auth_result = Some(true);
    assert!(run(&c, &f, &a).auth.is_none());
    assert!(run(&c, &facts("/dashboard"), &a).auth.is_some());
    // 'always': on every request with a session
    let c = cfg(json!({ "userHeader": "always" }));
    assert!(has_user(&run(&c, &facts("/dashboard"), &a)));
    assert!(!has_user(&run(
        &c,
        &facts("/dashboard"),
        &AuthOutcome::default()
    )));
}

#[test]
fn api_routes_get_json() {
    let c = cfg(json!({}));
    let d = run(&c, &facts("/api/profile"), &AuthOutcome::default());
    assert_eq!((d.kind.as_str(), d.status), ("json", 401));
    let a = AuthOutcome {
        session: Some(session("guest")),
        ..Default::default()
    };
    assert_eq!(run(&c, &facts("/api/profile"), &a).status, 403);
    let a = AuthOutcome {
        error: Some(ErrorCode::BackendUnavailable),
        ..Default::default()
    };
    let d = run(&c, &facts("/api/profile"), &a);
    assert_eq!(d.status, 503);
    assert!(d.body.unwrap().contains("ERR_BACKEND_UNAVAILABLE"));
    // unprotected API route with backend trouble: 503 too; public API route: goes on
    assert_eq!(run(&c, &facts("/api/cart"), &a).status, 503);
    assert_eq!(run(&c, &facts("/api/posts"), &a).kind, "next");
}

#[test]
fn auth_routes_send_signed_in_users_away() {
    let c = cfg(json!({}));
    let a = AuthOutcome {
        session: Some(session("user")),
        ..Default::default()
    };
    let d = run(&c, &facts("/login"), &a);
    assert_eq!(d.location.as_deref(), Some("/"));
    let mut f = facts("/login");
    f.search = Some("?returnTo=%2Fdashboard%3Fa%3D1".into());
    assert_eq!(run(&c, &f, &a).location.as_deref(), Some("/dashboard?a=1"));
    f.search = Some("?returnTo=%2F%2Fevil.com".into());
    assert_eq!(run(&c, &f, &a).location.as_deref(), Some("/"));
    f.search = Some("?returnTo=https://evil.com".into());
    assert_eq!(run(&c, &f, &a).location.as_deref(), Some("/"));
    // guests may see the login page
    let g = AuthOutcome {
        session: Some(session("guest")),
        ..Default::default()
    };
    assert_eq!(run(&c, &facts("/login"), &g).kind, "next");
}

#[test]
fn return_to_never_leaves_the_site() {
    let c = cfg(json!({ "access": { "protectedByDefault": true } }));
    let d = run(&c, &facts("//evil.com"), &AuthOutcome::default());
    assert_eq!(d.location.as_deref(), Some("/login"));
    // a signed-in user on the login page is sent to the return-to: every off-site variant of
    // the shared table (raw and percent-encoded in the query) ends on the default path
    let table: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/return-to.json")).unwrap();
    let c = cfg(json!({}));
    let signed_in = AuthOutcome {
        session: Some(session("user")),
        ..Default::default()
    };
    let mut tried = 0;
    for case in table["cases"].as_array().unwrap() {
        if case.get("origin").is_some() {
            continue;
        }
        let input = case["input"].as_str().unwrap();
        let mut f = facts("/login");
        f.host = Some("app.test".into());
        f.origin = Some("https://app.test".into());
        f.search = Some(format!("?returnTo={}", encode_query_value(input)));
        let d = run(&c, &f, &signed_in);
        let want = case["expect"].as_str().unwrap_or("/");
        assert_eq!(d.location.as_deref(), Some(want), "returnTo {input:?}");
        tried += 1;
    }
    assert!(tried >= 60);
}

#[test]
fn backend_trouble_on_pages_keeps_cookies() {
    let c = cfg(json!({}));
    let mut f = facts("/");
    f.cookie = Some("userToken=t; guestToken=g".into());
    let a = AuthOutcome {
        source: Some(TokenSource::UserCookie),
        clear_user: true,
        error: Some(ErrorCode::BackendTimeout),
        ..Default::default()
    };
    let d = run(&c, &f, &a);
    assert_eq!(d.kind, "next");
    assert!(d.set_cookies.is_empty());
    assert_eq!(
        d.auth.unwrap().error.as_deref(),
        Some("ERR_BACKEND_TIMEOUT")
    );
}

#[test]
fn refreshed_token_reaches_cookies_and_downstream() {
    let c = cfg(json!({}));
    let mut f = facts("/dashboard");
    f.cookie = Some("a=1; userToken=old; guestToken=g".into());
    let a = AuthOutcome {
        session: Some(session("user")),
        source: Some(TokenSource::UserCookie),
        new_token: Some(NewToken::Refreshed(IssuedToken {
            token: "new".into(),
            refresh_token: Some("rt".into()),
            expires_in: Some(900),
            exp: None,
        })),
        clear_guest: true,
        ..Default::default()
    };
    let d = run(&c, &f, &a);
    assert_eq!(d.kind, "next");
    assert!(
        d.set_cookies
            .iter()
            .any(|s| s.starts_with("userToken=new; Path=/;")
                && s.contains("HttpOnly")
                && s.contains("SameSite=Lax"))
    );
    assert!(d.set_cookies.iter().any(|s| s.starts_with("guestToken=; ")));
    assert_eq!(d.request_header("x-refreshed-token"), Some("new"));
    assert_eq!(d.request_header("cookie"), Some("a=1; userToken=new"));
    assert!(d.auth.unwrap().refreshed);
}

#[test]
fn deleting_absent_cookies_writes_nothing() {
    let c = cfg(json!({}));
    let a = AuthOutcome {
        clear_user: true,
        clear_guest: true,
        ..Default::default()
    };
    let d = run(&c, &facts("/"), &a);
    assert!(d.set_cookies.is_empty());
    assert!(d.request_header("cookie").is_none());
    let mut f = facts("/");
    f.cookie = Some("userToken=bad".into());
    let d = run(&c, &f, &a);
    assert_eq!(d.set_cookies.len(), 1);
    assert_eq!(d.request_header("cookie"), Some(""));
}

#[test]
fn browser_navigation_detection() {
    let mut f = facts("/api/x");
    f.sec_fetch_mode = Some("navigate".into());
    assert!(is_browser_navigation(&f));
    f.sec_fetch_mode = Some("cors".into());
    assert!(!is_browser_navigation(&f));
    f.sec_fetch_mode = None;
    f.accept = Some("text/html,application/xhtml+xml".into());
    assert!(is_browser_navigation(&f));
}

#[test]
fn locale_header_and_default_protection() {
    let c = cfg(
        json!({ "access": { "protectedByDefault": true, "publicRoutes": ["/"] , "authRoutes": ["/login"] } }),
    );
    let d = run(&c, &facts("/en/anything"), &AuthOutcome::default());
    assert_eq!(
        d.location.as_deref(),
        Some("/en/login?returnTo=/en/anything")
    );
    let signed_in = AuthOutcome {
        session: Some(session("user")),
        ..Default::default()
    };
    let d = run(&c, &facts("/de"), &signed_in);
    assert_eq!(d.kind, "next");
    assert_eq!(d.request_header("x-locale"), Some("de"));
    // as in next-api-layer, a request without a valid token goes on without x-locale
    let d = run(&c, &facts("/de"), &AuthOutcome::default());
    assert_eq!(d.request_header("x-locale"), None);
    assert_eq!(d.auth.unwrap().locale.as_deref(), Some("de"));
    // no prefix: the default locale (none configured here), and with one configured
    assert_eq!(
        run(&c, &facts("/"), &signed_in).request_header("x-locale"),
        None
    );
    let c = cfg(json!({ "i18n": { "locales": ["en", "de"], "defaultLocale": "en" } }));
    let d = run(&c, &facts("/posts"), &signed_in);
    assert_eq!(d.request_header("x-locale"), Some("en"));
    assert_eq!(d.auth.unwrap().locale.as_deref(), Some("en"));
}

#[test]
fn api_without_token_or_guest_is_401_except_public_and_bypassed() {
    let c = cfg(json!({}));
    let d = run(&c, &facts("/api/things"), &AuthOutcome::default());
    assert_eq!((d.kind.as_str(), d.status), ("json", 401));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(d.body.as_deref().unwrap()).unwrap(),
        json!({ "success": false, "message": "Token not found" })
    );
    assert_eq!(
        run(&c, &facts("/api/posts/1"), &AuthOutcome::default()).kind,
        "next"
    );
    let d = run(&c, &facts("/api/auth/login"), &AuthOutcome::default());
    assert_eq!(d.kind, "next");
    assert_eq!(d.auth.unwrap().bypassed.as_deref(), Some("auth-api"));
    let c = cfg(json!({ "authApi": { "bypassPaths": ["/api/session"] } }));
    assert_eq!(
        run(&c, &facts("/api/auth/login"), &AuthOutcome::default()).status,
        401
    );
    assert_eq!(
        run(&c, &facts("/api/session"), &AuthOutcome::default()).kind,
        "next"
    );
}

#[test]
fn terminal_refresh_failure_logs_out_everywhere() {
    let c = cfg(json!({}));
    let a = AuthOutcome {
        clear_user: true,
        clear_guest: true,
        terminal: true,
        refresh_fail: Some(crate::auth::tokens::issue::RefreshFail::Reuse),
        ..Default::default()
    };
    let mut f = facts("/about");
    f.cookie = Some("userToken=u; guestToken=g".into());
    let d = run(&c, &f, &a);
    assert_eq!(d.kind, "redirect", "even a page that is not protected");
    assert!(d.location.as_deref().unwrap().starts_with("/login"));
    assert!(d.set_cookies.iter().any(|c| c.starts_with("userToken=;")));
    assert!(d.set_cookies.iter().any(|c| c.starts_with("guestToken=;")));
    assert_eq!(d.auth.unwrap().refresh_fail.as_deref(), Some("reuse"));
    f.path = "/api/things".into();
    let d = run(&c, &f, &a);
    assert_eq!((d.kind.as_str(), d.status), ("json", 401));
    assert!(d.body.unwrap().contains("Session expired"));
}

#[test]
fn dual_token_spelling_is_the_cookie_style() {
    let c = cfg(json!({
        "cookies": { "refresh": "rt", "refreshOptions": { "path": "/api/auth/refresh", "maxAge": 99 } }
    }));
    assert_eq!(c.refresh.style, crate::config::RefreshStyle::Cookie);
    assert_eq!(c.refresh.cookie, "rt");
    let a = AuthOutcome {
        session: Some(session("user")),
        new_token: Some(NewToken::Refreshed(IssuedToken {
            token: "at2".into(),
            refresh_token: Some("rt2".into()),
            expires_in: None,
            exp: None,
        })),
        ..Default::default()
    };
    let d = run(&c, &facts("/"), &a);
    let rt = d.set_cookies.iter().find(|c| c.starts_with("rt=")).unwrap();
    assert!(
        rt.contains("Path=/api/auth/refresh") && rt.contains("Max-Age=99"),
        "{rt}"
    );
    let at = d
        .set_cookies
        .iter()
        .find(|c| c.starts_with("userToken="))
        .unwrap();
    assert!(at.contains("Path=/;"), "{at}");
    // proactive + proactiveWindow set the threshold
    let c = cfg(json!({ "refresh": { "proactive": true } }));
    assert_eq!(c.refresh.threshold_seconds, 120);
    let c = cfg(json!({ "refresh": { "proactive": true, "proactiveWindow": 30 } }));
    assert_eq!(c.refresh.threshold_seconds, 30);
    let e = Config::from_value(&json!({
        "apiBaseUrl": "http://x.test", "cookies": { "refresh": "rt" }, "refresh": { "style": "bearer" }
    }))
    .unwrap_err();
    assert!(e.message.starts_with("refresh.style"), "{}", e.message);
}

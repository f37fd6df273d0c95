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
    // authenticated passes, with x-auth-user
    let a = AuthOutcome {
        session: Some(session("user")),
        ..Default::default()
    };
    let d = run(&c, &facts("/dashboard"), &a);
    assert_eq!(d.kind, "next");
    assert!(d.request_header("x-auth-user").is_some());
    // guests are not allowed in
    let a = AuthOutcome {
        session: Some(session("guest")),
        ..Default::default()
    };
    assert_eq!(run(&c, &facts("/dashboard"), &a).kind, "redirect");
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
    assert!(safe_return_path("/a").is_some());
    assert!(safe_return_path("//evil.com").is_none());
    assert!(safe_return_path("/\\evil.com").is_none());
    assert!(safe_return_path("https://evil.com").is_none());
    assert!(safe_return_path("/a\r\nx").is_none());
    let c = cfg(json!({ "access": { "protectedByDefault": true } }));
    let d = run(&c, &facts("//evil.com"), &AuthOutcome::default());
    assert_eq!(d.location.as_deref(), Some("/login"));
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
    let d = run(&c, &facts("/de"), &AuthOutcome::default());
    assert_eq!(d.kind, "next");
    assert_eq!(d.request_header("x-locale"), Some("de"));
    // no prefix: the default locale (none configured here), and with one configured
    assert_eq!(
        run(&c, &facts("/"), &AuthOutcome::default()).request_header("x-locale"),
        None
    );
    let c = cfg(json!({ "i18n": { "locales": ["en", "de"], "defaultLocale": "en" } }));
    let d = run(&c, &facts("/posts"), &AuthOutcome::default());
    assert_eq!(d.request_header("x-locale"), Some("en"));
    assert_eq!(d.auth.unwrap().locale.as_deref(), Some("en"));
}

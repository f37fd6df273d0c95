use super::*;
use crate::error::ErrorCode;
use serde_json::json;

fn err(v: Value) -> LayerError {
    Config::from_value(&v).unwrap_err()
}

#[test]
fn defaults() {
    let c = Config::from_value(&json!({ "apiBaseUrl": "http://127.0.0.1:4000/" })).unwrap();
    assert_eq!(c.api_base_url, "http://127.0.0.1:4000");
    assert_eq!(c.validate_url, "http://127.0.0.1:4000/auth/me");
    assert_eq!(c.refresh_url, "http://127.0.0.1:4000/auth/refresh");
    assert_eq!(c.guest_url, "http://127.0.0.1:4000/auth/guest");
    assert_eq!(c.user_cookie, "userToken");
    assert_eq!(c.guest_cookie, "guestToken");
    assert_eq!(c.cache_ttl, Duration::from_millis(2000));
    assert_eq!(c.cache_max_size, 100);
    assert_eq!(c.guest.ttl_seconds, 3600);
    assert!(!c.guest.enabled);
    assert_eq!(c.refresh.style, RefreshStyle::Bearer);
    assert_eq!(c.refresh.grace, Duration::from_millis(10_000));
    assert_eq!(c.access.login_path, "/login");
    assert_eq!(c.access.allowed_token_types, vec!["user"]);
    assert!(c.cookie_options.http_only);
    assert_eq!(c.cookie_options.path, "/");
    assert_eq!(c.user_header, UserHeader::Auto);
}

#[test]
fn errors_name_the_option() {
    let e = err(json!({}));
    assert_eq!(e.code, ErrorCode::ConfigInvalid);
    assert!(e.message.starts_with("apiBaseUrl"), "{}", e.message);
    for bad in [
        "not a url",
        "ftp://x",
        "http://",
        "http://a b",
        "http://x:99999",
    ] {
        let e = err(json!({ "apiBaseUrl": bad }));
        assert!(e.message.starts_with("apiBaseUrl"), "{bad}: {}", e.message);
    }
    for (bad, want) in [
        (
            json!("header"),
            "userHeader must be 'auto' or 'always' (got \"header\")",
        ),
        (json!(true), "userHeader must be a string (got a boolean)"),
    ] {
        let e = err(json!({ "apiBaseUrl": "http://x", "userHeader": bad }));
        assert_eq!(e.message, want);
    }
    let c = Config::from_value(&json!({ "apiBaseUrl": "http://x", "userHeader": "always" }));
    assert_eq!(c.unwrap().user_header, UserHeader::Always);
    let e = err(json!({ "apiBaseUrl": "http://x", "cache": { "ttl": -1 } }));
    assert_eq!(e.message, "cache.ttl must be a non-negative number");
    let e = err(json!({ "apiBaseUrl": "http://x", "guestToken": { "ttl": -5 } }));
    assert!(e.message.starts_with("guestToken.ttl"));
    let e =
        err(json!({ "apiBaseUrl": "http://x", "access": { "protectedRoutes": ["dashboard"] } }));
    assert!(e.message.starts_with("access.protectedRoutes"));
    let e = err(json!({ "apiBaseUrl": "http://x", "refresh": { "style": "magic" } }));
    assert!(e.message.starts_with("refresh.style"));
    let e = err(json!({ "apiBaseUrl": "http://x", "cookies": { "user": "a b" } }));
    assert!(e.message.starts_with("cookies.user"));
    let e = err(json!({ "apiBaseUrl": "http://x", "access": { "loginPath": "//evil.com" } }));
    assert!(e.message.starts_with("access.loginPath"));
    for (bad, option) in [
        (
            json!({ "apiBaseUrl": "http://x", "responseMappers": { "parseMe": {} } }),
            "responseMappers.parseMe is not a known option",
        ),
        (
            json!({ "apiBaseUrl": "http://x", "access": { "allowedTokenTypes": [] } }),
            "access.allowedTokenTypes",
        ),
        (
            json!({ "apiBaseUrl": "http://x", "cookies": { "user": "t", "guest": "t" } }),
            "cookies.guest must differ",
        ),
        (
            json!({ "apiBaseUrl": "http://x", "refresh": { "style": "cookie", "cookie": "userToken" } }),
            "refresh.cookie must differ",
        ),
    ] {
        let e = err(bad);
        assert_eq!(e.code, ErrorCode::ConfigInvalid);
        assert!(e.message.starts_with(option), "{option}: {}", e.message);
    }
    // The refresh cookie is unused (and free) in the bearer style.
    assert!(
        Config::from_value(
            &json!({ "apiBaseUrl": "http://x", "refresh": { "cookie": "userToken" } })
        )
        .is_ok()
    );
    let e = err(
        json!({ "apiBaseUrl": "http://x", "responseMappers": { "parseAuthMe": { "user": 5 } } }),
    );
    assert!(
        e.message.starts_with("responseMappers.parseAuthMe.user"),
        "{}",
        e.message
    );
}

#[test]
fn unknown_options_are_reported() {
    let c = Config::from_value(&json!({
      "apiBaseUrl": "http://x",
      "access": { "protectedRoute": ["/dashboard/**"], "loginPath": "/signin" },
      "cookies": { "options": { "sameSite": "lax", "httponly": true } },
      "debug": true
    }))
    .unwrap();
    let mut w = c.warnings.clone();
    w.sort();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].starts_with("access.protectedRoute is not a known option"));
    assert!(w[1].starts_with("cookies.options.httponly is not a known option"));
    assert!(w[2].starts_with("debug is not a known option"));
    // every documented option is known
    let c = Config::from_value(&json!({
      "apiBaseUrl": "http://x",
      "cookies": { "user": "u", "guest": "g", "options": { "httpOnly": true, "sameSite": "lax", "secure": false, "path": "/", "domain": "x", "maxAge": 1 } },
      "endpoints": { "validate": "a", "refresh": "b", "guest": "c" },
      "guestToken": { "enabled": false, "credentials": {}, "ttl": 1 },
      "refresh": { "enabled": true, "style": "bearer", "thresholdSeconds": 1, "graceMs": 1, "cookie": "r", "bodyField": "f" },
      "access": { "protectedRoutes": [], "authRoutes": [], "publicRoutes": [], "protectedByDefault": false,
                  "allowedTokenTypes": ["user"], "loginPath": "/l", "returnToParam": "r", "afterLoginPath": "/", "apiPrefix": "/api" },
      "cache": { "ttl": 1, "maxSize": 1, "negativeTtl": 1 },
      "timeout": 5, "backend": { "timeout": 5 },
      "i18n": { "enabled": false, "locales": [], "defaultLocale": "en", "middleware": null },
      "responseMappers": {}, "jsMappers": {}, "production": false, "excludedPaths": [],
      "blockBrowserApiAccess": false, "beforeAuth": null, "afterAuth": null,
      "rateLimit": null, "csrf": null, "audit": null
    }))
    .unwrap();
    assert_eq!(c.warnings, Vec::<String>::new());
}

#[test]
fn security_keys_pass_through() {
    let c = Config::from_value(&json!({
      "apiBaseUrl": "https://api.example.com/v1",
      "rateLimit": { "max": 5 }, "csrf": { "enabled": true }, "audit": { "enabled": true }
    }))
    .unwrap();
    assert_eq!(c.rate_limit, Some(json!({ "max": 5 })));
    assert!(c.csrf.is_some() && c.audit.is_some());
    assert_eq!(c.validate_url, "https://api.example.com/v1/auth/me");
}

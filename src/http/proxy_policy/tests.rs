use super::*;

fn segs(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn policy(skip_by_default: bool) -> ProxyPolicy {
    ProxyPolicy::new(&ProxyPolicyConfig {
        api_base_url: "http://127.0.0.1:4000".into(),
        user_cookie_name: None,
        guest_cookie_name: None,
        skip_auth_by_default: skip_by_default,
        public_endpoints: vec!["/posts".into(), "/posts/*".into(), "/public/**".into()],
        trailing_slash: false,
    })
    .unwrap()
}

fn req<'a>(segs: &'a [String], method: &'a str, skip: Option<&'a str>) -> ProxyRequest<'a> {
    ProxyRequest {
        path: PathInput::Segments(segs),
        query: "",
        method,
        cookie_header: Some("guestToken=g; userToken=u"),
        refreshed_token: None,
        skip_auth_header: skip,
    }
}

fn token_of(d: &ProxyDecision<'_>) -> Option<String> {
    match d {
        ProxyDecision::Forward { token, .. } => token.map(|t| t.token.to_string()),
        ProxyDecision::Reject { .. } => panic!("rejected: {d:?}"),
    }
}

#[test]
fn protected_endpoints_always_carry_the_token() {
    let p = policy(true);
    let s = segs(&["profile"]);
    assert_eq!(
        token_of(&p.decide(&req(&s, "GET", None))).as_deref(),
        Some("u")
    );
    // x-skip-auth cannot strip auth from a protected call
    assert_eq!(
        token_of(&p.decide(&req(&s, "GET", Some("true")))).as_deref(),
        Some("u")
    );
    let p = policy(false);
    assert_eq!(
        token_of(&p.decide(&req(&s, "POST", Some("1")))).as_deref(),
        Some("u")
    );
}

#[test]
fn public_endpoints_and_skip_auth() {
    let s = segs(&["posts", "3"]);
    // skipAuthByDefault: public calls carry no token, and a client cannot add one
    let p = policy(true);
    assert_eq!(token_of(&p.decide(&req(&s, "GET", None))), None);
    assert_eq!(token_of(&p.decide(&req(&s, "GET", Some("false")))), None);
    // without it: token by default, x-skip-auth honoured on public endpoints only
    let p = policy(false);
    assert_eq!(
        token_of(&p.decide(&req(&s, "GET", None))).as_deref(),
        Some("u")
    );
    assert_eq!(token_of(&p.decide(&req(&s, "GET", Some("true")))), None);
    assert_eq!(
        token_of(&p.decide(&req(&s, "GET", Some("nope")))).as_deref(),
        Some("u")
    );
    let deep = segs(&["public", "a", "b"]);
    match p.decide(&req(&deep, "GET", Some("true"))) {
        ProxyDecision::Forward { public, auth, .. } => assert!(public && !auth),
        d => panic!("{d:?}"),
    }
    // `/posts/*` does not cover `/posts/3/comments`
    let s = segs(&["posts", "3", "comments"]);
    assert_eq!(
        token_of(&p.decide(&req(&s, "GET", Some("true")))).as_deref(),
        Some("u")
    );
}

#[test]
fn cascade_order_and_header_safety() {
    let p = policy(false);
    let s = segs(&["cart"]);
    let mut r = req(&s, "GET", None);
    r.refreshed_token = Some("fresh");
    assert_eq!(token_of(&p.decide(&r)).as_deref(), Some("fresh"));
    r.refreshed_token = None;
    r.cookie_header = Some("guestToken=g");
    assert_eq!(token_of(&p.decide(&r)).as_deref(), Some("g"));
    r.cookie_header = None;
    assert_eq!(token_of(&p.decide(&r)), None);
    // a token that would break the header is dropped
    r.refreshed_token = Some("a\r\nX-Evil: 1");
    assert_eq!(token_of(&p.decide(&r)), None);
}

#[test]
fn trailing_slash_option() {
    let mut p = policy(false);
    p.trailing_slash = true;
    let s = segs(&["posts", "3"]);
    let mut r = req(&s, "GET", None);
    r.query = "?a=1";
    match p.decide(&r) {
        ProxyDecision::Forward { target, public, .. } => {
            assert_eq!(target.url, "http://127.0.0.1:4000/posts/3/?a=1");
            assert!(public, "globs still match with the slash");
        }
        d => panic!("{d:?}"),
    }
    let raw_slash = PathInput::Raw("posts/");
    assert_eq!(
        p.base().target_with(raw_slash, "", true).unwrap().path,
        "/posts/"
    );
    assert_eq!(
        p.base()
            .target_with(PathInput::Raw(""), "", true)
            .unwrap()
            .path,
        ""
    );
}

#[test]
fn methods_and_bodies() {
    let p = policy(false);
    let s = segs(&["echo"]);
    for (m, body) in [
        ("GET", false),
        ("HEAD", false),
        ("POST", true),
        ("DELETE", true),
        ("OPTIONS", true),
    ] {
        match p.decide(&req(&s, m, None)) {
            ProxyDecision::Forward { has_body, .. } => assert_eq!(has_body, body, "{m}"),
            d => panic!("{d:?}"),
        }
    }
    match p.decide(&req(&s, "TRACE", None)) {
        ProxyDecision::Reject { status, .. } => assert_eq!(status, 405),
        d => panic!("{d:?}"),
    }
    let bad = segs(&["..", "etc"]);
    match p.decide(&req(&bad, "GET", None)) {
        ProxyDecision::Reject { status, code, .. } => {
            assert_eq!(status, 400);
            assert_eq!(code, "ERR_PATH_DOT_SEGMENT");
        }
        d => panic!("{d:?}"),
    }
}

#[test]
fn policy_config_errors_name_the_option() {
    let mut cfg = ProxyPolicyConfig {
        api_base_url: "http://x".into(),
        ..Default::default()
    };
    cfg.user_cookie_name = Some("bad name".into());
    assert!(
        ProxyPolicy::new(&cfg)
            .unwrap_err()
            .message
            .starts_with("userCookieName ")
    );
    cfg.user_cookie_name = None;
    cfg.guest_cookie_name = Some("".into());
    assert!(
        ProxyPolicy::new(&cfg)
            .unwrap_err()
            .message
            .starts_with("guestCookieName ")
    );
    cfg.guest_cookie_name = None;
    cfg.public_endpoints = vec!["posts".into()];
    assert!(
        ProxyPolicy::new(&cfg)
            .unwrap_err()
            .message
            .starts_with("publicEndpoints ")
    );
    cfg.public_endpoints = vec![];
    cfg.api_base_url = "".into();
    assert!(
        ProxyPolicy::new(&cfg)
            .unwrap_err()
            .message
            .starts_with("apiBaseUrl ")
    );
}

use super::*;

/// Facts with a distinct marker in every field, in wire order, and the flags field.
fn marked() -> String {
    let mut s = String::from("a");
    for (i, _) in FACTS.iter().enumerate() {
        s.push_str(&format!("\nv{i}"));
    }
    s
}

#[test]
fn every_facts_field_is_on_the_wire_exactly_once() {
    let (f, asked) = facts(&marked());
    assert!(asked.auth);
    // Exhaustive destructuring: a field added to `Facts` without a row in FACTS stops this
    // test from compiling; a row that sets the wrong field fails the marker check.
    let Facts {
        method,
        path,
        search,
        cookie,
        accept,
        sec_fetch_mode,
        sec_fetch_dest,
        sec_fetch_site,
        x_forwarded_for,
        x_real_ip,
        origin,
        host,
        user_agent,
        referer,
        content_type,
        x_csrf_token,
        refreshed_token,
        ip,
        rate_limit_key,
        // carried by the flags field (`p`, `i`), not fields of their own
        prefetch,
        carries_internal,
        no_auth_result,
    } = f;
    assert_eq!(prefetch, None);
    assert_eq!(carries_internal, None);
    // the `a` flag: the caller reads the auth result (see absent_and_short_facts for without)
    assert_eq!(no_auth_result, None);
    let mut got = vec![method, path];
    got.extend(
        [
            search,
            cookie,
            accept,
            sec_fetch_mode,
            sec_fetch_dest,
            sec_fetch_site,
            x_forwarded_for,
            x_real_ip,
            origin,
            host,
            user_agent,
            referer,
            content_type,
            x_csrf_token,
            refreshed_token,
            ip,
            rate_limit_key,
        ]
        .into_iter()
        .map(|v| v.expect("every fact set from its field")),
    );
    assert_eq!(got.len(), FACTS.len(), "one FACTS row per Facts field");
    got.sort();
    let mut want: Vec<String> = (0..FACTS.len()).map(|i| format!("v{i}")).collect();
    want.sort();
    assert_eq!(got, want, "each row sets a field of its own");
}

#[test]
fn fact_names_are_the_js_property_names_and_unique() {
    let mut names: Vec<_> = FACTS.iter().map(|f| f.name).collect();
    assert_eq!(names[..2], ["method", "path"]);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), FACTS.len());
    for f in FACTS {
        assert!(!f.name.contains(['-', '_']), "{} is camelCase", f.name);
        if let Some(h) = f.source.header() {
            assert_eq!(h, h.to_ascii_lowercase());
        }
    }
}

#[test]
fn absent_and_short_facts() {
    let (f, a) = facts("\nGET\n/");
    assert!(!a.auth && !a.keep && f.cookie.is_none() && f.path == "/");
    // no `a` flag: nobody reads the auth result, so the engine builds none
    assert_eq!(f.no_auth_result, Some(true));
    let (f, _) = facts("");
    assert_eq!((f.method.as_str(), f.path.as_str()), ("GET", "/"));
    let (f, a) =
        facts("a\nPOST\n/x\n?q=1\nuserToken=t\n\n\n\n\n1.2.3.4\n\n\n\nUA\n\n\ncsrf\n\n\nkey");
    assert!(a.auth);
    assert_eq!(f.method, "POST");
    assert_eq!(f.search.as_deref(), Some("?q=1"));
    assert_eq!(f.cookie.as_deref(), Some("userToken=t"));
    assert_eq!(f.accept, None);
    assert_eq!(f.x_forwarded_for.as_deref(), Some("1.2.3.4"));
    assert_eq!(f.user_agent.as_deref(), Some("UA"));
    assert_eq!(f.x_csrf_token.as_deref(), Some("csrf"));
    assert_eq!(f.rate_limit_key.as_deref(), Some("key"));
    assert_eq!(f.prefetch, None);
    // the `p` flag marks a prefetch (rateLimit.skipPrefetch)
    let (f, a) = facts("ap\nGET\n/");
    assert!(a.auth);
    assert_eq!(f.prefetch, Some(true));
    assert_eq!(f.carries_internal, None);
    // the `i` flag: the request carries an internal header the adapter will strip
    let (f, a) = facts("i\nGET\n/");
    assert!(!a.auth);
    assert_eq!((f.prefetch, f.carries_internal), (None, Some(true)));
    // the `m` flag (after `a` and `i`): the adapter keeps a bare answer
    let (f, a) = facts("aimp\nGET\n/");
    assert_eq!((a.auth, a.keep), (true, true));
    assert_eq!((f.prefetch, f.carries_internal), (Some(true), Some(true)));
}

#[test]
fn every_decision_field_is_on_the_wire() {
    // Exhaustive construction: a field added to Decision or AuthResult stops this compiling
    // until it gets a value here, and the count check below until it gets a row.
    let d = Decision {
        kind: "next".into(),
        status: 200,
        location: Some("/l".into()),
        body: Some("{}".into()),
        set_cookies: vec!["a=1".into()],
        request_headers: vec!["x-auth-user".into(), "e30=".into()],
        response_headers: vec![],
        auth: Some(AuthResult {
            is_authenticated: true,
            is_guest: false,
            token_type: Some("user".into()),
            user_json: Some("{\"id\":1}".into()),
            token_source: Some("user".into()),
            refreshed: true,
            guest_created: false,
            error: None,
            locale: Some("de".into()),
            refresh_fail: Some("reuse".into()),
            bypassed: Some("auth-api".into()),
        }),
    };
    assert_eq!(
        DECISION.len() + 1,
        8,
        "one DECISION row per Decision field but auth"
    );
    assert_eq!(AUTH.len(), 11, "one AUTH row per AuthResult field");
    let s = decision(&d, false);
    assert_eq!(s, "next\n200\n/l\n{}\n1\na=1\n2\nx-auth-user\ne30=\n0");
    let s = decision(&d, true);
    assert_eq!(
        s.split('\n').skip(10).collect::<Vec<_>>(),
        [
            "1",
            "",
            "user",
            "{\"id\":1}",
            "user",
            "1",
            "",
            "",
            "de",
            "reuse",
            "auth-api"
        ]
    );
    let bare = decision(&Decision::next(), true);
    assert_eq!(bare.split('\n').count(), 7 + 11);
}

#[test]
fn a_bare_next_is_one_letter_and_only_that() {
    assert_eq!(decision(&Decision::next(), false), BARE_NEXT);
    // anything to carry, or the auth result asked for: the full form
    let mut with_header = Decision::next();
    with_header.request_headers = vec!["x-locale".into(), "de".into()];
    let mut with_cookie = Decision::next();
    with_cookie.set_cookies = vec!["a=1".into()];
    let mut with_response_header = Decision::next();
    with_response_header.response_headers = vec!["x-ratelimit-limit".into(), "5".into()];
    let redirect = Decision::redirect("/login".into());
    for d in [&with_header, &with_cookie, &with_response_header, &redirect] {
        assert_ne!(decision(d, false), BARE_NEXT, "{d:?}");
    }
    assert_ne!(decision(&Decision::next(), true), BARE_NEXT);
}

#[test]
fn field_kinds() {
    let kinds: Vec<_> = DECISION.iter().map(|f| (f.name, f.kind())).collect();
    assert_eq!(
        kinds,
        [
            ("kind", "str"),
            ("status", "num"),
            ("location", "str"),
            ("body", "str"),
            ("setCookies", "list"),
            ("requestHeaders", "list"),
            ("responseHeaders", "list"),
        ]
    );
    assert!(AUTH.iter().all(|f| matches!(f.kind(), "str" | "bool")));
}

#[test]
fn a_newline_never_smuggles_a_field() {
    let mut d = Decision::next();
    d.location = Some("/a\nSet-Cookie: x".into());
    assert!(!decision(&d, false).contains("\nSet-Cookie"));
    assert_eq!(decision(&d, false).split('\n').count(), 7);
}

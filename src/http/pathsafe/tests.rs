use super::*;

fn base() -> BaseUrl {
    BaseUrl::parse("apiBaseUrl", "http://127.0.0.1:4000/api/v1/").unwrap()
}

fn segs(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn seg_target(s: &[&str], q: &str) -> std::result::Result<SafeTarget, Rejection> {
    let v = segs(s);
    base().target(PathInput::Segments(&v), q)
}

fn raw_target(p: &str, q: &str) -> std::result::Result<SafeTarget, Rejection> {
    base().target(PathInput::Raw(p), q)
}

#[test]
fn plain_paths_are_joined_under_the_base() {
    let t = seg_target(&["posts", "1"], "").unwrap();
    assert_eq!(t.url, "http://127.0.0.1:4000/api/v1/posts/1");
    assert_eq!(t.path, "/posts/1");
    assert_eq!(
        seg_target(&[], "").unwrap().url,
        "http://127.0.0.1:4000/api/v1"
    );
    assert_eq!(
        raw_target("/posts/1", "").unwrap().url,
        "http://127.0.0.1:4000/api/v1/posts/1"
    );
    assert_eq!(
        raw_target("posts/", "").unwrap().url,
        "http://127.0.0.1:4000/api/v1/posts/"
    );
}

#[test]
fn decoded_segments_are_re_encoded() {
    let t = seg_target(&["users", "john doe", "100%", "ä", "a?b#c"], "").unwrap();
    assert_eq!(t.path, "/users/john%20doe/100%25/%C3%A4/a%3Fb%23c");
    // sub-delims and ':' '@' stay readable
    assert_eq!(
        seg_target(&["a:b@c+d,e;f=g"], "").unwrap_err(),
        Rejection::AbsoluteUrl
    );
    assert_eq!(
        seg_target(&["x", "a:b@c+d,e;f=g"], "").unwrap().path,
        "/x/a:b@c+d,e;f=g"
    );
}

#[test]
fn raw_paths_keep_their_escapes() {
    assert_eq!(
        raw_target("a%20b/c%C3%A4", "").unwrap().path,
        "/a%20b/c%C3%A4"
    );
    assert_eq!(raw_target("a b/\"x\"", "").unwrap().path, "/a%20b/%22x%22");
}

#[test]
fn query_is_preserved_exactly() {
    let q = "?a=1&a=2&b=%2F%20x+y&c=%E2%9C%93&empty=&flag";
    let t = seg_target(&["echo"], q).unwrap();
    assert_eq!(t.url, format!("http://127.0.0.1:4000/api/v1/echo{q}"));
    assert_eq!(
        seg_target(&["echo"], "x=1").unwrap().url,
        "http://127.0.0.1:4000/api/v1/echo?x=1"
    );
    assert_eq!(
        seg_target(&["echo"], "?").unwrap().url,
        "http://127.0.0.1:4000/api/v1/echo"
    );
    assert_eq!(
        seg_target(&["echo"], "a=\n").unwrap_err(),
        Rejection::BadQuery
    );
    assert_eq!(
        seg_target(&["echo"], "a=%00").unwrap().url,
        "http://127.0.0.1:4000/api/v1/echo?a=%00"
    );
    assert_eq!(
        seg_target(&["echo"], "a=1#frag").unwrap_err(),
        Rejection::BadQuery
    );
    assert_eq!(
        seg_target(&["echo"], "a=\0").unwrap_err(),
        Rejection::BadQuery
    );
}

#[test]
fn dot_segments_are_rejected_in_every_encoding() {
    for s in [
        "..",
        ".",
        "...",
        ".. ",
        " ..",
        "%2e%2e",
        "%2E%2E",
        "%2e.",
        ".%2E",
        "%252e%252e",
        "%25252e%25252E",
        "%2e",
        "%252E",
    ] {
        assert_eq!(
            seg_target(&["a", s, "b"], "").unwrap_err(),
            Rejection::DotSegment,
            "segment {s}"
        );
        assert_eq!(
            raw_target(&format!("a/{s}/b"), "").unwrap_err(),
            Rejection::DotSegment,
            "raw {s}"
        );
    }
    // dots inside a name are fine
    assert_eq!(seg_target(&["file..txt"], "").unwrap().path, "/file..txt");
    assert_eq!(
        seg_target(&[".well-known"], "").unwrap().path,
        "/.well-known"
    );
}

#[test]
fn dot_segments_with_path_parameters_or_unicode_dots_are_rejected() {
    // `;` parameters (Tomcat/Jetty/Spring read `..;x` as `..`), fullwidth and other NFKC
    // look-alikes of `.`, `/`, `\` and `;`, raw and percent-encoded
    let dots = [
        "..;",
        "..;x=1",
        ".;",
        "..;/",
        "%2e%2e;",
        "%2e%2e%3b",
        "..%3bjsessionid=1",
        "%252e%252e%253b",
        ".. ;",
        "\u{ff0e}\u{ff0e}",
        "\u{ff0e}",
        "\u{ff0e}.",
        "%EF%BC%8E%EF%BC%8E",
        "%25EF%25BC%258E%25EF%25BC%258E",
        "..\u{ff1b}x",
        "\u{ff0e}\u{ff0e}\u{ff1b}",
        "\u{2024}\u{2024}",
        "\u{2025}",
        "\u{fe52}\u{fe52}",
    ];
    for s in dots {
        let seg = seg_target(&["a", s, "b"], "");
        assert!(
            matches!(
                seg,
                Err(Rejection::DotSegment | Rejection::EncodedSeparator)
            ),
            "segment {s:?}: {seg:?}"
        );
        let raw = raw_target(&format!("a/{s}/b"), "");
        assert!(raw.is_err(), "raw {s:?}: {raw:?}");
    }
    for s in [";", ";jsessionid=1", "%3b", "\u{ff1b}x"] {
        assert!(seg_target(&["a", s, "b"], "").is_err(), "{s:?}");
    }
    for s in ["\u{ff0f}etc", "a\u{ff3c}b", "%EF%BC%8F"] {
        assert_eq!(
            seg_target(&["a", s], "").unwrap_err(),
            Rejection::EncodedSeparator,
            "{s:?}"
        );
    }
    // parameters on ordinary names, and non-ASCII names, still pass
    assert!(seg_target(&["a;v=1", "b"], "").is_ok());
    assert!(seg_target(&["caf\u{e9}", "\u{65e5}\u{672c}"], "").is_ok());
    assert!(seg_target(&["file\u{ff0e}txt"], "").is_ok());
}

#[test]
fn separators_are_rejected_in_every_encoding() {
    for s in [
        "a/b",
        "a\\b",
        "..\\..",
        "%2f",
        "%2F",
        "%5c",
        "%5C",
        "%252f",
        "%255C",
        "a%2F..%2Fb",
        "%25252f",
    ] {
        assert_eq!(
            seg_target(&[s], "").unwrap_err(),
            Rejection::EncodedSeparator,
            "segment {s}"
        );
    }
    for s in ["a%2fb", "%5C", "a\\b", "%252F", "..%5c..%5cetc"] {
        assert_eq!(
            raw_target(s, "").unwrap_err(),
            Rejection::EncodedSeparator,
            "raw {s}"
        );
    }
}

#[test]
fn empty_segments_and_protocol_relative_are_rejected() {
    assert_eq!(
        seg_target(&["", "evil.com"], "").unwrap_err(),
        Rejection::EmptySegment
    );
    assert_eq!(
        seg_target(&["a", ""], "").unwrap_err(),
        Rejection::EmptySegment
    );
    assert_eq!(
        raw_target("//evil.com/x", "").unwrap_err(),
        Rejection::EmptySegment
    );
    assert_eq!(raw_target("a//b", "").unwrap_err(), Rejection::EmptySegment);
}

#[test]
fn absolute_urls_are_rejected() {
    for s in [
        "http:",
        "https:",
        "javascript:alert(1)",
        "HTTP:",
        "file:",
        "data:text/html",
        "%68ttp:",
    ] {
        let err = seg_target(&[s, "evil.com"], "").unwrap_err();
        assert!(
            matches!(err, Rejection::AbsoluteUrl | Rejection::EncodedSeparator),
            "segment {s}: {err:?}"
        );
    }
    assert_eq!(
        raw_target("http://evil.com/x", "").unwrap_err(),
        Rejection::AbsoluteUrl
    );
    assert_eq!(
        raw_target("javascript:alert(1)", "").unwrap_err(),
        Rejection::AbsoluteUrl
    );
    assert_eq!(
        raw_target("http%3A%2F%2Fevil.com", "").unwrap_err(),
        Rejection::EncodedSeparator
    );
    // a colon later in the path is fine
    assert!(seg_target(&["items", "urn:x"], "").is_ok());
}

#[test]
fn control_characters_are_rejected() {
    for s in [
        "a\0b", "a\nb", "a\rb", "\t", "a\x7fb", "%00", "%0a", "%0D%0A", "%2500",
    ] {
        assert_eq!(
            seg_target(&[s], "").unwrap_err(),
            Rejection::ControlCharacter,
            "segment {s:?}"
        );
    }
    assert_eq!(
        raw_target("a%00b", "").unwrap_err(),
        Rejection::ControlCharacter
    );
}

#[test]
fn malformed_and_deep_escapes() {
    assert_eq!(raw_target("a%zz", "").unwrap_err(), Rejection::BadEscape);
    assert_eq!(raw_target("a%2", "").unwrap_err(), Rejection::BadEscape);
    // decoded segments may hold a literal '%' (Next.js already decoded them once)
    assert_eq!(seg_target(&["%zz"], "").unwrap().path, "/%25zz");
    let deep = "%2525252525252541";
    assert_eq!(
        seg_target(&[deep], "").unwrap_err(),
        Rejection::TooDeeplyEncoded
    );
}

#[test]
fn base_url_validation_names_the_option() {
    for bad in [
        "",
        "not a url",
        "ftp://x",
        "http://x/?a=1",
        "http://x/#f",
        "http://u:p@x/",
        "/relative",
    ] {
        let e = BaseUrl::parse("apiBaseUrl", bad).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::ConfigInvalid, "{bad}");
        assert!(e.message.starts_with("apiBaseUrl "), "{}", e.message);
    }
    let b = BaseUrl::parse("apiBaseUrl", "https://api.example.com").unwrap();
    assert_eq!(b.as_str(), "https://api.example.com");
    let v = segs(&["x"]);
    assert_eq!(
        b.target(PathInput::Segments(&v), "").unwrap().url,
        "https://api.example.com/x"
    );
}

#[test]
fn random_inputs_never_leave_the_base() {
    use rand::{Rng, SeedableRng, rngs::StdRng};
    // Pieces that matter for traversal, mixed at random (seeded: reproducible).
    let pieces = [
        ".", "..", "%2e", "%2E", "%25", "%252e", "%2f", "%2F", "%5c", "/", "\\", ":", "@", "?",
        "#", "%3f", "%23", "http:", "//", "a", "b", " ", "%00", "\u{e9}", "%c3%a9", ";", "%3b",
        "=", "&", "+",
    ];
    let b = BaseUrl::parse("apiBaseUrl", "http://127.0.0.1:4000/api/v1").unwrap();
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let (mut accepted, mut rejected) = (0, 0);
    for _ in 0..20_000 {
        let n = rng.random_range(1..4);
        let segs: Vec<String> = (0..n)
            .map(|_| {
                let k = rng.random_range(1..5);
                (0..k)
                    .map(|_| pieces[rng.random_range(0..pieces.len())])
                    .collect()
            })
            .collect();
        let raw = segs.join("/");
        for t in [
            b.target(PathInput::Segments(&segs), "?q=1"),
            b.target(PathInput::Raw(&raw), "?q=1"),
        ] {
            match t {
                Ok(t) => {
                    accepted += 1;
                    let u = Url::parse(&t.url).unwrap();
                    assert_eq!(u.host_str(), Some("127.0.0.1"), "{segs:?} -> {}", t.url);
                    assert_eq!(u.port(), Some(4000), "{segs:?} -> {}", t.url);
                    let p = u.path();
                    assert!(
                        p == "/api/v1" || p.starts_with("/api/v1/"),
                        "{segs:?} -> {}",
                        t.url
                    );
                    assert_eq!(u.query(), Some("q=1"), "{segs:?} -> {}", t.url);
                    assert!(!u.path().contains("/../") && !u.path().contains("/./"));
                }
                Err(_) => rejected += 1,
            }
        }
    }
    // Both outcomes are exercised (the test would be vacuous otherwise).
    assert!(
        accepted > 1000 && rejected > 1000,
        "{accepted} accepted, {rejected} rejected"
    );
}

#[test]
fn target_never_leaves_the_base() {
    // Exhaustive-ish: every combination of tricky fragments either is rejected or stays inside.
    let parts = [
        "..", "%2e", "%2E%2e", "/", "%2f", "\\", "%5c", "%25", "http:", "//", "evil.com", "@", ":",
        "?", "#", "a", ".", " ",
    ];
    let b = base();
    for x in parts {
        for y in parts {
            for z in parts {
                let raw = format!("{x}{y}/{z}");
                if let Ok(t) = b.target(PathInput::Raw(&raw), "") {
                    let u = Url::parse(&t.url).unwrap();
                    assert_eq!(u.host_str(), Some("127.0.0.1"), "{raw}");
                    assert!(u.path().starts_with("/api/v1/"), "{raw} -> {}", t.url);
                }
                let v = segs(&[&format!("{x}{y}"), z]);
                if let Ok(t) = b.target(PathInput::Segments(&v), "") {
                    let u = Url::parse(&t.url).unwrap();
                    assert_eq!(u.host_str(), Some("127.0.0.1"), "{v:?}");
                    assert!(u.path().starts_with("/api/v1/"), "{v:?} -> {}", t.url);
                    assert_eq!(u.path().matches('/').count(), 4, "{v:?} -> {}", t.url);
                }
            }
        }
    }
}

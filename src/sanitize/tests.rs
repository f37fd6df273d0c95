//! Sanitizer tests: an XSS corpus run through every mode, benign text that must survive, the
//! JSON walk (skip fields, escapes, malformed input, depth 100000, a 50 MB body).

use super::config::DEFAULT_ALLOWED_TAGS;
use super::*;
use serde_json::json;

/// Known XSS vectors: OWASP filter-evasion cases, mutation XSS through noscript/svg/math,
/// entity-encoded `javascript:` URLs, event handlers, srcset, formaction.
const VECTORS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<a href=\"&#106;avascript:alert(1)\">entity</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">newline</a>",
    "<a href=\" &#14;  javascript:alert(1)\">lead</a>",
    "<a href=\"javascript&colon;alert(1)\">colon</a>",
    "<a href=\"vbscript:msgbox(1)\">vb</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<SCRIPT/XSS SRC=\"http://xss.rocks/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//\\<</SCRIPT>",
    "<SCRIPT SRC=http://xss.rocks/xss.js?< B >",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "<iframe src=http://xss.rocks/scriptlet.html <",
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"20\" y=\"20\">XSS</text></a></svg>",
    "<svg><animate attributeName=href values=javascript:alert(1) /><a><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title=\"</style><img src onerror=alert(1)>\"></style></h1>",
    "<img srcset=\"javascript:alert(1) 1x, /ok.png 2x\">",
    "<img src=\"/ok.png\" srcset=\"/a.png 1x, data:text/html,<script>alert(1)</script> 2x\">",
    "<form action=\"javascript:alert(1)\"><button formaction=\"javascript:alert(1)\">x</button></form>",
    "<button formaction=\"javascript:alert(1)\">x</button>",
    "<input type=\"submit\" formaction=\"JaVaScRiPt:alert(1)\">",
    "<details open ontoggle=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<video poster=javascript:alert(1)></video>",
    "<a href=\"javascript:alert(1)\" ping=\"javascript:alert(1)\">p</a>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version=\"1.0\"?><script>alert(1)</script>",
    "<textarea><script>alert(1)</script></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&lt;img src=x onerror=alert(1)&gt;",
    "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>",
    "<p>&amp;lt;script&amp;gt;</p>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "<img src=\"https://ok.example/a.png\" onerror=\"alert(1)\">",
    "<a href=\"java\u{0}script:alert(1)\">nul</a>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<a href=\"\u{FEFF}javascript:alert(1)\">bom</a>",
];

/// Plain text that must come back exactly as it went in (strip and allowList modes).
const BENIGN: &[&str] = &[
    "5 < 10 & Kur'an",
    "Tom & Jerry",
    "AT&T",
    "x < y > z",
    "if (a < 3 && b > 4) { return \"yes\"; }",
    "2 <= 3, 4 >= 1, a -> b, a <- b",
    "price > 100 & qty < 5",
    "mail me: someone@example.com",
    "https://example.com/path?a=1&b=2#frag",
    "/relative/path?x=1&y=2",
    "mailto:demo@example.com",
    "tel:+1-555-0100",
    "Ünïcødé — “quotes” ‘single’ 日本語 🎉",
    "line one\r\nline two\n\ttabbed",
    "&amp; stays as written",
    "back`tick and = equals and / slash",
    "",
];

fn cfg(mode: &str) -> SanitizeConfig {
    SanitizeConfig::from_json(&json!({ "mode": mode }), "sanitization").unwrap()
}

/// Every `<` that could open markup.
fn assert_no_markup(out: &str, input: &str) {
    assert!(
        !has_markup(out),
        "markup survived.\n input: {input:?}\noutput: {out:?}"
    );
}

/// Decodes the entities ammonia's serializer emits in attribute values.
fn attr_decode(v: &str) -> String {
    v.replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Checks ammonia-serialized HTML: every tag is allowed, no event handler or style attribute,
/// no script-capable URL in any attribute. Sound because ammonia's serializer escapes `<` in
/// text and quotes every attribute value.
fn assert_allowlist_safe(out: &str, input: &str, allowed: &[&str]) {
    let b = out.as_bytes();
    let mut i = 0;
    while let Some(p) = out[i..].find('<') {
        let start = i + p;
        let mut j = start + 1;
        // a `<` that cannot open markup is text (strings without markup pass through as-is)
        if !b
            .get(j)
            .is_some_and(|&n| n.is_ascii_alphabetic() || n == b'/' || n == b'!' || n == b'?')
        {
            i = j;
            continue;
        }
        if b.get(j) == Some(&b'/') {
            j += 1;
        }
        let name_start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b':') {
            j += 1;
        }
        let name = &out[name_start..j];
        assert!(
            allowed.contains(&name),
            "tag {name:?} survived.\n input: {input:?}\noutput: {out:?}"
        );
        // attributes: name="value"
        loop {
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            if j >= b.len() || b[j] == b'>' || b[j] == b'/' {
                break;
            }
            let an_start = j;
            while j < b.len() && b[j] != b'=' && b[j] != b' ' && b[j] != b'>' {
                j += 1;
            }
            let attr = out[an_start..j].to_ascii_lowercase();
            assert!(
                !attr.starts_with("on") && attr != "style" && attr != "srcdoc",
                "attribute {attr:?} survived.\n input: {input:?}\noutput: {out:?}"
            );
            if b.get(j) == Some(&b'=') {
                assert_eq!(b.get(j + 1), Some(&b'"'), "unquoted attribute in {out:?}");
                let vstart = j + 2;
                let vend = vstart + out[vstart..].find('"').expect("closing quote");
                let value = attr_decode(&out[vstart..vend]);
                // what a browser takes as the scheme: leading C0 controls and spaces are
                // skipped, tabs and newlines anywhere are removed; srcset has one URL per
                // comma-separated candidate
                let urls: Vec<&str> = if attr == "srcset" {
                    value.split(',').collect()
                } else {
                    vec![value.as_str()]
                };
                for url in urls {
                    let squashed: String = url
                        .trim_start_matches(|c: char| c <= ' ')
                        .chars()
                        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                        .collect::<String>()
                        .to_ascii_lowercase();
                    for bad in ["javascript:", "vbscript:", "data:text", "data:image/svg"] {
                        assert!(
                            !squashed.starts_with(bad),
                            "{bad} URL survived in {attr}.\n input: {input:?}\noutput: {out:?}"
                        );
                    }
                }
                j = vend + 1;
            }
        }
        i = j.max(start + 1);
    }
}

#[test]
fn strip_removes_all_markup_from_the_corpus() {
    let s = Sanitizer::new(&cfg("strip"));
    for v in VECTORS {
        let out = s.sanitize_str(v);
        assert_no_markup(&out, v);
        // running it again changes nothing: no markup is hiding in the result
        assert_eq!(s.sanitize_str(&out), out, "not stable for {v:?}");
    }
}

#[test]
fn strip_keeps_text_and_neutralizes_entity_encoded_markup() {
    let s = Sanitizer::new(&cfg("strip"));
    assert_eq!(s.sanitize_str("<b>Hello</b> <i>world</i>"), "Hello world");
    assert_eq!(s.sanitize_str("<p>5 < 10 & Kur'an</p>"), "5 < 10 & Kur'an");
    assert_eq!(
        s.sanitize_str("<script>alert(1)</script>Safe text"),
        "Safe text"
    );
    // entity-encoded markup inside markup: the parser decodes it to text `<script>`; turning
    // that back into plain text must not revive it
    assert_eq!(
        s.sanitize_str("<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>"),
        "&lt;script>alert(1)&lt;/script>"
    );
    // `a<b` is a start tag to an HTML parser (and to a browser), so its `<b` is markup
    assert_eq!(s.sanitize_str("a<b"), "a");
    // without markup the string is not touched at all (entities are not markup)
    assert_eq!(
        s.sanitize_str("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    );
    assert_eq!(
        s.sanitize_str(
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>"
        ),
        s.sanitize_str(
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>"
        )
    );
}

#[test]
fn escape_leaves_no_html_special_characters() {
    let s = Sanitizer::new(&cfg("escape"));
    for v in VECTORS {
        let out = s.sanitize_str(v);
        assert!(
            !out.contains(['<', '>', '"']),
            "unescaped output for {v:?}: {out:?}"
        );
    }
    assert_eq!(
        s.sanitize_str("5 < 10 & \"Kur'an\" > 3"),
        "5 &lt; 10 &amp; &quot;Kur'an&quot; &gt; 3"
    );
    // safe URLs are left alone
    assert_eq!(
        s.sanitize_str("https://example.com/?a=1&b=2"),
        "https://example.com/?a=1&b=2"
    );
}

#[test]
fn allowlist_keeps_only_allowed_safe_markup() {
    let s = Sanitizer::new(&cfg("allowList"));
    let allowed: Vec<&str> = DEFAULT_ALLOWED_TAGS.to_vec();
    for v in VECTORS {
        let out = s.sanitize_str(v);
        assert_allowlist_safe(&out, v, &allowed);
        // mutation XSS shows up as output that re-parses differently
        assert_eq!(
            s.sanitize_str(&out),
            out,
            "not stable under re-parse: {v:?}"
        );
    }
    assert_eq!(
        s.sanitize_str("<p>Hi <b>there</b> <a href=\"/posts/1\">post</a></p>"),
        "<p>Hi <b>there</b> <a href=\"/posts/1\" rel=\"noopener noreferrer\">post</a></p>"
    );
    assert_eq!(
        s.sanitize_str("<img src=\"https://cdn.example/a.png\" alt=\"a\" onerror=\"x()\">"),
        "<img src=\"https://cdn.example/a.png\" alt=\"a\">"
    );
}

#[test]
fn allowlist_custom_tags_and_attributes() {
    let c = SanitizeConfig::from_json(
        &json!({ "mode": "allowList", "allowedTags": ["p", "a", "img"], "allowedAttributes": { "a": ["href"], "img": ["src", "srcset"] } }),
        "sanitization",
    )
    .unwrap();
    let s = Sanitizer::new(&c);
    for v in VECTORS {
        let out = s.sanitize_str(v);
        assert_allowlist_safe(&out, v, &["p", "a", "img"]);
    }
    assert_eq!(s.sanitize_str("<p class=x><b>bold</b></p>"), "<p>bold</p>");
    assert_eq!(
        s.sanitize_str("<img srcset=\"/a.png 1x, /b.png 2x\">"),
        "<img srcset=\"/a.png 1x, /b.png 2x\">"
    );
    assert_eq!(
        s.sanitize_str("<img srcset=\"/a.png 1x, javascript:alert(1) 2x\">"),
        "<img>"
    );
    // array form: attributes for every allowed tag
    let c = SanitizeConfig::from_json(
        &json!({ "mode": "allowList", "allowedTags": ["span"], "allowedAttributes": ["title"] }),
        "sanitization",
    )
    .unwrap();
    assert_eq!(
        Sanitizer::new(&c).sanitize_str("<span title=\"t\" id=\"i\">x</span>"),
        "<span title=\"t\">x</span>"
    );
}

#[test]
fn data_images_only_when_configured() {
    let png = "<img src=\"data:image/png;base64,iVBORw0KGgo=\">";
    let off = Sanitizer::new(&cfg("allowList"));
    assert_eq!(off.sanitize_str(png), "<img>");
    let c = SanitizeConfig::from_json(
        &json!({ "mode": "allowList", "allowDataImages": true }),
        "sanitization",
    )
    .unwrap();
    let on = Sanitizer::new(&c);
    assert_eq!(on.sanitize_str(png), png);
    assert_eq!(
        on.sanitize_str("<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">"),
        "<img>"
    );
    assert_eq!(
        on.sanitize_str("<a href=\"data:image/png;base64,iVBORw0KGgo=\">x</a>"),
        "<a rel=\"noopener noreferrer\">x</a>"
    );
}

#[test]
fn benign_text_survives_unchanged() {
    for mode in ["strip", "allowList"] {
        let s = Sanitizer::new(&cfg(mode));
        for t in BENIGN {
            assert_eq!(s.sanitize_str(t), *t, "mode {mode} changed {t:?}");
        }
    }
    let s = Sanitizer::new(&cfg("escape"));
    for t in [
        "plain words",
        "Kur'an",
        "https://example.com/?a=1&b=2",
        "/path",
    ] {
        assert_eq!(s.sanitize_str(t), t);
    }
}

#[test]
fn disabled_changes_nothing() {
    let c = SanitizeConfig::from_json(&json!({ "enabled": false }), "sanitization").unwrap();
    let s = Sanitizer::new(&c);
    assert_eq!(s.sanitize_str("<script>x</script>"), "<script>x</script>");
    let j = r#"{"a":"<script>x</script>"}"#;
    assert_eq!(s.sanitize_json(j, &[]).unwrap(), j);
}

#[test]
fn config_errors_name_the_option() {
    let e = |v: serde_json::Value| SanitizeConfig::from_json(&v, "sanitization").unwrap_err().0;
    assert!(e(json!({ "mode": "nope" })).contains("sanitization.mode"));
    assert!(e(json!({ "enabled": "yes" })).contains("sanitization.enabled"));
    assert!(e(json!({ "allowedTags": "p" })).contains("sanitization.allowedTags"));
    assert!(e(json!({ "allowedTags": ["script"] })).contains("'script'"));
    assert!(e(json!({ "allowedTags": ["svg"] })).contains("'svg'"));
    assert!(e(json!({ "allowedAttributes": ["onclick"] })).contains("'onclick'"));
    assert!(e(json!({ "allowedAttributes": { "a": ["style"] } })).contains("'style'"));
    assert!(e(json!({ "allowedAttributes": 3 })).contains("sanitization.allowedAttributes"));
    assert!(e(json!({ "skipFields": [1] })).contains("sanitization.skipFields"));
    assert!(e(json!(5)).contains("sanitization must be an object"));
}

#[test]
fn json_walk_sanitizes_strings_only() {
    let s = Sanitizer::new(&cfg("strip"));
    let input = r#" { "success" : true, "data" : [ { "id": 1, "title": "<b>Hi</b>", "body": "<img src=x onerror=alert(1)>text", "n": -1.5e3, "x": null, "ok": false, "url": "https://e.com/?a=1&b=2" } ], "message": "5 < 10" } "#;
    let out = s.sanitize_json(input, &[]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        json!({ "success": true, "data": [ { "id": 1, "title": "Hi", "body": "text", "n": -1.5e3, "x": null, "ok": false, "url": "https://e.com/?a=1&b=2" } ], "message": "5 < 10" })
    );
    // keys are never rewritten; strings with escapes are decoded before sanitizing
    let out = s
        .sanitize_json(r#"{"<b>k</b>":"\u003cscript\u003ealert(1)\u003c/script\u003eok","e":"a\"b\\c\n\ud83c\udf89"}"#, &[])
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v, json!({ "<b>k</b>": "ok", "e": "a\"b\\c\n🎉" }));
    // top-level scalars
    assert_eq!(s.sanitize_json("\"<i>x</i>\"", &[]).unwrap(), "\"x\"");
    assert_eq!(s.sanitize_json(" 42 ", &[]).unwrap(), "42");
}

#[test]
fn json_skip_fields_by_name_and_path() {
    let c = SanitizeConfig::from_json(
        &json!({ "skipFields": ["html", "data.page.raw"] }),
        "sanitization",
    )
    .unwrap();
    let s = Sanitizer::new(&c);
    let input = json!({
        "data": {
            "html": "<b>keep</b>",
            "nested": { "html": ["<i>keep too</i>", { "deep": "<u>kept</u>" }] },
            "page": { "raw": "<p>raw</p>", "other": "<p>other</p>" },
            "raw": "<p>not this one</p>",
            "body": "<b>strip</b>"
        }
    })
    .to_string();
    let out: serde_json::Value =
        serde_json::from_str(&s.sanitize_json(&input, &[]).unwrap()).unwrap();
    assert_eq!(out["data"]["html"], "<b>keep</b>");
    assert_eq!(out["data"]["nested"]["html"][0], "<i>keep too</i>");
    assert_eq!(out["data"]["nested"]["html"][1]["deep"], "<u>kept</u>");
    assert_eq!(out["data"]["page"]["raw"], "<p>raw</p>");
    assert_eq!(out["data"]["page"]["other"], "other");
    assert_eq!(out["data"]["raw"], "not this one");
    assert_eq!(out["data"]["body"], "strip");
    // per-call extra skip fields
    let out: serde_json::Value =
        serde_json::from_str(&s.sanitize_json(&input, &["body".to_string()]).unwrap()).unwrap();
    assert_eq!(out["data"]["body"], "<b>strip</b>");
    // a field that merely ends with the same letters is not skipped
    let out: serde_json::Value = serde_json::from_str(
        &s.sanitize_json(r#"{"xhtml":"<b>a</b>","page":{"xraw":"<b>b</b>"}}"#, &[])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(out, json!({ "xhtml": "a", "page": { "xraw": "b" } }));
}

#[test]
fn json_walk_rejects_malformed_input() {
    let s = Sanitizer::new(&cfg("strip"));
    for bad in [
        "",
        "   ",
        "{",
        "[1,2",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "[1,]",
        "{a:1}",
        "\"unterminated",
        "tru",
        "01",
        "1.",
        "-",
        "[1] 2",
        "<html>",
        "{\"a\":\"\\x\"}",
        "[\"a\u{1}\"]",
        "{\"a\":1]",
    ] {
        assert!(s.sanitize_json(bad, &[]).is_err(), "accepted {bad:?}");
    }
    let e = s.sanitize_json("{\"a\": nope}", &[]).unwrap_err();
    assert_eq!(e.offset, 6);
}

#[test]
fn json_walk_survives_depth_100000_without_recursion() {
    let depth: usize = 100_000;
    let s = Sanitizer::new(&cfg("strip"));
    let mut input = String::new();
    for i in 0..depth {
        if i.is_multiple_of(2) {
            input.push('[');
        } else {
            input.push_str("{\"k\":");
        }
    }
    input.push_str("\"<script>alert(1)</script>deep\"");
    for i in (0..depth).rev() {
        input.push(if i.is_multiple_of(2) { ']' } else { '}' });
    }
    // run on a small stack to prove the walk does not recurse
    let out = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || s.sanitize_json(&input, &[]).unwrap())
        .unwrap()
        .join()
        .unwrap();
    assert!(out.contains("\"deep\""));
    assert!(!out.contains("script"));
    assert_eq!(out.matches('[').count(), depth / 2);
    assert_eq!(out.matches('{').count(), depth / 2);
}

#[test]
fn json_walk_handles_a_50_mb_body() {
    let s = Sanitizer::new(&cfg("strip"));
    let post = json!({ "id": 1, "title": "A title with 5 < 10 & more", "body": "plain body text that is long enough to matter ".repeat(20), "author": { "name": "Jane" } }).to_string();
    let evil = json!({ "id": 2, "title": "<b>t</b>", "body": "<img src=x onerror=alert(1)>ok" })
        .to_string();
    let mut input = String::from("{\"data\":[");
    let mut n = 0usize;
    while input.len() < 50 * 1024 * 1024 {
        if n > 0 {
            input.push(',');
        }
        input.push_str(if n.is_multiple_of(50) { &evil } else { &post });
        n += 1;
    }
    input.push_str("]}");
    let out = s.sanitize_json(&input, &[]).unwrap();
    assert!(!has_markup(&out));
    assert!(out.len() > 49 * 1024 * 1024);
    assert_eq!(out.matches("\"ok\"").count(), n.div_ceil(50));
}

/// Random strings glued from markup fragments (a deterministic generator, no dependency): strip
/// never leaves a tag opener, escape never leaves `< > "`, allowList output is safe and stable
/// under re-parsing, and the JSON walk always yields valid JSON.
#[test]
fn fuzzed_fragments_keep_every_invariant() {
    const PARTS: &[&str] = &[
        "<",
        ">",
        "</",
        "<!--",
        "-->",
        "<!",
        "<?",
        "&lt;",
        "&gt;",
        "&amp;",
        "&#60;",
        "&#x3c;",
        "\"",
        "'",
        "`",
        "=",
        " ",
        "\n",
        "\t",
        "\u{0}",
        "a",
        "b",
        "script",
        "img",
        "svg",
        "math",
        "style",
        "noscript",
        "textarea",
        "title",
        "iframe",
        "src",
        "href",
        "onerror",
        "onload",
        "x",
        "javascript:",
        "java\tscript:",
        "data:text/html,",
        "alert(1)",
        "/",
        "p",
        "mglyph",
        "mtext",
        "table",
        "template",
        "srcset",
        "formaction",
        "5 < 10",
        "Kur'an",
        "日本",
        "\u{a0}",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let strip = Sanitizer::new(&cfg("strip"));
    let escape = Sanitizer::new(&cfg("escape"));
    let allow = Sanitizer::new(&cfg("allowList"));
    let allowed: Vec<&str> = DEFAULT_ALLOWED_TAGS.to_vec();
    for _ in 0..3000 {
        let n = 1 + next() % 14;
        let s: String = (0..n).map(|_| PARTS[next() % PARTS.len()]).collect();
        let out = strip.sanitize_str(&s);
        assert_no_markup(&out, &s);
        let out = escape.sanitize_str(&s);
        assert!(
            is_safe_url(&s) || !out.contains(['<', '>', '"']),
            "{s:?} -> {out:?}"
        );
        let out = allow.sanitize_str(&s);
        assert_allowlist_safe(&out, &s, &allowed);
        assert_eq!(allow.sanitize_str(&out), out, "not stable: {s:?}");
        let json = serde_json::to_string(&json!({ "k": s, "a": [s] })).unwrap();
        let walked = strip.sanitize_json(&json, &[]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&walked).unwrap();
        assert!(!has_markup(v["k"].as_str().unwrap()));
    }
}

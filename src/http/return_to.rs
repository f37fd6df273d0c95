//! The return-to rule: where a signed-in user may be sent back to. One function for every
//! place that reads a return-to (the auth proxy's redirects here; the same rule in
//! `js/client/return-to.js` for the browser and the example app), one test table for both
//! languages (`tests/fixtures/return-to.json`).
//!
//! Checking the text is not enough: `/..//evil.com` starts with one slash, yet a URL parser
//! resolves it to `//evil.com`, which a browser follows off-site. So the candidate is resolved
//! with a WHATWG URL parser against the request origin, and accepted only when the resolved
//! URL has that origin and a path that does not start with `//` or `/\`. What is returned is
//! the resolved path, query and fragment: the form the browser will really follow.

use url::Url;

/// The origin used when the request's is not known: only relative targets can match it.
const PLACEHOLDER_ORIGIN: &str = "http://return-to.invalid";

/// Longest return-to accepted (a URL in a query parameter; browsers cap URLs near this).
pub const MAX_RETURN_TO: usize = 2048;

/// The same-origin target `candidate` resolves to, as `/path?query#fragment`, or `None`
/// (use the default path). `origin`: the request's `scheme://host[:port]`.
pub fn resolve_return_to(candidate: &str, origin: Option<&str>) -> Option<String> {
    if candidate.is_empty() || candidate.len() > MAX_RETURN_TO {
        return None;
    }
    // A URL parser silently drops tabs and newlines and trims C0 controls and spaces:
    // anything that relies on that is refused outright rather than interpreted.
    if candidate
        .chars()
        .any(|c| c.is_control() || c == ' ' || c == '\u{a0}')
    {
        return None;
    }
    let base = origin
        .and_then(|o| Url::parse(o).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .unwrap_or_else(|| Url::parse(PLACEHOLDER_ORIGIN).expect("valid placeholder"));
    let resolved = base.join(candidate).ok()?;
    if resolved.origin() != base.origin()
        || resolved.username() != ""
        || resolved.password().is_some()
    {
        return None;
    }
    let path = resolved.path();
    if !path.starts_with('/') || path.starts_with("//") || path.starts_with("/\\") {
        return None;
    }
    // path, query and fragment exactly as serialised
    Some(resolved[url::Position::BeforePath..].to_string())
}

/// The request origin from the facts the adapter passes (`host` and the scheme the origin
/// header names, else http): used only to compare, never to build an absolute redirect.
pub fn request_origin(host: Option<&str>, origin: Option<&str>) -> Option<String> {
    if let Some(o) = origin.filter(|o| *o != "null")
        && let Ok(u) = Url::parse(o)
        && host.is_none_or(|h| u.host_str().is_some_and(|uh| host_matches(h, uh, u.port())))
    {
        return Some(u.origin().ascii_serialization());
    }
    let h = host?;
    if h.is_empty() || h.contains(['/', '\\', '@', '?', '#']) {
        return None;
    }
    Some(format!("http://{h}"))
}

fn host_matches(host_header: &str, host: &str, port: Option<u16>) -> bool {
    match port {
        Some(p) => host_header.eq_ignore_ascii_case(&format!("{host}:{p}")),
        None => host_header.eq_ignore_ascii_case(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The table shared with the JavaScript implementation (`__test__/return-to.test.js`).
    #[test]
    fn shared_table() {
        let table: Value =
            serde_json::from_str(include_str!("../../tests/fixtures/return-to.json")).unwrap();
        let cases = table["cases"].as_array().unwrap();
        assert!(cases.len() >= 40, "the table covers the class");
        let mut open_redirects = 0;
        for c in cases {
            let input = c["input"].as_str().unwrap();
            let origin = match c.get("origin") {
                Some(o) => o.as_str(),
                None => table["origin"].as_str(),
            };
            let want = c["expect"].as_str();
            let got = resolve_return_to(input, origin);
            assert_eq!(got.as_deref(), want, "return-to {input:?} from {origin:?}");
            if want.is_none() {
                open_redirects += 1;
            }
        }
        assert!(open_redirects >= 25);
    }

    #[test]
    fn origin_from_facts() {
        assert_eq!(
            request_origin(Some("app.test:3000"), None).as_deref(),
            Some("http://app.test:3000")
        );
        assert_eq!(
            request_origin(Some("app.test"), Some("https://app.test")).as_deref(),
            Some("https://app.test")
        );
        // an origin header naming another host is not the request's origin
        assert_eq!(
            request_origin(Some("app.test"), Some("https://evil.com")).as_deref(),
            Some("http://app.test")
        );
        assert_eq!(request_origin(Some("evil.com/x"), None), None);
        assert_eq!(request_origin(None, None), None);
    }
}

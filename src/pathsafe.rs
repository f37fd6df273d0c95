//! Path safety for the catch-all API proxy (`createProxyHandler`).
//!
//! The browser controls the path and the query of `/api/[...path]`; this module turns them
//! into a backend URL that can never leave the configured base URL (`apiBaseUrl`), or into a
//! rejection (HTTP 400). Rules, each checked on the segment as given AND on every further
//! percent-decoding of it (so double- and triple-encoded tricks are caught):
//!
//! * no `.` / `..` segments (nor segments made only of dots and spaces, which some servers
//!   read as `..`), in any case of `%2e`;
//! * no `/` or `\` inside a segment (`%2f`, `%5c`, raw backslashes);
//! * no empty segment (`//host`);
//! * no ASCII control character or NUL anywhere (path or query);
//! * the first segment must not look like a URL scheme (`http:`, `javascript:`...);
//! * a `%` that does not start a valid `%XX` escape in a raw path is rejected.
//!
//! The query string is forwarded byte for byte (repeated keys, encoded characters and `+`
//! stay as they are); only control characters and `#` are refused.
//!
//! As a last line of defence the built URL is parsed again (WHATWG rules, the same ones
//! `fetch` uses) and must still have the base URL's origin and start with its path.

use crate::cascade::{PickedToken, pick_token};
use crate::cookies::is_valid_cookie_name;
use crate::error::{LayerError, Result};
use crate::routes::{RouteSet, normalize_path, percent_decode_bytes};
use reqwest::Url;

/// How many extra percent-decoding rounds are inspected. Input that still decodes further
/// after that many rounds is rejected as an obvious attack.
const MAX_DECODE_ROUNDS: usize = 4;

/// Why a request path or query was refused. Always answered with HTTP 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    DotSegment,
    EncodedSeparator,
    EmptySegment,
    ControlCharacter,
    AbsoluteUrl,
    BadEscape,
    TooDeeplyEncoded,
    BadQuery,
    EscapesBase,
}

impl Rejection {
    /// A short, stable, machine-readable reason (goes into the 400 JSON as `code`).
    pub const fn code(self) -> &'static str {
        match self {
            Rejection::DotSegment => "ERR_PATH_DOT_SEGMENT",
            Rejection::EncodedSeparator => "ERR_PATH_SEPARATOR",
            Rejection::EmptySegment => "ERR_PATH_EMPTY_SEGMENT",
            Rejection::ControlCharacter => "ERR_PATH_CONTROL_CHAR",
            Rejection::AbsoluteUrl => "ERR_PATH_ABSOLUTE_URL",
            Rejection::BadEscape => "ERR_PATH_BAD_ESCAPE",
            Rejection::TooDeeplyEncoded => "ERR_PATH_ENCODING",
            Rejection::BadQuery => "ERR_QUERY_INVALID",
            Rejection::EscapesBase => "ERR_PATH_ESCAPES_BASE",
        }
    }

    /// A human message, safe to show to the client.
    pub const fn message(self) -> &'static str {
        match self {
            Rejection::DotSegment => "Invalid path: dot segments are not allowed.",
            Rejection::EncodedSeparator => {
                "Invalid path: encoded slashes or backslashes are not allowed."
            }
            Rejection::EmptySegment => "Invalid path: empty path segments are not allowed.",
            Rejection::ControlCharacter => "Invalid path: control characters are not allowed.",
            Rejection::AbsoluteUrl => "Invalid path: absolute URLs are not allowed.",
            Rejection::BadEscape => "Invalid path: malformed percent-encoding.",
            Rejection::TooDeeplyEncoded => "Invalid path: too many levels of percent-encoding.",
            Rejection::BadQuery => "Invalid query string.",
            Rejection::EscapesBase => "Invalid path.",
        }
    }
}

/// The path the client asked for, as the adapter has it.
#[derive(Debug, Clone, Copy)]
pub enum PathInput<'a> {
    /// The catch-all segments as Next.js hands them (`params.path`), i.e. decoded once.
    Segments(&'a [String]),
    /// A raw, still percent-encoded path relative to the mount point (`a/b%20c`, leading `/`
    /// optional); used when no params are available.
    Raw(&'a str),
}

/// A validated `apiBaseUrl`: absolute http(s) URL without query or fragment.
#[derive(Debug, Clone)]
pub struct BaseUrl {
    /// The base URL without a trailing slash, e.g. `http://api.local:8080/v1`.
    prefix: String,
    scheme: String,
    host: String,
    port: Option<u16>,
    /// The base path with a trailing slash, e.g. `/v1/`.
    path_prefix: String,
}

impl BaseUrl {
    /// Parses and validates `apiBaseUrl`; `option` names the option in the error.
    pub fn parse(option: &str, raw: &str) -> Result<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(LayerError::config(
                option,
                "is required (the backend base URL)",
            ));
        }
        let url = Url::parse(raw).map_err(|e| {
            LayerError::config(option, format!("must be an absolute http(s) URL ({e})"))
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(LayerError::config(option, "must use http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(LayerError::config(option, "must have a host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(LayerError::config(
                option,
                "must not have a query string or fragment",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(LayerError::config(option, "must not embed credentials"));
        }
        let prefix = url.as_str().trim_end_matches('/').to_string();
        let path = url.path().trim_end_matches('/');
        Ok(Self {
            prefix,
            scheme: url.scheme().to_string(),
            host: url.host_str().unwrap_or_default().to_string(),
            port: url.port_or_known_default(),
            path_prefix: format!("{path}/"),
        })
    }

    /// The base URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.prefix
    }

    /// Builds the backend URL for a request, or the reason to refuse it.
    pub fn target(
        &self,
        path: PathInput<'_>,
        raw_query: &str,
    ) -> std::result::Result<SafeTarget, Rejection> {
        self.target_with(path, raw_query, false)
    }

    /// Like [`BaseUrl::target`]; `trailing_slash` appends `/` to a non-empty forwarded path
    /// that lacks one (backends such as Django route on it).
    pub fn target_with(
        &self,
        path: PathInput<'_>,
        raw_query: &str,
        trailing_slash: bool,
    ) -> std::result::Result<SafeTarget, Rejection> {
        let mut path = forward_path(path)?;
        if trailing_slash && !path.is_empty() && !path.ends_with('/') {
            path.push('/');
        }
        let query = check_query(raw_query)?;
        let url = format!("{}{}{}", self.prefix, path, query);
        // Last line of defence: parse it the way fetch will and make sure it stayed inside.
        let parsed = Url::parse(&url).map_err(|_| Rejection::EscapesBase)?;
        let p = parsed.path();
        let base_path = &self.path_prefix[..self.path_prefix.len() - 1];
        let inside = parsed.scheme() == self.scheme
            && parsed.host_str() == Some(self.host.as_str())
            && parsed.port_or_known_default() == self.port
            && (p == base_path || p.starts_with(&self.path_prefix));
        if !inside || parsed.fragment().is_some() {
            return Err(Rejection::EscapesBase);
        }
        Ok(SafeTarget { url, path })
    }
}

/// A backend URL that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeTarget {
    /// The full URL to fetch.
    pub url: String,
    /// The forwarded path relative to the base URL, starting with `/` (empty for the base
    /// itself), still percent-encoded. Route globs (`publicEndpoints`) match against it.
    pub path: String,
}

/// The forwarded path (`/a/b`, encoded; empty when there are no segments) or a rejection.
pub fn forward_path(input: PathInput<'_>) -> std::result::Result<String, Rejection> {
    let mut out = String::new();
    match input {
        PathInput::Segments(segments) => {
            for (i, seg) in segments.iter().enumerate() {
                check_segment(seg.as_bytes(), i == 0)?;
                out.push('/');
                encode_segment(seg.as_bytes(), &mut out);
            }
        }
        PathInput::Raw(raw) => {
            let raw = raw.strip_prefix('/').unwrap_or(raw);
            if raw.is_empty() {
                return Ok(out);
            }
            // One trailing slash is kept as it is (some backends route on it).
            let (raw, trailing_slash) = match raw.strip_suffix('/') {
                Some(rest) => (rest, true),
                None => (raw, false),
            };
            for (i, seg) in raw.split('/').enumerate() {
                let bytes = seg.as_bytes();
                if !escapes_are_valid(bytes) {
                    return Err(Rejection::BadEscape);
                }
                // Checks the raw form and every decoding of it.
                check_segment(bytes, i == 0)?;
                out.push('/');
                normalize_raw_segment(bytes, &mut out);
            }
            if trailing_slash {
                out.push('/');
            }
        }
    }
    Ok(out)
}

/// Validates a raw query string (with or without the leading `?`) and returns it with the
/// `?` (or empty). Bytes are kept exactly as given.
pub fn check_query(raw: &str) -> std::result::Result<String, Rejection> {
    let q = raw.strip_prefix('?').unwrap_or(raw);
    if q.is_empty() {
        return Ok(String::new());
    }
    if q.bytes().any(|b| is_control(b) || b == b'#') {
        return Err(Rejection::BadQuery);
    }
    Ok(format!("?{q}"))
}

/// Checks one segment and every further decoding of it.
fn check_segment(seg: &[u8], first: bool) -> std::result::Result<(), Rejection> {
    // The common case (no escapes) allocates nothing.
    check_level(seg, first)?;
    if !has_escape(seg) {
        return Ok(());
    }
    let mut current = percent_decode_bytes(seg);
    for _ in 0..MAX_DECODE_ROUNDS {
        check_level(&current, first)?;
        if !has_escape(&current) {
            return Ok(());
        }
        current = percent_decode_bytes(&current);
    }
    Err(Rejection::TooDeeplyEncoded)
}

fn check_level(seg: &[u8], first: bool) -> std::result::Result<(), Rejection> {
    if seg.is_empty() {
        return Err(Rejection::EmptySegment);
    }
    if seg.iter().any(|&b| is_control(b)) {
        return Err(Rejection::ControlCharacter);
    }
    if seg.iter().any(|&b| b == b'/' || b == b'\\') {
        return Err(Rejection::EncodedSeparator);
    }
    // `.`, `..`, and look-alikes such as `...` or `.. ` that some servers fold into `..`.
    if seg.contains(&b'.') && seg.iter().all(|&b| b == b'.' || b == b' ') {
        return Err(Rejection::DotSegment);
    }
    if first && looks_like_scheme(seg) {
        return Err(Rejection::AbsoluteUrl);
    }
    Ok(())
}

/// `scheme:` at the start of a segment (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":").
fn looks_like_scheme(seg: &[u8]) -> bool {
    let Some(colon) = seg.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && seg[0].is_ascii_alphabetic()
        && seg[..colon]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn has_escape(s: &[u8]) -> bool {
    s.windows(3)
        .any(|w| w[0] == b'%' && hex_val(w[1]).is_some() && hex_val(w[2]).is_some())
}

fn escapes_are_valid(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if i + 2 >= s.len() || hex_val(s[i + 1]).is_none() || hex_val(s[i + 2]).is_none() {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// Characters that may stand unencoded in a path segment (RFC 3986 `pchar` minus `%`).
fn is_pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escaped(b: u8, out: &mut String) {
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// Encodes a decoded segment for the URL (every `%` becomes `%25`).
fn encode_segment(seg: &[u8], out: &mut String) {
    for &b in seg {
        if is_pchar(b) {
            out.push(b as char);
        } else {
            push_escaped(b, out);
        }
    }
}

/// Keeps a raw segment's existing (valid) escapes and encodes anything else unsafe.
fn normalize_raw_segment(seg: &[u8], out: &mut String) {
    let mut i = 0;
    while i < seg.len() {
        let b = seg[i];
        if b == b'%' {
            // Validity was checked before; copy the escape unchanged.
            out.push_str(std::str::from_utf8(&seg[i..i + 3]).unwrap_or("%25"));
            i += 3;
            continue;
        }
        if is_pchar(b) {
            out.push(b as char);
        } else {
            push_escaped(b, out);
        }
        i += 1;
    }
}

// ---------------------------------------------------------------------------------------
// The per-request decision of the catch-all proxy: target URL + which token, if any.
// ---------------------------------------------------------------------------------------

/// Methods the catch-all handler forwards.
pub const PROXY_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The declarative part of `createProxyHandler`'s config, validated once.
#[derive(Debug, Clone)]
pub struct ProxyPolicy {
    base: BaseUrl,
    user_cookie: String,
    guest_cookie: String,
    skip_auth_by_default: bool,
    trailing_slash: bool,
    public: RouteSet,
}

/// Raw config as the adapter hands it over.
#[derive(Debug, Clone, Default)]
pub struct ProxyPolicyConfig {
    pub api_base_url: String,
    pub user_cookie_name: Option<String>,
    pub guest_cookie_name: Option<String>,
    pub skip_auth_by_default: bool,
    pub public_endpoints: Vec<String>,
    /// Append `/` to every forwarded path (default false).
    pub trailing_slash: bool,
}

/// What the adapter read from the request.
#[derive(Debug, Clone, Copy)]
pub struct ProxyRequest<'a> {
    pub path: PathInput<'a>,
    pub query: &'a str,
    pub method: &'a str,
    pub cookie_header: Option<&'a str>,
    pub refreshed_token: Option<&'a str>,
    pub skip_auth_header: Option<&'a str>,
}

/// The outcome for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyDecision<'a> {
    /// Refuse with this status (400 bad path/query, 405 unknown method).
    Reject {
        status: u16,
        code: &'static str,
        message: &'static str,
    },
    Forward {
        target: SafeTarget,
        /// The token to send as `Authorization: Bearer`, when auth applies and one exists.
        token: Option<PickedToken<'a>>,
        /// Whether the path matched `publicEndpoints`.
        public: bool,
        /// Whether auth applied to this call (a token was looked for).
        auth: bool,
        /// Whether the request body is forwarded (not for GET/HEAD).
        has_body: bool,
    },
}

impl ProxyPolicy {
    pub fn new(cfg: &ProxyPolicyConfig) -> Result<Self> {
        let base = BaseUrl::parse("apiBaseUrl", &cfg.api_base_url)?;
        let cookie = |option: &str, v: &Option<String>, default: &str| -> Result<String> {
            let name = v.as_deref().unwrap_or(default);
            if !is_valid_cookie_name(name) {
                return Err(LayerError::config(option, "must be a valid cookie name"));
            }
            Ok(name.to_string())
        };
        let user_cookie = cookie("userCookieName", &cfg.user_cookie_name, "userToken")?;
        let guest_cookie = cookie("guestCookieName", &cfg.guest_cookie_name, "guestToken")?;
        let public = RouteSet::parse(&cfg.public_endpoints).map_err(|e| {
            LayerError::config("publicEndpoints", format!("has a bad pattern: {e}"))
        })?;
        Ok(Self {
            base,
            user_cookie,
            guest_cookie,
            skip_auth_by_default: cfg.skip_auth_by_default,
            trailing_slash: cfg.trailing_slash,
            public,
        })
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    /// Decides one request. Auth rules:
    /// * an endpoint NOT in `publicEndpoints` always gets the token from the cascade
    ///   (`x-skip-auth` is ignored: a client cannot strip auth from a protected call);
    /// * a public endpoint gets no token when `skipAuthByDefault` is on (and a client cannot
    ///   add one), and otherwise gets the token unless the client sent `x-skip-auth: true`.
    pub fn decide<'a>(&self, req: &ProxyRequest<'a>) -> ProxyDecision<'a> {
        let method = req.method;
        if !PROXY_METHODS.contains(&method) {
            return ProxyDecision::Reject {
                status: 405,
                code: "ERR_METHOD_NOT_ALLOWED",
                message: "Method not allowed.",
            };
        }
        let target = match self
            .base
            .target_with(req.path, req.query, self.trailing_slash)
        {
            Ok(t) => t,
            Err(r) => {
                return ProxyDecision::Reject {
                    status: 400,
                    code: r.code(),
                    message: r.message(),
                };
            }
        };
        let match_path = if target.path.is_empty() {
            "/".to_string()
        } else {
            normalize_path(&target.path).into_owned()
        };
        let public = self.public.matches(&match_path);
        let client_skips = req.skip_auth_header.is_some_and(header_is_true);
        let auth = !public || !(self.skip_auth_by_default || client_skips);
        let token = if auth {
            pick_token(
                req.refreshed_token,
                req.cookie_header,
                &self.user_cookie,
                &self.guest_cookie,
            )
            .filter(|t| is_valid_header_token(t.token))
        } else {
            None
        };
        ProxyDecision::Forward {
            target,
            token,
            public,
            auth,
            has_body: method != "GET" && method != "HEAD",
        }
    }
}

fn header_is_true(v: &str) -> bool {
    let v = v.trim();
    v.eq_ignore_ascii_case("true") || v == "1" || v.eq_ignore_ascii_case("yes")
}

/// A token must fit into a header value (no CR/LF/control characters, visible ASCII).
fn is_valid_header_token(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
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
            "..", "%2e", "%2E%2e", "/", "%2f", "\\", "%5c", "%25", "http:", "//", "evil.com", "@",
            ":", "?", "#", "a", ".", " ",
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
}

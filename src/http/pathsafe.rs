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

use crate::error::{LayerError, Result};
use crate::http::routes::percent_decode_bytes;
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
    check_bytes(seg, first)?;
    // Servers that normalise Unicode (NFKC: fullwidth `．．`, `／`, `；`...) would read what
    // we forward differently from how it was checked: check the normalised form as well.
    if !seg.is_ascii()
        && let Ok(text) = std::str::from_utf8(seg)
    {
        use unicode_normalization::UnicodeNormalization;
        let nfkc: String = text.nfkc().collect();
        if nfkc.as_bytes() != seg {
            check_bytes(nfkc.as_bytes(), first)?;
        }
    }
    Ok(())
}

fn check_bytes(seg: &[u8], first: bool) -> std::result::Result<(), Rejection> {
    if seg.is_empty() {
        return Err(Rejection::EmptySegment);
    }
    if seg.iter().any(|&b| is_control(b)) {
        return Err(Rejection::ControlCharacter);
    }
    if seg.iter().any(|&b| b == b'/' || b == b'\\') {
        return Err(Rejection::EncodedSeparator);
    }
    // `.`, `..`, and look-alikes such as `...` or `.. ` that some servers fold into `..`;
    // also before a `;` path parameter: Tomcat, Jetty and Spring read `..;x` as `..` (and an
    // empty name before `;` as an empty segment).
    let name = seg.split(|&b| b == b';').next().unwrap_or(seg);
    if is_dotty(name) {
        return Err(Rejection::DotSegment);
    }
    if name.is_empty() {
        return Err(Rejection::EmptySegment);
    }
    if first && looks_like_scheme(seg) {
        return Err(Rejection::AbsoluteUrl);
    }
    Ok(())
}

/// Only dots and spaces, at least one dot.
fn is_dotty(s: &[u8]) -> bool {
    s.contains(&b'.') && s.iter().all(|&b| b == b'.' || b == b' ')
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

#[cfg(test)]
mod tests;

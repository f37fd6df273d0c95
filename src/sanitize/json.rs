//! The JSON walk: validates a document given as text and rewrites its string values in one
//! pass, without building a tree. Iterative (an explicit stack), so nesting depth is bounded only
//! by memory; unchanged strings are copied through byte for byte.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

/// The input was not valid JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub message: &'static str,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for JsonError {}

impl From<JsonError> for crate::error::LayerError {
    fn from(e: JsonError) -> Self {
        Self::invalid_input(e.to_string())
    }
}

/// Field names (or dotted key paths) whose values are left alone.
#[derive(Debug, Clone, Default)]
pub(super) struct SkipSet {
    names: HashSet<String>,
    paths: Vec<String>,
}

impl SkipSet {
    pub(super) fn add(&mut self, field: &str) {
        if field.is_empty() {
            return;
        }
        if field.contains('.') {
            self.paths.push(field.to_string());
        } else {
            self.names.insert(field.to_string());
        }
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty() && self.paths.is_empty()
    }
}

struct Frame {
    is_obj: bool,
    skipped: bool,
    /// current key (objects only, filled only when skip fields are configured)
    key: String,
}

enum State {
    Value,
    AfterValue,
    Key,
}

fn err(offset: usize, message: &'static str) -> JsonError {
    JsonError { offset, message }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// Returns the index just past the closing quote of the string literal starting at `i` (which
/// is a `"`), and whether it contains escapes.
fn scan_string(b: &[u8], i: usize) -> Result<(usize, bool), JsonError> {
    let mut j = i + 1;
    let mut escaped = false;
    while j < b.len() {
        match b[j] {
            b'"' => return Ok((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j += 2;
            }
            c if c < 0x20 => return Err(err(j, "control character in string")),
            _ => j += 1,
        }
    }
    Err(err(i, "unterminated string"))
}

fn hex4(b: &[u8], i: usize) -> Result<u32, JsonError> {
    if i + 4 > b.len() {
        return Err(err(i, "bad \\u escape"));
    }
    let mut v = 0u32;
    for &c in &b[i..i + 4] {
        let d = (c as char)
            .to_digit(16)
            .ok_or_else(|| err(i, "bad \\u escape"))?;
        v = v * 16 + d;
    }
    Ok(v)
}

/// Decodes the body of a string literal (without quotes). Lone surrogates become U+FFFD, as
/// they cannot be represented in a Rust string.
fn decode_string(lit: &str, base: usize) -> Result<String, JsonError> {
    let b = lit.as_bytes();
    let mut out = String::with_capacity(lit.len());
    let mut i = 0;
    let mut run = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&lit[run..i]);
        let c = *b.get(i + 1).ok_or_else(|| err(base + i, "bad escape"))?;
        i += 2;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let hi = hex4(b, i).map_err(|e| err(base + e.offset, e.message))?;
                i += 4;
                if (0xD800..0xDC00).contains(&hi) {
                    if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
                        let lo = hex4(b, i + 2).map_err(|e| err(base + e.offset, e.message))?;
                        if (0xDC00..0xE000).contains(&lo) {
                            i += 6;
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        } else {
                            out.push('\u{fffd}');
                        }
                    } else {
                        out.push('\u{fffd}');
                    }
                } else {
                    out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                }
            }
            _ => return Err(err(base + i - 1, "bad escape")),
        }
        run = i;
    }
    out.push_str(&lit[run..]);
    Ok(out)
}

fn encode_string(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep: Option<&str> = match c {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            c if c < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[last..i]);
        match rep {
            Some(r) => out.push_str(r),
            None => out.push_str(&format!("\\u{c:04x}")),
        }
        last = i + 1;
    }
    out.push_str(&s[last..]);
    out.push('"');
}

fn scan_number(b: &[u8], mut i: usize) -> Result<usize, JsonError> {
    let start = i;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
                i += 1;
            }
        }
        _ => return Err(err(start, "bad number")),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            return Err(err(start, "bad number"));
        }
        while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            return Err(err(start, "bad number"));
        }
        while b.get(i).is_some_and(|c| c.is_ascii_digit()) {
            i += 1;
        }
    }
    Ok(i)
}

fn skip_matches(skip: &SkipSet, stack: &[Frame], key: &str) -> bool {
    if skip.names.contains(key) {
        return true;
    }
    if skip.paths.is_empty() {
        return false;
    }
    let mut path = String::new();
    for f in stack.iter().filter(|f| f.is_obj) {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&f.key);
    }
    skip.paths.iter().any(|p| {
        path == *p
            || (path.len() > p.len()
                && path.ends_with(p.as_str())
                && path.as_bytes()[path.len() - p.len() - 1] == b'.')
    })
}

/// The iterative JSON walk: validates the document and rewrites string values with `f`.
pub(super) fn walk_json<F>(input: &str, skip: &SkipSet, f: F) -> Result<String, JsonError>
where
    F: Fn(&str) -> Cow<'_, str>,
{
    let b = input.as_bytes();
    let mut out = String::with_capacity(input.len() + input.len() / 16);
    let mut stack: Vec<Frame> = Vec::new();
    let mut state = State::Value;
    let mut value_skipped = false;
    let mut i = 0usize;
    let track_keys = !skip.is_empty();
    loop {
        match state {
            State::Value => {
                i = skip_ws(b, i);
                let Some(&c) = b.get(i) else {
                    return Err(err(i, "unexpected end of input"));
                };
                match c {
                    b'{' => {
                        out.push('{');
                        i = skip_ws(b, i + 1);
                        if b.get(i) == Some(&b'}') {
                            out.push('}');
                            i += 1;
                            state = State::AfterValue;
                        } else {
                            stack.push(Frame {
                                is_obj: true,
                                skipped: value_skipped,
                                key: String::new(),
                            });
                            state = State::Key;
                        }
                        continue;
                    }
                    b'[' => {
                        out.push('[');
                        i = skip_ws(b, i + 1);
                        if b.get(i) == Some(&b']') {
                            out.push(']');
                            i += 1;
                            state = State::AfterValue;
                        } else {
                            stack.push(Frame {
                                is_obj: false,
                                skipped: value_skipped,
                                key: String::new(),
                            });
                            // value_skipped stays: array elements inherit it
                            state = State::Value;
                        }
                        continue;
                    }
                    b'"' => {
                        let (end, escaped) = scan_string(b, i)?;
                        let raw = &input[i..end];
                        if value_skipped {
                            out.push_str(raw);
                        } else {
                            let body = &input[i + 1..end - 1];
                            let decoded: Cow<str> = if escaped {
                                Cow::Owned(decode_string(body, i + 1)?)
                            } else {
                                Cow::Borrowed(body)
                            };
                            match f(&decoded) {
                                Cow::Borrowed(_) => out.push_str(raw),
                                Cow::Owned(s) => encode_string(&mut out, &s),
                            }
                        }
                        i = end;
                    }
                    b't' | b'f' | b'n' => {
                        let lit: &[u8] = match c {
                            b't' => b"true",
                            b'f' => b"false",
                            _ => b"null",
                        };
                        if b.len() < i + lit.len() || &b[i..i + lit.len()] != lit {
                            return Err(err(i, "unexpected token"));
                        }
                        out.push_str(&input[i..i + lit.len()]);
                        i += lit.len();
                    }
                    b'-' | b'0'..=b'9' => {
                        let end = scan_number(b, i)?;
                        out.push_str(&input[i..end]);
                        i = end;
                    }
                    _ => return Err(err(i, "unexpected token")),
                }
                state = State::AfterValue;
            }
            State::AfterValue => {
                i = skip_ws(b, i);
                let Some(top) = stack.last() else {
                    if i != b.len() {
                        return Err(err(i, "unexpected data after the JSON value"));
                    }
                    return Ok(out);
                };
                let Some(&c) = b.get(i) else {
                    return Err(err(i, "unexpected end of input"));
                };
                match (c, top.is_obj) {
                    (b',', true) => {
                        out.push(',');
                        i += 1;
                        state = State::Key;
                    }
                    (b',', false) => {
                        out.push(',');
                        i += 1;
                        value_skipped = top.skipped;
                        state = State::Value;
                    }
                    (b'}', true) | (b']', false) => {
                        out.push(c as char);
                        i += 1;
                        stack.pop();
                        // the container we just closed was a value of its parent
                        state = State::AfterValue;
                    }
                    _ => return Err(err(i, "expected ',' or a closing bracket")),
                }
            }
            State::Key => {
                i = skip_ws(b, i);
                if b.get(i) != Some(&b'"') {
                    return Err(err(i, "expected a string key"));
                }
                let (end, escaped) = scan_string(b, i)?;
                out.push_str(&input[i..end]);
                let parent_skipped = stack.last().map(|f| f.skipped).unwrap_or(false);
                value_skipped = parent_skipped;
                if track_keys && !parent_skipped {
                    let body = &input[i + 1..end - 1];
                    let key: Cow<str> = if escaped {
                        Cow::Owned(decode_string(body, i + 1)?)
                    } else {
                        Cow::Borrowed(body)
                    };
                    if let Some(top) = stack.last_mut() {
                        top.key.clear();
                        top.key.push_str(&key);
                    }
                    value_skipped = skip_matches(skip, &stack, &key);
                }
                i = skip_ws(b, end);
                if b.get(i) != Some(&b':') {
                    return Err(err(i, "expected ':'"));
                }
                out.push(':');
                i += 1;
                state = State::Value;
            }
        }
    }
}

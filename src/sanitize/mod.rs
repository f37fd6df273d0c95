//! XSS sanitization of backend JSON, natively.
//!
//! A [`Sanitizer`] is built once per configuration (one `ammonia::Builder`, reused for every
//! string) and then walks JSON text without building a tree: the body goes in once as text and
//! comes out as text, with every string value sanitized according to the mode. The walk is
//! iterative (an explicit stack, no recursion), so nesting depth is bounded only by memory, and
//! unchanged strings are copied through byte for byte.
//!
//! Modes:
//! - `strip` (default): drop all markup, keep the text. Strings without anything an HTML
//!   tokenizer would read as markup (`5 < 10 & Kur'an`) come back unchanged. Strings with markup
//!   are parsed by ammonia (html5ever); the text it keeps is turned back into plain text, and
//!   any `<` in that text which could open a tag, comment or declaration when the app inserts
//!   the string as HTML is written as `&lt;` (entity-encoded markup such as `&lt;script&gt;`
//!   therefore never turns back into live markup).
//! - `escape`: escape `& < > "` as entities.
//! - `allowList`: ammonia with only the allowed tags and attributes; event handlers, `style`,
//!   and `javascript:`/`vbscript:`/`data:` URLs are dropped (`data:image/*` on `img src` only if
//!   `allowDataImages` is set), including inside `srcset`.
//!
//! In every mode a string that is exactly a safe URL (http/https/ftp/mailto/tel, or a relative
//! path starting with a single `/`) is left untouched.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// How strings are sanitized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Strip,
    Escape,
    AllowList,
}

/// A configuration error; the message names the option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for crate::error::LayerError {
    fn from(e: ConfigError) -> Self {
        Self::new(crate::error::ErrorCode::ConfigInvalid, e.0)
    }
}

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

/// Tags that may never be allowed in `allowList` mode: they run script, load other documents,
/// change how the rest of the page is parsed, or are the usual mutation-XSS carriers.
const FORBIDDEN_TAGS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "link",
    "meta",
    "noscript",
    "template",
    "svg",
    "math",
    "xmp",
    "noembed",
    "noframes",
    "plaintext",
    "textarea",
    "title",
];

/// Elements whose content is dropped along with the element.
const CLEAN_CONTENT_TAGS: &[&str] = &[
    "script", "style", "template", "iframe", "noembed", "noframes", "noscript", "xmp", "object",
];

const DEFAULT_ALLOWED_TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "u",
    "ul",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

const SAFE_IMAGE_MIME: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Interned strings for ammonia's `&'a str` sets: each distinct tag or attribute name is leaked
/// once for the life of the process, so building many sanitizers does not grow memory.
fn intern(s: &str) -> &'static str {
    static SET: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = SET
        .get_or_init(|| Mutex::new(HashSet::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(found) = set.get(s) {
        return found;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// Parsed sanitization settings (`sanitization` in the API client config).
#[derive(Debug, Clone)]
pub struct SanitizeConfig {
    pub enabled: bool,
    pub mode: Mode,
    pub allowed_tags: Vec<String>,
    /// tag -> attributes; `*` applies to every allowed tag.
    pub allowed_attributes: HashMap<String, Vec<String>>,
    pub skip_fields: Vec<String>,
    pub allow_data_images: bool,
}

impl Default for SanitizeConfig {
    fn default() -> Self {
        let mut allowed_attributes = HashMap::new();
        allowed_attributes.insert("a".into(), vec!["href".into(), "title".into()]);
        allowed_attributes.insert(
            "img".into(),
            vec![
                "src".into(),
                "alt".into(),
                "title".into(),
                "width".into(),
                "height".into(),
            ],
        );
        SanitizeConfig {
            enabled: true,
            mode: Mode::Strip,
            allowed_tags: DEFAULT_ALLOWED_TAGS.iter().map(|s| s.to_string()).collect(),
            allowed_attributes,
            skip_fields: Vec::new(),
            allow_data_images: false,
        }
    }
}

fn string_list(v: &Value, option: &str) -> Result<Vec<String>, ConfigError> {
    let arr = v
        .as_array()
        .ok_or_else(|| ConfigError(format!("{option} must be an array of strings")))?;
    arr.iter()
        .map(|item| {
            item.as_str()
                .map(|s| s.to_string())
                .ok_or_else(|| ConfigError(format!("{option} must be an array of strings")))
        })
        .collect()
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
}

impl SanitizeConfig {
    /// Parses and validates the JSON form of the config (as passed from JS). `prefix` is used in
    /// error messages, e.g. `sanitization`. Unknown keys are ignored (the JS side owns some, such
    /// as `skipEndpoints`).
    pub fn from_json(v: &Value, prefix: &str) -> Result<Self, ConfigError> {
        let mut cfg = SanitizeConfig::default();
        if v.is_null() {
            return Ok(cfg);
        }
        let obj = v
            .as_object()
            .ok_or_else(|| ConfigError(format!("{prefix} must be an object")))?;
        if let Some(e) = obj.get("enabled").filter(|v| !v.is_null()) {
            cfg.enabled = e
                .as_bool()
                .ok_or_else(|| ConfigError(format!("{prefix}.enabled must be a boolean")))?;
        }
        if let Some(m) = obj.get("mode").filter(|v| !v.is_null()) {
            cfg.mode = match m.as_str() {
                Some("strip") => Mode::Strip,
                Some("escape") => Mode::Escape,
                Some("allowList") => Mode::AllowList,
                _ => {
                    return Err(ConfigError(format!(
                        "{prefix}.mode must be one of 'strip', 'escape', 'allowList'"
                    )));
                }
            };
        }
        if let Some(t) = obj.get("allowedTags").filter(|v| !v.is_null()) {
            let option = format!("{prefix}.allowedTags");
            let tags = string_list(t, &option)?;
            let mut out = Vec::with_capacity(tags.len());
            for tag in tags {
                let lower = tag.to_ascii_lowercase();
                if !is_name(&lower) {
                    return Err(ConfigError(format!(
                        "{option} contains an invalid tag name {tag:?}"
                    )));
                }
                if FORBIDDEN_TAGS.contains(&lower.as_str()) {
                    return Err(ConfigError(format!(
                        "{option} may not include '{lower}' (it can run script or change parsing)"
                    )));
                }
                out.push(lower);
            }
            cfg.allowed_tags = out;
        }
        if let Some(a) = obj.get("allowedAttributes").filter(|v| !v.is_null()) {
            let option = format!("{prefix}.allowedAttributes");
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            match a {
                Value::Array(_) => {
                    map.insert("*".into(), string_list(a, &option)?);
                }
                Value::Object(o) => {
                    for (tag, attrs) in o {
                        let list = string_list(attrs, &format!("{option}.{tag}"))?;
                        map.insert(tag.to_ascii_lowercase(), list);
                    }
                }
                _ => {
                    return Err(ConfigError(format!(
                        "{option} must be an array of attribute names or an object of tag -> attribute names"
                    )));
                }
            }
            for (tag, attrs) in map.iter_mut() {
                for attr in attrs.iter_mut() {
                    *attr = attr.to_ascii_lowercase();
                    if !is_name(attr) {
                        return Err(ConfigError(format!(
                            "{option} contains an invalid attribute name {attr:?} (tag {tag})"
                        )));
                    }
                    if attr.starts_with("on") || attr == "style" || attr == "srcdoc" {
                        return Err(ConfigError(format!(
                            "{option} may not include '{attr}' (event handlers, style and srcdoc are never allowed)"
                        )));
                    }
                }
            }
            cfg.allowed_attributes = map;
        }
        if let Some(s) = obj.get("skipFields").filter(|v| !v.is_null()) {
            cfg.skip_fields = string_list(s, &format!("{prefix}.skipFields"))?;
        }
        if let Some(d) = obj.get("allowDataImages").filter(|v| !v.is_null()) {
            cfg.allow_data_images = d.as_bool().ok_or_else(|| {
                ConfigError(format!("{prefix}.allowDataImages must be a boolean"))
            })?;
        }
        Ok(cfg)
    }
}

/// Field names (or dotted key paths) whose values are left alone.
#[derive(Debug, Clone, Default)]
struct SkipSet {
    names: HashSet<String>,
    paths: Vec<String>,
}

impl SkipSet {
    fn add(&mut self, field: &str) {
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

/// A compiled sanitizer: build once per configuration, share freely (it is `Send + Sync`).
pub struct Sanitizer {
    enabled: bool,
    mode: Mode,
    cleaner: ammonia::Builder<'static>,
    skip: SkipSet,
}

impl fmt::Debug for Sanitizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sanitizer")
            .field("enabled", &self.enabled)
            .field("mode", &self.mode)
            .finish()
    }
}

fn data_image_ok(value: &str) -> bool {
    let v = value.trim_start().to_ascii_lowercase();
    let Some(rest) = v.strip_prefix("data:") else {
        return false;
    };
    SAFE_IMAGE_MIME.iter().any(|mime| {
        rest.strip_prefix(mime)
            .is_some_and(|r| r.starts_with(";base64,"))
    })
}

/// The scheme of a URL as a browser would see it (leading whitespace/control chars ignored,
/// tabs and newlines inside the scheme removed), lowercased; `None` for relative URLs.
fn url_scheme(value: &str) -> Option<String> {
    let mut scheme = String::new();
    for c in value.trim_start_matches(|c: char| c <= ' ').chars() {
        match c {
            '\t' | '\n' | '\r' => continue,
            ':' => {
                return if scheme.is_empty() {
                    None
                } else {
                    Some(scheme)
                };
            }
            c if c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.' => {
                scheme.push(c.to_ascii_lowercase())
            }
            _ => return None,
        }
    }
    None
}

fn url_allowed(element: &str, attribute: &str, value: &str, allow_data_images: bool) -> bool {
    match url_scheme(value).as_deref() {
        None => true,
        Some("http" | "https" | "mailto" | "tel" | "ftp") => true,
        Some("data") => {
            allow_data_images
                && element == "img"
                && (attribute == "src" || attribute == "srcset")
                && data_image_ok(value)
        }
        Some(_) => false,
    }
}

impl Sanitizer {
    pub fn new(cfg: &SanitizeConfig) -> Self {
        let mut cleaner = ammonia::Builder::empty();
        let mut clean_content: HashSet<&'static str> = CLEAN_CONTENT_TAGS.iter().copied().collect();
        if cfg.mode == Mode::AllowList {
            let tags: HashSet<&'static str> = cfg.allowed_tags.iter().map(|t| intern(t)).collect();
            clean_content.retain(|t| !tags.contains(t));
            let mut generic: HashSet<&'static str> = HashSet::new();
            let mut per_tag: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
            for (tag, attrs) in &cfg.allowed_attributes {
                let set: HashSet<&'static str> = attrs.iter().map(|a| intern(a)).collect();
                if tag == "*" {
                    generic.extend(set);
                } else {
                    per_tag.entry(intern(tag)).or_default().extend(set);
                }
            }
            let mut schemes: HashSet<&'static str> = ["http", "https", "mailto", "tel", "ftp"]
                .into_iter()
                .collect();
            if cfg.allow_data_images {
                schemes.insert("data");
            }
            let allow_data_images = cfg.allow_data_images;
            cleaner
                .tags(tags)
                .generic_attributes(generic)
                .tag_attributes(per_tag)
                .url_schemes(schemes)
                .attribute_filter(move |element, attribute, value| {
                    if attribute.starts_with("on") || attribute == "style" || attribute == "srcdoc"
                    {
                        return None;
                    }
                    if attribute == "srcset" || attribute == "imagesrcset" {
                        // candidates: "url [descriptor], url [descriptor]"
                        let ok = value.split(',').all(|candidate| {
                            let url = candidate.split_whitespace().next().unwrap_or("");
                            url_allowed(element, "srcset", url, allow_data_images)
                        });
                        return ok.then_some(Cow::Borrowed(value));
                    }
                    if matches!(
                        attribute,
                        "href"
                            | "src"
                            | "action"
                            | "formaction"
                            | "xlink:href"
                            | "data"
                            | "poster"
                            | "ping"
                            | "cite"
                            | "background"
                            | "longdesc"
                            | "usemap"
                            | "codebase"
                    ) && !url_allowed(element, attribute, value, allow_data_images)
                    {
                        return None;
                    }
                    Some(Cow::Borrowed(value))
                });
        }
        cleaner.clean_content_tags(clean_content);
        let mut skip = SkipSet::default();
        for f in &cfg.skip_fields {
            skip.add(f);
        }
        Sanitizer {
            enabled: cfg.enabled,
            mode: cfg.mode,
            cleaner,
            skip,
        }
    }

    /// Builds a sanitizer from the JSON form of the config.
    pub fn from_json(v: &Value) -> Result<Self, ConfigError> {
        Ok(Self::new(&SanitizeConfig::from_json(v, "sanitization")?))
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Sanitizes one string. Returns `Cow::Borrowed` when nothing had to change.
    pub fn sanitize_str<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if !self.enabled || is_safe_url(s) {
            return Cow::Borrowed(s);
        }
        match self.mode {
            Mode::Escape => escape_html(s),
            Mode::Strip => {
                if !has_markup(s) {
                    return Cow::Borrowed(s);
                }
                let html = self.cleaner.clean(s).to_string();
                Cow::Owned(neutralize_tag_openers(&unescape_text(&html)))
            }
            Mode::AllowList => {
                // text without tag openers cannot create elements, even inside HTML
                if !has_markup(s) {
                    return Cow::Borrowed(s);
                }
                let out = self.cleaner.clean(s).to_string();
                if out == s {
                    Cow::Borrowed(s)
                } else {
                    Cow::Owned(out)
                }
            }
        }
    }

    /// Sanitizes many strings (FormData fields, batches).
    pub fn sanitize_strings(&self, values: &[String]) -> Vec<String> {
        values
            .iter()
            .map(|v| self.sanitize_str(v).into_owned())
            .collect()
    }

    /// Sanitizes every string value of a JSON document given as text, skipping the configured
    /// fields plus `extra_skip`. Object keys, numbers, booleans and null are copied as they are;
    /// insignificant whitespace is dropped. Iterative: any nesting depth.
    pub fn sanitize_json(&self, input: &str, extra_skip: &[String]) -> Result<String, JsonError> {
        let mut skip = Cow::Borrowed(&self.skip);
        if !extra_skip.is_empty() {
            let mut owned = self.skip.clone();
            for f in extra_skip {
                owned.add(f);
            }
            skip = Cow::Owned(owned);
        }
        walk_json(input, &skip, |s| {
            if self.enabled {
                self.sanitize_str(s)
            } else {
                Cow::Borrowed(s)
            }
        })
    }
}

/// Would an HTML tokenizer see anything but text here? Only a `<` followed by an ASCII letter,
/// `/`, `!` or `?` starts a tag, end tag, comment, doctype or bogus comment.
fn has_markup(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1)
                .is_some_and(|&n| n.is_ascii_alphabetic() || n == b'/' || n == b'!' || n == b'?')
    })
}

/// ammonia serializes text with `&amp; &lt; &gt; &nbsp;` (and `&quot;` in attributes, which
/// strip mode never emits). Turn that back into plain text.
fn unescape_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let (rep, len) = if rest.starts_with("&amp;") {
            ("&", 5)
        } else if rest.starts_with("&lt;") {
            ("<", 4)
        } else if rest.starts_with("&gt;") {
            (">", 4)
        } else if rest.starts_with("&nbsp;") {
            ("\u{a0}", 6)
        } else if rest.starts_with("&quot;") {
            ("\"", 6)
        } else {
            ("&", 1)
        };
        out.push_str(rep);
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

/// Writes every `<` that could open markup as `&lt;`, so the text stays inert if the app puts it
/// into HTML. Other characters (including `&`, `>` and a `<` before a space or digit) stay.
fn neutralize_tag_openers(text: &str) -> String {
    if !has_markup(text) {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'<'
            && b.get(i + 1)
                .is_some_and(|&n| n.is_ascii_alphabetic() || n == b'/' || n == b'!' || n == b'?')
        {
            out.push_str(&text[last..i]);
            out.push_str("&lt;");
            last = i + 1;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// `& < > "` as entities.
pub fn escape_html(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| matches!(b, b'&' | b'<' | b'>' | b'"')) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A string that is exactly a safe URL: `http(s)://`, `ftp://`, `mailto:`, `tel:`, or a path
/// starting with a single `/`, containing nothing that could break out of HTML text or an
/// attribute (no whitespace, quotes, angle brackets, backslashes or control characters).
pub fn is_safe_url(s: &str) -> bool {
    if s.len() < 2
        || s.bytes()
            .any(|b| b <= b' ' || matches!(b, b'<' | b'>' | b'"' | b'\'' | b'`' | b'\\' | 0x7f))
    {
        return false;
    }
    let b = s.as_bytes();
    if b[0] == b'/' {
        return b[1] != b'/';
    }
    let lower_prefix: String = s.chars().take(8).collect::<String>().to_ascii_lowercase();
    for p in ["http://", "https://", "ftp://", "mailto:", "tel:"] {
        if lower_prefix.starts_with(p) && s.len() > p.len() {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------
// The JSON walk

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
fn walk_json<F>(input: &str, skip: &SkipSet, f: F) -> Result<String, JsonError>
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

#[cfg(test)]
mod tests;

//! String-level sanitizing: the ammonia cleaner built from the options (allowed tags and
//! attributes, URL schemes, `data:image/*`), the markup test that lets plain text through
//! untouched, strip mode's text clean-up, HTML escaping and the safe-URL test.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use super::config::{Mode, SanitizeConfig};

/// Elements whose content is dropped along with the element.
const CLEAN_CONTENT_TAGS: &[&str] = &[
    "script", "style", "template", "iframe", "noembed", "noframes", "noscript", "xmp", "object",
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

/// The ammonia cleaner for a configuration: in `allowList` mode only the allowed tags and
/// attributes, URL attributes (and `srcset`) filtered by scheme; in every mode the content of
/// script-like elements goes with them.
pub(super) fn build_cleaner(cfg: &SanitizeConfig) -> ammonia::Builder<'static> {
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
                if attribute.starts_with("on") || attribute == "style" || attribute == "srcdoc" {
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
    cleaner
}

/// Would an HTML tokenizer see anything but text here? Only a `<` followed by an ASCII letter,
/// `/`, `!` or `?` starts a tag, end tag, comment, doctype or bogus comment.
pub(super) fn has_markup(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1)
                .is_some_and(|&n| n.is_ascii_alphabetic() || n == b'/' || n == b'!' || n == b'?')
    })
}

/// ammonia serializes text with `&amp; &lt; &gt; &nbsp;` (and `&quot;` in attributes, which
/// strip mode never emits). Turn that back into plain text.
pub(super) fn unescape_text(html: &str) -> String {
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
pub(super) fn neutralize_tag_openers(text: &str) -> String {
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

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

mod config;
mod html;
mod json;

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

pub use config::{ConfigError, Mode, SanitizeConfig};
pub use html::{escape_html, is_safe_url};
pub use json::JsonError;

use html::{has_markup, neutralize_tag_openers, unescape_text};
use json::{SkipSet, walk_json};

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

impl Sanitizer {
    pub fn new(cfg: &SanitizeConfig) -> Self {
        let cleaner = html::build_cleaner(cfg);
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

#[cfg(test)]
mod tests;

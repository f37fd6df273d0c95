//! The `sanitization` options: parsed and checked once (a bad one names itself), with the
//! tag lists that bound what `allowList` mode may ever let through.

use std::collections::HashMap;
use std::fmt;

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

pub(super) const DEFAULT_ALLOWED_TAGS: &[&str] = &[
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

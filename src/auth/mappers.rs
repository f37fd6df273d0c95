//! Response mappers: how the backend's JSON is read.
//!
//! Declarative mappers are JSON paths, run natively. A path is either
//! - a string: a dot path (`data.user`, `$.data.user`, `data.items[0].id`, `data.0.id`) or,
//!   when it starts with `/`, a JSON pointer (`/data/user`);
//! - or an object `{ "path": "...", "type": "dot" | "pointer" }`.
//!
//! Function mappers (JS) return plain values that [`AuthMeMapper::from_js_result`] and
//! [`RefreshMapper::from_js_result`] read.

use serde_json::{Map, Value};

use crate::error::{LayerError, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    /// a key that may also be an array index (`data.0`)
    KeyOrIndex(String, usize),
}

/// A compiled JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    pub fn dot(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        let s = s.strip_prefix('$').unwrap_or(s);
        let s = s.strip_prefix('.').unwrap_or(s);
        let mut steps = Vec::new();
        if s.is_empty() {
            return Ok(Self { steps });
        }
        for part in s.split('.') {
            if part.is_empty() {
                return Err(format!("\"{s}\" has an empty segment"));
            }
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !key.is_empty() {
                steps.push(match key.parse::<usize>() {
                    Ok(n) => Step::KeyOrIndex(key.to_string(), n),
                    Err(_) => Step::Key(key.to_string()),
                });
            }
            while !rest.is_empty() {
                let end = rest
                    .find(']')
                    .ok_or_else(|| format!("\"{s}\" has an unclosed '['"))?;
                let inner = &rest[1..end];
                let n = inner
                    .parse::<usize>()
                    .map_err(|_| format!("\"{s}\": [{inner}] is not an array index"))?;
                steps.push(Step::Index(n));
                rest = &rest[end + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(format!("\"{s}\" is not a valid path"));
                }
            }
        }
        Ok(Self { steps })
    }

    pub fn pointer(s: &str) -> std::result::Result<Self, String> {
        if s.is_empty() {
            return Ok(Self { steps: Vec::new() });
        }
        if !s.starts_with('/') {
            return Err(format!("JSON pointer \"{s}\" must start with '/'"));
        }
        let steps = s[1..]
            .split('/')
            .map(|t| {
                let t = t.replace("~1", "/").replace("~0", "~");
                match t.parse::<usize>() {
                    Ok(n) => Step::KeyOrIndex(t, n),
                    Err(_) => Step::Key(t),
                }
            })
            .collect();
        Ok(Self { steps })
    }

    /// Parses a mapper value (string or `{ path, type }`); `option` names it in errors.
    pub fn parse(v: &Value, option: &str) -> Result<Self> {
        let (path, kind) = match v {
            Value::String(s) => (
                s.as_str(),
                if s.starts_with('/') { "pointer" } else { "dot" },
            ),
            Value::Object(o) => {
                let path = match o.get("path") {
                    Some(Value::String(s)) => s.as_str(),
                    _ => {
                        return Err(LayerError::config(
                            &format!("{option}.path"),
                            "must be a string",
                        ));
                    }
                };
                let kind = match o.get("type") {
                    None | Some(Value::Null) => "dot",
                    Some(Value::String(t)) => t.as_str(),
                    Some(_) => {
                        return Err(LayerError::config(
                            &format!("{option}.type"),
                            "must be a string",
                        ));
                    }
                };
                (path, kind)
            }
            _ => {
                return Err(LayerError::config(
                    option,
                    "must be a JSON path string or { path, type } (function mappers are passed as functions)",
                ));
            }
        };
        let parsed = match kind {
            "dot" | "jsonpath" => JsonPath::dot(path),
            "pointer" | "jsonPointer" => JsonPath::pointer(path),
            other => {
                return Err(LayerError::config(
                    &format!("{option}.type"),
                    format!("is an unknown mapper path type \"{other}\" (use 'dot' or 'pointer')"),
                ));
            }
        };
        parsed.map_err(|e| LayerError::config(option, e))
    }

    pub fn get<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        let mut cur = v;
        for s in &self.steps {
            cur = match (s, cur) {
                (Step::Key(k), Value::Object(o)) => o.get(k)?,
                (Step::KeyOrIndex(k, _), Value::Object(o)) => o.get(k)?,
                (Step::Index(i), Value::Array(a)) | (Step::KeyOrIndex(_, i), Value::Array(a)) => {
                    a.get(*i)?
                }
                _ => return None,
            };
        }
        if cur.is_null() { None } else { Some(cur) }
    }
}

/// A declarative mapper: field name -> path.
#[derive(Debug, Clone, Default)]
pub struct MapperSpec {
    fields: Vec<(String, JsonPath)>,
}

impl MapperSpec {
    pub fn parse(v: &Value, option: &str) -> Result<Self> {
        let o = match v {
            Value::Object(o) => o,
            _ => {
                return Err(LayerError::config(
                    option,
                    "must be an object of JSON paths, or a function",
                ));
            }
        };
        let fields = o
            .iter()
            .map(|(k, v)| Ok((k.clone(), JsonPath::parse(v, &format!("{option}.{k}"))?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { fields })
    }

    fn take(&mut self, key: &str) -> Option<JsonPath> {
        let i = self.fields.iter().position(|(k, _)| k == key)?;
        Some(self.fields.remove(i).1)
    }

    fn finish(self, option: &str, allowed: &str) -> Result<()> {
        match self.fields.first() {
            None => Ok(()),
            Some((k, _)) => Err(LayerError::config(
                &format!("{option}.{k}"),
                format!("is not a known field (use {allowed})"),
            )),
        }
    }
}

fn path(s: &str) -> JsonPath {
    JsonPath::dot(s).expect("built-in path")
}

pub(crate) fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    }
}

pub(crate) fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What the validate endpoint said about a token.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedUser {
    /// The user object (always a JSON object; it carries `type` too).
    pub user: Value,
    /// `user`, `guest`, ... (default `user`).
    pub token_type: String,
    /// Token expiry, unix seconds, when known.
    pub exp: Option<i64>,
}

/// Reads `auth/me` answers. Fields: `user` (default `data`), `type` (`data.type`),
/// `exp` (`data.exp`), `success` (`success`; `false` means invalid).
#[derive(Debug, Clone)]
pub struct AuthMeMapper {
    user: JsonPath,
    token_type: JsonPath,
    exp: JsonPath,
    success: JsonPath,
}

impl AuthMeMapper {
    pub fn new(spec: Option<MapperSpec>, option: &str) -> Result<Self> {
        let mut spec = spec.unwrap_or_default();
        let m = Self {
            user: spec.take("user").unwrap_or_else(|| path("data")),
            token_type: spec.take("type").unwrap_or_else(|| path("data.type")),
            exp: spec.take("exp").unwrap_or_else(|| path("data.exp")),
            success: spec.take("success").unwrap_or_else(|| path("success")),
        };
        spec.finish(option, "user, type, exp, success")?;
        Ok(m)
    }

    /// `None`: the body does not describe a valid session.
    pub fn map(&self, body: &Value) -> Option<ValidatedUser> {
        if self.success.get(body) == Some(&Value::Bool(false)) {
            return None;
        }
        let user = self.user.get(body)?;
        if !user.is_object() {
            return None;
        }
        let token_type = self
            .token_type
            .get(body)
            .and_then(as_string)
            .unwrap_or_else(|| "user".to_string());
        let exp = self.exp.get(body).and_then(as_i64);
        Some(finish_user(user.clone(), token_type, exp))
    }

    /// Reads what a JS `parseAuthMe(body)` returned: `null`/`false` = invalid; an object with
    /// a `user` key = `{ user, type | tokenType, exp }`; any other object = the user itself.
    pub fn from_js_result(v: &Value) -> Option<ValidatedUser> {
        let o = v.as_object()?;
        // next-api-layer's `TokenInfo`: `{ isValid, tokenType, exp, userData }`.
        if let Some(valid) = o.get("isValid") {
            if valid != &Value::Bool(true) {
                return None;
            }
            let user = match o.get("userData") {
                Some(u @ Value::Object(_)) => u.clone(),
                None | Some(Value::Null) => Value::Object(Map::new()),
                Some(_) => return None,
            };
            let token_type = o
                .get("tokenType")
                .and_then(as_string)
                .unwrap_or_else(|| "user".to_string());
            return Some(finish_user(user, token_type, o.get("exp").and_then(as_i64)));
        }
        let (user, ty, exp) = match o.get("user") {
            Some(u @ Value::Object(_)) => (
                u.clone(),
                o.get("tokenType").or(o.get("type")).or(u.get("type")),
                o.get("exp").or(u.get("exp")),
            ),
            Some(_) => return None,
            None => (
                v.clone(),
                o.get("type").or(o.get("tokenType")),
                o.get("exp"),
            ),
        };
        let token_type = ty.and_then(as_string).unwrap_or_else(|| "user".to_string());
        let exp = exp.and_then(as_i64);
        Some(finish_user(user, token_type, exp))
    }
}

pub(crate) fn finish_user(mut user: Value, token_type: String, exp: Option<i64>) -> ValidatedUser {
    if let Value::Object(m) = &mut user {
        m.entry("type")
            .or_insert_with(|| Value::String(token_type.clone()));
    }
    ValidatedUser {
        user,
        token_type,
        exp,
    }
}

/// What the refresh or guest endpoint returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<i64>,
    pub exp: Option<i64>,
}

/// Reads refresh / guest answers. Fields: `token` (default: `data.accessToken`, the
/// `next-api-layer` contract, else `data.token`), `refreshToken` (`data.refreshToken`, else
/// `data.refresh_token`), `expiresIn` (`data.expires_in`), `exp` (`data.exp`). A configured
/// path replaces both defaults of its field.
#[derive(Debug, Clone)]
pub struct RefreshMapper {
    token: Vec<JsonPath>,
    refresh_token: Vec<JsonPath>,
    expires_in: JsonPath,
    exp: JsonPath,
}

fn first(paths: &[JsonPath], body: &Value) -> Option<String> {
    paths
        .iter()
        .find_map(|p| p.get(body).and_then(as_string).filter(|s| !s.is_empty()))
}

impl RefreshMapper {
    pub fn new(spec: Option<MapperSpec>, option: &str) -> Result<Self> {
        let mut spec = spec.unwrap_or_default();
        let m = Self {
            token: spec
                .take("token")
                .map(|p| vec![p])
                .unwrap_or_else(|| vec![path("data.accessToken"), path("data.token")]),
            refresh_token: spec
                .take("refreshToken")
                .map(|p| vec![p])
                .unwrap_or_else(|| vec![path("data.refreshToken"), path("data.refresh_token")]),
            expires_in: spec
                .take("expiresIn")
                .unwrap_or_else(|| path("data.expires_in")),
            exp: spec.take("exp").unwrap_or_else(|| path("data.exp")),
        };
        spec.finish(option, "token, refreshToken, expiresIn, exp")?;
        Ok(m)
    }

    pub fn map(&self, body: &Value) -> Option<IssuedToken> {
        if body.get("success") == Some(&Value::Bool(false)) {
            return None;
        }
        let token = first(&self.token, body)?;
        Some(IssuedToken {
            token,
            refresh_token: first(&self.refresh_token, body),
            expires_in: self.expires_in.get(body).and_then(as_i64),
            exp: self.exp.get(body).and_then(as_i64),
        })
    }

    /// Reads what a JS mapper returned: a token string, or `{ token, refreshToken, expiresIn, exp }`.
    pub fn from_js_result(v: &Value) -> Option<IssuedToken> {
        match v {
            Value::String(s) if !s.is_empty() => Some(IssuedToken {
                token: s.clone(),
                refresh_token: None,
                expires_in: None,
                exp: None,
            }),
            Value::Object(o) => {
                let get = |a: &str, b: &str| o.get(a).or(o.get(b));
                Some(IssuedToken {
                    token: get("token", "accessToken").and_then(as_string)?,
                    refresh_token: get("refreshToken", "refresh_token").and_then(as_string),
                    expires_in: get("expiresIn", "expires_in").and_then(as_i64),
                    exp: o.get("exp").and_then(as_i64),
                })
            }
            _ => None,
        }
    }
}

/// Convenience for tests and callers holding a map.
pub fn object(pairs: &[(&str, Value)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert((*k).to_string(), v.clone());
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests;

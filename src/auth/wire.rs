//! The JS↔Rust wire format of the hot path, declared once.
//!
//! The adapter hands the engine one string of facts and gets one string of decision back
//! (napi object conversion costs more than the decision itself). Both strings are fields
//! separated by `\n`, which no header value, URL path or compact JSON can contain; an empty
//! field means "absent". The order and meaning of every field is [`FACTS`], [`DECISION`] and
//! [`AUTH`] below and nowhere else: the parser and the encoder here walk these tables, and
//! the JS adapter builds its packer and unpacker from the same tables at load
//! (`wireFormat()`, js/shared/wire.js). Adding a fact is one row here plus its `Facts` field.
//!
//! Facts: a flags field first (`a`: the caller wants the auth result, `p`: a prefetch, see
//! `Facts::prefetch`, `i`: the request carries an internal header, `Facts::carries_internal`),
//! then one field per
//! [`FACTS`] row. Decision: one field per [`DECISION`] row (a list is its length, then its
//! items), then, when asked, one field per [`AUTH`] row (booleans as `1` / empty). The one
//! answer most requests get, go on unchanged without the auth result, is [`BARE_NEXT`].

use std::borrow::Cow;

use super::decide::{AuthResult, Decision, Facts};

/// Where the adapter reads a fact from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `req.method`
    Method,
    /// `nextUrl.pathname`, still percent-encoded
    Path,
    /// `nextUrl.search` (with its `?`, or empty)
    Search,
    /// A request header by (lower-case) name.
    Header(&'static str),
    /// The configured `csrf.headerName` (default `x-csrf-token`).
    CsrfHeader,
    /// The peer address, when the runtime exposes one (`req.ip`).
    Ip,
    /// The result of the user's `rateLimit.keyFn(req)`.
    RateLimitKey,
    /// Set only inside the layer, never read from a client: always empty from the proxy.
    Internal,
}

impl Source {
    /// The name the JS adapter switches on.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Method => "method",
            Self::Path => "path",
            Self::Search => "search",
            Self::Header(_) => "header",
            Self::CsrfHeader => "csrfHeader",
            Self::Ip => "ip",
            Self::RateLimitKey => "rateLimitKey",
            Self::Internal => "internal",
        }
    }

    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Header(h) => Some(h),
            _ => None,
        }
    }
}

/// One fact: its name (the `Facts` property in JS), where it comes from, and how the parser
/// stores it.
pub struct FactField {
    pub name: &'static str,
    pub source: Source,
    set: fn(&mut Facts, Option<String>),
}

macro_rules! fact {
    ($name:literal, $source:expr, $field:ident) => {
        FactField {
            name: $name,
            source: $source,
            set: |f, v| f.$field = v,
        }
    };
}

/// The facts, in wire order.
pub const FACTS: &[FactField] = &[
    FactField {
        name: "method",
        source: Source::Method,
        set: |f, v| f.method = v.unwrap_or_else(|| "GET".to_string()),
    },
    FactField {
        name: "path",
        source: Source::Path,
        set: |f, v| f.path = v.unwrap_or_else(|| "/".to_string()),
    },
    fact!("search", Source::Search, search),
    fact!("cookie", Source::Header("cookie"), cookie),
    fact!("accept", Source::Header("accept"), accept),
    fact!(
        "secFetchMode",
        Source::Header("sec-fetch-mode"),
        sec_fetch_mode
    ),
    fact!(
        "secFetchDest",
        Source::Header("sec-fetch-dest"),
        sec_fetch_dest
    ),
    fact!(
        "secFetchSite",
        Source::Header("sec-fetch-site"),
        sec_fetch_site
    ),
    fact!(
        "xForwardedFor",
        Source::Header("x-forwarded-for"),
        x_forwarded_for
    ),
    fact!("xRealIp", Source::Header("x-real-ip"), x_real_ip),
    fact!("origin", Source::Header("origin"), origin),
    fact!("host", Source::Header("host"), host),
    fact!("userAgent", Source::Header("user-agent"), user_agent),
    fact!("referer", Source::Header("referer"), referer),
    fact!("contentType", Source::Header("content-type"), content_type),
    fact!("xCsrfToken", Source::CsrfHeader, x_csrf_token),
    fact!("refreshedToken", Source::Internal, refreshed_token),
    fact!("ip", Source::Ip, ip),
    fact!("rateLimitKey", Source::RateLimitKey, rate_limit_key),
];

/// A decision field's value, as the encoder writes it.
pub enum Value<'a> {
    Str(Option<&'a str>),
    Num(u32),
    Bool(bool),
    /// Its length, then its items.
    List(&'a [String]),
}

impl Value<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Self::Str(_) => "str",
            Self::Num(_) => "num",
            Self::Bool(_) => "bool",
            Self::List(_) => "list",
        }
    }
}

/// One field of the decision (or of its auth result).
pub struct Field<T: 'static> {
    pub name: &'static str,
    pub get: fn(&T) -> Value<'_>,
}

impl<T: Default> Field<T> {
    /// `str` | `num` | `bool` | `list`
    pub fn kind(&self) -> &'static str {
        (self.get)(&T::default()).kind()
    }
}

/// The decision, in wire order.
pub const DECISION: &[Field<Decision>] = &[
    Field {
        name: "kind",
        get: |d| Value::Str(Some(&d.kind)),
    },
    Field {
        name: "status",
        get: |d| Value::Num(d.status),
    },
    Field {
        name: "location",
        get: |d| Value::Str(d.location.as_deref()),
    },
    Field {
        name: "body",
        get: |d| Value::Str(d.body.as_deref()),
    },
    Field {
        name: "setCookies",
        get: |d| Value::List(&d.set_cookies),
    },
    Field {
        name: "requestHeaders",
        get: |d| Value::List(&d.request_headers),
    },
    Field {
        name: "responseHeaders",
        get: |d| Value::List(&d.response_headers),
    },
];

/// The auth result (`afterAuth`'s third argument), in wire order, after the decision.
pub const AUTH: &[Field<AuthResult>] = &[
    Field {
        name: "isAuthenticated",
        get: |a| Value::Bool(a.is_authenticated),
    },
    Field {
        name: "isGuest",
        get: |a| Value::Bool(a.is_guest),
    },
    Field {
        name: "tokenType",
        get: |a| Value::Str(a.token_type.as_deref()),
    },
    Field {
        name: "userJson",
        get: |a| Value::Str(a.user_json.as_deref()),
    },
    Field {
        name: "tokenSource",
        get: |a| Value::Str(a.token_source.as_deref()),
    },
    Field {
        name: "refreshed",
        get: |a| Value::Bool(a.refreshed),
    },
    Field {
        name: "guestCreated",
        get: |a| Value::Bool(a.guest_created),
    },
    Field {
        name: "error",
        get: |a| Value::Str(a.error.as_deref()),
    },
    Field {
        name: "locale",
        get: |a| Value::Str(a.locale.as_deref()),
    },
    Field {
        name: "refreshFail",
        get: |a| Value::Str(a.refresh_fail.as_deref()),
    },
    Field {
        name: "bypassed",
        get: |a| Value::Str(a.bypassed.as_deref()),
    },
];

/// What the adapter asks for beside the decision, from the packed facts' flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    /// `a`: the auth result (hooks will read it).
    pub auth: bool,
    /// `m`: the adapter would keep a bare answer, so the engine says for how long it may
    /// (`Engine::decide_kept`, the lookup words' keep field).
    pub keep: bool,
}

/// Parses packed facts; returns them and what the caller asks for beside the decision.
/// Missing trailing fields are absent.
pub fn facts(s: &str) -> (Facts, Asked) {
    let mut it = s.split('\n');
    // flags: `a` and `m` see [`Asked`], `p` = a prefetch (`Facts::prefetch`), `i` = an
    // internal header to strip (`Facts::carries_internal`)
    let flags = it.next().unwrap_or("");
    let want_auth = flags.contains('a');
    let mut f = Facts {
        prefetch: flags.contains('p').then_some(true),
        carries_internal: flags.contains('i').then_some(true),
        no_auth_result: (!want_auth).then_some(true),
        ..Facts::default()
    };
    for field in FACTS {
        let v = it.next().filter(|v| !v.is_empty()).map(str::to_string);
        (field.set)(&mut f, v);
    }
    let asked = Asked {
        auth: want_auth,
        keep: flags.contains('m'),
    };
    (f, asked)
}

/// Writes fields with a `\n` before every field but the first.
struct Writer {
    out: String,
    first: bool,
}

impl Writer {
    fn push(&mut self, v: &str) {
        if !std::mem::take(&mut self.first) {
            self.out.push('\n');
        }
        // defence in depth: a newline can never smuggle a field
        if v.contains(['\n', '\r']) {
            self.out.push_str(&v.replace(['\n', '\r'], " "));
        } else {
            self.out.push_str(v);
        }
    }

    fn value(&mut self, v: Value<'_>) {
        match v {
            Value::Str(s) => self.push(s.unwrap_or("")),
            Value::Num(n) => self.push(itoa(n, &mut [0; 10])),
            Value::Bool(b) => self.push(if b { "1" } else { "" }),
            Value::List(list) => {
                self.push(itoa(list.len() as u32, &mut [0; 10]));
                for v in list {
                    self.push(v);
                }
            }
        }
    }
}

/// Decimal digits of `n` without an allocation.
fn itoa(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// Encodes a decision (and, when asked, its auth result; absent = all fields empty).
/// The packed form of `Decision::next()` with nothing to set, asked without the auth result:
/// a warm request's usual answer, read by the adapter without splitting anything.
pub const BARE_NEXT: &str = "n";

pub(crate) fn is_bare_next(d: &Decision) -> bool {
    d.kind == "next"
        && d.status == 200
        && d.location.is_none()
        && d.body.is_none()
        && d.set_cookies.is_empty()
        && d.request_headers.is_empty()
        && d.response_headers.is_empty()
}

/// Borrowed for [`BARE_NEXT`]: the usual answer costs no allocation.
pub fn decision(d: &Decision, with_auth: bool) -> Cow<'static, str> {
    if !with_auth && is_bare_next(d) {
        return Cow::Borrowed(BARE_NEXT);
    }
    let capacity = 64
        + d.request_headers.iter().map(String::len).sum::<usize>()
        + d.set_cookies.iter().map(String::len).sum::<usize>()
        + d.auth
            .as_ref()
            .and_then(|a| a.user_json.as_deref())
            .map_or(0, str::len)
        + d.body.as_deref().map_or(0, str::len);
    let mut w = Writer {
        out: String::with_capacity(capacity),
        first: true,
    };
    for field in DECISION {
        w.value((field.get)(d));
    }
    if with_auth {
        let none = AuthResult::default();
        let a = d.auth.as_ref().unwrap_or(&none);
        for field in AUTH {
            w.value((field.get)(a));
        }
    }
    Cow::Owned(w.out)
}

#[cfg(test)]
mod tests;

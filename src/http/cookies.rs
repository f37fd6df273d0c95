//! Cookie header parsing and `Set-Cookie` building.
//!
//! Defaults follow the security invariants: `HttpOnly`, `SameSite=Lax`, `Secure` in
//! production, `Path=/`. Every attribute is overridable through [`CookieOptions`].
//! Deleting a cookie the request did not carry writes nothing ([`delete_if_present`]).

use std::fmt::Write as _;

/// `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    Strict,
    None,
}

impl SameSite {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "lax" => Some(SameSite::Lax),
            "strict" => Some(SameSite::Strict),
            "none" => Some(SameSite::None),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            SameSite::Lax => "Lax",
            SameSite::Strict => "Strict",
            SameSite::None => "None",
        }
    }
}

/// Attributes of the cookies the layer writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieOptions {
    pub http_only: bool,
    pub same_site: SameSite,
    /// `None`: secure when `production` is true.
    pub secure: Option<bool>,
    pub path: String,
    pub domain: Option<String>,
    /// Whether the process runs in production (`NODE_ENV === 'production'`).
    pub production: bool,
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            http_only: true,
            same_site: SameSite::Lax,
            secure: None,
            path: "/".to_string(),
            domain: None,
            production: false,
        }
    }
}

impl CookieOptions {
    pub fn is_secure(&self) -> bool {
        // SameSite=None is only accepted by browsers together with Secure.
        self.secure.unwrap_or(self.production) || self.same_site == SameSite::None
    }
}

/// Iterates `(name, value)` pairs of a `Cookie` request header without allocating.
/// Surrounding whitespace is trimmed and a value in double quotes is unquoted.
pub fn parse_cookie_header(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let mut value = value.trim();
        if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
            value = &value[1..value.len() - 1];
        }
        Some((name, value))
    })
}

/// The value of the cookie called `name` in a `Cookie` header, if any. An empty value counts
/// as absent, and so does a name sent more than once: parsers disagree on which copy wins
/// (Next.js's `cookies()` takes the last, many take the first), so reading either would let
/// the proxy judge one account while server code acts as another (cookie tossing from a
/// subdomain does exactly that).
pub fn get_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    let [seen] = scan(header, [name]);
    seen.value()
}

/// True when the request's cookie header carries a cookie called `name` (even empty).
pub fn has_cookie(header: &str, name: &str) -> bool {
    let [seen] = scan(header, [name]);
    seen.present()
}

/// What one pass over a `Cookie` header found for one name: how often it was sent (0, 1, or
/// 2 for "twice or more") and its first value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen<'a> {
    pub count: u8,
    pub first: &'a str,
}

impl<'a> Seen<'a> {
    /// The value when sent exactly once and not empty (see [`get_cookie`] for why).
    pub fn value(self) -> Option<&'a str> {
        (self.count == 1 && !self.first.is_empty()).then_some(self.first)
    }

    /// Sent at all, even empty.
    pub fn present(self) -> bool {
        self.count > 0
    }

    /// Sent more than once.
    pub fn duplicated(self) -> bool {
        self.count > 1
    }
}

/// What a `Cookie` header carries for several names, in ONE pass over it: the auth cookies are
/// looked up on every request, and a pass per name and question (five on a warm hit) cost more
/// than the decision around them. [`get_cookie`] and [`has_cookie`] ask it for one name.
pub fn scan<'a, const N: usize>(header: &'a str, names: [&str; N]) -> [Seen<'a>; N] {
    let mut out = [Seen::default(); N];
    for (n, v) in parse_cookie_header(header) {
        for (seen, name) in out.iter_mut().zip(names) {
            if n == name {
                if seen.count == 0 {
                    seen.first = v;
                }
                seen.count = (seen.count + 1).min(2);
            }
        }
    }
    out
}

/// RFC 6265 cookie-name (token) check.
pub fn is_valid_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'(' | b')'
                        | b'<'
                        | b'>'
                        | b'@'
                        | b','
                        | b';'
                        | b':'
                        | b'\\'
                        | b'"'
                        | b'/'
                        | b'['
                        | b']'
                        | b'?'
                        | b'='
                        | b'{'
                        | b'}'
                )
        })
}

/// RFC 6265 cookie-octet check (what may appear in a value without quoting).
pub fn is_valid_cookie_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'))
}

/// Builds a full `Set-Cookie` value. `max_age` in seconds (`None` = session cookie).
/// Returns `None` when name or value contain characters a cookie cannot carry
/// (header injection is impossible by construction).
pub fn build_set_cookie(
    name: &str,
    value: &str,
    opts: &CookieOptions,
    max_age: Option<i64>,
) -> Option<String> {
    if !is_valid_cookie_name(name) || !is_valid_cookie_value(value) {
        return None;
    }
    // Cookie prefixes (RFC 6265bis): browsers drop a `__Host-` cookie unless it is Secure,
    // Path=/ and has no Domain, and a `__Secure-` one unless it is Secure. A `__Host-` cookie
    // cannot be set or overwritten from a subdomain (no cookie tossing).
    let host_prefix = name.starts_with("__Host-");
    let secure_prefix = host_prefix || name.starts_with("__Secure-");
    let mut s = String::with_capacity(name.len() + value.len() + 80);
    s.push_str(name);
    s.push('=');
    s.push_str(value);
    if host_prefix {
        s.push_str("; Path=/");
    } else if !opts.path.is_empty() && is_valid_attr(&opts.path) {
        s.push_str("; Path=");
        s.push_str(&opts.path);
    }
    if let Some(domain) = opts
        .domain
        .as_deref()
        .filter(|d| !host_prefix && is_valid_attr(d))
    {
        s.push_str("; Domain=");
        s.push_str(domain);
    }
    if let Some(age) = max_age {
        let age = age.max(0);
        let _ = write!(s, "; Max-Age={age}");
        if age == 0 {
            s.push_str("; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        }
    }
    if opts.http_only {
        s.push_str("; HttpOnly");
    }
    if secure_prefix || opts.is_secure() {
        s.push_str("; Secure");
    }
    s.push_str("; SameSite=");
    s.push_str(opts.same_site.as_str());
    Some(s)
}

fn is_valid_attr(v: &str) -> bool {
    v.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';')
}

/// A `Set-Cookie` value that deletes `name` (same path/domain as it was written with).
pub fn build_delete_cookie(name: &str, opts: &CookieOptions) -> Option<String> {
    build_set_cookie(name, "", opts, Some(0))
}

/// Deletes `name` only if the request carried it; otherwise writes nothing.
pub fn delete_if_present(
    cookie_header: Option<&str>,
    name: &str,
    opts: &CookieOptions,
) -> Option<String> {
    if cookie_header.is_some_and(|h| has_cookie(h, name)) {
        build_delete_cookie(name, opts)
    } else {
        None
    }
}

/// Returns the `Cookie` header with `name` set to `value` (replaced in place, or appended),
/// and with every cookie in `remove` dropped. Used to make a refreshed token visible to
/// `cookies()` downstream in the same request.
pub fn rewrite_cookie_header(
    header: Option<&str>,
    set: &[(&str, &str)],
    remove: &[&str],
) -> String {
    let mut out = String::with_capacity(header.map_or(0, str::len) + 256);
    let mut done = vec![false; set.len()];
    if let Some(h) = header {
        for (n, v) in parse_cookie_header(h) {
            if remove.contains(&n) {
                continue;
            }
            let value = match set.iter().position(|(sn, _)| *sn == n) {
                Some(i) if done[i] => continue,
                Some(i) => {
                    done[i] = true;
                    set[i].1
                }
                None => v,
            };
            push_pair(&mut out, n, value);
        }
    }
    for (i, (n, v)) in set.iter().enumerate() {
        if !done[i] {
            push_pair(&mut out, n, v);
        }
    }
    out
}

fn push_pair(out: &mut String, n: &str, v: &str) {
    if !out.is_empty() {
        out.push_str("; ");
    }
    out.push_str(n);
    out.push('=');
    out.push_str(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cookie_header() {
        let h = " a=1; userToken=abc.def.ghi ;guestToken=\"q\"; empty=; junk; =x";
        let pairs: Vec<_> = parse_cookie_header(h).collect();
        assert_eq!(
            pairs,
            vec![
                ("a", "1"),
                ("userToken", "abc.def.ghi"),
                ("guestToken", "q"),
                ("empty", "")
            ]
        );
        assert_eq!(get_cookie(h, "userToken"), Some("abc.def.ghi"));
        assert_eq!(get_cookie(h, "guestToken"), Some("q"));
        assert_eq!(get_cookie(h, "empty"), None);
        assert!(has_cookie(h, "empty"));
        assert_eq!(get_cookie(h, "missing"), None);
        // the value keeps '=' characters (base64 padding)
        assert_eq!(get_cookie("t=ab==; x=1", "t"), Some("ab=="));
        // a name sent twice is ambiguous: absent, whichever copy is empty or first
        for h in [
            "t=A; t=B",
            "t=A;t=A",
            "t=; t=B",
            "t=A; x=1; t=",
            " t=A ; t =B",
            "t=\"A\"; t=B",
        ] {
            assert_eq!(get_cookie(h, "t"), None, "{h}");
            assert!(scan(h, ["t"])[0].duplicated(), "{h}");
        }
        assert!(!scan("t=A; tt=B; x=t", ["t"])[0].duplicated());
    }

    #[test]
    fn one_pass_scan_reads_each_name_as_it_would_alone() {
        type Want = (Option<&'static str>, bool, bool); // value, present, duplicated
        const NONE: Want = (None, false, false);
        let names = ["t", "g", "r"];
        let table: [(&str, [Want; 3]); 8] = [
            ("", [NONE, NONE, NONE]),
            ("t=A", [(Some("A"), true, false), NONE, NONE]),
            (
                "t=A; g=B; r=C",
                [
                    (Some("A"), true, false),
                    (Some("B"), true, false),
                    (Some("C"), true, false),
                ],
            ),
            (
                "t=A; t=B; g=",
                [(None, true, true), (None, true, false), NONE],
            ),
            (
                "g=; g=; t=x",
                [(Some("x"), true, false), (None, true, true), NONE],
            ),
            (
                " t = \"A\" ;r=1;r=1;r=1",
                [(Some("A"), true, false), NONE, (None, true, true)],
            ),
            ("tt=A; x=t; =t; t", [NONE, NONE, NONE]),
            (
                "r=A; t=; g=G; t=B",
                [
                    (None, true, true),
                    (Some("G"), true, false),
                    (Some("A"), true, false),
                ],
            ),
        ];
        for (h, want) in table {
            let seen = scan(h, names);
            for ((name, s), w) in names.into_iter().zip(seen).zip(want) {
                assert_eq!((s.value(), s.present(), s.duplicated()), w, "{h} {name}");
                // several names in one pass read each as a pass for it alone
                assert_eq!(s, scan(h, [name])[0], "{h} {name}");
                assert_eq!(s.value(), get_cookie(h, name), "{h} {name}");
                assert_eq!(s.present(), has_cookie(h, name), "{h} {name}");
            }
        }
        // the same name asked twice is answered twice
        let [a, b] = scan("t=A", ["t", "t"]);
        assert_eq!((a.value(), b.value()), (Some("A"), Some("A")));
    }

    #[test]
    fn secure_defaults() {
        let dev = CookieOptions::default();
        let s = build_set_cookie("userToken", "abc", &dev, Some(3600)).unwrap();
        assert_eq!(
            s,
            "userToken=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"
        );
        let prod = CookieOptions {
            production: true,
            ..CookieOptions::default()
        };
        let s = build_set_cookie("userToken", "abc", &prod, None).unwrap();
        assert_eq!(s, "userToken=abc; Path=/; HttpOnly; Secure; SameSite=Lax");
    }

    #[test]
    fn options_are_overridable() {
        let o = CookieOptions {
            http_only: false,
            same_site: SameSite::Strict,
            secure: Some(false),
            path: "/app".into(),
            domain: Some("example.com".into()),
            production: true,
        };
        let s = build_set_cookie("t", "v", &o, Some(5)).unwrap();
        assert_eq!(
            s,
            "t=v; Path=/app; Domain=example.com; Max-Age=5; SameSite=Strict"
        );
        let none = CookieOptions {
            same_site: SameSite::None,
            ..CookieOptions::default()
        };
        assert!(
            build_set_cookie("t", "v", &none, None)
                .unwrap()
                .contains("; Secure")
        );
    }

    #[test]
    fn refuses_injection() {
        let o = CookieOptions::default();
        assert!(build_set_cookie("t", "v; Domain=evil", &o, None).is_none());
        assert!(build_set_cookie("t", "v\r\nX: y", &o, None).is_none());
        assert!(build_set_cookie("a b", "v", &o, None).is_none());
        let bad_path = CookieOptions {
            path: "/; Domain=evil".into(),
            ..CookieOptions::default()
        };
        assert!(
            !build_set_cookie("t", "v", &bad_path, None)
                .unwrap()
                .contains("evil")
        );
    }

    #[test]
    fn delete_writes_nothing_when_absent() {
        let o = CookieOptions::default();
        assert_eq!(delete_if_present(None, "userToken", &o), None);
        assert_eq!(delete_if_present(Some("a=1"), "userToken", &o), None);
        let d = delete_if_present(Some("a=1; userToken=x"), "userToken", &o).unwrap();
        assert!(d.starts_with("userToken=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970"));
    }

    #[test]
    fn rewrites_cookie_header() {
        let h = "a=1; userToken=old; guestToken=g";
        assert_eq!(
            rewrite_cookie_header(Some(h), &[("userToken", "new")], &["guestToken"]),
            "a=1; userToken=new"
        );
        assert_eq!(
            rewrite_cookie_header(Some("a=1"), &[("userToken", "new")], &[]),
            "a=1; userToken=new"
        );
        assert_eq!(rewrite_cookie_header(None, &[("t", "v")], &[]), "t=v");
        // duplicates of the replaced cookie are collapsed to one
        assert_eq!(
            rewrite_cookie_header(Some("t=1; t=2"), &[("t", "v")], &[]),
            "t=v"
        );
    }
}

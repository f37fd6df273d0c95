//! Route patterns for `protectedRoutes`, `authRoutes`, `publicRoutes`, `excludedPaths`.
//!
//! Pattern syntax (segments between `/`):
//! - a literal segment matches itself exactly (`/dashboard`);
//! - `*` matches exactly one segment; `*` inside a segment (`/files/*.pdf`) matches any
//!   characters within that one segment;
//! - `**` matches any number of segments, including none, so `/admin/**` matches `/admin`
//!   itself as well as `/admin/a/b`;
//! - Next.js matcher style is accepted too: `:name` = one segment, `:name*` = any depth
//!   (including none), `:name+` = one or more segments.
//!
//! Paths are normalised before matching (percent-decoding, `//`, `.` and `..`), so
//! `/%64ashboard` or `/public/../dashboard` cannot slip past a protected pattern.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Lit(String),
    /// one segment, any content
    One,
    /// one segment matching a glob with `*` inside it
    Glob(String),
    /// zero or more segments
    Any,
    /// one or more segments
    AnyPlus,
}

/// One compiled route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    source: String,
    segs: Vec<Seg>,
}

impl RoutePattern {
    /// Parses a pattern; it must start with `/`.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        if !pattern.starts_with('/') {
            return Err(format!("\"{pattern}\" must start with '/'"));
        }
        let mut segs = Vec::new();
        for s in pattern.split('/').filter(|s| !s.is_empty()) {
            let seg = if s == "**" {
                Seg::Any
            } else if s == "*" {
                Seg::One
            } else if let Some(name) = s.strip_prefix(':') {
                if name.ends_with('*') || name.ends_with('?') {
                    Seg::Any
                } else if name.ends_with('+') {
                    Seg::AnyPlus
                } else {
                    Seg::One
                }
            } else if s.contains("**") {
                return Err(format!(
                    "\"{pattern}\": '**' must be a whole segment (e.g. /admin/**)"
                ));
            } else if s.contains('*') {
                Seg::Glob(s.to_string())
            } else {
                Seg::Lit(s.to_string())
            };
            segs.push(seg);
        }
        Ok(Self {
            source: pattern.to_string(),
            segs,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Matches a normalised path (see [`normalize_path`]).
    pub fn matches(&self, path: &str) -> bool {
        with_parts(path, |parts| match_segs(&self.segs, parts))
    }
}

/// Paths deeper than this are split on the heap.
const STACK_PARTS: usize = 16;

/// Calls `f` with the non-empty segments of `path`, split once into a buffer on the stack:
/// every request matches its path against several route sets, and an allocation per pattern
/// was most of the cost of a match (a malloc and a free, cold in a server).
fn with_parts<R>(path: &str, f: impl FnOnce(&[&str]) -> R) -> R {
    let mut buf = [""; STACK_PARTS];
    let mut n = 0;
    let mut it = path.split('/').filter(|s| !s.is_empty());
    for s in it.by_ref() {
        if n == STACK_PARTS {
            let mut all = buf.to_vec();
            all.push(s);
            all.extend(it);
            return f(&all);
        }
        buf[n] = s;
        n += 1;
    }
    f(&buf[..n])
}

fn match_segs(segs: &[Seg], parts: &[&str]) -> bool {
    match segs.split_first() {
        None => parts.is_empty(),
        Some((Seg::Any, rest)) => (0..=parts.len()).any(|i| match_segs(rest, &parts[i..])),
        Some((Seg::AnyPlus, rest)) => (1..=parts.len()).any(|i| match_segs(rest, &parts[i..])),
        Some((seg, rest)) => match parts.split_first() {
            None => false,
            Some((p, prest)) => {
                let ok = match seg {
                    Seg::Lit(l) => l == p,
                    Seg::One => true,
                    Seg::Glob(g) => glob_segment(g.as_bytes(), p.as_bytes()),
                    Seg::Any | Seg::AnyPlus => unreachable!(),
                };
                ok && match_segs(rest, prest)
            }
        },
    }
}

/// `*` within one segment matches any run of characters.
fn glob_segment(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while i < s.len() {
        if p < pat.len() && pat[p] != b'*' && pat[p] == s[i] {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some(p);
            mark = i;
            p += 1;
        } else if let Some(sp) = star {
            p = sp + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    while p < pat.len() && pat[p] == b'*' {
        p += 1;
    }
    p == pat.len()
}

/// A list of patterns; matches when any pattern matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteSet {
    patterns: Vec<RoutePattern>,
}

impl RouteSet {
    pub fn parse<S: AsRef<str>>(patterns: &[S]) -> Result<Self, String> {
        let patterns = patterns
            .iter()
            .map(|p| RoutePattern::parse(p.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { patterns })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn matches(&self, normalized_path: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        with_parts(normalized_path, |parts| {
            self.patterns.iter().any(|p| match_segs(&p.segs, parts))
        })
    }
}

/// Next.js's own files, `/_next/**` and `/favicon.ico`, matched as those two patterns match
/// (empty segments skipped) but without walking a pattern list: the proxy asks this of every
/// request, and in a server each pattern's heap pieces are cache misses.
pub fn is_framework_path(path: &str) -> bool {
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    match segs.next() {
        Some("_next") => true,
        Some("favicon.ico") => segs.next().is_none(),
        _ => false,
    }
}

/// Normalises a request path for matching: percent-decodes, collapses `//`, resolves
/// `.` and `..` (never above the root), and drops a trailing slash. Always starts with `/`.
pub fn normalize_path(path: &str) -> Cow<'_, str> {
    let simple = path.starts_with('/')
        && !path.contains('%')
        && !path.contains("//")
        && !path.contains('\\')
        && !path.split('/').any(|s| s == "." || s == "..")
        && (path.len() == 1 || !path.ends_with('/'));
    if simple {
        return Cow::Borrowed(path);
    }
    let decoded = percent_decode(path);
    let decoded = decoded.replace('\\', "/");
    let mut out: Vec<&str> = Vec::new();
    for s in decoded.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut p = String::with_capacity(decoded.len() + 1);
    for s in &out {
        p.push('/');
        p.push_str(s);
    }
    if p.is_empty() {
        p.push('/');
    }
    Cow::Owned(p)
}

/// One round of percent-decoding; invalid escapes stay literal. The one decoder of the crate
/// (paths here, catch-all segments in `pathsafe`, query values in `decide`).
pub fn percent_decode_bytes(s: &[u8]) -> Vec<u8> {
    let hex = |c: Option<&u8>| c.and_then(|&c| (c as char).to_digit(16));
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && let (Some(h), Some(l)) = (hex(s.get(i + 1)), hex(s.get(i + 2)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// [`percent_decode_bytes`] of a string; invalid UTF-8 in the result becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s.as_bytes())).into_owned()
}

/// Splits a leading locale segment off `path` (`/de/dashboard` -> `(Some("de"), "/dashboard")`).
/// Locales compare case-insensitively; the returned locale is the configured spelling.
pub fn strip_locale<'a, 'l>(path: &'a str, locales: &'l [String]) -> (Option<&'l str>, &'a str) {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let (first, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if first.is_empty() {
        return (None, path);
    }
    match locales.iter().find(|l| l.eq_ignore_ascii_case(first)) {
        Some(l) => (Some(l.as_str()), if tail.is_empty() { "/" } else { tail }),
        None => (None, path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, path: &str) -> bool {
        RoutePattern::parse(p)
            .unwrap()
            .matches(&normalize_path(path))
    }

    #[test]
    fn framework_paths_match_as_their_patterns() {
        let set = RouteSet::parse(&["/_next/**", "/favicon.ico"]).unwrap();
        for path in [
            "/",
            "",
            "/_next",
            "/_next/",
            "/_next/static/x.js",
            "//_next//a",
            "/_nextx",
            "/x/_next",
            "/favicon.ico",
            "/favicon.ico/",
            "//favicon.ico",
            "/favicon.ico/x",
            "/favicon.icox",
            "/a/favicon.ico",
            "_next/a",
            "favicon.ico",
            "/_Next/a",
        ] {
            assert_eq!(is_framework_path(path), set.matches(path), "{path:?}");
        }
    }

    #[test]
    fn paths_deeper_than_the_stack_buffer() {
        // 15, 16, 17 and 40 segments: around and past the split buffer on the stack
        for depth in [15, 16, 17, 40] {
            let mut path = String::from("/a");
            for i in 1..depth - 1 {
                path.push_str(&format!("/s{i}"));
            }
            path.push_str("/z");
            assert!(m("/a/**/z", &path), "{depth}");
            assert!(m("/a/**", &path), "{depth}");
            assert!(!m("/a/**/y", &path), "{depth}");
            assert!(!m("/a/*", &path), "{depth}");
            let set = RouteSet::parse(&["/b/**", "/a/:rest+"]).unwrap();
            assert!(set.matches(&path), "{depth}");
            let exact = RouteSet::parse(&[path.as_str()]).unwrap();
            assert!(exact.matches(&path), "{depth}");
            assert!(!exact.matches(&format!("{path}/more")), "{depth}");
        }
        assert!(!RouteSet::default().matches("/"));
    }

    #[test]
    fn exact() {
        assert!(m("/dashboard", "/dashboard"));
        assert!(m("/dashboard", "/dashboard/"));
        assert!(!m("/dashboard", "/dashboard/x"));
        assert!(!m("/dashboard", "/dash"));
        assert!(!m("/dashboard", "/dashboardx"));
        assert!(m("/", "/"));
        assert!(!m("/", "/a"));
    }

    #[test]
    fn one_segment_star() {
        assert!(m("/users/*", "/users/1"));
        assert!(!m("/users/*", "/users"));
        assert!(!m("/users/*", "/users/1/edit"));
        assert!(m("/users/*/edit", "/users/1/edit"));
        assert!(m("/files/*.pdf", "/files/report.pdf"));
        assert!(!m("/files/*.pdf", "/files/report.txt"));
        assert!(m("/a*c", "/abbbc"));
    }

    #[test]
    fn double_star_any_depth_including_base() {
        assert!(m("/admin/**", "/admin"));
        assert!(m("/admin/**", "/admin/"));
        assert!(m("/admin/**", "/admin/a"));
        assert!(m("/admin/**", "/admin/a/b/c"));
        assert!(!m("/admin/**", "/administrator"));
        assert!(m("/**/edit", "/a/b/edit"));
        assert!(m("/**/edit", "/edit"));
        assert!(m("/**", "/anything/at/all"));
    }

    #[test]
    fn next_style_params() {
        assert!(m("/dashboard/:path*", "/dashboard"));
        assert!(m("/dashboard/:path*", "/dashboard/a/b"));
        assert!(!m("/dashboard/:path+", "/dashboard"));
        assert!(m("/dashboard/:path+", "/dashboard/a"));
        assert!(m("/u/:id", "/u/7"));
    }

    #[test]
    fn rejects_bad_patterns() {
        assert!(RoutePattern::parse("dashboard").is_err());
        assert!(RoutePattern::parse("/a**").is_err());
        assert!(RouteSet::parse(&["/ok", "bad"]).is_err());
    }

    #[test]
    fn normalisation_blocks_bypasses() {
        assert!(m("/dashboard/**", "/%64ashboard"));
        assert!(m("/dashboard/**", "/public/../dashboard"));
        assert!(m("/dashboard/**", "//dashboard//x"));
        assert!(m("/dashboard/**", "/./dashboard"));
        assert_eq!(normalize_path("/../../x"), "/x");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/a/b"), "/a/b");
        assert_eq!(normalize_path("/a%2Fb"), "/a/b");
        assert_eq!(normalize_path("/bad%zz"), "/bad%zz");
        assert_eq!(normalize_path("/end%4"), "/end%4");
    }

    #[test]
    fn route_set() {
        let s = RouteSet::parse(&["/dashboard/**", "/profile"]).unwrap();
        assert!(s.matches("/dashboard/x"));
        assert!(s.matches("/profile"));
        assert!(!s.matches("/"));
        assert!(RouteSet::default().is_empty());
    }

    #[test]
    fn locale_strip() {
        let l = vec!["en".to_string(), "de".to_string(), "pt-BR".to_string()];
        assert_eq!(
            strip_locale("/de/dashboard", &l),
            (Some("de"), "/dashboard")
        );
        assert_eq!(strip_locale("/de", &l), (Some("de"), "/"));
        assert_eq!(strip_locale("/pt-br/x/y", &l), (Some("pt-BR"), "/x/y"));
        assert_eq!(strip_locale("/dashboard", &l), (None, "/dashboard"));
        assert_eq!(strip_locale("/denmark", &l), (None, "/denmark"));
        assert_eq!(strip_locale("/", &l), (None, "/"));
    }

    #[test]
    fn percent_decode_keeps_invalid_escapes() {
        assert_eq!(percent_decode("%41%2f%zz%4"), "A/%zz%4");
        // a sign is not a hex digit, and a multi-byte character after `%` is no escape
        assert_eq!(percent_decode("%+5"), "%+5");
        assert_eq!(percent_decode("%a\u{e9}"), "%a\u{e9}");
        assert_eq!(percent_decode("%C3%A9"), "\u{e9}");
        assert_eq!(percent_decode_bytes(b"%ff"), vec![0xff]);
    }
}

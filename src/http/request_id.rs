//! The API client's default request id: a random UUID v4.
//!
//! Drawn here rather than with `crypto.randomUUID()` in JS because, under Cache Components,
//! Next.js counts randomness read during a server component's render as sync IO and reports
//! the route ("encountered the unstable value ... while prerendering"). An id for a backend
//! call is telemetry, not page output, so it need not make the render dynamic.

use std::fmt::Write;

/// A random (version 4, RFC 9562) UUID in its lowercase hyphenated form.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uuid_v4;

    #[test]
    fn is_a_lowercase_version_4_uuid() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(
            id.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(parts[2].starts_with('4'), "version nibble: {id}");
        assert!(
            matches!(&parts[3][..1], "8" | "9" | "a" | "b"),
            "variant bits: {id}"
        );
    }

    #[test]
    fn differs_from_call_to_call() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| uuid_v4()).collect();
        assert_eq!(ids.len(), 1000);
    }
}

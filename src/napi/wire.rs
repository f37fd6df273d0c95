//! The hot path's wire format (`auth::wire`) for the JS adapter, read once at load.

use napi_derive::napi;

use crate::auth::{decide, wire};

/// One field of the wire format, in order.
#[napi(object)]
pub struct WireField {
    /// The JS property name (`Facts`, `Decision` or `AuthResult`).
    pub name: String,
    /// Facts: `method` | `path` | `search` | `header` | `csrfHeader` | `ip` | `rateLimitKey`
    /// | `internal`. Decision and auth: `str` | `num` | `bool` | `list`.
    pub kind: String,
    /// The request header a `header` fact is read from.
    pub header: Option<String>,
}

/// The order and kind of every field of the packed facts and decision.
#[napi(object)]
pub struct WireFormat {
    pub facts: Vec<WireField>,
    pub decision: Vec<WireField>,
    pub auth: Vec<WireField>,
}

fn field(name: &str, kind: &str, header: Option<&str>) -> WireField {
    WireField {
        name: name.into(),
        kind: kind.into(),
        header: header.map(str::to_string),
    }
}

/// The wire format the engine's `decidePacked` speaks (js/shared/wire.js builds its packer
/// and unpacker from it).
#[napi]
pub fn wire_format() -> WireFormat {
    WireFormat {
        facts: wire::FACTS
            .iter()
            .map(|f| field(f.name, f.source.kind(), f.source.header()))
            .collect(),
        decision: wire::DECISION
            .iter()
            .map(|f| field(f.name, f.kind(), None))
            .collect(),
        auth: wire::AUTH
            .iter()
            .map(|f| field(f.name, f.kind(), None))
            .collect(),
    }
}

/// Packed facts as the engine reads them (for the test that keeps both sides in step).
#[napi]
pub fn wire_unpack_facts(packed: String) -> decide::Facts {
    wire::facts(&packed).0
}

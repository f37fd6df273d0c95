use super::*;
use serde_json::json;

fn parse(v: Value) -> Result<Option<StoreConfig>> {
    StoreConfig::from_json(Some(&v))
}

#[test]
fn store_option_defaults_and_errors() {
    assert_eq!(StoreConfig::from_json(None).unwrap(), None);
    let c = parse(json!({ "url": "redis://127.0.0.1:6379" }))
        .unwrap()
        .unwrap();
    assert_eq!(c.key_prefix, "nal:");
    assert_eq!(c.on_unavailable, OnUnavailable::Local);
    assert_eq!(c.timeout, Duration::from_millis(DEFAULT_TIMEOUT_MS));
    let c = parse(json!({
        "url": "rediss://user:secret@example.com:6380/2",
        "keyPrefix": "app1:",
        "onUnavailable": "closed",
        "timeoutMs": 50
    }))
    .unwrap()
    .unwrap();
    assert_eq!(c.on_unavailable, OnUnavailable::Closed);
    assert_eq!(c.key_prefix, "app1:");
    for (v, option) in [
        (json!("redis://x"), "store"),
        (json!({}), "store.url"),
        (json!({ "url": "http://example.com" }), "store.url"),
        (
            json!({ "url": "redis://x", "onUnavailable": "open" }),
            "store.onUnavailable",
        ),
        (
            json!({ "url": "redis://x", "timeoutMs": 0 }),
            "store.timeoutMs",
        ),
        (
            json!({ "url": "redis://x", "keyPrefix": "a b" }),
            "store.keyPrefix",
        ),
        (json!({ "url": "redis://x", "ttl": 1 }), "store"),
    ] {
        let e = parse(v.clone()).unwrap_err();
        assert!(e.message.contains(option), "{v}: {}", e.message);
    }
    // A password in the URL never reaches the error message.
    let e = parse(json!({ "url": "redis://:hunter2@host:notaport" })).unwrap_err();
    assert!(!e.message.contains("hunter2"), "{}", e.message);
}

#[test]
fn keys_are_hex_hashes() {
    let k = crate::auth::tokens::token_key("a.secret.token");
    let h = hex(&k);
    assert_eq!(h.len(), 64);
    assert!(!h.contains("secret"));
    assert_eq!(unhex(&h), Some(k));
    assert_eq!(unhex("zz"), None);
}

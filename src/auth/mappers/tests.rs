use super::*;
use serde_json::json;

#[test]
fn dot_and_pointer_paths() {
    let v = json!({ "data": { "user": { "id": 1 }, "items": [{ "x": 5 }] } });
    assert_eq!(
        JsonPath::dot("data.user.id").unwrap().get(&v),
        Some(&json!(1))
    );
    assert_eq!(
        JsonPath::dot("$.data.user.id").unwrap().get(&v),
        Some(&json!(1))
    );
    assert_eq!(
        JsonPath::dot("data.items[0].x").unwrap().get(&v),
        Some(&json!(5))
    );
    assert_eq!(
        JsonPath::dot("data.items.0.x").unwrap().get(&v),
        Some(&json!(5))
    );
    assert_eq!(
        JsonPath::pointer("/data/items/0/x").unwrap().get(&v),
        Some(&json!(5))
    );
    assert_eq!(JsonPath::dot("data.nope").unwrap().get(&v), None);
    assert!(JsonPath::dot("data..x").is_err());
    assert!(JsonPath::dot("data[x]").is_err());
}

#[test]
fn unknown_path_type_is_a_config_error() {
    let e = JsonPath::parse(
        &json!({ "path": "a", "type": "xpath" }),
        "responseMappers.parseAuthMe.user",
    )
    .unwrap_err();
    assert_eq!(e.code, crate::error::ErrorCode::ConfigInvalid);
    assert!(
        e.message
            .starts_with("responseMappers.parseAuthMe.user.type is an unknown mapper path type")
    );
    assert!(JsonPath::parse(&json!(5), "m").is_err());
    let e = AuthMeMapper::new(
        Some(MapperSpec::parse(&json!({ "usr": "data" }), "m").unwrap()),
        "m",
    )
    .unwrap_err();
    assert!(e.message.starts_with("m.usr is not a known field"));
}

#[test]
fn default_auth_me_shape() {
    let m = AuthMeMapper::new(None, "m").unwrap();
    let u = m
  .map(&json!({ "success": true, "data": { "id": 1, "name": "Demo", "type": "user", "exp": 99 } }))
  .unwrap();
    assert_eq!(u.token_type, "user");
    assert_eq!(u.exp, Some(99));
    assert_eq!(u.user["name"], "Demo");
    let g = m
        .map(&json!({ "data": { "id": "guest-1", "type": "guest" } }))
        .unwrap();
    assert_eq!(g.token_type, "guest");
    assert!(
        m.map(&json!({ "success": false, "data": { "id": 1 } }))
            .is_none()
    );
    assert!(m.map(&json!({ "message": "x" })).is_none());
    assert!(m.map(&json!({ "data": "str" })).is_none());
}

#[test]
fn custom_auth_me_shape() {
    let spec = MapperSpec::parse(
  &json!({ "user": "result.account", "type": "/result/kind", "exp": { "path": "result.expires", "type": "dot" } }),
  "m",
)
.unwrap();
    let m = AuthMeMapper::new(Some(spec), "m").unwrap();
    let u = m
        .map(&json!({ "result": { "account": { "id": 7 }, "kind": "guest", "expires": "123" } }))
        .unwrap();
    assert_eq!(u.user, json!({ "id": 7, "type": "guest" }));
    assert_eq!(u.token_type, "guest");
    assert_eq!(u.exp, Some(123));
}

#[test]
fn js_results() {
    let u = AuthMeMapper::from_js_result(&json!({ "user": { "id": 1 }, "tokenType": "guest" }))
        .unwrap();
    assert_eq!(u.token_type, "guest");
    let u = AuthMeMapper::from_js_result(&json!({ "id": 1, "type": "user", "exp": 5 })).unwrap();
    assert_eq!(u.exp, Some(5));
    assert!(AuthMeMapper::from_js_result(&json!(null)).is_none());
    let t = RefreshMapper::from_js_result(&json!("tok")).unwrap();
    assert_eq!(t.token, "tok");
    let t = RefreshMapper::from_js_result(&json!({ "accessToken": "a", "refresh_token": "r" }))
        .unwrap();
    assert_eq!(
        (t.token.as_str(), t.refresh_token.as_deref()),
        ("a", Some("r"))
    );
}

#[test]
fn refresh_shape() {
    let m = RefreshMapper::new(None, "m").unwrap();
    let t = m
  .map(&json!({ "success": true, "data": { "token": "t", "refresh_token": "r", "expires_in": 900, "exp": 5 } }))
  .unwrap();
    assert_eq!(
        t,
        IssuedToken {
            token: "t".into(),
            refresh_token: Some("r".into()),
            expires_in: Some(900),
            exp: Some(5)
        }
    );
    assert!(m.map(&json!({ "data": {} })).is_none());
    let _ = object(&[("a", json!(1))]);
}

#[test]
fn default_refresh_mapper_reads_the_original_contract() {
    let m = RefreshMapper::new(None, "responseMappers.parseRefreshToken").unwrap();
    // next-api-layer: { success: true, data: { accessToken, refreshToken } }
    let t = m
        .map(&json!({ "success": true, "data": { "accessToken": "a", "refreshToken": "r" } }))
        .unwrap();
    assert_eq!(t.token, "a");
    assert_eq!(t.refresh_token.as_deref(), Some("r"));
    // the snake_case form keeps working
    let t = m
        .map(&json!({ "data": { "token": "b", "refresh_token": "s" } }))
        .unwrap();
    assert_eq!(
        (t.token.as_str(), t.refresh_token.as_deref()),
        ("b", Some("s"))
    );
    // a configured path replaces both defaults
    let spec = MapperSpec::parse(&json!({ "token": "jwt" }), "x").unwrap();
    let m = RefreshMapper::new(Some(spec), "x").unwrap();
    assert!(m.map(&json!({ "data": { "accessToken": "a" } })).is_none());
}

#[test]
fn js_auth_me_token_info_form() {
    let v = AuthMeMapper::from_js_result(&json!({
        "isValid": true, "tokenType": "admin", "exp": 99, "userData": { "id": 7 }
    }))
    .unwrap();
    assert_eq!(v.token_type, "admin");
    assert_eq!(v.exp, Some(99));
    assert_eq!(v.user["id"], 7);
    assert!(AuthMeMapper::from_js_result(&json!({ "isValid": false, "userData": {} })).is_none());
    let v = AuthMeMapper::from_js_result(&json!({ "isValid": true, "userData": null })).unwrap();
    assert_eq!(v.token_type, "user");
}

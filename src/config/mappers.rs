//! `responseMappers` (declarative, run in Rust) and `jsMappers` (which mappers are JS
//! functions the adapter runs instead).

use serde_json::{Map, Value};

use super::{JsMappers, boolean, field, obj, reject_unknown_keys};
use crate::auth::mappers::{AuthMeMapper, MapperSpec, RefreshMapper};
use crate::error::Result;

pub(super) struct Mappers {
    pub auth_me: AuthMeMapper,
    pub refresh: RefreshMapper,
    pub guest: RefreshMapper,
    pub js: JsMappers,
}

pub(super) fn parse(root: Option<&Map<String, Value>>) -> Result<Mappers> {
    let m = obj(root, "responseMappers", "responseMappers")?;
    if let Some(m) = m {
        reject_unknown_keys(
            m,
            "responseMappers",
            &["parseAuthMe", "parseRefreshToken", "parseGuestToken"],
        )?;
    }
    let js = obj(root, "jsMappers", "jsMappers")?;
    let js_mappers = JsMappers {
        auth_me: boolean(js, "parseAuthMe", "jsMappers.parseAuthMe", false)?,
        refresh: boolean(
            js,
            "parseRefreshToken",
            "jsMappers.parseRefreshToken",
            false,
        )?,
        guest: boolean(js, "parseGuestToken", "jsMappers.parseGuestToken", false)?,
    };
    let spec = |key: &str| -> Result<Option<MapperSpec>> {
        match field(m, key) {
            None => Ok(None),
            Some(v) => MapperSpec::parse(v, &format!("responseMappers.{key}")).map(Some),
        }
    };
    let auth_me = AuthMeMapper::new(spec("parseAuthMe")?, "responseMappers.parseAuthMe")?;
    let refresh = RefreshMapper::new(
        spec("parseRefreshToken")?,
        "responseMappers.parseRefreshToken",
    )?;
    let guest = RefreshMapper::new(spec("parseGuestToken")?, "responseMappers.parseGuestToken")?;
    Ok(Mappers {
        auth_me,
        refresh,
        guest,
        js: js_mappers,
    })
}

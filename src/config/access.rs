//! `access`: which routes need which token, and where a visitor is sent instead.

use serde_json::{Map, Value};

use super::{
    AccessConfig, boolean, field, non_empty_string, obj, relative_path, routes, string_list,
};
use crate::error::{LayerError, Result};

pub(super) fn parse(root: Option<&Map<String, Value>>) -> Result<AccessConfig> {
    let a = obj(root, "access", "access")?;
    let mut allowed = string_list(a, "allowedTokenTypes", "access.allowedTokenTypes")?;
    if field(a, "allowedTokenTypes").is_none() {
        allowed = vec!["user".to_string()];
    } else if allowed.is_empty() {
        return Err(LayerError::config(
            "access.allowedTokenTypes",
            "must list at least one token type (nobody could enter a protected route)",
        ));
    }
    Ok(AccessConfig {
        protected_routes: routes(a, "protectedRoutes", "access.protectedRoutes")?,
        auth_routes: routes(a, "authRoutes", "access.authRoutes")?,
        public_routes: routes(a, "publicRoutes", "access.publicRoutes")?,
        protected_by_default: boolean(a, "protectedByDefault", "access.protectedByDefault", false)?,
        allowed_token_types: allowed,
        login_path: relative_path(a, "loginPath", "access.loginPath", "/login")?,
        return_to_param: non_empty_string(a, "returnToParam", "access.returnToParam", "returnTo")?,
        after_login_path: relative_path(a, "afterLoginPath", "access.afterLoginPath", "/")?,
        api_prefix: relative_path(a, "apiPrefix", "access.apiPrefix", "/api")?,
        guest_fallback_on_user_refresh_fail: boolean(
            a,
            "guestFallbackOnUserRefreshFail",
            "access.guestFallbackOnUserRefreshFail",
            true,
        )?,
    })
}

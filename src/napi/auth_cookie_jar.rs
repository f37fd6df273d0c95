//! The auth routes' cookies (`createAuthRoutes`), built with the engine's cookie builder.

use napi_derive::napi;

use crate::error;
use crate::http::auth_cookies;

/// Cookie names and attributes of `createAuthRoutes`, validated once.
#[napi(object)]
pub struct AuthCookieJarOptions {
    pub user_cookie_name: Option<String>,
    pub guest_cookie_name: Option<String>,
    pub refresh_cookie_name: Option<String>,
    pub http_only: Option<bool>,
    /// 'lax' | 'strict' | 'none'
    pub same_site: Option<String>,
    pub secure: Option<bool>,
    pub path: Option<String>,
    pub domain: Option<String>,
    /// Whether the process runs in production (cookies default to Secure then).
    pub production: Option<bool>,
    /// Max-Age of the user cookie in seconds (default 7 days).
    pub max_age: Option<f64>,
    /// Max-Age of the refresh cookie in seconds (default 7 days).
    pub refresh_max_age: Option<f64>,
}

/// A token found on a request.
#[napi(object)]
pub struct PickedRequestToken {
    pub token: String,
    /// 'refreshed' | 'user' | 'guest'
    pub source: String,
}

/// Builds and reads the auth routes' cookies with the engine's cookie builder.
#[napi]
pub struct AuthCookieJar {
    jar: auth_cookies::AuthCookies,
}

#[napi]
impl AuthCookieJar {
    #[napi(constructor)]
    pub fn new(options: AuthCookieJarOptions) -> napi::Result<Self, error::ErrorCode> {
        let jar = auth_cookies::AuthCookies::new(&auth_cookies::AuthCookieConfig {
            user_cookie: options.user_cookie_name,
            guest_cookie: options.guest_cookie_name,
            refresh_cookie: options.refresh_cookie_name,
            http_only: options.http_only,
            same_site: options.same_site,
            secure: options.secure,
            path: options.path,
            domain: options.domain,
            production: options.production.unwrap_or(false),
            max_age: options.max_age,
            refresh_max_age: options.refresh_max_age,
        })
        .map_err(error::LayerError::into_napi)?;
        Ok(Self { jar })
    }

    #[napi(getter)]
    pub fn user_cookie_name(&self) -> String {
        self.jar.user.clone()
    }

    #[napi(getter)]
    pub fn guest_cookie_name(&self) -> String {
        self.jar.guest.clone()
    }

    #[napi(getter)]
    pub fn refresh_cookie_name(&self) -> String {
        self.jar.refresh.clone()
    }

    /// Set-Cookie values for a new session (user + refresh cookie, guest cookie cleared), or
    /// null when a token cannot be stored in a cookie.
    #[napi]
    pub fn session(&self, token: String, refresh_token: Option<String>) -> Option<Vec<String>> {
        self.jar.session(&token, refresh_token.as_deref())
    }

    /// Set-Cookie values deleting the user, refresh and guest cookies.
    #[napi]
    pub fn clear(&self) -> Vec<String> {
        self.jar.clear()
    }

    /// The token of a request: `x-refreshed-token`, then the user cookie, then the guest cookie.
    #[napi]
    pub fn pick(
        &self,
        cookie: Option<String>,
        refreshed_token: Option<String>,
    ) -> Option<PickedRequestToken> {
        self.jar
            .pick(refreshed_token.as_deref(), cookie.as_deref())
            .map(|p| PickedRequestToken {
                token: p.token.to_string(),
                source: p.source.as_str().to_string(),
            })
    }

    /// The refresh cookie's value.
    #[napi]
    pub fn refresh_token(&self, cookie: Option<String>) -> Option<String> {
        self.jar
            .refresh_token(cookie.as_deref())
            .map(str::to_string)
    }

    /// The user cookie's value (never the guest token).
    #[napi]
    pub fn user_token(&self, cookie: Option<String>) -> Option<String> {
        self.jar.user_token(cookie.as_deref()).map(str::to_string)
    }
}

//! The `createApiClient` core: token cascade, public endpoints and sanitizer of one config.

use napi_derive::napi;

use super::sanitizer::{SanitizeJsonTask, sanitize_json_now, sanitize_json_task};
use crate::error;
use crate::http::api_client;

/// Declarative options of `createApiClient`, validated once.
#[napi(object)]
pub struct ApiClientCoreOptions {
    pub user_cookie_name: Option<String>,
    pub guest_cookie_name: Option<String>,
    pub skip_auth_by_default: Option<bool>,
    pub public_endpoints: Option<Vec<String>>,
    pub skip_sanitize_endpoints: Option<Vec<String>>,
    pub sanitization: Option<serde_json::Value>,
}

/// What the adapter read for one request.
#[napi(object)]
pub struct ApiRequestFacts {
    pub endpoint: String,
    /// the `x-refreshed-token` request header
    pub refreshed_token: Option<String>,
    /// the `cookie` request header
    pub cookie: Option<String>,
    /// per-request `skipAuth`
    pub skip_auth: Option<bool>,
}

/// The plan for one request.
#[napi(object)]
pub struct ApiRequestPlan {
    pub auth: bool,
    pub token: Option<String>,
    /// 'refreshed' | 'user' | 'guest'
    pub token_source: Option<String>,
    pub is_public: bool,
    pub sanitize: bool,
}

/// Token cascade, public endpoints and sanitizer of one `createApiClient` config.
#[napi]
pub struct ApiClientCore {
    core: api_client::ClientCore,
}

#[napi]
impl ApiClientCore {
    #[napi(constructor)]
    pub fn new(options: ApiClientCoreOptions) -> napi::Result<Self, error::ErrorCode> {
        let core = api_client::ClientCore::new(&api_client::ClientConfig {
            user_cookie: options.user_cookie_name,
            guest_cookie: options.guest_cookie_name,
            skip_auth_by_default: options.skip_auth_by_default.unwrap_or(false),
            public_endpoints: options.public_endpoints.unwrap_or_default(),
            skip_sanitize_endpoints: options.skip_sanitize_endpoints.unwrap_or_default(),
            sanitization: options.sanitization.unwrap_or(serde_json::Value::Null),
        })
        .map_err(error::LayerError::into_napi)?;
        Ok(Self { core })
    }

    #[napi]
    pub fn plan(&self, facts: ApiRequestFacts) -> ApiRequestPlan {
        let p = self.core.plan(&api_client::RequestFacts {
            endpoint: &facts.endpoint,
            refreshed_token: facts.refreshed_token.as_deref(),
            cookie_header: facts.cookie.as_deref(),
            skip_auth: facts.skip_auth,
        });
        ApiRequestPlan {
            auth: p.auth,
            token: p.token,
            token_source: p.token_source.map(str::to_string),
            is_public: p.is_public,
            sanitize: p.sanitize,
        }
    }

    #[napi]
    pub fn sanitize_json(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::Result<String, error::ErrorCode> {
        sanitize_json_now(self.core.sanitizer(), &text, skip_fields)
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn sanitize_json_async(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::bindgen_prelude::AsyncTask<SanitizeJsonTask> {
        sanitize_json_task(self.core.sanitizer(), text, skip_fields)
    }

    #[napi]
    pub fn sanitize_strings(&self, values: Vec<String>) -> Vec<String> {
        self.core.sanitizer().sanitize_strings(&values)
    }
}

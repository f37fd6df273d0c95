//! The XSS sanitizer (`createSanitizer`), and the sanitizeJson helpers it shares with the
//! `createApiClient` core (./api_client.rs).

use napi_derive::napi;

use crate::{error, sanitize};

/// `sanitizeJson` of the Sanitizer and ApiClientCore classes.
pub(super) fn sanitize_json_now(
    sanitizer: &sanitize::Sanitizer,
    text: &str,
    skip_fields: Option<Vec<String>>,
) -> napi::Result<String, error::ErrorCode> {
    sanitizer
        .sanitize_json(text, &skip_fields.unwrap_or_default())
        .map_err(|e| error::LayerError::from(e).into_napi())
}

/// `sanitizeJsonAsync` of the Sanitizer and ApiClientCore classes.
pub(super) fn sanitize_json_task(
    sanitizer: &std::sync::Arc<sanitize::Sanitizer>,
    text: String,
    skip_fields: Option<Vec<String>>,
) -> napi::bindgen_prelude::AsyncTask<SanitizeJsonTask> {
    napi::bindgen_prelude::AsyncTask::new(SanitizeJsonTask {
        sanitizer: sanitizer.clone(),
        text,
        skip_fields: skip_fields.unwrap_or_default(),
    })
}

/// Sanitizes JSON text off the JS thread (libuv pool) for large bodies.
pub struct SanitizeJsonTask {
    sanitizer: std::sync::Arc<sanitize::Sanitizer>,
    text: String,
    skip_fields: Vec<String>,
}

impl napi::Task for SanitizeJsonTask {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        self.sanitizer
            .sanitize_json(&self.text, &self.skip_fields)
            .map_err(|e| error::LayerError::from(e).into())
    }

    fn resolve(&mut self, _env: napi::Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

/// An XSS sanitizer built once from a `sanitization` config (ammonia underneath).
#[napi(js_name = "Sanitizer")]
pub struct NativeSanitizer {
    inner: std::sync::Arc<sanitize::Sanitizer>,
}

#[napi]
impl NativeSanitizer {
    #[napi(constructor)]
    pub fn new(config: Option<serde_json::Value>) -> napi::Result<Self, error::ErrorCode> {
        let cfg = config.unwrap_or(serde_json::Value::Null);
        let inner = sanitize::Sanitizer::from_json(&cfg)
            .map_err(|e| error::LayerError::from(e).into_napi())?;
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    #[napi(getter)]
    pub fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    /// JSON text in, sanitized JSON text out (every string value; keys untouched).
    #[napi]
    pub fn sanitize_json(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::Result<String, error::ErrorCode> {
        sanitize_json_now(&self.inner, &text, skip_fields)
    }

    /// Same as `sanitizeJson`, on the libuv thread pool.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn sanitize_json_async(
        &self,
        text: String,
        skip_fields: Option<Vec<String>>,
    ) -> napi::bindgen_prelude::AsyncTask<SanitizeJsonTask> {
        sanitize_json_task(&self.inner, text, skip_fields)
    }

    #[napi]
    pub fn sanitize_string(&self, value: String) -> String {
        self.inner.sanitize_str(&value).into_owned()
    }

    /// Many strings in one crossing (FormData fields, batches).
    #[napi]
    pub fn sanitize_strings(&self, values: Vec<String>) -> Vec<String> {
        self.inner.sanitize_strings(&values)
    }
}

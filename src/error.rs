//! Errors with stable string codes.
//!
//! Every error that can reach JavaScript carries an [`ErrorCode`]. napi-rs puts the
//! status string of a `napi::Error<S>` into the JS error's `code` property (it calls
//! `napi_create_error(env, code, message)`), so a binding that returns
//! `Result<T, napi::Error<ErrorCode>>` throws an `Error` whose `code` is, e.g.,
//! `'ERR_CONFIG_INVALID'`. Use [`LayerError::into_napi`] in bindings.

use std::fmt;

/// Stable error codes. The string forms are part of the public API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Bad configuration, detected at construction. The message names the option.
    ConfigInvalid,
    /// The backend could not be reached (connection refused, reset, DNS...).
    BackendUnavailable,
    /// The backend did not answer within the configured timeout.
    BackendTimeout,
    /// The backend answered, but with a 5xx or a body we cannot understand.
    BackendBadResponse,
    /// Bad input at request time (e.g. malformed facts from the adapter).
    InvalidInput,
    /// A bug or an impossible state; should never be seen.
    Internal,
    /// The shared store (Redis) did not answer in time and `store.onUnavailable` is `'closed'`.
    StoreUnavailable,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ConfigInvalid => "ERR_CONFIG_INVALID",
            ErrorCode::BackendUnavailable => "ERR_BACKEND_UNAVAILABLE",
            ErrorCode::BackendTimeout => "ERR_BACKEND_TIMEOUT",
            ErrorCode::BackendBadResponse => "ERR_BACKEND_BAD_RESPONSE",
            ErrorCode::InvalidInput => "ERR_INVALID_INPUT",
            ErrorCode::Internal => "ERR_INTERNAL",
            ErrorCode::StoreUnavailable => "ERR_STORE_UNAVAILABLE",
        }
    }

    /// True for the codes that mean "the backend is in trouble" (not "the token is bad").
    pub const fn is_backend_trouble(self) -> bool {
        matches!(
            self,
            ErrorCode::BackendUnavailable
                | ErrorCode::BackendTimeout
                | ErrorCode::BackendBadResponse
                | ErrorCode::StoreUnavailable
        )
    }
}

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error of this crate: a stable code and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerError {
    pub code: ErrorCode,
    pub message: String,
}

pub type Result<T, E = LayerError> = std::result::Result<T, E>;

impl LayerError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A configuration error; `option` is the dotted option path, e.g. `cache.ttl`.
    pub fn config(option: &str, problem: impl fmt::Display) -> Self {
        Self::new(ErrorCode::ConfigInvalid, format!("{option} {problem}"))
    }

    pub fn backend_unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BackendUnavailable, message)
    }

    pub fn store_unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::StoreUnavailable, message)
    }

    pub fn backend_timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BackendTimeout, message)
    }

    pub fn backend_bad_response(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BackendBadResponse, message)
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// Converts into a napi error whose JS `code` property is the stable code.
    pub fn into_napi(self) -> napi::Error<ErrorCode> {
        napi::Error::new(self.code, self.message)
    }
}

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for LayerError {}

impl From<LayerError> for napi::Error<ErrorCode> {
    fn from(e: LayerError) -> Self {
        e.into_napi()
    }
}

/// For async bindings (napi-rs turns those errors into `napi::Error<Status>`): the code
/// cannot travel in `code`, so it is kept at the front of the message as `[ERR_X] ...`;
/// the JS adapter (js/shared/engine.js) restores it into `err.code`.
impl From<LayerError> for napi::Error {
    fn from(e: LayerError) -> Self {
        napi::Error::new(
            napi::Status::GenericFailure,
            format!("[{}] {}", e.code, e.message),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_strings() {
        assert_eq!(ErrorCode::ConfigInvalid.as_str(), "ERR_CONFIG_INVALID");
        assert_eq!(
            ErrorCode::BackendUnavailable.as_ref(),
            "ERR_BACKEND_UNAVAILABLE"
        );
        assert_eq!(ErrorCode::BackendTimeout.to_string(), "ERR_BACKEND_TIMEOUT");
        assert_eq!(
            ErrorCode::BackendBadResponse.as_str(),
            "ERR_BACKEND_BAD_RESPONSE"
        );
    }

    #[test]
    fn config_error_names_the_option() {
        let e = LayerError::config("cache.ttl", "must be a non-negative number");
        assert_eq!(e.code, ErrorCode::ConfigInvalid);
        assert_eq!(e.message, "cache.ttl must be a non-negative number");
        let n = e.into_napi();
        assert_eq!(n.status.as_ref(), "ERR_CONFIG_INVALID");
        assert_eq!(n.reason, "cache.ttl must be a non-negative number");
    }

    #[test]
    fn backend_trouble_classification() {
        assert!(ErrorCode::BackendTimeout.is_backend_trouble());
        assert!(!ErrorCode::ConfigInvalid.is_backend_trouble());
        let n: napi::Error = LayerError::backend_timeout("slow").into();
        assert_eq!(n.reason, "[ERR_BACKEND_TIMEOUT] slow");
    }
}

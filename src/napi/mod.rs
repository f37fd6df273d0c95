//! The `#[napi]` bindings: conversion and delegation only, one file per JS-facing class.

use napi_derive::napi;

pub mod api_client;
pub mod auth_cookie_jar;
pub mod engine;
pub mod fast_calls;
pub mod keyed_limiter;
pub mod proxy_router;
pub mod sanitizer;
pub mod user_lookup;
pub mod wire;

#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// A random UUID v4, drawn natively (see `http::request_id` for why not in JS).
#[napi]
pub fn random_uuid() -> String {
    crate::http::request_id::uuid_v4()
}

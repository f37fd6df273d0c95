#![deny(clippy::all)]
//! next-api-layer-native: the Rust engine behind the package, and its napi bindings.
//!
//! Wings by concern: `auth` (engine, decisions, tokens, validation), `security` (CSRF, rate
//! limiting, audit), `http` (cookies, routes, path safety), `sanitize`, `store` (state behind
//! traits). `napi` holds the JS-facing bindings and nothing else.

pub mod auth;
pub mod config;
pub mod error;
pub mod http;
pub mod napi;
pub mod sanitize;
pub mod security;
pub mod stats;
pub mod store;

#![deny(clippy::all)]
use napi_derive::napi;

// ---- engine: modules ----
pub mod cascade;
pub mod cookies;
pub mod error;
pub mod routes;
// ---- end engine: modules ----

// ---- security: modules ----
pub mod audit;
// ---- end security: modules ----

#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

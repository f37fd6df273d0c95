//! State behind small traits, so a shared store can replace the in-process one: the
//! key-value cache of validations and the single-flight registry.

pub mod kv;
pub mod redis;
pub mod singleflight;
pub mod watch;

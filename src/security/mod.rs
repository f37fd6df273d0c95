//! Security stages that run inside the one native call: rate limiting, CSRF and audit,
//! composed by `pipeline`.

pub mod audit;
pub mod csrf;
pub mod pipeline;
pub mod ratelimit;

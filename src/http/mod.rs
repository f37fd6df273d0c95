//! HTTP building blocks: cookies, route matching, path confinement of the catch-all and its
//! per-request policy, the auth routes' cookies, the API client's per-request plan and its
//! default request id.

pub mod api_client;
pub mod auth_cookies;
pub mod cookies;
pub mod pathsafe;
pub mod proxy_policy;
pub mod request_id;
pub mod return_to;
pub mod routes;

//! Authentication: the engine, its pure decision, the token cascade, the backend client,
//! response mappers and the token lifecycle (validate, refresh, guest).

pub mod backend;
pub mod cascade;
pub mod decide;
pub mod engine;
pub mod mappers;
pub mod revoke;
pub mod tokens;
pub mod verify;
pub mod wire;

//! HTTP handlers, one module per surface; each handler only translates to a [`Service`] call.
//!
//! [`Service`]: super::service::Service

pub mod flagger;
pub mod kayenta;
pub mod openapi;
pub mod ops;
pub mod runs;
pub mod templates;

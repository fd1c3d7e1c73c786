//! Quire: a versioned artifact store for AI agent pipelines, served over GraphQL.
//!
//! Data flows one way: HTTP -> `graphql` -> `domain` -> `entity` -> database.

pub mod access_log;
pub mod app;
pub mod apq;
pub mod auth;
pub mod config;
pub mod cors;
pub mod db;
pub mod dialect;
pub mod domain;
pub mod events;
pub mod files_http;
pub mod graphql;
pub mod graphql_http;
pub mod metrics;
pub mod multipart;
pub mod nesting;
pub mod playground;
pub mod rate_limit;
pub mod seed;
pub mod storage;
pub mod telemetry;
pub mod token_cache;
pub mod ws;

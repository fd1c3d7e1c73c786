//! Quire: a versioned artifact store for AI agent pipelines, served over GraphQL.
//!
//! Data flows one way: `http` -> `graphql` -> `domain` -> `entity` -> database;
//! `app` serves the `http` router, built from `config`.

#![warn(missing_docs, unreachable_pub)]

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub(crate) mod events;
pub mod graphql;
pub(crate) mod http;
pub mod mcp;
pub(crate) mod metrics;
pub(crate) mod nesting;
pub mod samples;
pub mod storage;
pub mod telemetry;
pub(crate) mod token_cache;
pub mod transfer;
pub(crate) mod webhooks;

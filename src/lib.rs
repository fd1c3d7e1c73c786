//! Quire: a versioned artifact store for AI agent pipelines, served over GraphQL.
//!
//! Data flows one way: `http` -> `graphql` -> `domain` -> `entity` -> database;
//! `app` serves the `http` router, built from `config`.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod nesting;
pub mod seed;
pub mod storage;
pub mod telemetry;
pub mod token_cache;

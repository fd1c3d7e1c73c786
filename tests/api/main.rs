//! Integration tests: one binary (one link) holding every API test module,
//! in three tiers, each test over a copy of a database migrated once per
//! run (`databases`), on SQLite and, when configured, PostgreSQL:
//!
//! - domain: the rules called with a `Session`, no HTTP (`domain`);
//! - in-process: requests through the server's router in this process,
//!   no socket (`backend_tests!`, `TestServer::in_process`);
//! - TCP: a real server on an ephemeral port, for WebSockets, raw HTTP,
//!   files and `quire` processes (`server_tests!`, `storage_tests!`,
//!   `TestServer::start`).

mod common;
mod databases;

mod access;
mod assembly;
mod authoring;
mod cli;
mod costs;
mod domain;
mod durability;
mod evolution;
mod files;
mod graph;
mod hardening;
mod http;
mod inputs;
mod integrity;
mod limits;
mod live;
mod mcp;
mod policies;
mod querying;
mod readme;
mod retention;
mod review;
mod schema_docs;
mod search;
mod security;
mod statements;
mod traces;
mod transfer;
mod users;
mod webhooks;
mod writes;

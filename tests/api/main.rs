//! Integration tests: one binary (one link) holding every API test module.

mod common;
mod databases;

mod access;
mod cli;
mod costs;
mod durability;
mod files;
mod graph;
mod hardening;
mod http;
mod inputs;
mod limits;
mod live;
mod review;
mod schema_docs;
mod statements;
mod users;
mod writes;

//! Commonplace: a federated ActivityPub community server for communities of practice.
//! See `docs/architecture.md` for the map of these modules.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod extract;
pub mod federation;
pub mod mastodon;
pub mod server;
pub mod web;
pub mod workers;

//! The integration suite: whole servers on loopback ports, talked to over HTTP.

mod helpers;

mod accounts;
mod cli;
mod connections;
mod content;
mod database;
mod directory;
mod federation;
mod federation_backfill;
mod federation_faults;
mod federation_flows;
mod federation_interop;
mod federation_mastodon;
mod federation_profiles;
mod federation_relay;
mod federation_security;
mod federation_signatures;
mod feeds;
mod follows;
mod groups;
mod layout;
mod mastodon;
mod mastodon_content;
mod mastodon_entities;
mod network_search;
mod proxy;
mod reindex;
mod schema;
mod scopes;
mod search;
mod site;
mod visibility;
mod web;
mod web_search;

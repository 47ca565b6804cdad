//! The integration suite: whole servers on loopback ports, talked to over HTTP.

mod helpers;

mod accounts;
mod cli;
mod content;
mod federation;
mod federation_faults;
mod federation_flows;
mod federation_mastodon;
mod federation_security;
mod groups;
mod site;

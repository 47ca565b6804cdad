//! The domain layer: every rule and every transaction. The JSON API, and later the Mastodon
//! API, the web pages and the ActivityPub inbox, call these functions; nothing else writes.

pub mod comments;
pub mod groups;
pub mod objects;
pub mod outbox;
pub mod paging;
pub mod people;
pub mod policy;
pub mod remote;
pub mod reports;
pub mod site;
pub mod text;
pub mod threads;
pub mod views;
pub mod votes;

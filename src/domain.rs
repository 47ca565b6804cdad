//! The domain layer: every rule and every transaction. The JSON API and the ActivityPub inbox,
//! and later the Mastodon API and the web pages, call these functions; nothing else writes.

pub mod comments;
pub mod context;
pub mod directory;
pub mod expertise;
pub mod follows;
pub mod groups;
pub mod limits;
pub mod lists;
pub mod names;
pub mod notifications;
pub mod oauth;
pub mod objects;
pub mod outbox;
pub mod paging;
pub mod people;
pub mod policy;
pub mod publish;
pub mod receipts;
pub mod reindex;
pub mod remote;
pub mod reports;
pub mod search;
pub mod site;
pub mod statuses;
pub mod text;
pub mod threads;
pub mod views;
pub mod visibility;
pub mod votes;

pub use context::Context;

//! Rows as stored. Wire and API shapes live elsewhere and are built from these.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = instances)]
pub struct Instance {
    pub id: i64,
    pub domain: String,
    pub local: bool,
    pub name: String,
    pub description: String,
    pub rules: String,
    pub registration_mode: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub blocked: bool,
    pub allowed: bool,
    pub federation_mode: String,
    pub failure_count: i32,
    pub last_success_at: Option<NaiveDateTime>,
    pub dead_since: Option<NaiveDateTime>,
    pub public_key: Option<String>,
    pub private_key: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = instances)]
pub struct NewInstance<'a> {
    pub domain: &'a str,
    pub local: bool,
    pub name: &'a str,
    pub registration_mode: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = persons)]
pub struct Person {
    pub id: i64,
    pub ap_id: String,
    pub local: bool,
    pub instance_id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub bio_source: String,
    pub bio_html: String,
    pub agency: Option<String>,
    pub job_role: Option<String>,
    pub expertise: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub approved: bool,
    pub suspended: bool,
    pub public_key: String,
    pub private_key: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_refreshed_at: Option<NaiveDateTime>,
    /// Interface language chosen by a local member (`en`, `fr`).
    pub language: Option<String>,
    /// "Ask me about": free text shown on the profile.
    pub ask_me_about: String,
    /// Languages the person works in, as tags separated by commas (`en,fr`).
    pub languages: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = persons)]
pub struct NewPerson {
    pub ap_id: String,
    pub local: bool,
    pub instance_id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub approved: bool,
    pub public_key: String,
    pub private_key: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = groups)]
pub struct Group {
    pub id: i64,
    pub ap_id: String,
    pub local: bool,
    pub instance_id: i64,
    pub name: String,
    pub title: String,
    pub description_source: String,
    pub description_html: String,
    pub rules_source: String,
    pub rules_html: String,
    pub creator_id: Option<i64>,
    pub approval_required: bool,
    pub member_count: i64,
    pub thread_count: i64,
    pub public_key: String,
    pub private_key: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_refreshed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = groups)]
pub struct NewGroup {
    pub ap_id: String,
    pub local: bool,
    pub instance_id: i64,
    pub name: String,
    pub title: String,
    pub description_source: String,
    pub description_html: String,
    pub rules_source: String,
    pub rules_html: String,
    pub creator_id: Option<i64>,
    pub approval_required: bool,
    pub public_key: String,
    pub private_key: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub group_id: i64,
    pub person_id: i64,
    pub state: String,
    pub ap_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub follow_sent_at: Option<NaiveDateTime>,
    pub follow_attempts: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = threads)]
pub struct Thread {
    pub id: i64,
    pub ap_id: String,
    pub local: bool,
    pub group_id: i64,
    pub author_id: i64,
    pub title: String,
    pub body_source: String,
    pub body_html: String,
    pub url: Option<String>,
    pub pinned: bool,
    pub locked: bool,
    pub removed: bool,
    pub deleted: bool,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub comment_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: Option<NaiveDateTime>,
    pub last_activity_at: NaiveDateTime,
    /// Language the thread is written in, when known.
    pub language: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = threads)]
pub struct NewThread {
    pub ap_id: String,
    pub local: bool,
    pub group_id: i64,
    pub author_id: i64,
    pub title: String,
    pub body_source: String,
    pub body_html: String,
    pub url: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_activity_at: NaiveDateTime,
    pub language: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i64,
    pub ap_id: String,
    pub local: bool,
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub body_source: String,
    pub body_html: String,
    pub depth: i32,
    pub removed: bool,
    pub deleted: bool,
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: Option<NaiveDateTime>,
    /// Language the comment is written in, when known.
    pub language: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = comments)]
pub struct NewComment {
    pub ap_id: String,
    pub local: bool,
    pub thread_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub body_source: String,
    pub body_html: String,
    pub depth: i32,
    pub created_at: NaiveDateTime,
    pub language: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tokens)]
pub struct Token {
    pub id: i64,
    pub token_hash: String,
    pub person_id: Option<i64>,
    pub client_id: Option<i64>,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tokens)]
pub struct NewToken {
    pub token_hash: String,
    pub person_id: Option<i64>,
    pub client_id: Option<i64>,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

//! Remote actors and instances: stored in the same tables as local ones, with `local = false`.

mod figures;
pub use figures::*;

use diesel::prelude::*;

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::groups::MembershipState;
use crate::domain::names::authority;
use crate::domain::text::{now, sanitize_html};
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// Longest remote name or display name we keep.
const REMOTE_NAME_MAX: usize = 100;
/// Largest remote profile or description HTML we keep, in bytes.
pub const REMOTE_HTML_MAX: usize = 20_000;

/// How remote content reached us, which decides whether we may take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// Sent to us by its author.
    Direct,
    /// Relayed in an `Announce` by the group (its row id) that we follow.
    RelayedBy(i64),
    /// Fetched by us from its own origin.
    Fetched,
}

impl Arrival {
    /// Content of one of our groups arrives from its author; content of a remote group only
    /// through that group's relay (or from its origin when we fetch it).
    ///
    /// # Errors
    /// A refusal for any other way in.
    pub fn check(self, group: &Group) -> Result<()> {
        match self {
            Arrival::RelayedBy(by) if by != group.id => Err(Error::Refused(
                "a group may only relay its own content".into(),
            )),
            Arrival::Direct if !group.local => Err(Error::Refused(
                "content of a remote group must come through that group".into(),
            )),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone)]
pub enum ActorRow {
    Person(Person),
    Group(Group),
}

/// Remote actors recently read, by id: every incoming activity names its actor, usually one we
/// saw a moment ago. Only what `upsert_person` and `upsert_group` write is relied on from a
/// cached row (identity, key, inboxes); counters and memberships are always read from the
/// database. Those functions replace the entry and `delete_person` drops it; a read only fills
/// an empty entry, so that a row read before an upsert never replaces the upsert's. Another
/// process's changes show here within [`ACTOR_CACHE_TTL`] (a rotated key: signatures refused
/// until then, and retried by the sender).
pub type ActorCache = moka::sync::Cache<String, ActorRow>;

/// How long a cached remote actor is trusted.
pub const ACTOR_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(300);

pub fn actor_cache() -> ActorCache {
    moka::sync::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(ACTOR_CACHE_TTL)
        .build()
}

/// # Errors
/// Database failures only.
pub async fn actor_by_ap_id(state: &Context, ap_id: &str) -> Result<Option<ActorRow>> {
    if let Some(row) = state.actors.get(ap_id) {
        return Ok(Some(row));
    }
    let ap_id = ap_id.to_string();
    let found = state
        .db
        .read(move |c| {
            if let Some(p) = persons::table
                .filter(persons::ap_id.eq(&ap_id))
                .select(Person::as_select())
                .first(c)
                .optional()?
            {
                return Ok(Some(ActorRow::Person(p)));
            }
            Ok(groups::table
                .filter(groups::ap_id.eq(&ap_id))
                .select(Group::as_select())
                .first(c)
                .optional()?
                .map(ActorRow::Group))
        })
        .await?;
    if let Some(row) = &found {
        remember(state, row, false);
    }
    Ok(found)
}

/// Caches a remote actor's row (local actors are always read afresh): `written` rows replace
/// the entry, rows merely read fill it only when it is empty.
fn remember(state: &Context, row: &ActorRow, written: bool) {
    let (local, ap_id) = match row {
        ActorRow::Person(p) => (p.local, &p.ap_id),
        ActorRow::Group(g) => (g.local, &g.ap_id),
    };
    if local {
        return;
    }
    if written {
        state.actors.insert(ap_id.clone(), row.clone());
    } else {
        state.actors.entry(ap_id.clone()).or_insert(row.clone());
    }
}

/// The row of a remote instance, created on first sight.
pub(crate) fn ensure_instance(conn: &mut AnyConnection, domain: &str) -> Result<Instance> {
    let found = instances::table
        .filter(instances::domain.eq(domain))
        .select(Instance::as_select())
        .first(conn)
        .optional()?;
    if let Some(i) = found {
        return Ok(i);
    }
    let t = now();
    let row = NewInstance {
        domain,
        local: false,
        name: domain,
        registration_mode: "open",
        created_at: t,
        updated_at: t,
    };
    // Two activities from a new server may arrive at once: the second finds the first's row.
    per_backend!(conn, |c| diesel::insert_into(instances::table)
        .values(&row)
        .on_conflict(instances::domain)
        .do_nothing()
        .execute(c))?;
    Ok(instances::table
        .filter(instances::domain.eq(domain))
        .select(Instance::as_select())
        .first(conn)?)
}

/// The name a remote actor goes by here: its `preferredUsername`, or, when it gives none (the
/// property is optional in ActivityPub), the last segment of its id's path (`/users/42` → `42`,
/// `/@bob` → `bob`), or its host for an id with no path.
fn remote_name(given: Option<&str>, id: &url::Url) -> Result<String> {
    let derived;
    let raw = match given {
        Some(name) => name,
        None => {
            derived = id
                .path_segments()
                .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
                .map(|s| s.trim_start_matches('@'))
                .filter(|s| !s.is_empty())
                .or(id.host_str())
                .unwrap_or_default()
                .to_string();
            &derived
        }
    };
    let name = raw.trim();
    if name.is_empty()
        || name.chars().count() > REMOTE_NAME_MAX
        || name
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '/' || c == '@')
    {
        return Err(Error::Refused(format!("unusable actor name {raw:?}")));
    }
    Ok(name.to_string())
}

fn bounded_line(raw: Option<&str>) -> Option<String> {
    raw.map(|s| {
        s.trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(REMOTE_NAME_MAX)
            .collect::<String>()
    })
    .filter(|s| !s.is_empty())
}

fn bounded_html(raw: Option<&str>) -> String {
    match raw {
        Some(h) if h.len() <= REMOTE_HTML_MAX => sanitize_html(h),
        Some(_) => String::new(),
        None => String::new(),
    }
}

/// A remote person or group as its document describes it, read from the wire by `federation`.
/// Everything here is still hostile: [`upsert_person`] and [`upsert_group`] bound and clean it.
#[derive(Debug, Clone)]
pub struct RemoteActor {
    pub ap_id: url::Url,
    pub preferred_username: Option<String>,
    pub name: Option<String>,
    /// Profile or description, as HTML.
    pub summary: Option<String>,
    /// The markdown it was written in, where the document gives it.
    pub markdown: Option<String>,
    pub inbox: url::Url,
    pub shared_inbox: Option<url::Url>,
    pub public_key_pem: String,
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    /// A person's profile fields.
    pub fields: ProfileFields,
    /// A group's rules, as HTML.
    pub rules: Option<String>,
}

/// Agency, role, expertise, "ask me about" and languages from a person's profile fields
/// (`PropertyValue`s named as we publish them) or, for expertise, their `Hashtag`s; so a remote
/// member counts for their agency and is found by expertise as a local one is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProfileFields {
    pub agency: Option<String>,
    pub role: Option<String>,
    /// Tags as stored (`text::join_tags`).
    pub expertise: String,
    /// Plain text, bounded as a local member's.
    pub ask_me_about: String,
    /// Language tags as stored (`text::parse_languages`).
    pub languages: String,
}

fn bounded_markdown(raw: Option<&str>) -> String {
    raw.filter(|s| s.len() <= REMOTE_HTML_MAX)
        .map(str::to_string)
        .unwrap_or_default()
}

/// Stores a fetched or received person, updating the row if we know it.
///
/// # Errors
/// An unusable name, or a name already held by another actor of that instance.
pub async fn upsert_person(state: &Context, json: RemoteActor) -> Result<Person> {
    let username = remote_name(json.preferred_username.as_deref(), &json.ap_id)?;
    let domain = authority(&json.ap_id);
    let person = state
        .db
        .write(move |conn| {
            let instance = ensure_instance(conn, &domain)?;
            let t = now();
            let ap_id = json.ap_id.to_string();
            let display_name = bounded_line(json.name.as_deref());
            let bio_html = bounded_html(json.summary.as_deref());
            let bio_source = bounded_markdown(json.markdown.as_deref());
            let inbox = json.inbox.to_string();
            let shared = json.shared_inbox.as_ref().map(ToString::to_string);
            let key = json.public_key_pem.clone();
            let fields = json.fields.clone();
            let existing = persons::table
                .filter(persons::ap_id.eq(&ap_id))
                .select(persons::id)
                .first::<i64>(conn)
                .optional()?;
            let id = match existing {
                Some(id) => id,
                // Seen for the first time by two requests at once: the second takes the
                // first's row.
                None => per_backend!(conn, |c| diesel::insert_into(persons::table)
                    .values(&NewPerson {
                        ap_id: ap_id.clone(),
                        local: false,
                        instance_id: instance.id,
                        username: username.clone(),
                        display_name: display_name.clone(),
                        password_hash: None,
                        is_admin: false,
                        approved: true,
                        public_key: key.clone(),
                        private_key: None,
                        inbox_url: inbox.clone(),
                        shared_inbox_url: shared.clone(),
                        created_at: json.published.map_or(t, |p| p.naive_utc()),
                        updated_at: t,
                    })
                    .on_conflict(persons::ap_id)
                    .do_nothing()
                    .returning(persons::id)
                    .get_result::<i64>(c)
                    .optional())
                .map_err(|_| {
                    Error::Refused(format!(
                        "{domain} already has another actor named {username}"
                    ))
                })?
                .map_or_else(
                    || {
                        persons::table
                            .filter(persons::ap_id.eq(&ap_id))
                            .select(persons::id)
                            .first::<i64>(conn)
                    },
                    Ok,
                )?,
            };
            diesel::update(persons::table.find(id))
                .set((
                    persons::display_name.eq(display_name),
                    persons::bio_html.eq(bio_html),
                    persons::bio_source.eq(bio_source),
                    persons::public_key.eq(key),
                    persons::inbox_url.eq(inbox),
                    persons::shared_inbox_url.eq(shared),
                    persons::agency.eq(fields.agency),
                    persons::job_role.eq(fields.role),
                    persons::expertise.eq(&fields.expertise),
                    persons::ask_me_about.eq(fields.ask_me_about),
                    persons::languages.eq(fields.languages),
                    persons::updated_at.eq(t),
                    persons::last_refreshed_at.eq(Some(t)),
                ))
                .execute(conn)?;
            crate::domain::expertise::store(conn, id, &fields.expertise)?;
            Ok(persons::table
                .find(id)
                .select(Person::as_select())
                .first(conn)?)
        })
        .await?;
    remember(state, &ActorRow::Person(person.clone()), true);
    Ok(person)
}

/// Stores a fetched group, updating the row if we know it.
///
/// # Errors
/// An unusable name, or a name already held by another group of that instance.
pub async fn upsert_group(state: &Context, json: RemoteActor) -> Result<Group> {
    let name = remote_name(json.preferred_username.as_deref(), &json.ap_id)?;
    let domain = authority(&json.ap_id);
    let group = state
        .db
        .write(move |conn| {
            let instance = ensure_instance(conn, &domain)?;
            let t = now();
            let ap_id = json.ap_id.to_string();
            let title = bounded_line(json.name.as_deref()).unwrap_or_else(|| name.clone());
            let html = bounded_html(json.summary.as_deref());
            let source = bounded_markdown(json.markdown.as_deref());
            let rules_html = bounded_html(json.rules.as_deref());
            let rules_source = crate::domain::text::html_to_text(&rules_html);
            let inbox = json.inbox.to_string();
            let shared = json.shared_inbox.as_ref().map(ToString::to_string);
            let key = json.public_key_pem.clone();
            let existing = groups::table
                .filter(groups::ap_id.eq(&ap_id))
                .select(groups::id)
                .first::<i64>(conn)
                .optional()?;
            let id = match existing {
                Some(id) => id,
                None => per_backend!(conn, |c| diesel::insert_into(groups::table)
                    .values(&NewGroup {
                        ap_id: ap_id.clone(),
                        local: false,
                        instance_id: instance.id,
                        name: name.clone(),
                        title: title.clone(),
                        description_source: source.clone(),
                        description_html: html.clone(),
                        rules_source: rules_source.clone(),
                        rules_html: rules_html.clone(),
                        creator_id: None,
                        approval_required: false,
                        public_key: key.clone(),
                        private_key: None,
                        inbox_url: inbox.clone(),
                        shared_inbox_url: shared.clone(),
                        created_at: json.published.map_or(t, |p| p.naive_utc()),
                        updated_at: t,
                    })
                    .on_conflict(groups::ap_id)
                    .do_nothing()
                    .returning(groups::id)
                    .get_result::<i64>(c)
                    .optional())
                .map_err(|_| {
                    Error::Refused(format!("{domain} already has another group named {name}"))
                })?
                .map_or_else(
                    || {
                        groups::table
                            .filter(groups::ap_id.eq(&ap_id))
                            .select(groups::id)
                            .first::<i64>(conn)
                    },
                    Ok,
                )?,
            };
            diesel::update(groups::table.find(id))
                .set((
                    groups::title.eq(title),
                    groups::description_html.eq(html),
                    groups::description_source.eq(source),
                    groups::rules_html.eq(rules_html),
                    groups::rules_source.eq(rules_source),
                    groups::public_key.eq(key),
                    groups::inbox_url.eq(inbox),
                    groups::shared_inbox_url.eq(shared),
                    groups::updated_at.eq(t),
                    groups::last_refreshed_at.eq(Some(t)),
                ))
                .execute(conn)?;
            Ok(groups::table
                .find(id)
                .select(Group::as_select())
                .first(conn)?)
        })
        .await?;
    remember(state, &ActorRow::Group(group.clone()), true);
    Ok(group)
}

/// A remote account deleted itself: its memberships end and its threads and comments become
/// tombstones, as Lemmy does.
///
/// # Errors
/// Database failures only.
pub async fn delete_person(state: &Context, person: Person) -> Result<()> {
    if person.local {
        return Err(Error::Refused(
            "local accounts are not deleted from outside".into(),
        ));
    }
    let ap_id = person.ap_id.clone();
    state
        .db
        .write(move |conn| {
            let groups_joined: Vec<i64> = memberships::table
                .filter(memberships::person_id.eq(person.id))
                .select(memberships::group_id)
                .load(conn)?;
            diesel::delete(memberships::table.filter(memberships::person_id.eq(person.id)))
                .execute(conn)?;
            for g in groups_joined {
                crate::domain::groups::recount_members(conn, g)?;
            }
            // Counters follow: groups count their visible threads, threads their visible comments.
            let groups_touched: Vec<i64> = threads::table
                .filter(threads::author_id.eq(person.id))
                .select(threads::group_id)
                .distinct()
                .load(conn)?;
            let threads_touched: Vec<i64> = comments::table
                .filter(comments::author_id.eq(person.id))
                .select(comments::thread_id)
                .distinct()
                .load(conn)?;
            diesel::update(threads::table.filter(threads::author_id.eq(person.id)))
                .set(threads::deleted.eq(true))
                .execute(conn)?;
            diesel::update(comments::table.filter(comments::author_id.eq(person.id)))
                .set(comments::deleted.eq(true))
                .execute(conn)?;
            for t in threads_touched {
                let visible: i64 = comments::table
                    .filter(comments::thread_id.eq(t))
                    .filter(comments::deleted.eq(false))
                    .filter(comments::removed.eq(false))
                    .count()
                    .get_result(conn)?;
                diesel::update(threads::table.find(t))
                    .set(threads::comment_count.eq(visible))
                    .execute(conn)?;
            }
            for g in groups_touched {
                let visible: i64 = threads::table
                    .filter(threads::group_id.eq(g))
                    .filter(threads::deleted.eq(false))
                    .filter(threads::removed.eq(false))
                    .count()
                    .get_result(conn)?;
                diesel::update(groups::table.find(g))
                    .set(groups::thread_count.eq(visible))
                    .execute(conn)?;
            }
            diesel::update(persons::table.find(person.id))
                .set(persons::suspended.eq(true))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    state.actors.invalidate(&ap_id);
    Ok(())
}

/// A remote person follows one of our members; answered with `Accept`. Following again changes
/// nothing. (Members' own posts live in groups, so nothing else is sent to such followers.)
///
/// # Errors
/// Database failures only.
pub async fn follow_person(
    state: &Context,
    follower: Person,
    followed: Person,
    follow: serde_json::Value,
) -> Result<()> {
    let origin = state.origin();
    state
        .db
        .write(move |conn| {
            let exists: i64 = person_follows::table
                .filter(person_follows::follower_id.eq(follower.id))
                .filter(person_follows::followed_id.eq(followed.id))
                .count()
                .get_result(conn)?;
            if exists == 0 {
                diesel::insert_into(person_follows::table)
                    .values((
                        person_follows::follower_id.eq(follower.id),
                        person_follows::followed_id.eq(followed.id),
                        person_follows::ap_id.eq(follow["id"].as_str()),
                        person_follows::created_at.eq(now()),
                    ))
                    .execute(conn)?;
                crate::domain::notifications::notify(
                    conn,
                    followed.id,
                    crate::domain::notifications::Kind::Follow,
                    follower.id,
                    None,
                    None,
                )?;
            }
            crate::domain::publish::accept(conn, &origin, &followed.ap_id, &follower, follow)
        })
        .await?;
    state.wake_outbox();
    Ok(())
}

/// A remote person stopped following one of our members.
///
/// # Errors
/// Database failures only.
pub async fn unfollow_person(state: &Context, follower: Person, followed: Person) -> Result<()> {
    state
        .db
        .write(move |conn| {
            diesel::delete(
                person_follows::table
                    .filter(person_follows::follower_id.eq(follower.id))
                    .filter(person_follows::followed_id.eq(followed.id)),
            )
            .execute(conn)?;
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_without_preferred_username_are_named_after_their_id() {
        let name =
            |given: Option<&str>, id: &str| remote_name(given, &url::Url::parse(id).unwrap()).ok();
        assert_eq!(
            name(Some("alice"), "https://a.example/u/x").as_deref(),
            Some("alice")
        );
        assert_eq!(
            name(None, "https://a.example/ap/users/110224").as_deref(),
            Some("110224")
        );
        assert_eq!(
            name(None, "https://a.example/users/bob/").as_deref(),
            Some("bob")
        );
        assert_eq!(
            name(None, "https://a.example/@carol").as_deref(),
            Some("carol")
        );
        assert_eq!(
            name(None, "https://a.example/").as_deref(),
            Some("a.example")
        );
        assert_eq!(name(Some("two words"), "https://a.example/u/x"), None);
    }
}

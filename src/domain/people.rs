//! Members: registration, sign-in, bearer tokens, profiles.

mod accounts;
mod sessions;
pub use accounts::*;
pub use sessions::*;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use chrono::Duration;
use diesel::prelude::*;
use rand::{distr::Alphanumeric, Rng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use utoipa::ToSchema;

use crate::db::{models::*, schema::*, AnyConnection};
use crate::domain::site::{local_instance, RegistrationMode};
use crate::domain::text::{self, now};
use crate::domain::views::PersonView;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// Tokens unused for this long stop working.
const TOKEN_IDLE_DAYS: i64 = 90;
/// `last_used_at` is written at most this often per token, to keep reads read-only.
const TOKEN_TOUCH_MINUTES: i64 = 5;
/// Languages the web interface is written in, the first the default.
pub const INTERFACE_LANGUAGES: [&str; 2] = ["en", "fr"];

/// Scopes of tokens issued by the native API's sign-in and the web pages: everything the
/// member may do (the administration scopes open nothing to a member who is not an admin).
pub const NATIVE_SCOPES: &str = "read write follow admin:read admin:write";

/// Whether a token holds everything a session of the pages or of the native API holds: the
/// web pages take only such tokens, so that an app's narrower grant cannot act through them.
pub fn is_session(viewer: &Viewer) -> bool {
    NATIVE_SCOPES
        .split_whitespace()
        .all(|s| crate::domain::oauth::grants(&viewer.scopes, s))
}

/// The member behind a request's bearer token.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub person: Person,
    pub token_id: i64,
    pub scopes: String,
}

impl Viewer {
    pub fn id(&self) -> i64 {
        self.person.id
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub display_name: Option<String>,
    pub agency: Option<String>,
    pub role: Option<String>,
}

/// A new session, or the news that the account waits for approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthResponse {
    /// Bearer token for `Authorization: Bearer …`; absent while the account awaits approval.
    pub token: Option<String>,
    pub person: PersonView,
    pub pending_approval: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// Profile changes. Absent fields stay; an empty string clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    /// Markdown.
    pub bio: Option<String>,
    pub agency: Option<String>,
    pub role: Option<String>,
    /// Expertise tags as typed; de-duplicated by their canonical form.
    pub expertise: Option<Vec<String>>,
    /// "Ask me about": plain text, at most 500 characters.
    pub ask_me_about: Option<String>,
    /// Languages worked in: at most 10 language tags such as `en` or `fr-CA`.
    pub languages: Option<Vec<String>>,
    /// Interface language: one of [`INTERFACE_LANGUAGES`]; empty to follow the browser.
    pub language: Option<String>,
    /// Needed with `new_password`.
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing: {e}")))
}

fn password_matches(password: &str, stored: Option<&str>) -> bool {
    stored
        .and_then(|s| PasswordHash::new(s).ok())
        .is_some_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
}

pub(crate) fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// CPU-heavy work (key generation, password hashing) off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("worker thread: {e}")))?
}

/// A fresh RSA key pair for a new actor: (public PEM, private PEM).
pub(crate) async fn new_keypair() -> Result<(String, String)> {
    blocking(|| {
        activitypub_federation::http_signatures::generate_actor_keypair()
            .map(|k| (k.public_key, k.private_key))
            .map_err(|e| Error::Internal(format!("key generation: {e}")))
    })
    .await
}

/// Refuses a name already used by a local person or group: both share `acct:NAME@DOMAIN`.
pub(crate) fn ensure_name_free(
    conn: &mut AnyConnection,
    instance_id: i64,
    name: &str,
    field: &'static str,
) -> Result<()> {
    let person: i64 = persons::table
        .filter(persons::instance_id.eq(instance_id))
        .filter(persons::username.eq(name))
        .count()
        .get_result(conn)?;
    let group: i64 = groups::table
        .filter(groups::instance_id.eq(instance_id))
        .filter(groups::name.eq(name))
        .count()
        .get_result(conn)?;
    if person + group > 0 {
        return Err(Error::conflict(
            field,
            format!("the name {name} is already taken on this instance"),
        ));
    }
    Ok(())
}

/// Turns a unique-constraint failure from a racing request into the same 409 as the pre-check.
pub(crate) fn unique_conflict<'a>(
    field: &'static str,
    what: &'a str,
) -> impl Fn(diesel::result::Error) -> Error + 'a {
    move |e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => Error::conflict(field, format!("{what} already exists")),
        other => Error::Database(other),
    }
}

/// Creates a local account. Used by registration and by the `admin create-user` command.
///
/// # Errors
/// 422 for an invalid name or password, 409 for a taken name.
pub async fn create_local_person(
    state: &Context,
    input: Registration,
    is_admin: bool,
    approved: bool,
) -> Result<Person> {
    let username = text::parse_name("username", &input.username)?;
    text::check_password(&input.password)?;
    let display_name = text::parse_display_name(input.display_name.as_deref())?;
    let agency = text::parse_short("agency", input.agency.as_deref())?;
    let role = text::parse_short("role", input.role.as_deref())?;
    {
        let (id, name) = (state.instance_id, username.clone());
        state
            .db
            .read(move |c| ensure_name_free(c, id, &name, "username"))
            .await?;
    }
    let password = input.password;
    let password_hash = blocking(move || hash_password(&password)).await?;
    let (public_key, private_key) = new_keypair().await?;
    let base = state.config.base_url();
    let instance_id = state.instance_id;
    state
        .db
        .write(move |conn| {
            ensure_name_free(conn, instance_id, &username, "username")?;
            let t = now();
            let ap_id = format!("{base}/u/{username}");
            let id: i64 = per_backend!(conn, |c| diesel::insert_into(persons::table)
                .values(&NewPerson {
                    inbox_url: format!("{ap_id}/inbox"),
                    shared_inbox_url: Some(format!("{base}/inbox")),
                    ap_id: ap_id.clone(),
                    local: true,
                    instance_id,
                    username: username.clone(),
                    display_name: display_name.clone(),
                    password_hash: Some(password_hash.clone()),
                    is_admin,
                    approved,
                    public_key: public_key.clone(),
                    private_key: Some(private_key.clone()),
                    created_at: t,
                    updated_at: t,
                })
                .returning(persons::id)
                .get_result(c))
            .map_err(unique_conflict("username", "an account with this name"))?;
            diesel::update(persons::table.find(id))
                .set((persons::agency.eq(agency), persons::job_role.eq(role)))
                .execute(conn)?;
            Ok(persons::table
                .find(id)
                .select(Person::as_select())
                .first(conn)?)
        })
        .await
}

pub(crate) fn find_local_person(
    conn: &mut AnyConnection,
    instance_id: i64,
    name: &str,
) -> Result<Person> {
    persons::table
        .filter(persons::instance_id.eq(instance_id))
        .filter(persons::username.eq(name))
        .select(Person::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("person"))
}

/// A person by their name here, or by `name@domain` for someone on another instance.
pub(crate) fn find_person_by_handle(
    conn: &mut AnyConnection,
    instance_id: i64,
    handle: &str,
) -> Result<Person> {
    let Some((name, domain)) = handle.split_once('@') else {
        return find_local_person(conn, instance_id, handle);
    };
    persons::table
        .inner_join(instances::table)
        .filter(instances::domain.eq(domain))
        .filter(persons::username.eq(name))
        .select(Person::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound("person"))
}

/// A profile by handle (`name` here, `name@domain` for someone known from elsewhere), with
/// follow counts and, for a signed-in viewer, their follow of that person.
///
/// # Errors
/// 404 when no such person is known.
pub async fn profile(state: &Context, viewer: Option<&Viewer>, handle: &str) -> Result<PersonView> {
    let (id, handle, viewer_id) = (
        state.instance_id,
        handle.to_string(),
        viewer.map(Viewer::id),
    );
    state
        .db
        .read(move |c| {
            let person = find_person_by_handle(c, id, &handle)?;
            let (followers, following) = crate::domain::follows::counts(c, person.id)?;
            let follow = viewer_id
                .map(|v| crate::domain::follows::state_of(c, v, person.id))
                .transpose()?;
            let mut view = PersonView::from(person);
            view.followers_count = Some(followers);
            view.following_count = Some(following);
            view.follow = follow;
            Ok(view)
        })
        .await
}

/// # Errors
/// 422/413 for bad values, 403 for a wrong current password.
#[tracing::instrument(skip_all, fields(person = %viewer.person.username))]
pub async fn update_profile(
    state: &Context,
    viewer: &Viewer,
    input: ProfileUpdate,
) -> Result<PersonView> {
    let limit = state.config.limits.body_bytes;
    let display_name = input
        .display_name
        .as_deref()
        .map(|v| text::parse_display_name(Some(v)))
        .transpose()?;
    let bio = input
        .bio
        .as_deref()
        .map(|b| text::parse_markdown("bio", b, limit))
        .transpose()?;
    let agency = input
        .agency
        .as_deref()
        .map(|v| text::parse_short("agency", Some(v)))
        .transpose()?;
    let role = input
        .role
        .as_deref()
        .map(|v| text::parse_short("role", Some(v)))
        .transpose()?;
    let expertise = input
        .expertise
        .as_deref()
        .map(text::parse_tags)
        .transpose()?
        .map(|t| text::join_tags(&t));
    let ask_me_about = input
        .ask_me_about
        .as_deref()
        .map(text::parse_ask_me_about)
        .transpose()?;
    let languages = input
        .languages
        .as_deref()
        .map(text::parse_languages)
        .transpose()?;
    let language = match input.language.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(l) if INTERFACE_LANGUAGES.contains(&l) => Some(Some(l.to_string())),
        Some(_) => {
            return Err(Error::invalid(
                "language",
                format!("must be one of {}", INTERFACE_LANGUAGES.join(", ")),
            ))
        }
    };
    let new_hash = match input.new_password {
        None => None,
        Some(new) => {
            text::check_password(&new)?;
            let current = input.current_password.unwrap_or_default();
            let stored = viewer.person.password_hash.clone();
            let hash = blocking(move || {
                if !password_matches(&current, stored.as_deref()) {
                    return Err(Error::forbidden("current_password is wrong"));
                }
                hash_password(&new)
            })
            .await?;
            Some(hash)
        }
    };
    let (id, token_id, origin) = (viewer.id(), viewer.token_id, state.origin());
    // What other servers keep of the profile; a new password or language changes none of it.
    let public_change = display_name.is_some()
        || bio.is_some()
        || agency.is_some()
        || role.is_some()
        || expertise.is_some()
        || ask_me_about.is_some()
        || languages.is_some();
    let person = state
        .db
        .write(move |conn| {
            let target = persons::table.find(id);
            if let Some(v) = display_name {
                diesel::update(target)
                    .set(persons::display_name.eq(v))
                    .execute(conn)?;
            }
            if let Some((source, html)) = bio {
                diesel::update(target)
                    .set((persons::bio_source.eq(source), persons::bio_html.eq(html)))
                    .execute(conn)?;
            }
            if let Some(v) = agency {
                diesel::update(target)
                    .set(persons::agency.eq(v))
                    .execute(conn)?;
            }
            if let Some(v) = role {
                diesel::update(target)
                    .set(persons::job_role.eq(v))
                    .execute(conn)?;
            }
            if let Some(v) = expertise {
                diesel::update(target)
                    .set(persons::expertise.eq(&v))
                    .execute(conn)?;
                crate::domain::expertise::store(conn, id, &v)?;
            }
            if let Some(v) = ask_me_about {
                diesel::update(target)
                    .set(persons::ask_me_about.eq(v))
                    .execute(conn)?;
            }
            if let Some(v) = languages {
                diesel::update(target)
                    .set(persons::languages.eq(v))
                    .execute(conn)?;
            }
            if let Some(v) = language {
                diesel::update(target)
                    .set(persons::language.eq(v))
                    .execute(conn)?;
            }
            if let Some(h) = new_hash {
                diesel::update(target)
                    .set(persons::password_hash.eq(Some(h)))
                    .execute(conn)?;
                // A new password signs out every other session and app: the reason to change
                // it is often that someone else knows the old one.
                diesel::delete(
                    tokens::table
                        .filter(tokens::person_id.eq(id))
                        .filter(tokens::id.ne(token_id)),
                )
                .execute(conn)?;
            }
            diesel::update(target)
                .set(persons::updated_at.eq(now()))
                .execute(conn)?;
            let person: Person = target.select(Person::as_select()).first(conn)?;
            if public_change {
                crate::domain::publish::person_updated(conn, &origin, &person)?;
            }
            Ok(person)
        })
        .await?;
    state.wake_outbox();
    Ok(person.into())
}

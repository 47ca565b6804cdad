//! Members: registration, sign-in, bearer tokens, profiles.

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
    pub expertise: Option<Vec<String>>,
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

/// A new bearer token for `person_id` (none: an app's own token) issued to the OAuth client
/// `client_id` (none: the native API's sign-in), with `scopes`; only its hash is kept.
pub(crate) fn issue_token(
    conn: &mut AnyConnection,
    person_id: Option<i64>,
    client_id: Option<i64>,
    scopes: &str,
) -> Result<String> {
    let token: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect();
    let t = now();
    diesel::insert_into(tokens::table)
        .values(NewToken {
            token_hash: hash_token(&token),
            person_id,
            client_id,
            scopes: scopes.into(),
            created_at: t,
            last_used_at: t,
            expires_at: None,
        })
        .execute(conn)?;
    Ok(token)
}

/// # Errors
/// 403 when registration is closed; as [`create_local_person`] otherwise.
#[tracing::instrument(skip_all, fields(username = %input.username))]
pub async fn register(state: &Context, input: Registration) -> Result<AuthResponse> {
    let id = state.instance_id;
    let mode = state
        .db
        .read(move |c| {
            Ok(RegistrationMode::from_stored(
                &local_instance(c, id)?.registration_mode,
            ))
        })
        .await?;
    if mode == RegistrationMode::Closed {
        return Err(Error::forbidden(
            "registration is closed on this instance; ask an administrator for an account",
        ));
    }
    let approved = mode == RegistrationMode::Open;
    let person = create_local_person(state, input, false, approved).await?;
    let token = if approved {
        let pid = person.id;
        Some(
            state
                .db
                .write(move |c| issue_token(c, Some(pid), None, NATIVE_SCOPES))
                .await?,
        )
    } else {
        None
    };
    tracing::info!(person = %person.username, approved, "account registered");
    Ok(AuthResponse {
        token,
        pending_approval: !approved,
        person: person.into(),
    })
}

/// # Errors
/// 401 for an unknown name or wrong password (the same answer for both), 403 for an account
/// that is suspended or not yet approved.
#[tracing::instrument(skip_all, fields(username = %input.username))]
pub async fn login(state: &Context, from: IpAddr, input: Credentials) -> Result<AuthResponse> {
    let person = check_credentials(state, from, &input.username, input.password).await?;
    let pid = person.id;
    let token = state
        .db
        .write(move |c| issue_token(c, Some(pid), None, NATIVE_SCOPES))
        .await?;
    Ok(AuthResponse {
        token: Some(token),
        pending_approval: false,
        person: person.into(),
    })
}

/// The member whose name and password these are, if they may sign in.
///
/// # Errors
/// As [`login`].
pub async fn check_credentials(
    state: &Context,
    from: IpAddr,
    username: &str,
    password: String,
) -> Result<Person> {
    // Every way of presenting a password (the JSON API, the web page, the apps' sign-in page,
    // OAuth's password grant) comes through here, so one limit counts them all.
    state.auth_limiter.check_client(from)?;
    let (id, name) = (state.instance_id, username.to_string());
    let person = state
        .db
        .read(move |c| {
            Ok(persons::table
                .filter(persons::instance_id.eq(id))
                .filter(persons::username.eq(name))
                .select(Person::as_select())
                .first(c)
                .optional()?)
        })
        .await?;
    let stored = person.as_ref().and_then(|p| p.password_hash.clone());
    let ok = blocking(move || Ok(password_matches(&password, stored.as_deref()))).await?;
    let Some(person) = person.filter(|_| ok) else {
        return Err(Error::BadCredentials);
    };
    if person.suspended {
        return Err(Error::forbidden("this account is suspended"));
    }
    if !person.approved {
        return Err(Error::forbidden(
            "this account is waiting for an administrator's approval",
        ));
    }
    Ok(person)
}

/// Ends the session of the token used for this request.
///
/// # Errors
/// Database failures only.
pub async fn logout(state: &Context, viewer: &Viewer) -> Result<()> {
    let token_id = viewer.token_id;
    state
        .db
        .write(move |c| {
            diesel::delete(tokens::table.find(token_id)).execute(c)?;
            Ok(())
        })
        .await
}

/// The member a bearer token belongs to.
///
/// # Errors
/// 401 for an unknown or expired token, 403 for a suspended account.
pub async fn authenticate(state: &Context, raw_token: &str) -> Result<Viewer> {
    let hash = hash_token(raw_token);
    let found = state
        .db
        .read(move |c| {
            Ok(tokens::table
                .inner_join(persons::table)
                .filter(tokens::token_hash.eq(hash))
                .select((Token::as_select(), Person::as_select()))
                .first::<(Token, Person)>(c)
                .optional()?)
        })
        .await?;
    let Some((token, person)) = found else {
        return Err(Error::Unauthorized);
    };
    let t = now();
    let expired = token.expires_at.is_some_and(|e| e < t)
        || token.last_used_at + Duration::days(TOKEN_IDLE_DAYS) < t;
    if expired {
        return Err(Error::Unauthorized);
    }
    if person.suspended {
        return Err(Error::forbidden("this account is suspended"));
    }
    if token.last_used_at + Duration::minutes(TOKEN_TOUCH_MINUTES) < t {
        let id = token.id;
        state
            .db
            .write(move |c| {
                diesel::update(tokens::table.find(id))
                    .set(tokens::last_used_at.eq(t))
                    .execute(c)?;
                Ok(())
            })
            .await?;
    }
    Ok(Viewer {
        person,
        token_id: token.id,
        scopes: token.scopes,
    })
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
        || expertise.is_some();
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
                    .set(persons::expertise.eq(v))
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

/// Lets an account registered in approval mode sign in.
///
/// # Errors
/// 403 for non-administrators, 404 for an unknown name.
pub async fn approve(state: &Context, viewer: &Viewer, name: &str) -> Result<PersonView> {
    if !viewer.person.is_admin {
        return Err(Error::forbidden("only administrators can approve accounts"));
    }
    let (id, name) = (state.instance_id, name.to_string());
    let person = state
        .db
        .write(move |conn| {
            let p = find_local_person(conn, id, &name)?;
            diesel::update(persons::table.find(p.id))
                .set(persons::approved.eq(true))
                .execute(conn)?;
            Ok(persons::table
                .find(p.id)
                .select(Person::as_select())
                .first(conn)?)
        })
        .await?;
    Ok(person.into())
}

/// A local account as administrators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub person: PersonView,
    pub approved: bool,
    pub suspended: bool,
}

/// What an administrator does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    Approve,
    MakeAdmin,
    RemoveAdmin,
    Suspend,
    Unsuspend,
}

/// Local accounts, newest first, optionally those whose name or display name contains `query`.
///
/// # Errors
/// 403 for non-administrators, 422 for a bad cursor or query.
pub async fn accounts(
    state: &Context,
    viewer: &Viewer,
    query: Option<&str>,
    page: crate::domain::paging::PageRequest,
) -> Result<crate::domain::paging::Page<AccountView>> {
    use crate::domain::paging::{Cursor, Page};
    if !viewer.person.is_admin {
        return Err(Error::forbidden("only administrators can list accounts"));
    }
    let query = query
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_lowercase);
    if query.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::invalid("q", "must be at most 100 characters"));
    }
    let id = state.instance_id;
    let rows = state
        .db
        .read(move |conn| {
            let mut q = persons::table
                .filter(persons::instance_id.eq(id))
                .filter(persons::local.eq(true))
                .select(Person::as_select())
                .into_boxed();
            if let Some(text) = query {
                let escaped = text
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = format!("%{escaped}%");
                q = q.filter(
                    persons::username.like(pattern.clone()).escape('\\').or(
                        crate::domain::groups::lower(persons::display_name.assume_not_null())
                            .like(pattern)
                            .escape('\\'),
                    ),
                );
            }
            if let Some(c) = page.after {
                q = q.filter(persons::id.lt(c.id));
            }
            Ok(q.order(persons::id.desc())
                .limit(page.limit + 1)
                .load::<Person>(conn)?)
        })
        .await?;
    let views = rows
        .into_iter()
        .map(|p| AccountView {
            approved: p.approved,
            suspended: p.suspended,
            person: p.into(),
        })
        .collect();
    Ok(Page::from_rows(views, page.limit, |a: &AccountView| {
        Cursor {
            key: 0,
            id: a.person.id,
        }
    }))
}

/// Approves, suspends or restores an account, or gives or takes the administrator role. A
/// suspended account is signed out everywhere. Administrators cannot suspend themselves or take
/// their own role, so an instance always keeps one.
///
/// # Errors
/// 403 for non-administrators, 404 for an unknown name, 409 for acting on oneself.
pub async fn act_on_account(
    state: &Context,
    viewer: &Viewer,
    name: &str,
    action: AccountAction,
) -> Result<AccountView> {
    if !viewer.person.is_admin {
        return Err(Error::forbidden("only administrators can change accounts"));
    }
    let (id, name, me) = (state.instance_id, name.to_string(), viewer.id());
    let person = state
        .db
        .write(move |conn| {
            let p = find_local_person(conn, id, &name)?;
            if p.id == me && matches!(action, AccountAction::RemoveAdmin | AccountAction::Suspend) {
                return Err(Error::Conflict {
                    field: None,
                    message: "administrators cannot suspend themselves or give up their own role"
                        .into(),
                });
            }
            let target = persons::table.find(p.id);
            match action {
                AccountAction::Approve => diesel::update(target)
                    .set(persons::approved.eq(true))
                    .execute(conn)?,
                AccountAction::MakeAdmin => diesel::update(target)
                    .set(persons::is_admin.eq(true))
                    .execute(conn)?,
                AccountAction::RemoveAdmin => diesel::update(target)
                    .set(persons::is_admin.eq(false))
                    .execute(conn)?,
                AccountAction::Suspend => {
                    diesel::delete(tokens::table.filter(tokens::person_id.eq(p.id)))
                        .execute(conn)?;
                    diesel::update(target)
                        .set(persons::suspended.eq(true))
                        .execute(conn)?
                }
                AccountAction::Unsuspend => diesel::update(target)
                    .set(persons::suspended.eq(false))
                    .execute(conn)?,
            };
            Ok(target.select(Person::as_select()).first(conn)?)
        })
        .await?;
    Ok(AccountView {
        approved: person.approved,
        suspended: person.suspended,
        person: person.into(),
    })
}

/// Whether any administrator exists (start-up prints how to make one otherwise).
///
/// # Errors
/// Database failures only.
pub async fn admin_exists(state: &Context) -> Result<bool> {
    state
        .db
        .read(|c| {
            let n: i64 = persons::table
                .filter(persons::is_admin.eq(true))
                .filter(persons::local.eq(true))
                .count()
                .get_result(c)?;
            Ok(n > 0)
        })
        .await
}

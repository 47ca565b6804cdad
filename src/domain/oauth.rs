//! OAuth 2 as Mastodon serves it: apps registered by clients, authorization codes (with PKCE),
//! tokens for a member or for an app alone, and the scopes each endpoint asks for.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::Duration;
use diesel::prelude::*;
use rand::{distr::Alphanumeric, Rng};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

use crate::db::{schema::*, AnyConnection};
use crate::domain::people::{self, hash_token, issue_token, Viewer};
use crate::domain::text::now;
use crate::domain::Context;
use crate::error::{Error, Result};
use crate::per_backend;

/// The redirect URI of apps that show the code to the person instead of redirecting.
pub const OUT_OF_BAND: &str = "urn:ietf:wg:oauth:2.0:oob";

/// How long an authorization code stays good.
const CODE_MINUTES: i64 = 10;
const NAME_MAX: usize = 200;
const URIS_MAX: usize = 10;

/// Every scope a token may hold: the four top-level ones, `profile`, and the granular forms.
pub const SCOPES: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
];

/// Granular scopes that the legacy `follow` scope also covers.
const FOLLOW_COVERS: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// Parses a space- (or `+`-) separated scope list; absent or empty means `read`.
///
/// # Errors
/// 422 naming an unknown scope.
pub fn parse_scopes(raw: Option<&str>) -> Result<Vec<String>> {
    let mut scopes: Vec<String> = Vec::new();
    for s in raw
        .unwrap_or_default()
        .split(|c: char| c.is_whitespace() || c == '+' || c == ',')
        .filter(|s| !s.is_empty())
    {
        // Administration scopes are accepted; they open the administration routes only to a
        // token whose member is an administrator.
        let known = SCOPES.contains(&s) || s == "crypto" || s.starts_with("admin:");
        if !known {
            return Err(Error::invalid("scope", format!("unknown scope {s:?}")));
        }
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_string());
        }
    }
    if scopes.is_empty() {
        scopes.push("read".into());
    }
    Ok(scopes)
}

/// Whether `held` (a token's or app's scopes, space-separated) includes `wanted`: the scope
/// itself, its top-level scope (`read` covers `read:statuses`), or, for follow-related ones,
/// the legacy `follow`.
pub fn grants(held: &str, wanted: &str) -> bool {
    held.split_whitespace().any(|h| {
        h == wanted
            || wanted
                .split_once(':')
                .is_some_and(|(top, _)| top == h && !top.is_empty())
            || (h == "follow" && FOLLOW_COVERS.contains(&wanted))
    })
}

/// What a request asks of its token: to read or to write, as a member or as an administrator.
/// Each door decides which a route needs by one rule (the JSON API: by method and path; the
/// Mastodon API: by the granular scope each endpoint names) and asks [`require`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    AdminRead,
    AdminWrite,
}

impl Access {
    /// The scope a token must grant for this access.
    pub fn scope(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::AdminRead => "admin:read",
            Access::AdminWrite => "admin:write",
        }
    }
}

/// 403 unless the token's scopes grant `access`.
///
/// # Errors
/// [`Error::Forbidden`] naming the missing scope.
pub fn require(viewer: &Viewer, access: Access) -> Result<()> {
    require_scope(&viewer.scopes, access.scope())
}

/// 403 unless `held` grants `wanted`.
///
/// # Errors
/// [`Error::Forbidden`] naming the missing scope.
pub fn require_scope(held: &str, wanted: &str) -> Result<()> {
    if grants(held, wanted) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "this token was not granted the scope {wanted}"
        )))
    }
}

fn random_token() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// A client as registered.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oauth_apps)]
pub struct App {
    pub id: i64,
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: String,
    pub scopes: String,
    pub created_at: chrono::NaiveDateTime,
}

impl App {
    pub fn redirect_uri_list(&self) -> Vec<String> {
        self.redirect_uris.lines().map(str::to_string).collect()
    }
}

/// What a client sends to register.
#[derive(Debug, Clone, Default)]
pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Option<String>,
    pub website: Option<String>,
}

fn check_redirect_uri(raw: &str) -> Result<String> {
    let raw = raw.trim();
    if raw == OUT_OF_BAND {
        return Ok(raw.to_string());
    }
    let url = url::Url::parse(raw).map_err(|_| {
        Error::invalid(
            "redirect_uris",
            format!("{raw:?} is neither an absolute URI nor {OUT_OF_BAND}"),
        )
    })?;
    if url.fragment().is_some() {
        return Err(Error::invalid(
            "redirect_uris",
            "a redirect URI may not have a fragment",
        ));
    }
    // The browser is sent there with the code: only to a web site over https, to the member's
    // own machine over http (apps that listen on loopback), or to an app's own scheme
    // (`app.name:/callback`); never to a scheme that runs or embeds what follows it.
    let refused = match url.scheme() {
        "https" => false,
        "http" => !url.host().is_some_and(is_loopback),
        "javascript" | "data" | "vbscript" | "file" | "blob" | "about" | "filesystem" | "ftp"
        | "ws" | "wss" => true,
        _ => false,
    };
    if refused {
        return Err(Error::invalid(
            "redirect_uris",
            format!(
                "{raw:?} is not allowed: use https, http to a loopback address, or the app's own scheme"
            ),
        ));
    }
    Ok(raw.to_string())
}

/// Whether a host is this machine: `localhost` (and its subdomains), 127.0.0.0/8 or ::1.
fn is_loopback(host: url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Registers a client.
///
/// # Errors
/// 422 for a missing name, no or bad redirect URIs, or unknown scopes.
pub async fn create_app(state: &Context, new: NewApp) -> Result<App> {
    let name = new.name.trim().to_string();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(Error::invalid(
            "client_name",
            format!("must be 1 to {NAME_MAX} characters"),
        ));
    }
    let uris: Vec<String> = new
        .redirect_uris
        .iter()
        .flat_map(|u| u.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    if uris.is_empty() || uris.len() > URIS_MAX {
        return Err(Error::invalid(
            "redirect_uris",
            format!("give 1 to {URIS_MAX} redirect URIs"),
        ));
    }
    let uris = uris
        .iter()
        .map(|u| check_redirect_uri(u))
        .collect::<Result<Vec<_>>>()?;
    let scopes = parse_scopes(new.scopes.as_deref())?.join(" ");
    let website = new
        .website
        .filter(|w| !w.trim().is_empty())
        .map(|w| crate::domain::text::parse_link("website", Some(&w)))
        .transpose()?
        .flatten();
    let (client_id, client_secret) = (random_token(), random_token());
    state
        .db
        .write(move |c| {
            let id: i64 = per_backend!(c, |c| diesel::insert_into(oauth_apps::table)
                .values((
                    oauth_apps::client_id.eq(&client_id),
                    oauth_apps::client_secret.eq(&client_secret),
                    oauth_apps::name.eq(&name),
                    oauth_apps::website.eq(&website),
                    oauth_apps::redirect_uris.eq(uris.join("\n")),
                    oauth_apps::scopes.eq(&scopes),
                    oauth_apps::created_at.eq(now()),
                ))
                .returning(oauth_apps::id)
                .get_result(c))?;
            Ok(oauth_apps::table
                .find(id)
                .select(App::as_select())
                .first(c)?)
        })
        .await
}

fn app_by_client_id(c: &mut AnyConnection, client_id: &str) -> Result<Option<App>> {
    Ok(oauth_apps::table
        .filter(oauth_apps::client_id.eq(client_id))
        .select(App::as_select())
        .first(c)
        .optional()?)
}

/// Why a token request failed, as OAuth 2 names it (RFC 6749 §5.2).
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("client authentication failed")]
    InvalidClient,
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    UnsupportedGrantType(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error(transparent)]
    Other(#[from] Error),
}

impl OAuthError {
    /// The `error` code of the response body.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::InvalidGrant(_) => "invalid_grant",
            OAuthError::UnsupportedGrantType(_) => "unsupported_grant_type",
            OAuthError::InvalidScope(_) => "invalid_scope",
            OAuthError::Other(Error::RateLimited) => "temporarily_unavailable",
            OAuthError::Other(_) => "server_error",
        }
    }
}

/// What `GET /oauth/authorize` asks for.
#[derive(Debug, Clone, Default)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// A checked authorization request: the app and the scopes it will get.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub app: App,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
}

/// Checks an authorization request before the sign-in page is shown.
///
/// # Errors
/// 422 naming what is wrong: an unknown client, a redirect URI it did not register, scopes
/// beyond its own, or a PKCE method other than S256.
pub async fn check_authorization(
    state: &Context,
    req: AuthorizationRequest,
) -> Result<Authorization> {
    let client_id = req.client_id.clone();
    let app = state
        .db
        .read(move |c| app_by_client_id(c, &client_id))
        .await?
        .ok_or_else(|| Error::invalid("client_id", "no app is registered with this client_id"))?;
    if !app.redirect_uri_list().contains(&req.redirect_uri) {
        return Err(Error::invalid(
            "redirect_uri",
            "this redirect URI was not registered by the app",
        ));
    }
    // Apps registered before the rule was in force are held to it too.
    check_redirect_uri(&req.redirect_uri)?;
    let scopes = parse_scopes(req.scope.as_deref())?;
    if let Some(s) = scopes.iter().find(|s| !grants(&app.scopes, s)) {
        return Err(Error::invalid(
            "scope",
            format!("the app did not register the scope {s}"),
        ));
    }
    let code_challenge = match (req.code_challenge, req.code_challenge_method.as_deref()) {
        (None, _) => None,
        (Some(c), None | Some("S256")) if !c.is_empty() => Some(c),
        (Some(_), Some(m)) if m != "S256" => {
            return Err(Error::invalid(
                "code_challenge_method",
                "only S256 is supported",
            ))
        }
        _ => return Err(Error::invalid("code_challenge", "must not be empty")),
    };
    Ok(Authorization {
        app,
        scopes,
        redirect_uri: req.redirect_uri,
        code_challenge,
    })
}

/// The person signed in and agreed: a code for the app, good for ten minutes, once.
///
/// # Errors
/// As [`check_authorization`]; 401/403 for bad credentials or an account that may not sign in.
pub async fn approve(
    state: &Context,
    req: AuthorizationRequest,
    from: IpAddr,
    username: &str,
    password: String,
) -> Result<(Authorization, String)> {
    let auth = check_authorization(state, req).await?;
    let person = people::check_credentials(state, from, username, password).await?;
    let code = random_token();
    let (hash, a) = (hash_token(&code), auth.clone());
    state
        .db
        .write(move |c| {
            let t = now();
            // Expired codes go as new ones come.
            diesel::delete(oauth_codes::table.filter(oauth_codes::expires_at.lt(t))).execute(c)?;
            diesel::insert_into(oauth_codes::table)
                .values((
                    oauth_codes::code_hash.eq(hash),
                    oauth_codes::app_id.eq(a.app.id),
                    oauth_codes::person_id.eq(person.id),
                    oauth_codes::redirect_uri.eq(&a.redirect_uri),
                    oauth_codes::scopes.eq(a.scopes.join(" ")),
                    oauth_codes::code_challenge.eq(&a.code_challenge),
                    oauth_codes::created_at.eq(t),
                    oauth_codes::expires_at.eq(t + Duration::minutes(CODE_MINUTES)),
                ))
                .execute(c)?;
            Ok(())
        })
        .await?;
    Ok((auth, code))
}

/// A `POST /oauth/token` request, whichever grant.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub scope: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// An issued token.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub scopes: String,
    pub created_at: chrono::NaiveDateTime,
}

/// The app making a token request, authenticated by its secret; a PKCE code exchange may come
/// from a public client without one (the verifier proves it).
async fn client(
    state: &Context,
    req: &TokenRequest,
    secret_optional: bool,
) -> std::result::Result<App, OAuthError> {
    let client_id = req
        .client_id
        .clone()
        .ok_or_else(|| OAuthError::InvalidRequest("client_id is missing".into()))?;
    let app = state
        .db
        .read(move |c| app_by_client_id(c, &client_id))
        .await?
        .ok_or(OAuthError::InvalidClient)?;
    match req.client_secret.as_deref() {
        Some(s) if s == app.client_secret => Ok(app),
        None if secret_optional => Ok(app),
        _ => Err(OAuthError::InvalidClient),
    }
}

/// Issues a token: `authorization_code` (with PKCE when the code was asked for with a
/// challenge), `client_credentials`, or `password` where the setting allows it.
///
/// # Errors
/// The OAuth error that applies.
pub async fn token(
    state: &Context,
    from: IpAddr,
    req: TokenRequest,
) -> std::result::Result<Issued, OAuthError> {
    match req.grant_type.as_str() {
        "authorization_code" => {
            let app = client(state, &req, req.code_verifier.is_some()).await?;
            let code = req
                .code
                .clone()
                .ok_or_else(|| OAuthError::InvalidRequest("code is missing".into()))?;
            let (hash, app_id) = (hash_token(&code), app.id);
            let redirect_uri = req.redirect_uri.clone();
            let verifier = req.code_verifier.clone();
            let secret_given = req.client_secret.is_some();
            state
                .db
                .write(move |c| {
                    let row: Option<(
                        i64,
                        i64,
                        String,
                        String,
                        Option<String>,
                        chrono::NaiveDateTime,
                    )> = oauth_codes::table
                        .filter(oauth_codes::code_hash.eq(&hash))
                        .select((
                            oauth_codes::app_id,
                            oauth_codes::person_id,
                            oauth_codes::redirect_uri,
                            oauth_codes::scopes,
                            oauth_codes::code_challenge,
                            oauth_codes::expires_at,
                        ))
                        .first(c)
                        .optional()?;
                    // Used once, whatever happens next.
                    diesel::delete(oauth_codes::table.filter(oauth_codes::code_hash.eq(&hash)))
                        .execute(c)?;
                    let Some((code_app, person, uri, scopes, challenge, expires)) = row else {
                        return Ok(Err(OAuthError::InvalidGrant(
                            "the code is unknown or was used already".into(),
                        )));
                    };
                    if code_app != app_id || expires < now() {
                        return Ok(Err(OAuthError::InvalidGrant(
                            "the code is expired or belongs to another app".into(),
                        )));
                    }
                    if redirect_uri.as_deref().is_some_and(|r| r != uri) {
                        return Ok(Err(OAuthError::InvalidGrant(
                            "redirect_uri differs from the one authorized".into(),
                        )));
                    }
                    match (challenge, verifier) {
                        (Some(ch), Some(v)) => {
                            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
                            if computed != ch {
                                return Ok(Err(OAuthError::InvalidGrant(
                                    "code_verifier does not match the code_challenge".into(),
                                )));
                            }
                        }
                        (Some(_), None) => {
                            return Ok(Err(OAuthError::InvalidGrant(
                                "code_verifier is missing".into(),
                            )))
                        }
                        (None, Some(_)) if !secret_given => {
                            return Ok(Err(OAuthError::InvalidClient));
                        }
                        _ => {}
                    }
                    let token = issue_token(c, Some(person), Some(app_id), &scopes)?;
                    Ok(Ok(Issued {
                        access_token: token,
                        scopes,
                        created_at: now(),
                    }))
                })
                .await?
        }
        "client_credentials" => {
            let app = client(state, &req, false).await?;
            let scopes = requested_scopes(&app, req.scope.as_deref())?;
            let app_id = app.id;
            let s = scopes.clone();
            let token = state
                .db
                .write(move |c| issue_token(c, None, Some(app_id), &s))
                .await?;
            Ok(Issued {
                access_token: token,
                scopes,
                created_at: now(),
            })
        }
        "password" if state.config.mastodon.password_grant => {
            let app = client(state, &req, false).await?;
            let scopes = requested_scopes(&app, req.scope.as_deref())?;
            let (Some(username), Some(password)) = (req.username.clone(), req.password.clone())
            else {
                return Err(OAuthError::InvalidRequest(
                    "username and password are required".into(),
                ));
            };
            let person = people::check_credentials(state, from, &username, password)
                .await
                .map_err(|e| match e {
                    Error::BadCredentials => {
                        OAuthError::InvalidGrant("wrong username or password".into())
                    }
                    other => OAuthError::Other(other),
                })?;
            let (app_id, s) = (app.id, scopes.clone());
            let token = state
                .db
                .write(move |c| issue_token(c, Some(person.id), Some(app_id), &s))
                .await?;
            Ok(Issued {
                access_token: token,
                scopes,
                created_at: now(),
            })
        }
        "password" => Err(OAuthError::UnsupportedGrantType(
            "the password grant is turned off on this server (mastodon.password_grant)".into(),
        )),
        other => Err(OAuthError::UnsupportedGrantType(format!(
            "unsupported grant_type {other:?}: use authorization_code or client_credentials"
        ))),
    }
}

fn requested_scopes(app: &App, raw: Option<&str>) -> std::result::Result<String, OAuthError> {
    let scopes = parse_scopes(raw).map_err(|e| OAuthError::InvalidScope(e.to_string()))?;
    if let Some(s) = scopes.iter().find(|s| !grants(&app.scopes, s)) {
        return Err(OAuthError::InvalidScope(format!(
            "the app did not register the scope {s}"
        )));
    }
    Ok(scopes.join(" "))
}

/// Revokes a token issued to the app making the request. Revoking an unknown token succeeds,
/// as RFC 7009 asks.
///
/// # Errors
/// `invalid_client` for a wrong client.
pub async fn revoke(
    state: &Context,
    req: TokenRequest,
    token: &str,
) -> std::result::Result<(), OAuthError> {
    // Public clients (PKCE, no secret) may revoke their own tokens too.
    let app = client(state, &req, true).await?;
    let hash = hash_token(token);
    state
        .db
        .write(move |c| {
            diesel::delete(
                tokens::table
                    .filter(tokens::token_hash.eq(hash))
                    .filter(tokens::client_id.eq(Some(app.id))),
            )
            .execute(c)?;
            Ok(())
        })
        .await?;
    Ok(())
}

/// An app a member has signed in to, as their settings list it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuthorizedApp {
    pub app_id: i64,
    pub name: String,
    pub website: Option<String>,
    /// The scopes of its tokens, space-separated.
    pub scopes: String,
    pub authorized_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: chrono::DateTime<chrono::Utc>,
}

/// The apps holding tokens for the member, most recently used first.
///
/// # Errors
/// Database failures only.
pub async fn authorized_apps(state: &Context, viewer: &Viewer) -> Result<Vec<AuthorizedApp>> {
    let person = viewer.id();
    let rows: Vec<(
        i64,
        String,
        Option<String>,
        String,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
    )> = state
        .db
        .read(move |c| {
            Ok(tokens::table
                .inner_join(oauth_apps::table.on(tokens::client_id.eq(oauth_apps::id.nullable())))
                .filter(tokens::person_id.eq(person))
                .order(tokens::last_used_at.desc())
                .select((
                    oauth_apps::id,
                    oauth_apps::name,
                    oauth_apps::website,
                    tokens::scopes,
                    tokens::created_at,
                    tokens::last_used_at,
                ))
                .load(c)?)
        })
        .await?;
    let mut apps: Vec<AuthorizedApp> = Vec::new();
    for (app_id, name, website, scopes, created, used) in rows {
        match apps.iter_mut().find(|a| a.app_id == app_id) {
            Some(a) => {
                a.authorized_at = a.authorized_at.min(created.and_utc());
                for s in scopes.split_whitespace() {
                    if !a.scopes.split_whitespace().any(|x| x == s) {
                        a.scopes.push(' ');
                        a.scopes.push_str(s);
                    }
                }
            }
            None => apps.push(AuthorizedApp {
                app_id,
                name,
                website,
                scopes,
                authorized_at: created.and_utc(),
                last_used_at: used.and_utc(),
            }),
        }
    }
    Ok(apps)
}

/// Ends every token the member gave an app.
///
/// # Errors
/// 404 when the app holds none of the member's tokens.
pub async fn revoke_app(state: &Context, viewer: &Viewer, app_id: i64) -> Result<()> {
    let person = viewer.id();
    let removed = state
        .db
        .write(move |c| {
            Ok(diesel::delete(
                tokens::table
                    .filter(tokens::person_id.eq(person))
                    .filter(tokens::client_id.eq(Some(app_id))),
            )
            .execute(c)?)
        })
        .await?;
    if removed == 0 {
        return Err(Error::NotFound("app"));
    }
    Ok(())
}

/// Who a bearer token speaks for on the Mastodon API.
#[derive(Debug, Clone)]
pub enum Bearer {
    /// A member, through an app or the native sign-in.
    Member(Box<Viewer>, Option<App>),
    /// An app alone (`client_credentials`).
    App(App, String),
}

impl Bearer {
    pub fn scopes(&self) -> &str {
        match self {
            Bearer::Member(v, _) => &v.scopes,
            Bearer::App(_, s) => s,
        }
    }
}

/// The member or app behind a token.
///
/// # Errors
/// 401 for an unknown, expired or revoked token; 403 for a suspended account.
pub async fn authenticate(state: &Context, raw: &str) -> Result<Bearer> {
    let hash = hash_token(raw);
    let found: Option<(Option<i64>, Option<i64>, String)> = state
        .db
        .read(move |c| {
            Ok(tokens::table
                .filter(tokens::token_hash.eq(hash))
                .select((tokens::person_id, tokens::client_id, tokens::scopes))
                .first(c)
                .optional()?)
        })
        .await?;
    let Some((person, client, scopes)) = found else {
        return Err(Error::Unauthorized);
    };
    let app = match client {
        Some(id) => {
            state
                .db
                .read(move |c| {
                    Ok(oauth_apps::table
                        .find(id)
                        .select(App::as_select())
                        .first(c)
                        .optional()?)
                })
                .await?
        }
        None => None,
    };
    match (person, app) {
        (Some(_), app) => Ok(Bearer::Member(
            Box::new(people::authenticate(state, raw).await?),
            app,
        )),
        (None, Some(app)) => Ok(Bearer::App(app, scopes)),
        (None, None) => Err(Error::Unauthorized),
    }
}

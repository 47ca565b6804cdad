//! OAuth 2 as Mastodon serves it: apps registered by clients, authorization codes (with PKCE),
//! tokens for a member or for an app alone, and the scopes each endpoint asks for.

mod issuing;
mod scopes;
pub use issuing::*;
pub use scopes::*;

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

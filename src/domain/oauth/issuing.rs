//! Issuing and revoking tokens (the token endpoint's grants), the apps a member authorized, and
//! reading a bearer token back.

use super::*;

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
pub(super) async fn client(
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

pub(super) fn requested_scopes(
    app: &App,
    raw: Option<&str>,
) -> std::result::Result<String, OAuthError> {
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

//! Registration, sign-in (one limiter for every door), sign-out and reading a session back.

use super::*;

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

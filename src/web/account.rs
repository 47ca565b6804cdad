//! Signing in and out, creating an account, and the member's settings: profile, interface
//! language, password and the apps that hold a token for the account.
//!
//! A signed-in browser holds an ordinary bearer token of the account in an `HttpOnly` cookie,
//! so signing out, a password change and suspension end web sessions exactly as they end API
//! sessions.

use askama::Template;
use axum::{
    extract::Query,
    http::{header, StatusCode},
    response::Response,
    routing::{get, post},
    Router,
};
use serde::Deserialize;

use crate::domain::{
    oauth::{self, AuthorizedApp},
    people::{self, Credentials, ProfileUpdate, Registration},
};
use crate::error::{Error, Result};
use crate::extract::{ApiPath, ClientIp};
use crate::web::{
    page, page_with_status, safe_next, see_other, session, Ctx, EmptyForm, FormErrors, Lang,
    WebForm,
};

/// How long a browser stays signed in without signing in again.
const SESSION_DAYS: i64 = 30;

pub fn routes() -> Router {
    Router::new()
        .route("/signin", get(signin_form).post(signin))
        .route("/register", get(register_form).post(register))
        .route("/signout", post(signout))
        .route("/settings", get(settings).post(save_settings))
        .route("/settings/password", post(change_password))
        .route("/settings/apps/{id}/revoke", post(revoke_app))
}

#[derive(Template)]
#[template(path = "web/signin.html")]
struct SigninPage<'a> {
    ctx: &'a Ctx,
    username: String,
    next: String,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct NextParam {
    #[serde(default)]
    next: String,
}

async fn signin_form(ctx: Ctx, Query(p): Query<NextParam>) -> Result<Response> {
    let next = safe_next(&p.next);
    if ctx.viewer.is_some() {
        return Ok(see_other(&ctx, &next, None));
    }
    let ctx = ctx.in_section("signin");
    page(&SigninPage {
        ctx: &ctx,
        username: String::new(),
        next,
        errors: FormErrors::default(),
    })
}

#[derive(Debug, Deserialize)]
struct SigninForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn signin(
    ClientIp(ip): ClientIp,
    WebForm { ctx, form }: WebForm<SigninForm>,
) -> Result<Response> {
    let ctx = ctx.in_section("signin");
    let next = safe_next(&form.next);
    let username = form.username.trim().to_string();
    let credentials = Credentials {
        username: username.clone(),
        password: form.password,
    };
    let outcome = people::login(&ctx.state, ip, credentials).await;
    let (status, message) = match outcome {
        Ok(auth) => {
            let token = auth
                .token
                .ok_or_else(|| Error::Internal("sign-in without a token".into()))?;
            return Ok(signed_in(&ctx, &next, &token, None));
        }
        Err(Error::BadCredentials) => (StatusCode::UNAUTHORIZED, ctx.t("signin-wrong")),
        Err(Error::Forbidden(m)) if m.contains("approval") => {
            (StatusCode::FORBIDDEN, ctx.t("signin-pending"))
        }
        Err(Error::Forbidden(_)) => (StatusCode::FORBIDDEN, ctx.t("signin-suspended")),
        Err(Error::RateLimited) => (
            StatusCode::TOO_MANY_REQUESTS,
            ctx.t("error-rate-limited-body"),
        ),
        Err(e) => return Err(e),
    };
    page_with_status(
        status,
        &SigninPage {
            ctx: &ctx,
            username,
            next,
            errors: FormErrors::one("username", message),
        },
    )
}

/// The redirect that carries a new session cookie.
fn signed_in(ctx: &Ctx, next: &str, token: &str, notice: Option<&str>) -> Response {
    let mut res = see_other(ctx, next, notice);
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            session::SESSION_COOKIE,
            token,
            ctx.state.config.uses_https(),
            Some(SESSION_DAYS),
        ),
    );
    res
}

async fn signout(WebForm { ctx, .. }: WebForm<EmptyForm>) -> Result<Response> {
    if let Some(viewer) = &ctx.viewer {
        people::logout(&ctx.state, viewer).await?;
    }
    let mut res = see_other(&ctx, "/", Some("notice-signed-out"));
    res.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(session::SESSION_COOKIE, ctx.state.config.uses_https()),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "web/register.html")]
struct RegisterPage<'a> {
    ctx: &'a Ctx,
    form: RegisterForm,
    errors: FormErrors,
    /// Set once an account waits for an administrator.
    pending: bool,
    approval_needed: bool,
}

#[derive(Debug, Default, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    role: String,
}

async fn register_form(ctx: Ctx) -> Result<Response> {
    if ctx.viewer.is_some() {
        return Ok(see_other(&ctx, "/", None));
    }
    if !ctx.registration_open() {
        return Err(Error::forbidden("registration is closed on this instance"));
    }
    let approval_needed = ctx.registration_mode == "approval";
    let ctx = ctx.in_section("register");
    page(&RegisterPage {
        ctx: &ctx,
        form: RegisterForm::default(),
        errors: FormErrors::default(),
        pending: false,
        approval_needed,
    })
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

async fn register(
    ClientIp(ip): ClientIp,
    WebForm { ctx, mut form }: WebForm<RegisterForm>,
) -> Result<Response> {
    let ctx = ctx.in_section("register");
    let approval_needed = ctx.registration_mode == "approval";
    let input = Registration {
        username: form.username.trim().to_string(),
        password: form.password.clone(),
        display_name: optional(&form.display_name),
        agency: optional(&form.agency),
        role: optional(&form.role),
    };
    let outcome = match ctx.state.auth_limiter.check_client(ip) {
        Err(e) => Err(e),
        Ok(()) => people::register(&ctx.state, input).await,
    };
    // A password is never sent back into the page.
    form.password.clear();
    match outcome {
        Ok(auth) => match auth.token {
            Some(token) => {
                let next = format!("/u/{}", auth.person.name);
                // The language the visitor read the form in becomes the account's.
                let update = ProfileUpdate {
                    language: Some(ctx.lang.code().to_string()),
                    ..Default::default()
                };
                let viewer = people::authenticate(&ctx.state, &token).await?;
                people::update_profile(&ctx.state, &viewer, update).await?;
                Ok(signed_in(&ctx, &next, &token, Some("notice-welcome")))
            }
            None => page(&RegisterPage {
                ctx: &ctx,
                form,
                errors: FormErrors::default(),
                pending: true,
                approval_needed,
            }),
        },
        Err(e) => {
            let errors = FormErrors::from_error(
                ctx.lang,
                &e,
                &["username", "password", "display_name", "agency", "role"],
                "username",
            )
            .ok_or(e)?;
            page_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RegisterPage {
                    ctx: &ctx,
                    form,
                    errors,
                    pending: false,
                    approval_needed,
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "web/settings.html")]
struct SettingsPage<'a> {
    ctx: &'a Ctx,
    form: SettingsForm,
    errors: FormErrors,
    password_errors: FormErrors,
    apps: Vec<AuthorizedApp>,
}

#[derive(Debug, Default, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    role: String,
    /// Comma-separated tags (a tag may have several words).
    #[serde(default)]
    expertise: String,
    #[serde(default)]
    ask_me_about: String,
    /// Comma-separated language tags.
    #[serde(default)]
    languages: String,
    #[serde(default)]
    language: String,
}

impl SettingsForm {
    fn of(ctx: &Ctx) -> Result<SettingsForm> {
        let p = &ctx.member()?.person;
        Ok(SettingsForm {
            display_name: p.display_name.clone().unwrap_or_default(),
            bio: p.bio_source.clone(),
            agency: p.agency.clone().unwrap_or_default(),
            role: p.job_role.clone().unwrap_or_default(),
            expertise: crate::domain::text::split_tags(&p.expertise).join(", "),
            ask_me_about: p.ask_me_about.clone(),
            languages: crate::domain::text::split_tags(&p.languages).join(", "),
            language: p.language.clone().unwrap_or_default(),
        })
    }
}

async fn settings_page(
    ctx: &Ctx,
    status: StatusCode,
    form: SettingsForm,
    errors: FormErrors,
    password_errors: FormErrors,
) -> Result<Response> {
    let apps = oauth::authorized_apps(&ctx.state, ctx.member()?).await?;
    page_with_status(
        status,
        &SettingsPage {
            ctx,
            form,
            errors,
            password_errors,
            apps,
        },
    )
}

async fn settings(ctx: Ctx) -> Result<Response> {
    let form = SettingsForm::of(&ctx)?;
    let ctx = ctx.in_section("settings");
    settings_page(
        &ctx,
        StatusCode::OK,
        form,
        FormErrors::default(),
        FormErrors::default(),
    )
    .await
}

async fn save_settings(WebForm { ctx, form }: WebForm<SettingsForm>) -> Result<Response> {
    let viewer = ctx.member()?;
    let ctx = ctx.clone().in_section("settings");
    let language = Lang::from_code(&form.language).map(|l| l.code().to_string());
    let update = ProfileUpdate {
        display_name: Some(form.display_name.trim().to_string()),
        bio: Some(form.bio.clone()),
        agency: Some(form.agency.trim().to_string()),
        role: Some(form.role.trim().to_string()),
        expertise: Some(
            form.expertise
                .split([',', '\n'])
                .map(|t| t.trim().trim_start_matches('#'))
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        ask_me_about: Some(form.ask_me_about.clone()),
        languages: Some(
            form.languages
                .split([',', ' '])
                .filter(|t| !t.trim().is_empty())
                .map(str::to_string)
                .collect(),
        ),
        language: Some(language.unwrap_or_default()),
        ..Default::default()
    };
    match people::update_profile(&ctx.state, viewer, update).await {
        Ok(_) => {
            let mut res = see_other(&ctx, "/settings", Some("notice-saved"));
            if let Some(l) = Lang::from_code(&form.language) {
                res.headers_mut().append(
                    header::SET_COOKIE,
                    session::set_cookie(
                        session::LANG_COOKIE,
                        l.code(),
                        ctx.state.config.uses_https(),
                        Some(400),
                    ),
                );
            }
            Ok(res)
        }
        Err(e) => {
            let errors = FormErrors::from_error(
                ctx.lang,
                &e,
                &[
                    "display_name",
                    "bio",
                    "agency",
                    "role",
                    "expertise",
                    "ask_me_about",
                    "languages",
                ],
                "display_name",
            )
            .ok_or(e)?;
            settings_page(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                errors,
                FormErrors::default(),
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(WebForm { ctx, form }: WebForm<PasswordForm>) -> Result<Response> {
    let viewer = ctx.member()?;
    let ctx = ctx.clone().in_section("settings");
    let update = ProfileUpdate {
        current_password: Some(form.current_password),
        new_password: Some(form.new_password),
        ..Default::default()
    };
    let errors = match people::update_profile(&ctx.state, viewer, update).await {
        Ok(_) => {
            return Ok(see_other(
                &ctx,
                "/settings",
                Some("notice-password-changed"),
            ))
        }
        Err(Error::Forbidden(_) | Error::BadCredentials) => {
            FormErrors::one("current_password", ctx.t("password-wrong"))
        }
        Err(e) => FormErrors::from_error(
            ctx.lang,
            &e,
            &["current_password", "new_password"],
            "new_password",
        )
        .ok_or(e)?,
    };
    let settings = SettingsForm::of(&ctx)?;
    settings_page(
        &ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        settings,
        FormErrors::default(),
        errors,
    )
    .await
}

async fn revoke_app(
    ApiPath(id): ApiPath<i64>,
    WebForm { ctx, .. }: WebForm<EmptyForm>,
) -> Result<Response> {
    let viewer = ctx.member()?;
    oauth::revoke_app(&ctx.state, viewer, id).await?;
    Ok(see_other(
        &ctx,
        "/settings#apps",
        Some("notice-app-revoked"),
    ))
}

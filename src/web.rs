//! Server-rendered pages: the third door onto the domain layer, beside the JSON API and the
//! Mastodon API. Handlers read the request, call the same domain functions, and render askama
//! templates in the reader's language; forms post back here (CSRF-checked) and redirect.
//! Every page works without script; `static/app.js` only adds conveniences.

mod account;
mod admin;
mod content;
mod directory;
pub mod feeds;
mod forms;
mod groups;
pub mod i18n;
mod moderation;
mod oauth;
mod people;
mod search;
pub mod session;
mod steward;
mod writing;

use askama::Template;
use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize};

use crate::app::AppState;
use crate::domain::people::{authenticate, Viewer};
use crate::error::{Error, Result};
pub use forms::FormErrors;
pub use i18n::{Arg, Lang};

pub fn routes(state: &AppState) -> Router {
    Router::new()
        .merge(content::routes())
        .merge(writing::routes())
        .merge(moderation::routes())
        .merge(groups::routes())
        .merge(feeds::routes())
        .merge(people::routes())
        .merge(directory::routes())
        .merge(account::routes())
        .merge(steward::routes())
        .merge(admin::routes())
        .merge(search::routes())
        .route(
            "/oauth/authorize",
            get(oauth::authorize_page).post(oauth::authorize),
        )
        .route("/language", post(switch_language))
        .route("/static/style.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .route("/static/similar.js", get(similar_script))
        .route("/avatars/default.png", get(default_avatar))
        .route("/headers/default.png", get(default_header))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            html_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
}

/// Everything a page needs besides its own data: who reads, in which language, the form token.
#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    pub lang: Lang,
    pub viewer: Option<Viewer>,
    /// The CSRF token of this browser's forms.
    pub csrf: String,
    browser: String,
    /// Path and query of this request, where the language switch and sign-in come back to.
    pub path: String,
    /// A message key to show once.
    pub notice: Option<String>,
    pub site_name: String,
    /// `open`, `approval` or `closed`, as stored.
    pub registration_mode: String,
    /// Which part of the navigation is current.
    pub section: &'static str,
    pub now: DateTime<Utc>,
}

impl Ctx {
    async fn build(
        state: AppState,
        headers: &HeaderMap,
        browser: String,
        notice: Option<String>,
        path: String,
    ) -> Result<Ctx> {
        let viewer = match session::cookie(headers, session::SESSION_COOKIE) {
            // An expired, revoked or suspended session reads as signed out.
            // Only a session's token: an app's token (however it got here) is no session, or
            // a read-only grant could write through the pages.
            Some(token) if !token.is_empty() => authenticate(&state, token)
                .await
                .ok()
                .filter(crate::domain::people::is_session),
            _ => None,
        };
        let lang = viewer
            .as_ref()
            .and_then(|v| v.person.language.as_deref())
            .and_then(Lang::from_code)
            .or_else(|| session::cookie(headers, session::LANG_COOKIE).and_then(Lang::from_code))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::negotiate)
            })
            .unwrap_or(Lang::En);
        let id = state.instance_id;
        let instance = state
            .db
            .read(move |c| crate::domain::site::local_instance(c, id))
            .await?;
        Ok(Ctx {
            csrf: session::csrf_token(&state, &browser),
            browser,
            lang,
            viewer,
            path,
            notice,
            site_name: instance.name,
            registration_mode: instance.registration_mode,
            section: "",
            now: Utc::now(),
            state,
        })
    }

    /// The signed-in member; the error sends others to the sign-in page.
    ///
    /// # Errors
    /// 401 when nobody is signed in.
    pub fn member(&self) -> Result<&Viewer> {
        self.viewer.as_ref().ok_or(Error::Unauthorized)
    }

    pub fn viewer_id(&self) -> Option<i64> {
        self.viewer.as_ref().map(Viewer::id)
    }

    /// Whether visitors may create an account (at once or after approval).
    pub fn registration_open(&self) -> bool {
        self.registration_mode != "closed"
    }

    pub fn is_admin(&self) -> bool {
        self.viewer.as_ref().is_some_and(|v| v.person.is_admin)
    }

    #[must_use]
    pub fn in_section(mut self, section: &'static str) -> Ctx {
        self.section = section;
        self
    }

    /// A message of the catalogue.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A message with a count (`$count`), which picks its plural form.
    pub fn tn(&self, key: &str, count: &i64) -> String {
        self.lang.t_args(key, &[("count", Arg::Num(*count))])
    }

    /// A message with one text argument.
    pub fn ts(&self, key: &str, name: &'static str, value: &str) -> String {
        self.lang.t_args(key, &[(name, Arg::Str(value))])
    }

    /// The message `prefix-suffix`, for keys named after a value (`sort-top`).
    pub fn t2(&self, prefix: &str, suffix: &str) -> String {
        self.lang.t(&format!("{prefix}-{suffix}"))
    }

    pub fn num(&self, n: &i64) -> String {
        self.lang.number(*n)
    }

    pub fn date(&self, t: &DateTime<Utc>) -> String {
        self.lang.date(t)
    }

    pub fn ago(&self, t: &DateTime<Utc>) -> String {
        self.lang.ago(t, self.now)
    }

    pub fn iso(&self, t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// The score a vote button sends: its own, or 0 to take back the vote already given.
    pub fn vote_value(&self, my_vote: &Option<i32>, button: i32) -> i32 {
        if *my_vote == Some(button) {
            0
        } else {
            button
        }
    }

    pub fn pressed(&self, my_vote: &Option<i32>, button: i32) -> bool {
        *my_vote == Some(button)
    }

    /// Changes with every release, so that browsers fetch the new stylesheet and script.
    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self> {
        let crate::extract::State(state) =
            crate::extract::State::from_request_parts(parts, s).await?;
        let browser = parts
            .extensions
            .get::<session::Browser>()
            .map(|b| b.0.clone())
            .unwrap_or_default();
        let notice = parts
            .extensions
            .get::<session::Notice>()
            .map(|n| n.0.clone())
            .filter(|n| n.starts_with("notice-"));
        let path = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        Ctx::build(state, &parts.headers, browser, notice, path).await
    }
}

/// A form whose only field is its CSRF token: a button.
#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

/// A posted form, checked against the browser's CSRF token before it is read.
pub struct WebForm<T> {
    pub ctx: Ctx,
    pub form: T,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WebForm<T> {
    type Rejection = Error;

    async fn from_request(req: Request, s: &S) -> Result<Self> {
        #[derive(Deserialize)]
        struct Token {
            #[serde(rename = "_csrf", default)]
            csrf: String,
        }
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, s).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), s)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error::RequestTooLarge
                } else {
                    Error::BadRequest(e.body_text())
                }
            })?;
        crate::extract::require_utf8_form(&bytes)?;
        let token: Token = serde_html_form::from_bytes(&bytes)
            .map_err(|e| Error::BadRequest(format!("unreadable form: {e}")))?;
        if ctx.browser.is_empty() || !session::csrf_valid(&ctx.state, &ctx.browser, &token.csrf) {
            return Err(Error::StaleForm);
        }
        let form = serde_html_form::from_bytes(&bytes)
            .map_err(|e| Error::BadRequest(format!("unreadable form: {e}")))?;
        Ok(WebForm { ctx, form })
    }
}

/// A page of `size` items from `cursor` (from a "next page" link of ours).
///
/// # Errors
/// 400 for a cursor this server did not make.
pub fn page_request(cursor: Option<&str>, size: i64) -> Result<crate::domain::paging::PageRequest> {
    crate::domain::paging::PageRequest::new(cursor, Some(size), size, size)
        .map_err(|_| Error::BadRequest("unknown page".into()))
}

/// A rendered page.
///
/// # Errors
/// The template failed to render (a bug).
pub fn page(template: &impl Template) -> Result<Response> {
    page_with_status(StatusCode::OK, template)
}

/// A rendered page with another status (a form shown again with its errors: 422).
///
/// # Errors
/// The template failed to render (a bug).
pub fn page_with_status(status: StatusCode, template: &impl Template) -> Result<Response> {
    let html = template
        .render()
        .map_err(|e| Error::Internal(format!("template: {e}")))?;
    Ok((
        status,
        [
            (header::CACHE_CONTROL, "private, no-cache"),
            (header::VARY, "Accept, Accept-Language, Cookie"),
        ],
        Html(html),
    )
        .into_response())
}

/// After a form: to `to`, with a notice (a message key) for the next page.
pub fn see_other(ctx: &Ctx, to: &str, notice: Option<&str>) -> Response {
    let mut res = Redirect::to(&safe_next(to)).into_response();
    if let Some(n) = notice {
        res.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(
                session::NOTICE_COOKIE,
                n,
                ctx.state.config.uses_https(),
                None,
            ),
        );
    }
    res
}

/// Only paths of this site: an address given in a form never sends the reader elsewhere.
pub fn safe_next(next: &str) -> String {
    // Browsers drop tabs and line breaks inside URLs and read `\` as `/`, so `/\t/evil.example`
    // would leave the site: refuse any of them, then let the URL parser have the last word on
    // whether the address stays here. What comes back is serialised, so it is always a valid
    // header value.
    let home = || "/".to_string();
    if !next.starts_with('/') || next.chars().any(|c| c.is_control() || c == '\\') {
        return home();
    }
    let Ok(base) = url::Url::parse("http://next.invalid/") else {
        return home();
    };
    match base.join(next) {
        Ok(u) if u.origin() == base.origin() => u[url::Position::BeforePath..].to_string(),
        _ => home(),
    }
}

/// Errors as pages: what a handler or an extractor answered in JSON becomes a page in the
/// reader's language, and a request that needs a member goes to the sign-in page.
async fn html_errors(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if crate::federation::accepts_activity_json(req.headers()) {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let method = req.method().clone();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let browser = req
        .extensions()
        .get::<session::Browser>()
        .map(|b| b.0.clone())
        .unwrap_or_default();
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || !is_json {
        return res;
    }
    if status == StatusCode::UNAUTHORIZED {
        let back = if method == Method::GET {
            path.clone()
        } else {
            headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(|r| url::Url::parse(r).ok())
                .map_or_else(|| "/".to_string(), |u| u.path().to_string())
        };
        let to = format!("/signin?next={}", urlencode(&safe_next(&back)));
        return Redirect::to(&to).into_response();
    }
    let body = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_default();
    match Ctx::build(state, &headers, browser, None, path).await {
        Ok(ctx) => error_page(&ctx, status, &code),
        Err(_) => (status, "The server failed to answer this page.").into_response(),
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    title: String,
    body: String,
}

/// The page for a failure, in the site's layout.
fn error_page(ctx: &Ctx, status: StatusCode, code: &str) -> Response {
    let key = match (status.as_u16(), code) {
        (403, "stale_form") => "error-stale-form",
        (403, _) => "error-forbidden",
        (404, _) => "error-not-found",
        (405, _) => "error-method",
        (413, _) => "error-too-large",
        (429, _) => "error-rate-limited",
        (400..=499, _) => "error-bad-request",
        (502 | 504, _) => "error-remote",
        _ => "error-server",
    };
    let page = ErrorPage {
        ctx,
        title: ctx.t(&format!("{key}-title")),
        body: ctx.t(&format!("{key}-body")),
    };
    page_with_status(status, &page).unwrap_or_else(|_| status.into_response())
}

/// What no route claims: a page for browsers, JSON for programs.
pub async fn fallback(req: Request) -> Response {
    let wants_page = !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    if !wants_page {
        return Error::NotFound("route").into_response();
    }
    let (mut parts, _) = req.into_parts();
    let Ok(crate::extract::State(state)) =
        crate::extract::State::from_request_parts(&mut parts, &()).await
    else {
        return Error::NotFound("route").into_response();
    };
    let browser = session::cookie(&parts.headers, session::BROWSER_COOKIE)
        .unwrap_or_default()
        .to_string();
    let path = parts.uri.path().to_string();
    let mut res = match Ctx::build(state, &parts.headers, browser, None, path).await {
        Ok(ctx) => error_page(&ctx, StatusCode::NOT_FOUND, "not_found"),
        Err(e) => e.into_response(),
    };
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(session::CONTENT_SECURITY_POLICY),
    );
    res
}

#[derive(Deserialize)]
struct LanguageForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// The switch in the header: remembered in a cookie, and in the account of a member.
async fn switch_language(WebForm { ctx, form }: WebForm<LanguageForm>) -> Result<Response> {
    let lang = Lang::from_code(&form.lang)
        .ok_or_else(|| Error::invalid("lang", "must be one of the interface's languages"))?;
    if let Some(viewer) = &ctx.viewer {
        let update = crate::domain::people::ProfileUpdate {
            language: Some(lang.code().to_string()),
            ..Default::default()
        };
        crate::domain::people::update_profile(&ctx.state, viewer, update).await?;
    }
    let mut res = see_other(&ctx, &form.next, None);
    res.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            session::LANG_COOKIE,
            lang.code(),
            ctx.state.config.uses_https(),
            Some(400),
        ),
    );
    Ok(res)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // The address carries the version, so a cached copy never goes stale.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    static_file(
        "text/css; charset=utf-8",
        include_str!("../static/style.css"),
    )
}

async fn script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    )
}

async fn similar_script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/similar.js"),
    )
}

/// The picture every account shows until avatars exist.
async fn default_avatar() -> Response {
    png(include_bytes!("../static/avatar.png"))
}

async fn default_header() -> Response {
    png(include_bytes!("../static/header.png"))
}

fn png(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

//! The operator's page: the instance's name, description, rules and registration mode; the
//! federation policy (open or allowlist, blocked and allowed domains); local accounts
//! (approve, suspend, administrators); and the health of the delivery queue.

use askama::Template;
use axum::{
    extract::Query,
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use serde::Deserialize;

use crate::domain::{
    outbox::{self, QueueHealth},
    people::{self, AccountAction, AccountView},
    policy::{self, FederationMode, PolicyUpdate},
    site::{self, RegistrationMode, SiteUpdate},
};
use crate::error::{Error, Result};
use crate::extract::ApiPath;
use crate::web::{page_with_status, see_other, Ctx, FormErrors, WebForm};

const ACCOUNTS_PER_PAGE: i64 = 50;

pub fn routes() -> Router {
    Router::new()
        .route("/admin", get(admin))
        .route("/admin/site", post(save_site))
        .route("/admin/federation", post(save_federation))
        .route("/admin/accounts/{name}", post(act_on_account))
}

#[derive(Template)]
#[template(path = "web/admin.html")]
struct AdminPage<'a> {
    ctx: &'a Ctx,
    site: SiteForm,
    site_errors: FormErrors,
    federation: FederationForm,
    federation_errors: FormErrors,
    q: String,
    accounts: Vec<AccountView>,
    accounts_next: Option<String>,
    queue: QueueHealth,
}

impl AdminPage<'_> {
    /// An administrator cannot suspend or demote themselves; the page offers no such button.
    fn is_me(&self, a: &AccountView) -> bool {
        self.ctx.viewer_id() == Some(a.person.id)
    }
}

#[derive(Debug, Default, Deserialize)]
struct AdminParams {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct SiteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    rules: String,
    #[serde(default)]
    registration_mode: String,
}

#[derive(Debug, Default, Deserialize)]
struct FederationForm {
    #[serde(default)]
    mode: String,
    /// One domain per line.
    #[serde(default)]
    blocked: String,
    #[serde(default)]
    allowed: String,
}

fn require_admin(ctx: &Ctx) -> Result<()> {
    if ctx.member()?.person.is_admin {
        Ok(())
    } else {
        Err(Error::forbidden("only administrators see this page"))
    }
}

/// The page, with the forms as stored unless one is shown again with its errors.
async fn admin_page(
    ctx: &Ctx,
    params: AdminParams,
    site_form: Option<(SiteForm, FormErrors)>,
    federation_form: Option<(FederationForm, FormErrors)>,
) -> Result<Response> {
    require_admin(ctx)?;
    let viewer = ctx.member()?;
    let page_req = super::page_request(params.cursor.as_deref(), ACCOUNTS_PER_PAGE)?;
    let q = params.q.chars().take(100).collect::<String>();
    let id = ctx.state.instance_id;
    let (instance, current, accounts, queue) = tokio::try_join!(
        ctx.state.db.read(move |c| site::local_instance(c, id)),
        policy::current(&ctx.state),
        people::accounts(&ctx.state, viewer, Some(&q), page_req),
        outbox::health(&ctx.state),
    )?;
    let failed = site_form.is_some() || federation_form.is_some();
    let (site, site_errors) = site_form.unwrap_or_else(|| {
        (
            SiteForm {
                name: instance.name,
                description: instance.description,
                rules: instance.rules,
                registration_mode: instance.registration_mode,
            },
            FormErrors::default(),
        )
    });
    let (federation, federation_errors) = federation_form.unwrap_or_else(|| {
        (
            FederationForm {
                mode: match current.mode {
                    FederationMode::Open => "open".into(),
                    FederationMode::Allowlist => "allowlist".into(),
                },
                blocked: current.blocked.join("\n"),
                allowed: current.allowed.join("\n"),
            },
            FormErrors::default(),
        )
    });
    let accounts_next = accounts.next_cursor.map(|c| {
        format!(
            "/admin?q={}&cursor={}#accounts",
            super::urlencode(&q),
            super::urlencode(&c)
        )
    });
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page_with_status(
        status,
        &AdminPage {
            ctx,
            site,
            site_errors,
            federation,
            federation_errors,
            q,
            accounts: accounts.items,
            accounts_next,
            queue,
        },
    )
}

async fn admin(ctx: Ctx, Query(params): Query<AdminParams>) -> Result<Response> {
    let ctx = ctx.in_section("admin");
    admin_page(&ctx, params, None, None).await
}

async fn save_site(WebForm { ctx, form }: WebForm<SiteForm>) -> Result<Response> {
    let ctx = ctx.in_section("admin");
    require_admin(&ctx)?;
    let mode = match form.registration_mode.as_str() {
        "open" => RegistrationMode::Open,
        "approval" => RegistrationMode::Approval,
        "closed" => RegistrationMode::Closed,
        _ => return Err(Error::BadRequest("unknown registration mode".into())),
    };
    let update = SiteUpdate {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        rules: Some(form.rules.clone()),
        registration_mode: Some(mode),
    };
    match site::update(&ctx.state, ctx.member()?, update).await {
        Ok(_) => Ok(see_other(&ctx, "/admin#site", Some("notice-saved"))),
        Err(e) => {
            let errors =
                FormErrors::from_error(ctx.lang, &e, &["name", "description", "rules"], "name")
                    .ok_or(e)?;
            admin_page(&ctx, AdminParams::default(), Some((form, errors)), None).await
        }
    }
}

/// Domains as typed: one per line, or separated by commas or spaces.
fn domains(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect()
}

async fn save_federation(WebForm { ctx, form }: WebForm<FederationForm>) -> Result<Response> {
    let ctx = ctx.in_section("admin");
    require_admin(&ctx)?;
    let mode = match form.mode.as_str() {
        "open" => FederationMode::Open,
        "allowlist" => FederationMode::Allowlist,
        _ => return Err(Error::BadRequest("unknown federation mode".into())),
    };
    let update = PolicyUpdate {
        mode: Some(mode),
        blocked: Some(domains(&form.blocked)),
        allowed: Some(domains(&form.allowed)),
    };
    match policy::update(&ctx.state, ctx.viewer.as_ref(), update).await {
        Ok(_) => Ok(see_other(&ctx, "/admin#federation", Some("notice-saved"))),
        Err(e) => {
            // The domain's message names it (`"bad host" is not a domain name`): the error
            // goes to the list it is in, and says which one it is.
            let bad = match &e {
                Error::Invalid { message, .. } => message
                    .split_once(" is not")
                    .map(|(d, _)| d.trim_matches('"').to_string()),
                _ => None,
            };
            let field = match &bad {
                Some(d) if domains(&form.allowed).iter().any(|a| a == d) => "allowed",
                _ => "blocked",
            };
            let mut errors = FormErrors::from_error(ctx.lang, &e, &[], field).ok_or(e)?;
            if let Some(d) = bad {
                errors.append_to(field, &format!(" ({d})"));
            }
            admin_page(&ctx, AdminParams::default(), None, Some((form, errors))).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct AccountForm {
    action: AccountAction,
}

async fn act_on_account(
    ApiPath(name): ApiPath<String>,
    WebForm { ctx, form }: WebForm<AccountForm>,
) -> Result<Response> {
    require_admin(&ctx)?;
    people::act_on_account(&ctx.state, ctx.member()?, &name, form.action).await?;
    let notice = match form.action {
        AccountAction::Approve => "notice-account-approved",
        AccountAction::MakeAdmin => "notice-admin-added",
        AccountAction::RemoveAdmin => "notice-admin-removed",
        AccountAction::Suspend => "notice-account-suspended",
        AccountAction::Unsuspend => "notice-account-unsuspended",
    };
    Ok(see_other(&ctx, "/admin#accounts", Some(notice)))
}

//! The people directory page (`/people`): everyone this instance knows, filtered by expertise,
//! agency, instance or group, with expertise suggestions that need no script.

use askama::Template;
use axum::{extract::Query, http::StatusCode, response::Response, routing::get, Router};
use serde::Deserialize;

use crate::domain::{
    expertise::{self, DirectoryPage, DirectoryParams, TagCount},
    search::{self, AuthorRank, Filters},
    text::canonical_tag,
    views::PersonView,
};
use crate::error::{Error, Result};
use crate::web::{page_with_status, Ctx, FormErrors};

const PEOPLE_PER_PAGE: i64 = 30;
/// People shown as having written about something.
const WRITERS: i64 = 10;
/// Tags in the page's own suggestion list; a script may ask for more as one types.
const SUGGESTED: i64 = 50;
const FILTERS: [&str; 6] = [
    "expertise",
    "agency",
    "instance",
    "group",
    "order",
    "wrote_about",
];

pub fn routes() -> Router {
    Router::new().route("/people", get(directory))
}

/// The query as typed: kept to be shown again in the form.
#[derive(Debug, Default, Deserialize)]
struct PeopleQuery {
    #[serde(default)]
    expertise: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    instance: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    offset: String,
    /// People who wrote about this (full-text search of what they wrote).
    #[serde(default)]
    wrote_about: String,
}

impl PeopleQuery {
    fn value(&self, name: &str) -> &str {
        match name {
            "expertise" => &self.expertise,
            "agency" => &self.agency,
            "instance" => &self.instance,
            "group" => &self.group,
            "order" => &self.order,
            "wrote_about" => &self.wrote_about,
            _ => "",
        }
    }

    /// This page's address with these filters at another offset.
    fn href_at(&self, offset: i64) -> String {
        let mut parts: Vec<String> = FILTERS
            .iter()
            .filter(|f| !self.value(f).trim().is_empty())
            .map(|f| format!("{f}={}", super::urlencode(self.value(f).trim())))
            .collect();
        if offset > 0 {
            parts.push(format!("offset={offset}"));
        }
        if parts.is_empty() {
            "/people".into()
        } else {
            format!("/people?{}", parts.join("&"))
        }
    }

    fn filtered(&self) -> bool {
        FILTERS
            .iter()
            .filter(|f| **f != "order")
            .any(|f| !self.value(f).trim().is_empty())
    }
}

#[derive(Template)]
#[template(path = "web/people.html")]
struct PeoplePage<'a> {
    ctx: &'a Ctx,
    q: PeopleQuery,
    errors: FormErrors,
    people: Vec<PersonView>,
    suggestions: Vec<TagCount>,
    /// People who wrote about `q.wrote_about`, best first.
    writers: Vec<AuthorRank>,
    previous: Option<String>,
    next: Option<String>,
}

impl PeoplePage<'_> {
    /// The directory filtered by one expertise tag.
    fn tag_href(&self, label: &str) -> String {
        format!(
            "/people?expertise={}",
            super::urlencode(&canonical_tag(label))
        )
    }
}

async fn directory(ctx: Ctx, Query(q): Query<PeopleQuery>) -> Result<Response> {
    let ctx = ctx.in_section("people");
    let offset = match q.offset.trim() {
        "" => Ok(0),
        raw => raw
            .parse::<i64>()
            .map_err(|_| Error::invalid("offset", "must be a number")),
    };
    let params = |offset| DirectoryParams {
        expertise: Some(q.expertise.clone()),
        agency: Some(q.agency.clone()),
        instance: Some(q.instance.clone()),
        group: Some(q.group.clone()),
        order: Some(q.order.clone()),
        offset: Some(offset),
        limit: Some(PEOPLE_PER_PAGE),
        local: None,
    };
    let listed = match offset.and_then(|o| params(o).parse()) {
        Ok(query) => expertise::people(&ctx.state, query).await,
        Err(e) => Err(e),
    };
    let suggestions = expertise::counts(&ctx.state, None, Some(SUGGESTED)).await?;
    let writers = match q.wrote_about.trim() {
        "" => Ok(Vec::new()),
        about => {
            let filters = Filters {
                agency: Some(q.agency.trim().to_string()).filter(|a| !a.is_empty()),
                instance: Some(q.instance.trim().to_string()).filter(|i| !i.is_empty()),
                group: Some(q.group.trim().to_string()).filter(|g| !g.is_empty()),
                ..Filters::default()
            };
            // The query's field on this page is `wrote_about`, not the search's `q`.
            search::authors(&ctx.state, about, filters, WRITERS)
                .await
                .map_err(|e| match e {
                    Error::Invalid {
                        field: Some("q"),
                        message,
                        problem,
                    } => Error::Invalid {
                        field: Some("wrote_about"),
                        message,
                        problem,
                    },
                    other => other,
                })
        }
    };
    let (listed, writers) = match (listed, writers) {
        (Ok(page), Ok(writers)) => (Ok(page), writers),
        (Err(e), _) | (_, Err(e)) => (Err(e), Vec::new()),
    };
    let (status, errors, page) = match listed {
        Ok(page) => (StatusCode::OK, FormErrors::default(), page),
        Err(e) => {
            let errors = FormErrors::from_error(ctx.lang, &e, &FILTERS, "expertise").ok_or(e)?;
            let empty = DirectoryPage {
                people: Vec::new(),
                offset: 0,
                limit: PEOPLE_PER_PAGE,
                next_offset: None,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, errors, empty)
        }
    };
    let previous = (page.offset > 0).then(|| q.href_at((page.offset - page.limit).max(0)));
    let next = page.next_offset.map(|o| q.href_at(o));
    page_with_status(
        status,
        &PeoplePage {
            ctx: &ctx,
            q,
            errors,
            people: page.people,
            suggestions,
            writers,
            previous,
            next,
        },
    )
}

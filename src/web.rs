//! Server-rendered pages. For now the front page: the instance, its groups and their latest
//! threads, built from the same domain calls as the JSON API.

use axum::{response::Html, routing::get, Router};

use crate::api::State;
use crate::domain::{
    groups,
    paging::PageRequest,
    site,
    text::escape,
    threads::{self, Sort},
};
use crate::error::Result;

const GROUPS_ON_FRONT: i64 = 20;
const THREADS_PER_GROUP: i64 = 3;

pub fn routes() -> Router {
    Router::new().route("/", get(front))
}

async fn front(State(state): State) -> Result<Html<String>> {
    let site = site::view(&state).await?;
    let groups = groups::list(
        &state,
        None,
        PageRequest {
            after: None,
            limit: GROUPS_ON_FRONT,
        },
    )
    .await?;
    let mut body = String::new();
    for g in &groups.items {
        let latest = threads::list(
            &state,
            None,
            &g.name,
            Sort::New,
            PageRequest {
                after: None,
                limit: THREADS_PER_GROUP,
            },
        )
        .await?;
        body.push_str(&format!(
            "<section><h2>{title} <small>({name}, {members} members)</small></h2>",
            title = escape(&g.title),
            name = escape(&g.name),
            members = g.member_count,
        ));
        if latest.items.is_empty() {
            body.push_str("<p>No threads yet.</p>");
        } else {
            body.push_str("<ul>");
            for t in &latest.items {
                body.push_str(&format!(
                    "<li><a href=\"/api/v1/threads/{id}\">{title}</a> by {author} ({comments} comments)</li>",
                    id = t.id,
                    title = escape(&t.title),
                    author = escape(t.author.display_name.as_deref().unwrap_or(&t.author.name)),
                    comments = t.comment_count,
                ));
            }
            body.push_str("</ul>");
        }
        body.push_str("</section>");
    }
    if groups.items.is_empty() {
        body.push_str("<p>No groups yet.</p>");
    }
    Ok(Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title></head><body><header><h1>{name}</h1><p>{desc}</p></header><main>{body}</main>\
         <footer><p>{people} members, {groups} groups, {threads} threads. Powered by Commonplace {version}; \
         API: <a href=\"/api/v1/openapi.json\">OpenAPI</a>.</p></footer></body></html>",
        name = escape(&site.name),
        desc = escape(&site.description),
        people = site.counts.people,
        groups = site.counts.groups,
        threads = site.counts.threads,
        version = escape(&site.version),
    )))
}

//! The search page and "before you post", as a browser without script sees them: results with
//! their links and snippets, filters kept in the form, paging, refusals next to their field,
//! the header's box on every page, and similar threads on a new thread's preview.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;
use crate::helpers::web::{urlencoding, Browser};

/// The `href` of the link marked `rel`, as a browser would follow it.
fn link(body: &str, rel: &str) -> Option<String> {
    let at = body.find(&format!("rel=\"{rel}\""))?;
    let start = body[..at].rfind("href=\"")? + 6;
    let end = start + body[start..].find('"')?;
    Some(body[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test]
async fn the_search_page_shows_results_with_their_links_and_keeps_the_filters() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    let thread = app
        .thread_with_body(
            &alice,
            "data",
            "Publishing open data with SDMX",
            "We publish our open data tables through an endpoint.",
        )
        .await;
    let comment = app
        .comment(&alice, thread, None, "Open data portals need this too")
        .await;
    let mut b = Browser::new(&app);

    let page = b.get("/search?q=open+data").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains(&format!("href=\"/t/{thread}\"")), "{body}");
    assert!(
        body.contains(&format!("href=\"/t/{thread}#comment-{comment}\"")),
        "{body}"
    );
    assert!(body.contains("<mark>open</mark>"), "{body}");
    assert!(body.contains("href=\"/g/data\""), "{body}");
    assert!(body.contains("href=\"/u/alice\""), "{body}");
    assert!(body.contains("(Treasury)"), "the author's agency: {body}");
    assert!(body.contains("1 reply"), "{body}");
    assert!(
        body.contains("value=\"open data\""),
        "the query stays: {body}"
    );
    assert!(!body.contains("rel=\"next\""), "{body}");

    // Filters come back in the form as they were sent, and narrow the results.
    let page = b
        .get(
            "/search?q=open+data&kind=comments&agency=Treasury&since=2020-01-02&until=&scope=local",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("value=\"comments\" checked"), "{body}");
    assert!(!body.contains("value=\"threads\" checked"), "{body}");
    assert!(body.contains("value=\"Treasury\""), "{body}");
    assert!(body.contains("value=\"2020-01-02\""), "{body}");
    assert!(body.contains("value=\"local\" checked"), "{body}");
    assert!(body.contains("<details class=\"filters\" open>"), "{body}");
    assert!(body.contains(&format!("#comment-{comment}\"")), "{body}");
    assert!(!body.contains(&format!("href=\"/t/{thread}\"")), "{body}");

    // Nothing found says so; a group and a person are found and linked too.
    let none = b.get("/search?q=zebra").await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.body.contains("Nothing matches"), "{}", none.body);
    let groups = b.get("/search?q=data&kind=groups").await;
    assert!(groups.body.contains("href=\"/g/data\""), "{}", groups.body);
    let people = b.get("/search?q=alice&kind=people").await;
    assert!(people.body.contains("href=\"/u/alice\""), "{}", people.body);

    // The same search in French.
    b.lang = Some("fr");
    let fr = b.get("/search?q=open+data").await;
    assert!(fr.body.contains("Résultats"), "{}", fr.body);
}

#[tokio::test]
async fn the_search_page_pages_forward_and_back() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    for n in 1..=5 {
        app.thread_with_body(
            &alice,
            "data",
            &format!("Budget question {n}"),
            "About the budget.",
        )
        .await;
    }
    let mut b = Browser::new(&app);
    let first = b.get("/search?q=budget&kind=threads&limit=2").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body.matches("class=\"result\"").count(), 2);
    assert!(link(&first.body, "prev").is_none());
    assert!(
        first.body.contains("name=\"limit\" value=\"2\""),
        "{}",
        first.body
    );
    let next = link(&first.body, "next").expect("a next page");
    assert!(next.starts_with("/search?q=budget"), "{next}");
    assert!(next.contains("kind=threads"), "{next}");
    assert!(next.contains("offset=2"), "{next}");

    let second = b.get(&next).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body.matches("class=\"result\"").count(), 2);
    let back = link(&second.body, "prev").expect("a previous page");
    assert!(!back.contains("offset="), "{back}");
    let third = b
        .get(&link(&second.body, "next").expect("a third page"))
        .await;
    assert_eq!(third.body.matches("class=\"result\"").count(), 1);
    assert!(link(&third.body, "next").is_none());
    assert!(link(&third.body, "prev").is_some());
}

#[tokio::test]
async fn markup_in_what_was_written_or_typed_stays_text() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    app.thread_with_body(
        &alice,
        "data",
        "Escaping <script>alert(1)</script> in titles",
        "The snippet quotes `<script>alert(2)</script>` and <script>alert(3)</script> escaping.",
    )
    .await;
    let mut b = Browser::new(&app);
    // PostgreSQL's parser reads `<script>…</script>` as tags and drops what they hold from
    // the index: the typed markup need not find anything, only come back as text.
    for (q, finds) in [
        ("escaping", true),
        ("titles", true),
        ("<script>alert(1)</script>", false),
    ] {
        let page = b.get(&format!("/search?q={}", urlencoding(q))).await;
        assert_eq!(page.status, StatusCode::OK, "{q}: {}", page.body);
        if finds {
            assert!(page.body.contains("class=\"result\""), "{q}: {}", page.body);
        }
        assert!(
            page.body.contains("&#60;script&#62;alert(1)"),
            "{q}: {}",
            page.body
        );
        for n in 1..=4 {
            assert!(
                !page.body.contains(&format!("<script>alert({n})")),
                "{q}: markup came back: {}",
                page.body
            );
        }
    }
}

#[tokio::test]
async fn a_refused_search_comes_back_with_its_message_next_to_the_field() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    let mut b = Browser::new(&app);

    // Nothing typed: the empty form, no error.
    for path in ["/search", "/search?q=", "/search?q=++"] {
        let empty = b.get(path).await;
        assert_eq!(empty.status, StatusCode::OK, "{path}: {}", empty.body);
        assert!(!empty.body.contains("error-summary"), "{path}");
        assert!(!empty.body.contains("results-title"), "{path}");
    }

    for (query, field, message) in [
        ("q=%22open+data", "q", "every quotation mark closed"),
        ("q=-only", "q", "Enter words to look for"),
        ("q=data&since=yesterday", "since", "Enter a date such as"),
        (
            "q=data&since=2026-02-01&until=2026-01-01",
            "until",
            "no earlier than the first date",
        ),
        ("q=data&kind=posts", "kind", "Choose among threads"),
        (
            "q=data&scope=everywhere",
            "scope",
            "this instance or the network",
        ),
        ("q=data&offset=5000", "q", "no more pages"),
    ] {
        let page = b.get(&format!("/search?{query}")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            page.body.contains("error-summary"),
            "{query}: {}",
            page.body
        );
        assert!(page.body.contains(&format!("href=\"#{field}\"")), "{query}");
        assert!(page.body.contains(message), "{query}: {}", page.body);
        assert!(page.body.contains("<title>Error:"), "{query}");
    }
    // What was typed comes back to be fixed.
    let page = b.get("/search?q=data&since=yesterday").await;
    assert!(page.body.contains("value=\"yesterday\""), "{}", page.body);
    assert!(page.body.contains("aria-invalid=\"true\""), "{}", page.body);

    // An unknown group or author is named next to its field.
    let page = b.get("/search?q=data&group=nowhere").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("No group has this name"),
        "{}",
        page.body
    );
    let page = b.get("/search?q=data&author=nobody").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("Nobody has this username"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn every_page_has_the_search_box_in_its_header() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    let mut b = Browser::new(&app);
    for path in ["/", "/groups", "/g/data", "/about", "/signin", "/search"] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let header = page.body.split("</header>").next().unwrap();
        assert!(
            header.contains("action=\"/search\" role=\"search\""),
            "{path}: {header}"
        );
        assert!(header.contains("<label for=\"site-search-q\""), "{path}");
        assert!(header.contains("name=\"q\" type=\"search\""), "{path}");
    }
}

#[tokio::test]
async fn a_new_threads_preview_shows_threads_that_look_alike() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "data").await;
    app.post("/api/v1/groups/data/join", Some(&bob), json!({}))
        .await;
    let older = app
        .thread_with_body(
            &alice,
            "data",
            "How do we publish open data tables?",
            "Asking for a friend.",
        )
        .await;
    app.thread_with_body(&alice, "data", "Procurement rules", "Nothing alike.")
        .await;

    let mut b = Browser::signed_in(&app, &bob);
    let form = b.get("/g/data/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    // The script that asks as the title is typed, and the live region it fills.
    assert!(
        form.body.contains("src=\"/static/similar.js?v="),
        "{}",
        form.body
    );
    assert!(form.body.contains("id=\"similar\""), "{}", form.body);
    assert!(form.body.contains("aria-live=\"polite\""), "{}", form.body);
    assert!(!form.body.contains("id=\"similar-title\""), "{}", form.body);

    let fields = [
        ("title", "Publishing open data: where to start"),
        ("url", ""),
        ("body", "Some text"),
        ("language", "en"),
        ("action", "preview"),
    ];
    let preview = b.post("/g/data/new", &fields).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let body = &preview.body;
    let list = body
        .split("id=\"similar\"")
        .nth(1)
        .and_then(|rest| rest.split("<form").next())
        .expect("the list above the form");
    assert!(
        list.contains("<h2 id=\"similar-title\">Already asked?</h2>"),
        "{body}"
    );
    assert!(list.contains(&format!("href=\"/t/{older}\"")), "{list}");
    assert!(
        list.contains("How do we publish open data tables?"),
        "{list}"
    );
    assert!(list.contains("(Treasury)"), "{list}");
    assert!(list.contains("No replies"), "{list}");
    assert!(!list.contains("Procurement rules"), "{list}");
    // Nothing was posted by the preview.
    let (_, threads) = app.get("/api/v1/groups/data/threads", None).await;
    assert_eq!(
        threads["items"].as_array().map(Vec::len),
        Some(2),
        "{threads}"
    );

    // A title with nothing alike shows no list.
    let mut other = fields;
    other[0] = ("title", "Zebra crossings");
    let preview = b.post("/g/data/new", &other).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        !preview.body.contains("id=\"similar-title\""),
        "{}",
        preview.body
    );

    // The script is served from here, under the page's policy.
    let script = b.get("/static/similar.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("/api/v1/search/similar"));
    let csp = form.headers[reqwest::header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

#[tokio::test]
async fn a_search_page_links_to_its_feed() {
    let app = crate::helpers::spawn_app().await;
    let token = app.register("alice").await;
    app.group(&token, "data").await;
    app.thread(&token, "data", "Checklists for forms").await;
    let mut browser = crate::helpers::web::Browser::new(&app);
    let page = browser.get("/search?q=checklists&kind=threads").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    let feed = "/search/feed.atom?q=checklists&#38;kind=threads&#38;scope=network";
    assert!(
        page.body.contains(&format!(
            "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"{feed}\">"
        )),
        "{}",
        page.body
    );
    let res = app
        .client
        .get(format!("{}{}", app.base, feed.replace("&#38;", "&")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Checklists for forms"));
}

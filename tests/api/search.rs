//! Full-text search through the JSON API, on whichever backend this run uses: ranking on a
//! small fixed corpus, the query language, accents, filters, paging, what never appears, and
//! snippets that stay text.

use commonplace::db::schema::persons;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

async fn search(app: &TestApp, query: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/search?{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

fn titles(found: &Value) -> Vec<String> {
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{}:{}",
                h["kind"].as_str().unwrap(),
                h["title"].as_str().unwrap()
            )
        })
        .collect()
}

fn q(words: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", words)
        .finish()
}

/// Two groups, three people of two agencies, threads in English and French.
async fn corpus(app: &TestApp) -> (String, String, i64) {
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.patch(
        "/api/v1/me",
        Some(&alice),
        json!({"agency": "Statistics Office", "role": "Data engineer"}),
    )
    .await;
    app.patch("/api/v1/me", Some(&bob), json!({"agency": "Tax Agency"}))
        .await;
    app.group(&alice, "data").await;
    app.group(&bob, "design").await;
    app.post("/api/v1/groups/design/join", Some(&alice), json!({}))
        .await;
    let sdmx = app
        .thread_with_body(
            &alice,
            "data",
            "Publishing open data with SDMX",
            "We publish our open data tables through an SDMX endpoint.",
        )
        .await;
    app.thread_with_body(
        &alice,
        "data",
        "Procurement notes",
        "A short mention of open data at the end.",
    )
    .await;
    app.thread_with_body(
        &bob,
        "design",
        "L'équipe de conception et les données ouvertes",
        "Notre équipe publie des données ouvertes chaque semaine.",
    )
    .await;
    app.thread_with_body(
        &bob,
        "design",
        "Service standards",
        "Draft service standard for forms; data is not open here.",
    )
    .await;
    app.comment(&bob, sdmx, None, "We also use SDMX for trade statistics.")
        .await;
    (alice, bob, sdmx)
}

#[tokio::test]
async fn ranks_by_relevance_and_reads_the_query_language_on_either_backend() {
    let app = spawn_app().await;
    corpus(&app).await;

    // Words in the title weigh more than words in a body.
    let found = search(&app, &format!("{}&kind=threads", q("open data"))).await;
    let t = titles(&found);
    assert_eq!(t[0], "threads:Publishing open data with SDMX", "{t:?}");
    assert!(
        t.contains(&"threads:Procurement notes".to_string()),
        "{t:?}"
    );
    // Every word is required: "open" and "data" far apart still match, a thread without
    // "open" does not.
    assert!(t.contains(&"threads:Service standards".to_string()));

    // A phrase needs the words in a row.
    let t = titles(&search(&app, &format!("{}&kind=threads", q("\"open data\""))).await);
    assert!(
        !t.contains(&"threads:Service standards".to_string()),
        "{t:?}"
    );
    assert_eq!(t.len(), 2, "{t:?}");

    // Exclusion, prefix.
    let t = titles(&search(&app, &format!("{}&kind=threads", q("open data -sdmx"))).await);
    assert!(!t.iter().any(|x| x.contains("SDMX")), "{t:?}");
    let t = titles(&search(&app, &format!("{}&kind=threads", q("procure*"))).await);
    assert_eq!(t, ["threads:Procurement notes"]);

    // Accents and case fold both ways; French words are words.
    for query in ["equipe", "ÉQUIPE", "donnees ouvertes", "données"] {
        let t = titles(&search(&app, &format!("{}&kind=threads", q(query))).await);
        assert_eq!(
            t,
            ["threads:L'équipe de conception et les données ouvertes"],
            "{query}"
        );
    }

    // Comments, groups and people are found too.
    let t = titles(&search(&app, &q("sdmx")).await);
    assert!(
        t.contains(&"comments:Publishing open data with SDMX".to_string()),
        "{t:?}"
    );
    let t = titles(&search(&app, &q("engineer")).await);
    assert_eq!(t, ["people:alice"], "{t:?}");
    let t = titles(&search(&app, &q("design group")).await);
    assert!(t.contains(&"groups:The design group".to_string()), "{t:?}");
}

#[tokio::test]
async fn filters_narrow_and_pages_do_not_overlap() {
    let app = spawn_app().await;
    corpus(&app).await;
    let t = titles(&search(&app, &format!("{}&group=design", q("data"))).await);
    assert!(t.iter().all(|x| !x.contains("SDMX")), "{t:?}");
    let t = titles(&search(&app, &format!("{}&author=alice&kind=threads", q("data"))).await);
    assert_eq!(t.len(), 2, "{t:?}");
    let t = titles(&search(&app, &format!("{}&agency=tax+agency", q("data"))).await);
    assert!(
        t.iter()
            .all(|x| !x.contains("SDMX") && !x.contains("Procurement")),
        "{t:?}"
    );
    let domain = app.server.state.config.domain.clone();
    let t = titles(&search(&app, &format!("{}&instance={domain}", q("data"))).await);
    assert!(!t.is_empty());
    let t = titles(&search(&app, &format!("{}&instance=elsewhere.example", q("data"))).await);
    assert!(t.is_empty());
    let t = titles(&search(&app, &format!("{}&since=2999-01-01", q("data"))).await);
    assert!(t.is_empty());
    let t = titles(
        &search(
            &app,
            &format!("{}&until=2999-01-01&kind=threads", q("data")),
        )
        .await,
    );
    assert_eq!(t.len(), 3, "{t:?}");

    // Paging: one at a time gives the same order as all at once.
    let all = titles(&search(&app, &q("data")).await);
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let page = search(&app, &format!("{}&limit=1&offset={offset}", q("data"))).await;
        paged.extend(titles(&page));
        match page["next_offset"].as_i64() {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert_eq!(paged, all);
}

#[tokio::test]
async fn removed_deleted_banned_and_suspended_never_appear() {
    let app = spawn_app().await;
    let (alice, bob, sdmx) = corpus(&app).await;
    let carol = app.register("carol").await;
    app.post("/api/v1/groups/design/join", Some(&carol), json!({}))
        .await;
    app.thread_with_body(&carol, "design", "Zebra crossings", "zebra")
        .await;
    let gone = app
        .thread_with_body(&alice, "data", "Zebra stripes", "zebra")
        .await;
    let deleted = app
        .thread_with_body(&bob, "design", "Zebra deleted", "zebra")
        .await;
    app.post(
        &format!("/api/v1/threads/{gone}/remove"),
        Some(&alice),
        json!({"value": true}),
    )
    .await;
    app.delete(&format!("/api/v1/threads/{deleted}"), Some(&bob))
        .await;
    let before = titles(&search(&app, &q("zebra")).await);
    assert_eq!(before, ["threads:Zebra crossings"], "{before:?}");
    // Banned from the group: what carol wrote there is gone.
    let (status, body) = app
        .post(
            "/api/v1/groups/design/members/carol/ban",
            Some(&bob),
            json!({}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    assert!(titles(&search(&app, &q("zebra")).await).is_empty());
    // A suspended person is not found, nor what they wrote.
    app.server
        .state
        .db
        .write(|c| {
            diesel::update(persons::table.filter(persons::username.eq("bob")))
                .set(persons::suspended.eq(true))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let t = titles(&search(&app, &q("sdmx")).await);
    assert!(!t.iter().any(|x| x.starts_with("comments:")), "{t:?}");
    let t = titles(&search(&app, &q("bob")).await);
    assert!(t.is_empty(), "{t:?}");
    let _ = sdmx;
}

#[tokio::test]
async fn snippets_are_text_with_marks_only() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    app.thread_with_body(
        &alice,
        "data",
        "Escaping <b>titles</b>",
        "Text with `<script>alert('x')</script>` and <img src=x onerror=alert(1)> needle & more",
    )
    .await;
    let found = search(&app, &q("needle")).await;
    let hit = &found["hits"][0];
    let snippet = hit["snippet_html"].as_str().unwrap();
    assert!(snippet.contains("<mark>needle</mark>"), "{snippet}");
    let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(!without_marks.contains('<'), "{snippet}");
    assert!(snippet.contains("&amp;"), "{snippet}");
    assert_eq!(hit["title"], "Escaping <b>titles</b>");
}

#[tokio::test]
async fn what_cannot_be_searched_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    let before = app.fingerprint().await;
    for (query, field) in [
        ("q=", "q"),
        ("q=-", "q"),
        ("q=*", "q"),
        ("q=%22", "q"),
        ("q=-x+-y", "q"),
        ("q=a%07b", "q"),
        (&format!("q={}", "a".repeat(501)), "q"),
        ("q=x&kind=posts", "kind"),
        ("q=x&since=soon", "since"),
        ("q=x&since=2026-02-01&until=2026-01-01", "until"),
        ("q=x&limit=0", "limit"),
        ("q=x&limit=51", "limit"),
        ("q=x&offset=-1", "offset"),
        ("q=x&scope=galaxy", "scope"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/search?{query}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    let (status, body) = app.get("/api/v1/search?q=x&sort=new", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("sort"), "{body}");
    let (status, _) = app.get("/api/v1/search?q=x&group=nowhere", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/search?q=%FF", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.fingerprint().await, before);
}

#[tokio::test]
async fn similar_threads_are_suggested_from_a_title() {
    let app = spawn_app().await;
    corpus(&app).await;
    let (status, body) = app
        .get(
            "/api/v1/search/similar?title=How+do+you+publish+SDMX+data%3F",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &body["threads"][0];
    assert_eq!(first["title"], "Publishing open data with SDMX", "{body}");
    assert_eq!(first["group"]["handle"], "data");
    assert_eq!(first["author"]["agency"], "Statistics Office");
    assert!(body["threads"].as_array().unwrap().len() <= 5);
    let (status, body) = app.get("/api/v1/search/similar?title=a+b", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["threads"], json!([]));
    let (status, body) = app
        .get("/api/v1/search/similar?title=x&limit=11", None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "limit");
}

#[tokio::test]
async fn mastodon_apps_search_statuses_in_full_text_and_by_account() {
    use crate::helpers::mastodon::{get, sign_in};
    let app = spawn_app().await;
    corpus(&app).await;
    let bob = sign_in(&app, "bob", "read").await;
    let t = Some(bob.token.as_str());
    // Words of a reply's body are found, and accents fold.
    let found = get(&app, "/api/v2/search?q=trade+statistics&type=statuses", t).await;
    let statuses = found.body["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 1, "{}", found.body);
    assert!(statuses[0]["content"]
        .as_str()
        .unwrap()
        .contains("trade statistics"));
    let found = get(&app, "/api/v2/search?q=equipe&type=statuses", t).await;
    assert_eq!(found.body["statuses"].as_array().unwrap().len(), 1);
    // Only one account's statuses.
    let me = get(&app, "/api/v1/accounts/verify_credentials", t).await;
    let id = me.body["id"].as_str().unwrap();
    let found = get(
        &app,
        &format!("/api/v2/search?q=sdmx&type=statuses&account_id={id}"),
        t,
    )
    .await;
    let statuses = found.body["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 1, "{}", found.body);
    assert_eq!(statuses[0]["account"]["id"], id);
    // A query that cannot be searched finds no status, as on Mastodon.
    let bad = get(&app, "/api/v2/search?q=-&type=statuses", t).await;
    assert_eq!(bad.status, StatusCode::OK, "{}", bad.body);
    assert_eq!(bad.body["statuses"], json!([]));
    let unknown = get(&app, "/api/v2/search?q=x&account_id=abc", t).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn people_who_wrote_about_something_rank_by_what_they_wrote() {
    let app = spawn_app().await;
    corpus(&app).await;
    let (status, body) = app.get("/api/v1/search/authors?q=sdmx", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let authors = body["authors"].as_array().unwrap();
    assert_eq!(authors.len(), 2, "{body}");
    assert_eq!(authors[0]["author"]["handle"], "alice");
    assert_eq!(authors[0]["threads"], 1);
    assert_eq!(authors[0]["author"]["agency"], "Statistics Office");
    assert_eq!(authors[1]["author"]["handle"], "bob");
    assert_eq!(authors[1]["comments"], 1);
    let (_, body) = app
        .get("/api/v1/search/authors?q=sdmx&agency=tax+agency", None)
        .await;
    assert_eq!(body["authors"].as_array().unwrap().len(), 1, "{body}");
    let (status, body) = app.get("/api/v1/search/authors?q=-", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "q");
}

#[tokio::test]
async fn the_people_page_shows_who_wrote_about_something() {
    use crate::helpers::web::Browser;
    let app = spawn_app().await;
    corpus(&app).await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/people?wrote_about=sdmx").await;
    assert_eq!(page.status, StatusCode::OK);
    let writers = page
        .body
        .split("id=\"people-writers\"")
        .nth(1)
        .expect("a list of writers")
        .split("</ol>")
        .next()
        .unwrap()
        .to_string();
    let alice = writers.find("@alice").expect("alice");
    let bob = writers.find("@bob").expect("bob");
    assert!(alice < bob, "{writers}");
    assert!(writers.contains("Statistics Office"));
    let bad = browser.get("/people?wrote_about=-").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("id=\"wrote_about-error\""),
        "{}",
        bad.body
    );
}

//! The expertise directory (issue 11): profiles' expertise tags in one canonical form, "ask me
//! about" and languages, the people directory through every door, and the same fields carried
//! between instances.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::resolve_and_join;
use crate::helpers::mastodon;
use crate::helpers::web::Browser;
use crate::helpers::{eventually, spawn_app, spawn_named, TestApp};
use commonplace::db::schema::{person_expertise, persons};

async fn set(app: &TestApp, token: &str, profile: Value) -> Value {
    let (status, me) = app.patch("/api/v1/me", Some(token), profile).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me
}

/// The names on one page of the directory, in order.
async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let (status, page) = app.get(&format!("/api/v1/people?{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{query}: {page}");
    page["people"]
        .as_array()
        .expect("people")
        .iter()
        .map(|p| p["handle"].as_str().expect("handle").to_string())
        .map(|h| h.split('@').next().unwrap_or_default().to_string())
        .collect()
}

/// Sets a column of someone's row directly, as an administrator's action would.
async fn flag(app: &TestApp, name: &'static str, suspended: bool, approved: bool) {
    app.server
        .state
        .db
        .write(move |c| {
            diesel::update(persons::table.filter(persons::username.eq(name)))
                .set((
                    persons::suspended.eq(suspended),
                    persons::approved.eq(approved),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .expect("updated");
}

#[tokio::test]
async fn spellings_of_a_tag_are_one_tag_and_the_first_label_is_kept() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let me = set(
        &app,
        &alice,
        json!({"expertise": ["Équipe Data", "equipe-data", "  équipe  data ", "SDMX"]}),
    )
    .await;
    assert_eq!(me["expertise"], json!(["Équipe Data", "SDMX"]));
    for (name, label) in [
        ("bob", "equipe-data"),
        ("carol", "equipe-data"),
        ("dan", "ÉQUIPE_DATA"),
    ] {
        let token = app.register(name).await;
        set(&app, &token, json!({"expertise": [label]})).await;
    }
    // Counts by canonical form, with the spelling most people typed.
    let (status, counts) = app.get("/api/v1/expertise", None).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(
        counts,
        json!([
            {"tag": "equipe-data", "label": "equipe-data", "count": 4},
            {"tag": "sdmx", "label": "SDMX", "count": 1},
        ])
    );
    let (_, some) = app
        .get("/api/v1/expertise?prefix=%C3%89qu&limit=5", None)
        .await;
    assert_eq!(some[0]["tag"], "equipe-data", "{some}");
    assert_eq!(some.as_array().map(Vec::len), Some(1), "{some}");
    let (_, none) = app.get("/api/v1/expertise?prefix=zzz", None).await;
    assert_eq!(none, json!([]));
    // Any spelling filters the directory.
    let mut found = names(&app, "expertise=%C3%89quipe%20Data&order=name").await;
    found.sort();
    assert_eq!(found, ["alice", "bob", "carol", "dan"]);
    assert_eq!(names(&app, "expertise=sdmx").await, ["alice"]);
    // A new list replaces the old rows, and the stored labels survive a rebuild.
    set(&app, &alice, json!({"expertise": ["Open data"]})).await;
    assert_eq!(names(&app, "expertise=sdmx").await, Vec::<String>::new());
    let rows = app
        .server
        .state
        .db
        .write(commonplace::domain::expertise::rebuild_expertise)
        .await
        .expect("rebuilt");
    assert_eq!(rows, 4);
    assert_eq!(names(&app, "expertise=open-data").await, ["alice"]);
}

#[tokio::test]
async fn expertise_stored_before_its_table_existed_is_indexed_at_start() {
    let app = spawn_app().await;
    app.register("alice").await;
    // As the migration leaves a database: the labels in persons, no rows beside them.
    app.server
        .state
        .db
        .write(|c| {
            diesel::update(persons::table.filter(persons::username.eq("alice")))
                .set(persons::expertise.eq("Équipe Data,equipe data,SDMX"))
                .execute(c)?;
            diesel::delete(person_expertise::table).execute(c)?;
            Ok(())
        })
        .await
        .expect("written");
    assert_eq!(names(&app, "expertise=sdmx").await, Vec::<String>::new());
    let app = app.stop().await.start().await;
    assert_eq!(names(&app, "expertise=sdmx").await, ["alice"]);
    let (_, counts) = app.get("/api/v1/expertise", None).await;
    assert_eq!(counts[0]["label"], "Équipe Data", "{counts}");
    assert_eq!(counts[0]["count"], 1, "{counts}");
}

#[tokio::test]
async fn every_filter_narrows_the_directory_and_hidden_accounts_never_show() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    app.register("dan").await;
    app.register("erin").await;
    set(&app, &bob, json!({"agency": "Statistics Canada"})).await;
    set(&app, &carol, json!({"agency": "statistics canada "})).await;
    app.group(&alice, "design").await;
    let (status, joined) = app
        .post("/api/v1/groups/design/join", Some(&carol), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{joined}");

    let all = names(&app, "order=name").await;
    assert_eq!(all, ["alice", "bob", "carol", "dan", "erin"]);
    assert_eq!(
        names(&app, "agency=STATISTICS%20CANADA&order=name").await,
        ["bob", "carol"]
    );
    assert_eq!(
        names(&app, "group=design&order=name").await,
        ["alice", "carol"]
    );
    let domain = app.server.state.config.domain.clone();
    assert_eq!(
        names(&app, &format!("instance={domain}&order=name")).await,
        all
    );
    assert_eq!(
        names(&app, "instance=elsewhere.example").await,
        Vec::<String>::new()
    );
    assert_eq!(names(&app, "local=true&order=name").await, all);
    assert_eq!(
        names(
            &app,
            &format!("group=design@{domain}&agency=statistics%20canada")
        )
        .await,
        ["carol"]
    );

    flag(&app, "dan", true, true).await;
    flag(&app, "erin", false, false).await;
    assert_eq!(names(&app, "order=name").await, ["alice", "bob", "carol"]);
    assert_eq!(names(&app, "order=new").await.len(), 3);
    let masto = mastodon::get(&app, "/api/v1/directory", None).await;
    assert_eq!(
        masto.body.as_array().map(Vec::len),
        Some(3),
        "{}",
        masto.body
    );
}

#[tokio::test]
async fn pages_neither_repeat_nor_skip_and_active_puts_the_latest_poster_first() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    for name in ["ann", "ben", "cat", "dov", "eve"] {
        tokens.push(app.register(name).await);
    }
    app.group(&tokens[0], "design").await;
    for t in &tokens[1..3] {
        app.post("/api/v1/groups/design/join", Some(t), json!({}))
            .await;
    }
    // ann posts, then cat: cat is the most recently active, then ann, then who never posted.
    let thread = app.thread(&tokens[0], "design", "First").await;
    app.comment(&tokens[2], thread, None, "A reply").await;
    let active = names(&app, "order=active").await;
    assert_eq!(&active[..2], ["cat", "ann"]);
    assert_eq!(names(&app, "order=new").await[0], "eve");
    for order in ["active", "new", "name"] {
        let whole = names(&app, &format!("order={order}")).await;
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let (status, page) = app
                .get(
                    &format!("/api/v1/people?order={order}&limit=2&offset={offset}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            for p in page["people"].as_array().expect("people") {
                paged.push(p["name"].as_str().expect("name").to_string());
            }
            match page["next_offset"].as_i64() {
                Some(next) => offset = next,
                None => break,
            }
        }
        assert_eq!(paged, whole, "{order}");
    }
}

#[tokio::test]
async fn bad_values_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    for (query, field) in [
        ("order=loudest", "order"),
        ("limit=0", "limit"),
        ("limit=81", "limit"),
        ("offset=-1", "offset"),
        ("expertise=---", "expertise"),
        ("group=nowhere", "group"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/people?{query}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    let (status, body) = app.get("/api/v1/expertise?limit=500", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "limit");
    let before = app.fingerprint().await;
    for (profile, field) in [
        (json!({"ask_me_about": "x".repeat(501)}), "ask_me_about"),
        (json!({"languages": ["english!"]}), "languages"),
        (
            json!({"languages": ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "fi", "no"]}),
            "languages",
        ),
        (json!({"expertise": ["a,b"]}), "expertise"),
    ] {
        let (status, body) = app.patch("/api/v1/me", Some(&alice), profile).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["field"], field, "{body}");
    }
    assert_eq!(
        app.fingerprint().await,
        before,
        "a refused update writes nothing"
    );
    let me = set(
        &app,
        &alice,
        json!({"ask_me_about": "  Forms,\nSDMX  ", "languages": ["EN", "fr-CA", "en"]}),
    )
    .await;
    assert_eq!(me["ask_me_about"], "Forms,\nSDMX");
    assert_eq!(me["languages"], json!(["en", "fr-CA"]));
}

#[tokio::test]
async fn mastodon_apps_see_the_fields_update_them_and_list_the_directory() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let client = mastodon::sign_in(&app, "alice", "read write").await;
    let answer = mastodon::send(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&client.token),
        Some(&[
            ("fields_attributes[0][name]", "Agency"),
            ("fields_attributes[0][value]", "Treasury"),
            ("fields_attributes[1][name]", "Ask me about"),
            ("fields_attributes[1][value]", "Budgets & forms"),
            ("fields_attributes[2][name]", "Languages"),
            ("fields_attributes[2][value]", "en, fr"),
            ("fields_attributes[3][name]", "Expertise"),
            ("fields_attributes[3][value]", "Open data"),
        ]),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let fields: Vec<(String, String)> = answer.body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().into(),
                f["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        fields.contains(&("Ask me about".into(), "Budgets &amp; forms".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("Languages".into(), "en, fr".into())),
        "{fields:?}"
    );
    // bob is newer; alice posted last.
    set(&app, &bob, json!({"role": "Analyst"})).await;
    app.group(&bob, "design").await;
    let (status, _) = app
        .post("/api/v1/groups/design/join", Some(&alice), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    app.thread(&alice, "design", "Hello").await;
    let list = |q: &'static str| {
        let app = &app;
        async move {
            let a = mastodon::get(app, &format!("/api/v1/directory{q}"), None).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            a.body
                .as_array()
                .expect("accounts")
                .iter()
                .map(|a| a["acct"].as_str().expect("acct").to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("").await, ["alice", "bob"]);
    assert_eq!(list("?order=new").await, ["bob", "alice"]);
    assert_eq!(list("?order=new&limit=1&offset=1").await, ["alice"]);
    assert_eq!(list("?local=true&limit=500").await.len(), 2);
    let a = mastodon::get(&app, "/api/v1/directory", None).await;
    assert_eq!(a.body[0]["username"], "alice");
    assert!(a.body[0]["fields"].as_array().is_some_and(|f| f.len() == 4));
}

#[tokio::test]
async fn the_people_page_filters_pages_and_suggests_tags() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    set(
        &app,
        &alice,
        json!({"expertise": ["Équipe Data"], "role": "Analyst", "ask_me_about": "Tables"}),
    )
    .await;
    app.register("bob").await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/people").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<datalist id=\"expertise-suggestions\">"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<option value=\"Équipe Data\">"),
        "{}",
        page.body
    );
    assert!(page.body.contains("href=\"/people?expertise=equipe-data\""));
    assert!(page.body.contains("href=\"/people\" aria-current=\"page\""));
    let filtered = browser.get("/people?expertise=equipe%20data").await;
    assert!(filtered.body.contains("/u/alice"));
    assert!(!filtered.body.contains("/u/bob"));
    let bad = browser.get("/people?order=loudest").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("error-summary"), "{}", bad.body);
    let profile = browser.get("/u/alice").await;
    assert!(profile.body.contains("Tables"));
    // The settings form takes "ask me about" and languages, and names a bad language.
    let mut own = Browser::signed_in(&app, &alice);
    let refused = own
        .submit(
            "/settings",
            "/settings",
            &[
                ("display_name", "Alice"),
                ("languages", "en, english!"),
                ("ask_me_about", "Maps"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("id=\"languages-error\""),
        "{}",
        refused.body
    );
    let saved = own
        .submit(
            "/settings",
            "/settings",
            &[
                ("display_name", "Alice"),
                ("expertise", "Équipe Data"),
                ("languages", "en, fr-CA"),
                ("ask_me_about", "Maps\nand tables"),
            ],
        )
        .await;
    assert!(saved.body.contains("Saved."), "{}", saved.body);
    let (_, me) = app.get("/api/v1/me", Some(&alice)).await;
    assert_eq!(me["ask_me_about"], "Maps\nand tables", "{me}");
    assert_eq!(me["languages"], json!(["en", "fr-CA"]));
    assert!(profile
        .body
        .contains("href=\"/people?expertise=equipe-data\""));
    // The French page has the same form.
    browser.lang = Some("fr");
    let fr = browser.get("/people").await;
    assert!(fr.body.contains("Personnes"), "{}", fr.body);
}

#[tokio::test]
async fn fields_and_expertise_tags_travel_between_instances_and_follow_updates() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let bob = beta.register("bob").await;
    set(
        &beta,
        &bob,
        json!({"expertise": ["Équipe Data", "SDMX"], "ask_me_about": "Tables & charts",
               "languages": ["en", "fr-CA"], "role": "Analyst"}),
    )
    .await;
    // bob's actor document: the fields, and a Hashtag per tag pointing at beta's directory.
    let doc: Value = beta
        .client
        .get(format!("{}/u/bob", beta.base))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("actor")
        .json()
        .await
        .expect("json");
    let field = |name: &str| {
        doc["attachment"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["name"] == name))
            .map(|f| f["value"].clone())
    };
    assert_eq!(
        field("Ask me about"),
        Some(json!("Tables &amp; charts")),
        "{doc}"
    );
    assert_eq!(field("Role"), Some(json!("Analyst")));
    assert_eq!(field("Expertise"), Some(json!("Équipe Data, SDMX")));
    assert_eq!(field("Languages"), Some(json!("en, fr-CA")));
    assert_eq!(doc["tag"][0]["type"], "Hashtag");
    assert_eq!(doc["tag"][0]["name"], "#Équipe_Data");
    assert_eq!(
        doc["tag"][0]["href"],
        format!(
            "{}/people?expertise=equipe-data",
            beta.server.state.config.base_url()
        )
    );

    resolve_and_join(&beta, &bob, &alpha.handle("design")).await;
    let beta_domain = beta.server.state.config.domain.clone();
    let (_, page) = alpha
        .get(&format!("/api/v1/people?instance={beta_domain}"), None)
        .await;
    let there = &page["people"][0];
    assert_eq!(there["expertise"], json!(["Équipe Data", "SDMX"]), "{page}");
    assert_eq!(there["ask_me_about"], "Tables & charts");
    assert_eq!(there["languages"], json!(["en", "fr-CA"]));
    assert_eq!(names(&alpha, "expertise=equipe-data").await, ["bob"]);
    assert_eq!(
        names(&alpha, "group=design&order=name").await,
        ["alice", "bob"]
    );

    // An Update(Person) refreshes the fields and the tags alpha filters by.
    set(
        &beta,
        &bob,
        json!({"expertise": ["Open data"], "ask_me_about": ""}),
    )
    .await;
    eventually("alpha has bob's new expertise", || async {
        names(&alpha, "expertise=open-data").await == ["bob"]
    })
    .await;
    assert_eq!(names(&alpha, "expertise=sdmx").await, Vec::<String>::new());
    let (_, profile) = alpha
        .get(&format!("/api/v1/people/{}", beta.handle("bob")), None)
        .await;
    assert_eq!(profile["ask_me_about"], "", "{profile}");
    assert_eq!(profile["languages"], json!(["en", "fr-CA"]));
}

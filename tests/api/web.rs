//! The web interface, driven as a browser without script drives it: pages fetched with
//! cookies, forms posted with the token read from the page, redirects looked at one by one.
//! What a form changed is checked through the JSON API, the other door onto the same domain.

use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::spawn_app;
use crate::helpers::web::{urlencoding, Browser};

#[tokio::test]
async fn every_public_page_renders_with_security_headers() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;
    let thread = app.thread(&alice, "data", "Open data standards").await;
    app.comment(&alice, thread, None, "A first reply").await;

    let mut browser = Browser::new(&app);
    for (path, expect) in [
        ("/", "Active groups"),
        ("/about", "About Commonplace"),
        ("/groups", "The data group"),
        ("/g/data", "Open data standards"),
        (&format!("/t/{thread}"), "A first reply"),
        ("/u/alice", "Treasury"),
        ("/signin", "Sign in"),
        ("/register", "Create an account"),
        ("/tags/nothing", "No threads carry this tag"),
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(page.body.contains(expect), "{path} lacks {expect:?}");
        assert!(page.body.starts_with("<!doctype html>"), "{path}");
        assert!(page.body.contains("<html lang=\"en\">"), "{path}");
        assert!(page.body.contains("href=\"#main\""), "{path}: skip link");
        let csp = page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    }
    // The browser got one value for its forms, not readable by scripts.
    let first = Browser::new(&app).get("/").await;
    let cookie = first
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("cp_browser="))
        .expect("browser cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");

    let missing = browser.get("/g/nothing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"), "{}", missing.body);
    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"), "{}", missing.body);

    let css = browser.get("/static/style.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.body.contains(":focus"), "focus styles");
}

#[tokio::test]
async fn a_visitor_registers_joins_posts_replies_and_votes() {
    let app = spawn_app().await;
    let steward = app.register("steward").await;
    app.group(&steward, "design").await;

    let mut b = Browser::new(&app);
    // A mistake keeps what was typed, never the password, and says what is wrong.
    let bad = b
        .submit(
            "/register",
            "/register",
            &[
                ("username", "Not Valid"),
                ("password", "short"),
                ("agency", "Health"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("There is a problem"), "{}", bad.body);
    assert!(bad.body.contains("aria-invalid=\"true\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"Health\""), "{}", bad.body);
    assert!(bad.body.contains("<title>Error: "), "{}", bad.body);
    let (status, _) = app.get("/api/v1/people/Not Valid", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let welcome = b
        .submit(
            "/register",
            "/register",
            &[
                ("username", "maria"),
                ("password", "correct horse battery"),
                ("display_name", "Maria Lopez"),
                ("agency", "Health Canada"),
            ],
        )
        .await;
    assert_eq!(welcome.status, StatusCode::OK, "{}", welcome.body);
    assert!(welcome.body.contains("Welcome! Your account is ready."));
    assert!(welcome.body.contains("<h1>Maria Lopez</h1>"));
    assert!(b.cookies.contains_key("cp_session"));

    let joined = b.submit("/g/design", "/g/design/join", &[]).await;
    assert!(
        joined.body.contains("You joined the group."),
        "{}",
        joined.body
    );

    // A preview shows the text and posts nothing.
    let preview = b
        .submit(
            "/g/design/new",
            "/g/design/new",
            &[
                ("title", "Plain language checklists"),
                ("body", "Who has *one*?"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("<em>one</em>"), "{}", preview.body);
    let (_, listed) = app.get("/api/v1/groups/design/threads", None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);

    let posted = b
        .submit(
            "/g/design/new",
            "/g/design/new",
            &[
                ("title", "Plain language checklists"),
                ("body", "Who has *one*?"),
                ("language", "en"),
                ("action", "post"),
            ],
        )
        .await;
    assert!(
        posted.body.contains("Your thread is posted."),
        "{}",
        posted.body
    );
    let (_, listed) = app.get("/api/v1/groups/design/threads", None).await;
    let thread = listed["items"][0]["id"].as_i64().unwrap();
    assert_eq!(listed["items"][0]["author"]["name"], "maria");

    let replied = b
        .submit(
            &format!("/t/{thread}"),
            &format!("/t/{thread}/reply"),
            &[("body", "We use the federal one."), ("action", "post")],
        )
        .await;
    assert!(
        replied.body.contains("Your reply is posted."),
        "{}",
        replied.body
    );
    assert!(replied.body.contains("We use the federal one."));

    let voted = b
        .submit(
            &format!("/t/{thread}"),
            &format!("/t/{thread}/vote"),
            &[("score", "1"), ("next", &format!("/t/{thread}#thread"))],
        )
        .await;
    assert!(
        voted.body.contains("aria-pressed=\"true\""),
        "{}",
        voted.body
    );
    let (_, detail) = app.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert_eq!(detail["thread"]["score"], 1, "{detail}");
    assert_eq!(
        detail["comments"][0]["body_source"],
        "We use the federal one."
    );

    // Signing out ends the session everywhere it was used.
    let token = b.cookies["cp_session"].clone();
    let out = b.submit("/", "/signout", &[]).await;
    assert!(out.body.contains("You are signed out."));
    let (status, _) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // And signing in brings the member back where they were going.
    let page = b.get("/settings").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/signin?next=%2Fsettings");
    b.get("/signin?next=%2Fsettings").await;
    let wrong = b
        .post(
            "/signin",
            &[
                ("username", "maria"),
                ("password", "wrong"),
                ("next", "/settings"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The username or password is not right"));
    assert!(wrong.body.contains("value=\"maria\""));
    let signed = b
        .post(
            "/signin",
            &[
                ("username", "maria"),
                ("password", "correct horse battery"),
                ("next", "/settings"),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.location(), "/settings");
    // An address elsewhere is never followed, however it is dressed: browsers drop tabs and
    // line breaks and read `\\` as `/`. Control characters are no 500 either.
    for next in [
        "//evil.example/",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "/\r\n/evil.example",
        "/settings\u{7f}",
        "https://evil.example/",
        "/ /evil.example",
    ] {
        b.cookies.remove("cp_session");
        let page = b.get(&format!("/signin?next={}", urlencoding(next))).await;
        assert_eq!(page.status, StatusCode::OK, "{next:?}");
        let away = b
            .post(
                "/signin",
                &[
                    ("username", "maria"),
                    ("password", "correct horse battery"),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(away.status, StatusCode::SEE_OTHER, "{next:?}");
        let to = away.location();
        let here = url::Url::parse("http://here.example/").unwrap();
        let lands = here.join(to).unwrap();
        assert!(
            to.starts_with('/') && !to.chars().any(|c| c.is_control() || c == '\\'),
            "{next:?} went to {to:?}"
        );
        assert_eq!(lands.origin(), here.origin(), "{next:?} went to {to:?}");
    }
}

#[tokio::test]
async fn forms_without_this_browsers_token_change_nothing() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let mut b = Browser::signed_in(&app, &alice);
    b.get("/groups/new").await;

    // No token at all, as a form on another site would send.
    b.csrf = None;
    let refused = b
        .post("/groups/new", &[("name", "forged"), ("title", "Forged")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("This form has expired"),
        "{}",
        refused.body
    );
    // Another browser's token.
    let mut other = Browser::new(&app);
    other.get("/").await;
    b.csrf = other.csrf.clone();
    let refused = b
        .post("/groups/new", &[("name", "forged"), ("title", "Forged")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (status, _) = app.get("/api/v1/groups/forged", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page's own token works.
    let made = b
        .submit(
            "/groups/new",
            "/groups/new",
            &[("name", "real"), ("title", "Real group")],
        )
        .await;
    assert!(made.body.contains("Your group is ready."), "{}", made.body);
}

#[tokio::test]
async fn people_cannot_act_for_others() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "data").await;
    let thread = app.thread(&alice, "data", "Alice's thread").await;
    let mut b = Browser::signed_in(&app, &bob);

    let edit = b.get(&format!("/t/{thread}/edit")).await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN, "{}", edit.body);
    b.get(&format!("/t/{thread}")).await;
    let edit = b
        .post(
            &format!("/t/{thread}/edit"),
            &[("title", "Bob was here"), ("body", "x"), ("action", "post")],
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN, "{}", edit.body);
    assert!(edit.body.contains("You cannot do that"));
    let pin = b
        .post(&format!("/t/{thread}/moderate"), &[("action", "pin")])
        .await;
    assert_eq!(pin.status, StatusCode::FORBIDDEN);
    let (_, detail) = app.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert_eq!(detail["thread"]["title"], "Alice's thread");
    assert_eq!(detail["thread"]["pinned"], false);

    assert_eq!(b.get("/g/data/steward").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/admin").await.status, StatusCode::FORBIDDEN);
    let policy = b
        .post(
            "/admin/federation",
            &[("mode", "allowlist"), ("allowed", "x.example")],
        )
        .await;
    assert_eq!(policy.status, StatusCode::FORBIDDEN);
    let admin = app.admin("root").await;
    let (_, p) = app.get("/api/v1/admin/federation", Some(&admin)).await;
    assert_eq!(p["mode"], "open", "{p}");
}

#[tokio::test]
async fn the_interface_speaks_the_readers_language() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "data").await;

    let mut b = Browser::new(&app);
    b.lang = Some("fr-CA,fr;q=0.9,en;q=0.5");
    let page = b.get("/g/data").await;
    assert!(page.body.contains("<html lang=\"fr\">"), "{}", page.body);
    assert!(page.body.contains("Se connecter"));
    assert!(page.body.contains("1 membre"), "{}", page.body);

    // The switch in the header wins over the browser's wish, and is remembered.
    b.lang = Some("fr");
    let switched = b
        .submit(
            "/g/data",
            "/language",
            &[("lang", "en"), ("next", "/g/data")],
        )
        .await;
    assert!(switched.body.contains("<html lang=\"en\">"));
    assert!(switched.body.contains("1 member"), "{}", switched.body);

    // A member's choice is kept in the account and follows them to another browser.
    let mut m = Browser::signed_in(&app, &alice);
    m.submit("/", "/language", &[("lang", "fr"), ("next", "/")])
        .await;
    let mut elsewhere = Browser::signed_in(&app, &alice);
    elsewhere.lang = Some("en");
    let page = elsewhere.get("/settings").await;
    assert!(page.body.contains("<html lang=\"fr\">"), "{}", page.body);
    assert!(page.body.contains("Paramètres"));
    let (_, me) = app.get("/api/v1/me", Some(&alice)).await;
    assert_eq!(me["language"], "fr", "{me}");

    // The page where an app asks to sign in is one of ours: French, and free to send the member
    // back to the app afterwards (no form-action limit).
    let (_, registered) = app
        .post(
            "/api/v1/apps",
            None,
            json!({"client_name": "Tusky", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"}),
        )
        .await;
    let client_id = registered["client_id"].as_str().unwrap();
    let oauth = elsewhere
        .get(&format!(
            "/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read"
        ))
        .await;
    assert_eq!(oauth.status, StatusCode::OK, "{}", oauth.body);
    assert!(
        oauth.body.contains("Tusky demande à utiliser votre compte"),
        "{}",
        oauth.body
    );
    assert!(
        oauth.body.contains("value=\"alice\""),
        "signed in: name filled in"
    );
    let csp = oauth.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(!csp.contains("form-action"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");

    // Errors are in the reader's language too.
    let bad = elsewhere
        .submit(
            "/groups/new",
            "/groups/new",
            &[("name", "Bad Name"), ("title", "x")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Il y a un problème"), "{}", bad.body);
    assert!(bad.body.contains("lettres minuscules"), "{}", bad.body);
}

#[tokio::test]
async fn stewards_and_administrators_work_from_their_pages() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let (status, _) = app
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "closed", "title": "Closed group", "approval_required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .post("/api/v1/groups/closed/join", Some(&bob), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut steward = Browser::signed_in(&app, &alice);
    let tools = steward.get("/g/closed/steward").await;
    assert_eq!(tools.status, StatusCode::OK, "{}", tools.body);
    assert!(tools.body.contains("/g/closed/steward/members/bob"));
    let approved = steward
        .submit(
            "/g/closed/steward",
            "/g/closed/steward/members/bob",
            &[("action", "approve")],
        )
        .await;
    assert!(
        approved.body.contains("The member is approved."),
        "{}",
        approved.body
    );
    let (_, members) = app.get("/api/v1/groups/closed/members", None).await;
    assert_eq!(members["items"].as_array().unwrap().len(), 2, "{members}");

    let thread = app.thread(&bob, "closed", "Bob asks").await;
    let pinned = steward
        .submit(
            &format!("/t/{thread}"),
            &format!("/t/{thread}/moderate"),
            &[("action", "pin")],
        )
        .await;
    assert!(pinned.body.contains("The thread is pinned."));
    let removed = steward
        .submit(
            &format!("/t/{thread}"),
            &format!("/t/{thread}/moderate"),
            &[("action", "remove")],
        )
        .await;
    assert!(removed.body.contains("Removed."));
    let tools = steward.get("/g/closed/steward").await;
    assert!(tools.body.contains("Bob asks"), "listed as removed");
    let restored = steward
        .submit(
            "/g/closed/steward",
            &format!("/t/{thread}/moderate"),
            &[("action", "restore"), ("next", "/g/closed/steward#removed")],
        )
        .await;
    assert!(restored.body.contains("Restored."), "{}", restored.body);
    let (_, detail) = app.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert_eq!(detail["thread"]["pinned"], true);
    assert_eq!(detail["thread"]["removed"], false);

    // Settings, with a mistake first: the form comes back with what was typed.
    let long = "x".repeat(300);
    let bad = steward
        .submit(
            "/g/closed/steward",
            "/g/closed/steward/settings",
            &[("title", &long), ("rules", "Be kind")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Be kind</textarea>"), "{}", bad.body);
    steward
        .submit(
            "/g/closed/steward",
            "/g/closed/steward/settings",
            &[("title", "Open group now"), ("rules", "Be kind")],
        )
        .await;
    let (_, g) = app.get("/api/v1/groups/closed", None).await;
    assert_eq!(g["title"], "Open group now");
    assert_eq!(g["approval_required"], false);

    // The administrator closes federation to all but one instance.
    let root = app.admin("root").await;
    let mut admin = Browser::signed_in(&app, &root);
    let bad = admin
        .submit(
            "/admin",
            "/admin/federation",
            &[
                ("mode", "allowlist"),
                ("allowed", "ok.example\nnot_a_domain!"),
                ("blocked", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("Enter a domain name"), "{}", bad.body);
    let (_, p) = app.get("/api/v1/admin/federation", Some(&root)).await;
    assert_eq!(p["mode"], "open", "nothing saved: {p}");
    let saved = admin
        .submit(
            "/admin",
            "/admin/federation",
            &[
                ("mode", "allowlist"),
                ("allowed", "ok.example, peer.example:8443"),
                ("blocked", ""),
            ],
        )
        .await;
    assert!(saved.body.contains("Saved."), "{}", saved.body);
    let (_, p) = app.get("/api/v1/admin/federation", Some(&root)).await;
    assert_eq!(p["mode"], "allowlist");
    assert_eq!(p["allowed"], json!(["ok.example", "peer.example:8443"]));

    // An instance the deliveries gave up on is named on the page.
    app.server
        .state
        .db
        .write(|c| {
            use commonplace::db::schema::instances;
            use diesel::prelude::*;
            let t = commonplace::domain::text::now();
            diesel::insert_into(instances::table)
                .values((
                    instances::domain.eq("gone.example"),
                    instances::name.eq("gone.example"),
                    instances::created_at.eq(t),
                    instances::updated_at.eq(t),
                    instances::dead_since.eq(Some(t)),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let page = admin.get("/admin").await;
    assert!(
        page.body.contains("<code>gone.example</code>"),
        "{}",
        page.body
    );
    let (_, queue) = app.get("/api/v1/admin/queue", Some(&root)).await;
    assert_eq!(
        queue["dead_instances"][0]["domain"], "gone.example",
        "{queue}"
    );

    let suspended = admin
        .submit("/admin", "/admin/accounts/bob", &[("action", "suspend")])
        .await;
    assert!(
        suspended.body.contains("The account is suspended"),
        "{}",
        suspended.body
    );
    let (status, _) = app.get("/api/v1/me", Some(&bob)).await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_group_on_another_instance_is_found_joined_and_read_from_the_pages() {
    let one = crate::helpers::spawn_named("alpha").await;
    let two = crate::helpers::spawn_named("beta").await;
    let alice = one.register("alice").await;
    one.group(&alice, "design").await;
    one.thread(&alice, "design", "Journey maps that worked")
        .await;
    let bob = two.register("bob").await;

    let mut b = Browser::signed_in(&two, &bob);
    let handle = one.handle("design");
    // Not a group address: the box says so, and keeps what was typed.
    b.get("/groups").await;
    let bad = b.get("/groups/find?q=not%20a%20handle").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("This is not the address of a group"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"not a handle\""));

    let found = b
        .get(&format!("/groups/find?q=%21{}", handle.replace('@', "%40")))
        .await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.body);
    let page_path = found.location().to_string();
    assert_eq!(page_path, format!("/g/{handle}"));
    let page = b.get(&page_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("The design group"), "{}", page.body);

    let joined = b.post(&format!("{page_path}/join"), &[]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    crate::helpers::eventually("the group accepts the follow", || async {
        let (_, g) = two
            .get(&format!("/api/v1/groups/{handle}"), Some(&bob))
            .await;
        g["membership"] == "accepted"
    })
    .await;
    // Threads posted there after the join arrive here and are listed on the page.
    one.thread(&alice, "design", "Service blueprints").await;
    crate::helpers::eventually("the new thread reaches the member's instance", || async {
        let mut reader = Browser::signed_in(&two, &bob);
        reader
            .get(&page_path)
            .await
            .body
            .contains("Service blueprints")
    })
    .await;
    let page = b.get(&page_path).await;
    assert!(page.body.contains("Leave"), "{}", page.body);
    assert!(page.body.contains("See it on its own instance"));
}

#[tokio::test]
async fn members_edit_delete_report_follow_and_look_after_their_account() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "data").await;
    let thread = app.thread(&alice, "data", "Data catalogues").await;
    let comment = app
        .comment(&bob, thread, None, "Ours is a spreadsheet.")
        .await;
    let mut a = Browser::signed_in(&app, &alice);
    let mut b = Browser::signed_in(&app, &bob);

    // A comment's own address opens its place in the thread.
    let permalink = b.get(&format!("/c/{comment}")).await;
    assert_eq!(permalink.status, StatusCode::SEE_OTHER);
    assert_eq!(
        permalink.location(),
        format!("/t/{thread}#comment-{comment}")
    );

    // Edit with a preview first, then save.
    let preview = b
        .submit(
            &format!("/c/{comment}/edit"),
            &format!("/c/{comment}/edit"),
            &[
                ("body", "Ours is a **spreadsheet**."),
                ("action", "preview"),
            ],
        )
        .await;
    assert!(
        preview.body.contains("<strong>spreadsheet</strong>"),
        "{}",
        preview.body
    );
    b.submit(
        &format!("/c/{comment}/edit"),
        &format!("/c/{comment}/edit"),
        &[("body", "Ours is a **spreadsheet**."), ("action", "post")],
    )
    .await;
    let (_, detail) = app.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert_eq!(
        detail["comments"][0]["body_source"],
        "Ours is a **spreadsheet**."
    );

    // Alice reports it: an empty reason is sent back, a real one reaches the stewards (her).
    let empty = a
        .submit(
            &format!("/c/{comment}/report"),
            &format!("/c/{comment}/report"),
            &[("reason", "  ")],
        )
        .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    assert!(empty.body.contains("Say what is wrong"), "{}", empty.body);
    let sent = a
        .submit(
            &format!("/c/{comment}/report"),
            &format!("/c/{comment}/report"),
            &[("reason", "Shares a private link")],
        )
        .await;
    assert!(
        sent.body.contains("The stewards will look at your report"),
        "{}",
        sent.body
    );
    let (_, reports) = app.get("/api/v1/groups/data/reports", Some(&alice)).await;
    assert_eq!(
        reports["items"][0]["reason"], "Shares a private link",
        "{reports}"
    );

    // Bob deletes his comment after the question.
    let ask = b.get(&format!("/c/{comment}/delete")).await;
    assert!(ask.body.contains("Delete this comment?"), "{}", ask.body);
    let gone = b.post(&format!("/c/{comment}/delete"), &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    let (_, detail) = app.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert_eq!(detail["comments"][0]["deleted"], true, "{detail}");

    // Following someone from their page.
    let followed = b.submit("/u/alice", "/u/alice/follow", &[]).await;
    assert!(
        followed.body.contains("You follow them now."),
        "{}",
        followed.body
    );
    assert!(followed.body.contains("1 follower"), "{}", followed.body);
    let unfollowed = b.submit("/u/alice", "/u/alice/unfollow", &[]).await;
    assert!(unfollowed.body.contains("You no longer follow them."));

    // Profile and password.
    let saved = b
        .submit(
            "/settings",
            "/settings",
            &[
                ("display_name", "Bob Tremblay"),
                ("agency", "Statistics Canada"),
                ("role", "Data scientist"),
                ("expertise", "#Open data, metadata"),
                ("bio", "I catalogue *things*."),
                ("language", ""),
            ],
        )
        .await;
    assert!(saved.body.contains("Saved."), "{}", saved.body);
    let (_, me) = app.get("/api/v1/me", Some(&bob)).await;
    assert_eq!(me["display_name"], "Bob Tremblay");
    assert_eq!(me["expertise"], json!(["Open data", "metadata"]), "{me}");
    let profile = b.get("/u/bob").await;
    assert!(
        profile.body.contains("Data scientist, Statistics Canada"),
        "{}",
        profile.body
    );
    assert!(profile.body.contains("<em>things</em>"));

    let wrong = b
        .submit(
            "/settings",
            "/settings/password",
            &[
                ("current_password", "not it"),
                ("new_password", "a new long passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("The current password is not right"),
        "{}",
        wrong.body
    );
    let other_session = {
        let (_, body) = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"username": "bob", "password": "correct horse"}),
            )
            .await;
        body["token"].as_str().unwrap().to_string()
    };
    let changed = b
        .submit(
            "/settings",
            "/settings/password",
            &[
                ("current_password", "correct horse"),
                ("new_password", "a new long passphrase"),
            ],
        )
        .await;
    assert!(
        changed.body.contains("Your password is changed."),
        "{}",
        changed.body
    );
    // This browser stays signed in; the other session is ended.
    assert!(changed.body.contains("Sign out"));
    let (status, _) = app.get("/api/v1/me", Some(&other_session)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An app signed in through the Mastodon API is listed, and revoking it ends its token.
    let tusky = crate::helpers::mastodon::sign_in(&app, "alice", "read write").await;
    let settings = a.get("/settings").await;
    assert!(settings.body.contains(">Test app</a>"), "{}", settings.body);
    let action = settings
        .body
        .split("action=\"/settings/apps/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a revoke button")
        .to_string();
    let revoked = a.post(&format!("/settings/apps/{action}"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let after = a.get("/settings").await;
    assert!(
        after.body.contains("The app no longer has access"),
        "{}",
        after.body
    );
    assert!(!after.body.contains(">Test app</a>"));
    let status = app
        .client
        .get(format!("{}/api/v1/accounts/verify_credentials", app.base))
        .bearer_auth(&tusky.token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn undecodable_forms_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "design").await;
    let mut b = Browser::signed_in(&app, &alice);
    b.get("/g/design/new").await;
    let before = app.fingerprint().await;
    let refused = b
        .post_raw("/g/design/new", "title=Caf%E9%20menu&body=Latin-1%20bytes")
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(app.fingerprint().await, before);
    // The same form in UTF-8 is taken.
    let taken = b
        .post_raw("/g/design/new", "title=Caf%C3%A9%20menu&body=UTF-8")
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
}

#[tokio::test]
async fn the_steward_page_names_a_reported_thread_by_its_title() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.group(&alice, "data").await;
    app.post("/api/v1/groups/data/join", Some(&bob), json!({}))
        .await;
    let thread = app.thread(&bob, "data", "Catalogue <tools> compared").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/threads/{thread}/report"),
            Some(&alice),
            json!({"reason": "Off topic"}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let tools = Browser::signed_in(&app, &alice)
        .get("/g/data/steward")
        .await;
    assert!(
        tools.body.contains(&format!(
            "<a href=\"/t/{thread}\">Catalogue &#60;tools&#62; compared</a>"
        )) || tools.body.contains(&format!(
            "<a href=\"/t/{thread}\">Catalogue &lt;tools&gt; compared</a>"
        )),
        "{}",
        tools.body
    );
}

#[tokio::test]
async fn joining_a_group_elsewhere_says_its_instance_answers_and_shows_a_refusal() {
    use crate::helpers::federation::{at, post_signed, resolve_and_join, signer};
    use crate::helpers::spawn_named;
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    alpha.group(&alice, "ops").await;
    let bob = beta.register("bob").await;
    let group = alpha.handle("design");
    let (status, _) = beta
        .get(&format!("/api/v1/resolve?q=!{group}"), Some(&bob))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Through the page: the notice says the group's instance answers, not a steward.
    let mut b = Browser::signed_in(&beta, &bob);
    let page = format!("/g/{group}");
    let joined = b.submit(&page, &format!("{page}/join"), &[]).await;
    assert!(
        joined.body.contains("sent to the group&#39;s instance")
            || joined.body.contains("sent to the group's instance")
            || joined.body.contains("sent to the group&#x27;s instance"),
        "{}",
        joined.body
    );
    assert!(!joined.body.contains("A steward will answer it"));
    crate::helpers::eventually("the open group accepts", || async {
        let (_, g) = beta
            .get(&format!("/api/v1/groups/{group}"), Some(&bob))
            .await;
        g["membership"] == "accepted"
    })
    .await;

    // The group answers another join with Reject: the membership shows it was refused.
    let ops = resolve_and_join(&beta, &bob, &alpha.handle("ops")).await;
    let follow_id: String = beta
        .server
        .state
        .db
        .read(|c| {
            use commonplace::db::schema::memberships;
            use diesel::prelude::*;
            Ok(memberships::table
                .filter(memberships::ap_id.like("%follow%"))
                .order(memberships::created_at.desc())
                .select(memberships::ap_id.assume_not_null())
                .first::<String>(c)?)
        })
        .await
        .unwrap();
    let group_id = at(&alpha, "/g/ops");
    let reject = json!({
        "id": at(&alpha, "/activities/reject/1"), "type": "Reject", "actor": group_id,
        "object": {"id": follow_id, "type": "Follow", "actor": at(&beta, "/u/bob"), "object": group_id},
    });
    let as_group = signer(&alpha, &group_id).await;
    let (status, body) = post_signed(&as_group, &beta, &reject, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, g) = beta.get(&format!("/api/v1/groups/{ops}"), Some(&bob)).await;
    assert_eq!(g["membership"], "refused", "{g}");
    assert_eq!(g["membership_reason"], "the group refused the request");
    let shown = b.get(&format!("/g/{ops}")).await;
    assert!(shown.body.contains("Refused"), "{}", shown.body);
    assert!(shown.body.contains("the group refused the request"));
    assert!(shown.body.contains("Ask again"));
    // Asking again sends a new request, which the open group accepts.
    b.post(&format!("/g/{ops}/join"), &[]).await;
    crate::helpers::eventually("the new request is accepted", || async {
        let (_, g) = beta.get(&format!("/api/v1/groups/{ops}"), Some(&bob)).await;
        g["membership"] == "accepted"
    })
    .await;
}

#[tokio::test]
async fn the_pages_refuse_the_votes_the_apis_refuse() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let (status, _) = app
        .post(
            "/api/v1/groups",
            Some(&alice),
            json!({"name": "closed", "title": "Closed", "approval_required": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let thread = app.thread(&alice, "closed", "Members vote").await;
    let comment = app.comment(&alice, thread, None, "A reply").await;
    let stranger = app.register("stranger").await;
    let before = app.fingerprint().await;
    let mut b = Browser::signed_in(&app, &stranger);
    for (page, action) in [
        (format!("/t/{thread}"), format!("/t/{thread}/vote")),
        (format!("/t/{thread}"), format!("/c/{comment}/vote")),
    ] {
        b.get(&page).await;
        let voted = b.post(&action, &[("score", "1"), ("next", &page)]).await;
        assert_eq!(
            voted.status,
            StatusCode::FORBIDDEN,
            "{action}: {}",
            voted.body
        );
    }
    assert_eq!(app.fingerprint().await, before);
}

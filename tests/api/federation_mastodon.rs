//! What Mastodon servers send, as captured from real ones, reaches our groups: replies addressed
//! to the author become comments, posts that mention a group start threads, likes are votes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::federation::{at, fixture, post_signed, resolve_and_join, signer};
use crate::helpers::{eventually, spawn_named, TestApp};

/// The captured `Create(Note)` as if `toot` (on `from`) wrote it: ids moved to `from`, the rest kept.
fn toot(
    from: &TestApp,
    n: u32,
    in_reply_to: Option<&str>,
    mention: (&str, &str),
    html: &str,
) -> Value {
    let mut a = fixture("mastodon/activities/create_note.json");
    let actor = at(from, "/u/toot");
    let status = format!("{actor}/statuses/{n}");
    a["id"] = json!(format!("{status}/activity"));
    a["actor"] = json!(actor);
    a["to"] = json!([format!("{actor}/followers")]);
    a["cc"] = json!(["https://www.w3.org/ns/activitystreams#Public", mention.0]);
    let (to, cc) = (a["to"].clone(), a["cc"].clone());
    let o = &mut a["object"];
    o["id"] = json!(status);
    o["url"] = json!(status);
    o["attributedTo"] = json!(actor);
    o["to"] = to;
    o["cc"] = cc;
    o["inReplyTo"] = in_reply_to.map_or(Value::Null, |r| json!(r));
    o["content"] = json!(html);
    o["contentMap"] = json!({"en": html});
    o["tag"] = json!([{"type": "Mention", "href": mention.0, "name": mention.1}]);
    o["replies"] = Value::Null;
    a
}

#[tokio::test]
async fn mastodon_replies_mentions_and_likes() {
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let masto = spawn_named("masto").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let group = alpha.handle("design");
    let bob = beta.register("bob").await;
    resolve_and_join(&beta, &bob, &group).await;
    let thread = alpha.thread(&alice, "design", "Accessible forms").await;
    let thread_ap_id = alpha
        .get(&format!("/api/v1/threads/{thread}"), None)
        .await
        .1["thread"]["ap_id"]
        .as_str()
        .unwrap()
        .to_string();
    masto.register("toot").await;
    let as_toot = signer(&masto, &at(&masto, "/u/toot")).await;

    // A reply addressed to the thread's author (not the group), as Mastodon sends it.
    let reply = toot(
        &masto,
        1,
        Some(&thread_ap_id),
        (&at(&alpha, "/u/alice"), "@alice"),
        "<p>@alice Labels above fields, always.</p>",
    );
    let (status, body) = post_signed(&as_toot, &alpha, &reply, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, d) = alpha.get(&format!("/api/v1/threads/{thread}"), None).await;
    assert!(d["comments"][0]["body"]
        .as_str()
        .unwrap()
        .contains("Labels above fields"));
    assert_eq!(d["comments"][0]["author"]["handle"], masto.handle("toot"));
    // …and the group relays it to its followers.
    eventually("the reply reaches beta", || async {
        let (_, page) = beta
            .get(&format!("/api/v1/groups/{group}/threads"), None)
            .await;
        page["items"][0]["comment_count"] == 1
    })
    .await;

    // A public post that mentions the group starts a thread; its first line is the title.
    let post = toot(
        &masto,
        2,
        None,
        (&at(&alpha, "/g/design"), "@design"),
        "<p>@design Plain language in letters</p><p>Has anyone tested this?</p>",
    );
    let (status, body) = post_signed(&as_toot, &alpha, &post, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = alpha.get("/api/v1/groups/design/threads", None).await;
    let started = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "Plain language in letters")
        .expect("thread from a mention")
        .clone();
    assert!(started["body"]
        .as_str()
        .unwrap()
        .contains("Has anyone tested this?"));

    // A like, as Mastodon sends it, is a vote.
    let mut like = fixture("mastodon/activities/like_page.json");
    like["id"] = json!(format!("{}#likes/1", at(&masto, "/u/toot")));
    like["actor"] = json!(at(&masto, "/u/toot"));
    like["object"] = json!(thread_ap_id);
    let (status, body) = post_signed(&as_toot, &alpha, &like, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        alpha
            .get(&format!("/api/v1/threads/{thread}"), None)
            .await
            .1["thread"]["score"],
        1
    );

    // A post that is neither a reply nor addressed to a group of ours is refused.
    let stray = toot(
        &masto,
        3,
        None,
        (&at(&alpha, "/u/alice"), "@alice"),
        "<p>@alice hello</p>",
    );
    let (status, _) = post_signed(&as_toot, &alpha, &stray, None, |_| {}).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A Mastodon user follows a member: accepted and remembered; undone on Undo(Follow).
    let mut follow = fixture("mastodon/activities/follow.json");
    follow["id"] = json!(format!("{}#follows/1", at(&masto, "/u/toot")));
    follow["actor"] = json!(at(&masto, "/u/toot"));
    follow["object"] = json!(at(&alpha, "/u/alice"));
    let (status, body) = post_signed(&as_toot, &alpha, &follow, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let followers = || async {
        alpha
            .server
            .state
            .db
            .read(|c| {
                use commonplace::db::schema::person_follows;
                use diesel::prelude::*;
                Ok(person_follows::table.count().get_result::<i64>(c)?)
            })
            .await
            .unwrap()
    };
    assert_eq!(followers().await, 1);
    let mut undo = fixture("mastodon/activities/undo_follow.json");
    undo["id"] = json!(format!("{}#follows/1/undo", at(&masto, "/u/toot")));
    undo["actor"] = json!(at(&masto, "/u/toot"));
    undo["object"] = follow.clone();
    let (status, body) = post_signed(&as_toot, &alpha, &undo, None, |_| {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(followers().await, 0);
}

/// Every thread of `design` on `app`, as `(id, title, body_source)`.
async fn design_threads(app: &TestApp) -> Vec<(i64, String, String)> {
    let (status, page) = app.get("/api/v1/groups/design/threads", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_i64().unwrap(),
                t["title"].as_str().unwrap().to_string(),
                t["body_source"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The one thread of `design` that `before` did not hold: its title and markdown.
async fn new_thread(app: &TestApp, before: &[(i64, String, String)]) -> (String, String) {
    let mut new: Vec<_> = design_threads(app)
        .await
        .into_iter()
        .filter(|(id, ..)| before.iter().all(|(b, ..)| b != id))
        .collect();
    assert_eq!(new.len(), 1, "one new thread: {new:?}");
    let (_, title, body) = new.remove(0);
    (title, body)
}

#[tokio::test]
async fn the_same_post_makes_the_same_thread_from_an_app_and_from_the_inbox() {
    let alpha = spawn_named("alpha").await;
    let masto = spawn_named("masto").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let app = crate::helpers::mastodon::sign_in(&alpha, "alice", "read write").await;
    masto.register("toot").await;
    let as_toot = signer(&masto, &at(&masto, "/u/toot")).await;
    let group = at(&alpha, "/g/design");
    let public = "https://www.w3.org/ns/activitystreams#Public";
    // Mastodon's HTML for a mention-only first line, as it renders its own mentions.
    let mention_html = format!(
        "<p><span class=\"h-card\"><a href=\"{group}\" class=\"u-url mention\">@<span>design</span></a></span></p>"
    );

    let long = "A first line far longer than any title may be, ".repeat(6);
    let long = long.trim();
    assert!(long.chars().count() > 200, "longer than limits.title_chars");
    let cases = [
        (
            "Plain & simple forms",
            "Labels go above the fields.",
            "Who has tested this?",
            "Long read",
        ),
        (long, "Second line.", "Third line.", "Spoilers"),
    ];
    for (n, (first, line1, line2, warning)) in (1..).zip(cases) {
        // Through a Mastodon app: the status as typed.
        let before = design_threads(&alpha).await;
        let text = format!("@{}\n{first}\n{line1}\n{line2}", alpha.handle("design"));
        let posted = crate::helpers::mastodon::send(
            &alpha,
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&app.token),
            None,
            Some(json!({"status": text, "spoiler_text": warning})),
        )
        .await;
        assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
        let from_app = new_thread(&alpha, &before).await;

        // Through the inbox: the same post as Mastodon renders and sends it.
        let before = design_threads(&alpha).await;
        let html = format!(
            "{mention_html}<p>{}<br />{}<br />{}</p>",
            first.replace('&', "&amp;"),
            line1,
            line2
        );
        let mut create = toot(&masto, n, None, (&group, "@design"), &html);
        for (key, value) in [("to", json!([public])), ("cc", json!([group]))] {
            create[key] = value.clone();
            create["object"][key] = value;
        }
        create["object"]["summary"] = json!(warning);
        let (status, body) = post_signed(&as_toot, &alpha, &create, None, |_| {}).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let from_inbox = new_thread(&alpha, &before).await;

        assert_eq!(from_inbox, from_app, "case {n}: title and body, both doors");
        let (title, body) = from_app;
        if n == 1 {
            assert_eq!(title, "Plain & simple forms");
            assert_eq!(
                body,
                "**Long read**\n\nLabels go above the fields.  \nWho has tested this?"
            );
        } else {
            assert!(
                title.ends_with('…') && title.chars().count() <= 200,
                "{title}"
            );
            assert!(long.starts_with(title.trim_end_matches('…')), "{title}");
            assert_eq!(
                body,
                format!("**Spoilers**\n\n{long}  \nSecond line.  \nThird line.")
            );
        }
    }
}

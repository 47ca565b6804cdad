//! Groups, threads and replies through the Mastodon client API: follow a group, read it, post
//! threads and replies, favourite, bookmark, page through timelines, lists and notifications.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::mastodon::{get, links, path_of, post_form, send, sign_in};
use crate::helpers::{spawn_app, TestApp};

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

/// A group's account id, as apps see it.
async fn group_account(app: &TestApp, token: &str, acct: &str) -> Value {
    let a = get(
        app,
        &format!("/api/v1/accounts/lookup?acct={acct}"),
        Some(token),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    a.body
}

#[tokio::test]
async fn a_group_followed_read_and_posted_to() {
    let app = spawn_app().await;
    let steward = app.register("alice").await;
    app.group(&steward, "design").await;
    let first = app
        .thread(&steward, "design", "Plain language in forms")
        .await;
    app.register("bob").await;
    let bob = sign_in(&app, "bob", "read write follow").await;
    let t = Some(bob.token.as_str());

    // The group is an account with "group": true.
    let group = group_account(&app, &bob.token, "design").await;
    assert_eq!(group["group"], true);
    assert_eq!(group["acct"], "design");
    assert_eq!(group["display_name"], "The design group");
    let gid = group["id"].as_str().unwrap().to_string();
    let same = group_account(&app, &bob.token, &app.handle("design")).await;
    assert_eq!(same["id"], group["id"]);
    let alice = group_account(&app, &bob.token, "alice").await;
    assert_eq!(alice["group"], false);
    assert_ne!(alice["id"], group["id"]);

    // Following the group joins it; its threads fill the home timeline.
    let rel = post_form(&app, &format!("/api/v1/accounts/{gid}/follow"), t, &[]).await;
    assert_eq!(rel.status, StatusCode::OK, "{}", rel.body);
    assert_eq!(rel.body["following"], true);
    let (_, g) = app.get("/api/v1/groups/design", None).await;
    assert_eq!(g["member_count"], 2);
    let rels = get(
        &app,
        &format!(
            "/api/v1/accounts/relationships?id[]={gid}&id[]={}",
            alice["id"].as_str().unwrap()
        ),
        t,
    )
    .await;
    assert_eq!(rels.body[0]["following"], true);
    assert_eq!(rels.body[1]["following"], false);
    let home = get(&app, "/api/v1/timelines/home", t).await;
    assert_eq!(home.status, StatusCode::OK);
    let thread = &home.body[0];
    let content = thread["content"].as_str().unwrap();
    assert!(
        content.starts_with("<p><strong>Plain language in forms</strong></p>"),
        "{content}"
    );
    assert!(content.contains("@<span>design</span>"), "{content}");
    assert_eq!(thread["account"]["username"], "alice");
    assert_eq!(thread["mentions"][0]["id"], gid.as_str());
    assert_eq!(thread["in_reply_to_id"], Value::Null);
    let thread_id = thread["id"].as_str().unwrap().to_string();
    // The group's own statuses are its threads.
    let of_group = get(&app, &format!("/api/v1/accounts/{gid}/statuses"), t).await;
    assert_eq!(ids(&of_group.body), vec![thread_id.clone()]);

    // A reply (with the mentions apps put in front) becomes a comment.
    let reply = post_form(
        &app,
        "/api/v1/statuses",
        t,
        &[
            ("status", "@alice @design Short sentences work."),
            ("in_reply_to_id", &thread_id),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["in_reply_to_id"], thread_id.as_str());
    assert_eq!(reply.body["in_reply_to_account_id"], alice["id"]);
    assert!(reply.body["content"]
        .as_str()
        .unwrap()
        .starts_with("<p>Short sentences work."));
    let reply_id = reply.body["id"].as_str().unwrap().to_string();
    let (_, detail) = app.get(&format!("/api/v1/threads/{first}"), None).await;
    assert_eq!(
        detail["comments"][0]["body_source"],
        "Short sentences work."
    );
    // Status ids are unique across threads and comments, and grow.
    assert!(reply_id.parse::<i64>().unwrap() > thread_id.parse::<i64>().unwrap());
    // A nested reply and the context in tree order.
    let nested = post_form(
        &app,
        "/api/v1/statuses",
        t,
        &[
            ("status", "And one question per page."),
            ("in_reply_to_id", &reply_id),
        ],
    )
    .await;
    let nested_id = nested.body["id"].as_str().unwrap().to_string();
    let ctx = get(&app, &format!("/api/v1/statuses/{thread_id}/context"), t).await;
    assert_eq!(ids(&ctx.body["ancestors"]), Vec::<String>::new());
    assert_eq!(
        ids(&ctx.body["descendants"]),
        vec![reply_id.clone(), nested_id.clone()]
    );
    let ctx = get(&app, &format!("/api/v1/statuses/{nested_id}/context"), t).await;
    assert_eq!(
        ids(&ctx.body["ancestors"]),
        vec![thread_id.clone(), reply_id.clone()]
    );
    let shown = get(&app, &format!("/api/v1/statuses/{thread_id}"), None).await;
    assert_eq!(shown.body["replies_count"], 1);

    // A new status that mentions the group starts a thread, its first line the title.
    let posted = send(
        &app,
        Method::POST,
        "/api/v1/statuses",
        t,
        None,
        Some(json!({"status": "@design Accessible PDFs #accessibility\nDo you export tagged PDFs?", "visibility": "public"})),
    )
    .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    let (_, threads) = app.get("/api/v1/groups/design/threads", None).await;
    assert_eq!(
        threads["items"][0]["title"],
        "Accessible PDFs #accessibility"
    );
    assert_eq!(
        threads["items"][0]["body_source"],
        "Do you export tagged PDFs?"
    );
    assert_eq!(posted.body["tags"][0]["name"], "accessibility");
    let new_thread = posted.body["id"].as_str().unwrap().to_string();
    let tagged = get(&app, "/api/v1/timelines/tag/accessibility", None).await;
    assert_eq!(ids(&tagged.body), vec![new_thread.clone()]);
    // The tag's link leads to a page of its threads.
    let tag_url = path_of(posted.body["tags"][0]["url"].as_str().unwrap());
    let page = app
        .client
        .get(format!("{}{tag_url}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Accessible PDFs"));
    // Anything else is refused with a message that says how to post.
    let lost = post_form(&app, "/api/v1/statuses", t, &[("status", "Hello, world")]).await;
    assert_eq!(lost.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        lost.body["error"].as_str().unwrap().contains("mention one"),
        "{}",
        lost.body
    );
    let private = post_form(
        &app,
        "/api/v1/statuses",
        t,
        &[("status", "@design x"), ("visibility", "direct")],
    )
    .await;
    assert_eq!(private.status, StatusCode::UNPROCESSABLE_ENTITY);
    let media = post_form(
        &app,
        "/api/v1/statuses",
        t,
        &[("status", "@design x"), ("media_ids[]", "1")],
    )
    .await;
    assert_eq!(media.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The same Idempotency-Key twice posts once.
    let once = app
        .client
        .post(format!("{}/api/v1/statuses", app.base))
        .bearer_auth(&bob.token)
        .header("Idempotency-Key", "k1")
        .form(&[
            ("status", "Thanks!"),
            ("in_reply_to_id", thread_id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let twice = app
        .client
        .post(format!("{}/api/v1/statuses", app.base))
        .bearer_auth(&bob.token)
        .header("Idempotency-Key", "k1")
        .form(&[
            ("status", "Thanks!"),
            ("in_reply_to_id", thread_id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(once["id"], twice["id"]);

    // Edit, favourite, bookmark, delete.
    let edited = send(
        &app,
        Method::PUT,
        &format!("/api/v1/statuses/{reply_id}"),
        t,
        Some(&[("status", "Short sentences, always.")]),
        None,
    )
    .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(edited.body["edited_at"].is_string());
    let source = get(&app, &format!("/api/v1/statuses/{reply_id}/source"), t).await;
    assert_eq!(source.body["text"], "Short sentences, always.");
    let fav = post_form(
        &app,
        &format!("/api/v1/statuses/{thread_id}/favourite"),
        t,
        &[],
    )
    .await;
    assert_eq!(fav.body["favourited"], true);
    assert_eq!(fav.body["favourites_count"], 1);
    let by = get(
        &app,
        &format!("/api/v1/statuses/{thread_id}/favourited_by"),
        t,
    )
    .await;
    assert_eq!(by.body[0]["username"], "bob");
    let favs = get(&app, "/api/v1/favourites", t).await;
    assert_eq!(ids(&favs.body), vec![thread_id.clone()]);
    let unfav = post_form(
        &app,
        &format!("/api/v1/statuses/{thread_id}/unfavourite"),
        t,
        &[],
    )
    .await;
    assert_eq!(unfav.body["favourited"], false);
    assert_eq!(unfav.body["favourites_count"], 0);
    let marked = post_form(
        &app,
        &format!("/api/v1/statuses/{nested_id}/bookmark"),
        t,
        &[],
    )
    .await;
    assert_eq!(marked.body["bookmarked"], true);
    let marks = get(&app, "/api/v1/bookmarks", t).await;
    assert_eq!(ids(&marks.body), vec![nested_id.clone()]);
    post_form(
        &app,
        &format!("/api/v1/statuses/{nested_id}/unbookmark"),
        t,
        &[],
    )
    .await;
    assert!(ids(&get(&app, "/api/v1/bookmarks", t).await.body).is_empty());
    let boost = post_form(
        &app,
        &format!("/api/v1/statuses/{thread_id}/reblog"),
        t,
        &[],
    )
    .await;
    assert_eq!(boost.status, StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/statuses/{nested_id}"),
        t,
        None,
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.body["text"], "And one question per page.");
    assert_eq!(
        get(&app, &format!("/api/v1/statuses/{nested_id}"), t)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Someone else's status cannot be deleted.
    let theirs = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/statuses/{thread_id}"),
        t,
        None,
        None,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);

    // Unfollowing leaves the group.
    let rel = post_form(&app, &format!("/api/v1/accounts/{gid}/unfollow"), t, &[]).await;
    assert_eq!(rel.body["following"], false);
    let (_, g) = app.get("/api/v1/groups/design", None).await;
    assert_eq!(g["member_count"], 1);
}

#[tokio::test]
async fn timelines_page_with_link_headers_and_lists_hold_groups() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "design").await;
    app.group(&alice, "data").await;
    for n in 0..5 {
        app.thread(&alice, "design", &format!("Design {n}")).await;
        app.thread(&alice, "data", &format!("Data {n}")).await;
    }
    let me = sign_in(&app, "alice", "read write").await;
    let t = Some(me.token.as_str());
    let all = get(&app, "/api/v1/timelines/public?local=true", None).await;
    assert_eq!(all.body.as_array().unwrap().len(), 10);
    let all_ids = ids(&all.body);

    // Pages of three, newest first, following the Link header down and back up.
    let page = get(&app, "/api/v1/timelines/home?limit=3", t).await;
    assert_eq!(ids(&page.body), all_ids[..3]);
    let l = links(&page);
    let next = &l.iter().find(|(r, _)| r == "next").unwrap().1;
    assert!(
        next.contains("limit=3") && next.contains(&format!("max_id={}", all_ids[2])),
        "{next}"
    );
    let page2 = get(&app, &path_of(next), t).await;
    assert_eq!(ids(&page2.body), all_ids[3..6]);
    let prev = &links(&page2)
        .into_iter()
        .find(|(r, _)| r == "prev")
        .unwrap()
        .1;
    let back = get(&app, &path_of(prev), t).await;
    assert_eq!(ids(&back.body), all_ids[..3]);
    // since_id: the newest above it; min_id: the oldest above it.
    let since = get(
        &app,
        &format!("/api/v1/timelines/home?since_id={}&limit=2", all_ids[5]),
        t,
    )
    .await;
    assert_eq!(ids(&since.body), all_ids[..2]);
    let min = get(
        &app,
        &format!("/api/v1/timelines/home?min_id={}&limit=2", all_ids[5]),
        t,
    )
    .await;
    assert_eq!(ids(&min.body), all_ids[3..5]);
    // An empty page has no Link header.
    let none = get(
        &app,
        &format!("/api/v1/timelines/home?since_id={}", all_ids[0]),
        t,
    )
    .await;
    assert!(ids(&none.body).is_empty());
    assert!(links(&none).is_empty());

    // A list holds groups; its timeline shows theirs.
    let list = post_form(&app, "/api/v1/lists", t, &[("title", "Data people")]).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let lid = list.body["id"].as_str().unwrap().to_string();
    let data = get(&app, "/api/v1/accounts/lookup?acct=data", t).await.body;
    let added = send(
        &app,
        Method::POST,
        &format!("/api/v1/lists/{lid}/accounts"),
        t,
        None,
        Some(json!({"account_ids": [data["id"]]})),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let person = get(&app, "/api/v1/accounts/lookup?acct=alice", t)
        .await
        .body;
    let refused = post_form(
        &app,
        &format!("/api/v1/lists/{lid}/accounts"),
        t,
        &[("account_ids[]", person["id"].as_str().unwrap())],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let members = get(&app, &format!("/api/v1/lists/{lid}/accounts"), t).await;
    assert_eq!(members.body[0]["acct"], "data");
    let timeline = get(&app, &format!("/api/v1/timelines/list/{lid}"), t).await;
    let titles: Vec<&str> = timeline
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 5);
    assert!(titles.iter().all(|c| c.contains("Data ")), "{titles:?}");
    let renamed = send(
        &app,
        Method::PUT,
        &format!("/api/v1/lists/{lid}"),
        t,
        Some(&[("title", "Data")]),
        None,
    )
    .await;
    assert_eq!(renamed.body["title"], "Data");
    assert_eq!(get(&app, "/api/v1/lists", t).await.body[0]["title"], "Data");
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/accounts/{}/lists", data["id"].as_str().unwrap()),
            t
        )
        .await
        .body[0]["id"],
        lid.as_str()
    );
    let removed = send(
        &app,
        Method::DELETE,
        &format!(
            "/api/v1/lists/{lid}/accounts?account_ids[]={}",
            data["id"].as_str().unwrap()
        ),
        t,
        None,
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK);
    assert!(ids(&get(&app, &format!("/api/v1/timelines/list/{lid}"), t)
        .await
        .body)
    .is_empty());
    send(
        &app,
        Method::DELETE,
        &format!("/api/v1/lists/{lid}"),
        t,
        None,
        None,
    )
    .await;
    assert_eq!(
        get(&app, &format!("/api/v1/lists/{lid}"), t).await.status,
        StatusCode::NOT_FOUND
    );
    // Someone else's list is nobody's business.
    app.register("bob").await;
    let bob = sign_in(&app, "bob", "read write").await;
    let mine = post_form(&app, "/api/v1/lists", t, &[("title", "Mine")])
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/timelines/list/{mine}"),
            Some(&bob.token)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn notifications_markers_search_and_profiles() {
    let app = spawn_app().await;
    let alice_native = app.register("alice").await;
    app.group(&alice_native, "design").await;
    app.thread(&alice_native, "design", "Service maps").await;
    app.register("bob").await;
    let alice = sign_in(&app, "alice", "read write follow").await;
    let bob = sign_in(&app, "bob", "read write follow").await;
    let (ta, tb) = (Some(alice.token.as_str()), Some(bob.token.as_str()));

    // Bob follows alice and the group, replies and favourites: alice hears of each.
    let alice_acct = get(&app, "/api/v1/accounts/lookup?acct=alice", tb)
        .await
        .body;
    let aid = alice_acct["id"].as_str().unwrap();
    let f = post_form(&app, &format!("/api/v1/accounts/{aid}/follow"), tb, &[]).await;
    assert_eq!(f.body["following"], true);
    let gid = get(&app, "/api/v1/accounts/lookup?acct=design", tb)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    post_form(&app, &format!("/api/v1/accounts/{gid}/follow"), tb, &[]).await;
    let home = get(&app, "/api/v1/timelines/home", tb).await;
    let thread = home.body[0]["id"].as_str().unwrap().to_string();
    post_form(
        &app,
        "/api/v1/statuses",
        tb,
        &[("status", "Love these"), ("in_reply_to_id", &thread)],
    )
    .await;
    post_form(
        &app,
        &format!("/api/v1/statuses/{thread}/favourite"),
        tb,
        &[],
    )
    .await;
    let notes = get(&app, "/api/v1/notifications", ta).await;
    assert_eq!(notes.status, StatusCode::OK, "{}", notes.body);
    let kinds: Vec<&str> = notes
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["favourite", "mention", "follow", "follow"],
        "{}",
        notes.body
    );
    assert_eq!(notes.body[0]["status"]["id"], thread.as_str());
    assert_eq!(notes.body[0]["account"]["username"], "bob");
    let only = get(&app, "/api/v1/notifications?types[]=mention", ta).await;
    assert_eq!(only.body.as_array().unwrap().len(), 1);
    let grouped = get(&app, "/api/v2/notifications", ta).await;
    assert_eq!(
        grouped.body["notification_groups"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(grouped.body["accounts"][0]["username"], "bob");
    // Each group can be read, its accounts listed and dismissed on its own.
    let key = grouped.body["notification_groups"][0]["group_key"]
        .as_str()
        .unwrap()
        .to_string();
    let one = get(&app, &format!("/api/v2/notifications/{key}"), ta).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(
        one.body["notification_groups"][0]["group_key"],
        key.as_str()
    );
    let who = get(&app, &format!("/api/v2/notifications/{key}/accounts"), ta).await;
    assert_eq!(who.body[0]["username"], "bob");
    let unknown = get(&app, "/api/v2/notifications/ungrouped-999999", ta).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // Markers: unread counts follow them.
    let newest = notes.body[0]["id"].as_str().unwrap().to_string();
    let unread = get(&app, "/api/v1/notifications/unread_count", ta).await;
    assert_eq!(unread.body["count"], 4);
    let set = post_form(
        &app,
        "/api/v1/markers",
        ta,
        &[("notifications[last_read_id]", &newest)],
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.body["notifications"]["last_read_id"], newest.as_str());
    let again = send(
        &app,
        Method::POST,
        "/api/v1/markers",
        ta,
        None,
        Some(json!({"notifications": {"last_read_id": newest}})),
    )
    .await;
    assert_eq!(again.body["notifications"]["version"], 2);
    assert_eq!(
        get(&app, "/api/v1/notifications/unread_count", ta)
            .await
            .body["count"],
        0
    );
    let markers = get(&app, "/api/v1/markers?timeline[]=notifications", ta).await;
    assert_eq!(
        markers.body["notifications"]["last_read_id"],
        newest.as_str()
    );
    let dismissed = post_form(
        &app,
        &format!("/api/v1/notifications/{newest}/dismiss"),
        ta,
        &[],
    )
    .await;
    assert_eq!(dismissed.status, StatusCode::OK);
    assert_eq!(
        get(&app, &format!("/api/v1/notifications/{newest}"), ta)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    post_form(&app, "/api/v1/notifications/clear", ta, &[]).await;
    assert!(get(&app, "/api/v1/notifications", ta)
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());

    // Profiles count follows and statuses.
    let alice_now = get(&app, &format!("/api/v1/accounts/{aid}"), None)
        .await
        .body;
    assert_eq!(alice_now["followers_count"], 1);
    assert_eq!(alice_now["statuses_count"], 1);
    let followers = get(&app, &format!("/api/v1/accounts/{aid}/followers"), None).await;
    assert_eq!(followers.body[0]["username"], "bob");
    let members = get(&app, &format!("/api/v1/accounts/{gid}/followers"), None).await;
    assert_eq!(members.body.as_array().unwrap().len(), 2);
    // A member may remove a follower; the relationship then says so from both sides.
    let bob_id = followers.body[0]["id"].as_str().unwrap().to_string();
    let removed = post_form(
        &app,
        &format!("/api/v1/accounts/{bob_id}/remove_from_followers"),
        ta,
        &[],
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(removed.body["followed_by"], false);
    assert_eq!(
        get(&app, &format!("/api/v1/accounts/{aid}"), None)
            .await
            .body["followers_count"],
        0
    );
    // The profile can be changed, by form or JSON.
    let changed = send(
        &app,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        tb,
        Some(&[
            ("display_name", "Bob B."),
            ("note", "Forms *nerd*"),
            ("fields_attributes[0][name]", "Agency"),
            ("fields_attributes[0][value]", "Treasury"),
        ]),
        None,
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["display_name"], "Bob B.");
    assert!(changed.body["note"]
        .as_str()
        .unwrap()
        .contains("<em>nerd</em>"));
    assert_eq!(changed.body["source"]["note"], "Forms *nerd*");
    assert_eq!(changed.body["fields"][0]["name"], "Agency");
    let json_change = send(
        &app,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        tb,
        None,
        Some(json!({"display_name": "Bob"})),
    )
    .await;
    assert_eq!(json_change.body["display_name"], "Bob");

    // Search finds people, groups, threads and tags.
    let found = get(&app, "/api/v2/search?q=des", tb).await;
    assert_eq!(found.body["accounts"][0]["acct"], "design");
    let found = get(&app, "/api/v2/search?q=service&type=statuses", tb).await;
    assert_eq!(found.body["statuses"][0]["id"], thread.as_str());
    let people = get(&app, "/api/v1/accounts/search?q=bo", tb).await;
    assert_eq!(people.body[0]["username"], "bob");
}

/// A group on alpha, found, followed, read and replied to by a member of beta through an app
/// signed in on beta.
#[tokio::test]
async fn an_app_on_one_instance_reads_and_replies_to_a_group_on_another() {
    use crate::helpers::{eventually, spawn_named};
    let alpha = spawn_named("alpha").await;
    let beta = spawn_named("beta").await;
    let alice = alpha.register("alice").await;
    alpha.group(&alice, "design").await;
    let thread = alpha
        .thread(&alice, "design", "Forms across agencies")
        .await;
    beta.register("bob").await;
    let bob = sign_in(&beta, "bob", "read write follow").await;
    let t = Some(bob.token.as_str());

    // Search with resolve=true fetches the group from alpha.
    let handle = alpha.handle("design");
    let found = get(
        &beta,
        &format!("/api/v2/search?q=@{handle}&resolve=true&type=accounts"),
        t,
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let group = &found.body["accounts"][0];
    assert_eq!(group["acct"], handle.as_str());
    assert_eq!(group["group"], true);
    let gid = group["id"].as_str().unwrap().to_string();
    let rel = post_form(&beta, &format!("/api/v1/accounts/{gid}/follow"), t, &[]).await;
    assert_eq!(
        rel.body["requested"], true,
        "pending until alpha accepts: {}",
        rel.body
    );
    eventually("alpha accepts", || async {
        get(
            &beta,
            &format!("/api/v1/accounts/relationships?id[]={gid}"),
            t,
        )
        .await
        .body[0]["following"]
            == true
    })
    .await;

    // The thread, posted before beta joined, is fetched by URL; a new one arrives by itself.
    let url = format!("http://{}/t/{thread}", alpha.server.state.config.domain);
    let fetched = get(
        &beta,
        &format!("/api/v2/search?q={url}&resolve=true&type=statuses"),
        t,
    )
    .await;
    assert_eq!(
        fetched.body["statuses"][0]["uri"],
        url.as_str(),
        "{}",
        fetched.body
    );
    alpha.thread(&alice, "design", "Plain language").await;
    eventually("the new thread reaches bob's home timeline", || async {
        get(&beta, "/api/v1/timelines/home", t)
            .await
            .body
            .as_array()
            .is_some_and(|a| {
                a.iter().any(|s| {
                    s["content"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("Plain language")
                })
            })
    })
    .await;
    let home = get(&beta, "/api/v1/timelines/home", t).await.body;
    let remote = home
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["content"].as_str().unwrap().contains("Plain language"))
        .unwrap()
        .clone();
    assert_eq!(remote["account"]["acct"], alpha.handle("alice").as_str());
    assert!(remote["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("http://{}", alpha.server.state.config.domain)));

    // Bob replies from his app; the reply reaches alpha under the thread.
    let reply = post_form(
        &beta,
        "/api/v1/statuses",
        t,
        &[
            ("status", "We use short sentences."),
            ("in_reply_to_id", remote["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let (_, threads) = alpha.get("/api/v1/groups/design/threads", None).await;
    let on_alpha = threads["items"][0]["id"].as_i64().unwrap();
    eventually("the reply reaches alpha", || async {
        let (_, d) = alpha
            .get(&format!("/api/v1/threads/{on_alpha}"), None)
            .await;
        d["comments"][0]["author"]["handle"] == beta.handle("bob")
    })
    .await;
    // A new thread from the app, in the remote group.
    let started = post_form(
        &beta,
        "/api/v1/statuses",
        t,
        &[(
            "status",
            &format!("@{handle} Accessible PDFs\nTagged or not?"),
        )],
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    eventually("the new thread reaches alpha", || async {
        let (_, threads) = alpha.get("/api/v1/groups/design/threads", None).await;
        threads["items"][0]["title"] == "Accessible PDFs"
    })
    .await;
}

#[tokio::test]
async fn join_requests_mentions_reports_and_the_rest() {
    let app = spawn_app().await;
    let steward_native = app.register("alice").await;
    app.post(
        "/api/v1/groups",
        Some(&steward_native),
        json!({"name": "closed", "title": "Closed", "approval_required": true}),
    )
    .await;
    app.group(&steward_native, "open").await;
    app.register("bob").await;
    app.register("carol").await;
    let alice = sign_in(&app, "alice", "read write follow").await;
    let bob = sign_in(&app, "bob", "read write follow").await;
    let carol = sign_in(&app, "carol", "read write follow").await;
    let (ta, tb, tc) = (
        Some(alice.token.as_str()),
        Some(bob.token.as_str()),
        Some(carol.token.as_str()),
    );

    // Joining a group that approves members is a follow request for its stewards.
    let closed = get(&app, "/api/v1/accounts/lookup?acct=closed", tb)
        .await
        .body;
    let cid = closed["id"].as_str().unwrap();
    assert_eq!(closed["locked"], true);
    let rel = post_form(&app, &format!("/api/v1/accounts/{cid}/follow"), tb, &[]).await;
    assert_eq!(rel.body["requested"], true);
    post_form(&app, &format!("/api/v1/accounts/{cid}/follow"), tc, &[]).await;
    let requests = get(&app, "/api/v1/follow_requests", ta).await;
    let names: Vec<&str> = requests
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["carol", "bob"]);
    let notes = get(&app, "/api/v1/notifications?types[]=follow_request", ta).await;
    assert_eq!(notes.body.as_array().unwrap().len(), 2);
    let bob_id = requests.body[1]["id"].as_str().unwrap().to_string();
    let carol_id = requests.body[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        post_form(
            &app,
            &format!("/api/v1/follow_requests/{bob_id}/authorize"),
            ta,
            &[]
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        post_form(
            &app,
            &format!("/api/v1/follow_requests/{carol_id}/reject"),
            ta,
            &[]
        )
        .await
        .status,
        StatusCode::OK
    );
    assert!(get(&app, "/api/v1/follow_requests", ta)
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
    let rels = get(
        &app,
        &format!("/api/v1/accounts/relationships?id[]={cid}"),
        tb,
    )
    .await;
    assert_eq!(rels.body[0]["following"], true);
    let rels = get(
        &app,
        &format!("/api/v1/accounts/relationships?id[]={cid}"),
        tc,
    )
    .await;
    assert_eq!(rels.body[0]["following"], false);
    assert_eq!(rels.body[0]["requested"], false);
    // Only a steward answers requests.
    assert_eq!(
        post_form(
            &app,
            &format!("/api/v1/follow_requests/{carol_id}/authorize"),
            tb,
            &[]
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Mentioning someone here tells them.
    let open = get(&app, "/api/v1/accounts/lookup?acct=open", tb)
        .await
        .body;
    post_form(
        &app,
        &format!("/api/v1/accounts/{}/follow", open["id"].as_str().unwrap()),
        tb,
        &[],
    )
    .await;
    let posted = post_form(
        &app,
        "/api/v1/statuses",
        tb,
        &[("status", "@open Asking @carol about forms")],
    )
    .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    let mentioned = get(&app, "/api/v1/notifications?types[]=mention", tc).await;
    assert_eq!(mentioned.body[0]["status"]["id"], posted.body["id"]);

    // Following and followers of people; several accounts at once.
    let alice_id = get(&app, "/api/v1/accounts/lookup?acct=alice", tb)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    post_form(
        &app,
        &format!("/api/v1/accounts/{alice_id}/follow"),
        tb,
        &[],
    )
    .await;
    let bob_acct = get(&app, "/api/v1/accounts/verify_credentials", tb)
        .await
        .body;
    let following = get(
        &app,
        &format!(
            "/api/v1/accounts/{}/following",
            bob_acct["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(following.body[0]["username"], "alice");
    let many = get(
        &app,
        &format!("/api/v1/accounts?id[]={alice_id}&id[]={cid}"),
        tb,
    )
    .await;
    assert_eq!(many.body.as_array().unwrap().len(), 2);

    // Reports reach the group's stewards.
    let report = post_form(
        &app,
        "/api/v1/reports",
        tc,
        &[
            ("status_ids[]", posted.body["id"].as_str().unwrap()),
            ("comment", "Off topic"),
        ],
    )
    .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let (_, reports) = app
        .get("/api/v1/groups/open/reports", Some(&steward_native))
        .await;
    assert_eq!(reports["items"][0]["reason"], "Off topic", "{reports}");

    // The rest apps call, answered.
    let prefs = get(&app, "/api/v1/preferences", tb).await;
    assert_eq!(prefs.body["posting:default:visibility"], "public");
    assert!(get(&app, "/api/v1/timelines/public?remote=true", tb)
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
    assert!(get(&app, "/api/v1/timelines/direct", tb)
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
    let sid = posted.body["id"].as_str().unwrap();
    assert!(
        get(&app, &format!("/api/v1/statuses/{sid}/reblogged_by"), tb)
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    let history = get(&app, &format!("/api/v1/statuses/{sid}/history"), tb).await;
    assert_eq!(history.body.as_array().unwrap().len(), 1);
    for (path, why) in [
        (format!("/api/v1/accounts/{alice_id}/block"), "Blocking"),
        (format!("/api/v1/statuses/{sid}/pin"), "Pinning"),
        ("/api/v2/media".to_string(), "Media"),
    ] {
        let a = post_form(&app, &path, tb, &[]).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            a.body["error"].as_str().unwrap().contains(why),
            "{path}: {}",
            a.body
        );
    }
    // Push needs its scope; with it, there is no subscription to show.
    let no_scope = send(
        &app,
        Method::GET,
        "/api/v1/push/subscription",
        tb,
        None,
        None,
    )
    .await;
    assert_eq!(no_scope.status, StatusCode::FORBIDDEN);
    let pusher = sign_in(&app, "bob", "read push").await;
    let missing = get(&app, "/api/v1/push/subscription", Some(&pusher.token)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn timelines_can_show_threads_as_their_groups_boosts() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "design").await;
    for n in 0..3 {
        app.thread(&alice, "design", &format!("Thread {n}")).await;
    }
    let me = sign_in(&app, "alice", "read write").await;
    let t = Some(me.token.as_str());
    let plain = get(&app, "/api/v1/timelines/home?limit=2", t).await;
    assert_eq!(plain.body[0]["account"]["username"], "alice");
    assert_eq!(plain.body[0]["reblog"], Value::Null);
    let boosts = get(&app, "/api/v1/timelines/home?limit=2&group_boosts=true", t).await;
    let first = &boosts.body[0];
    assert_eq!(first["account"]["acct"], "design");
    assert_eq!(first["account"]["group"], true);
    assert_eq!(first["reblog"]["id"], plain.body[0]["id"]);
    assert_eq!(first["reblog"]["account"]["username"], "alice");
    assert_ne!(first["id"], plain.body[0]["id"]);
    // Paging goes on through the boosts' ids, which keep their order.
    let next = links(&boosts)
        .into_iter()
        .find(|(r, _)| r == "next")
        .unwrap()
        .1;
    assert!(next.contains("group_boosts=true"));
    let older = get(&app, &path_of(&next), t).await;
    assert_eq!(older.body.as_array().unwrap().len(), 1);
    assert!(older.body[0]["reblog"]["content"]
        .as_str()
        .unwrap()
        .contains("Thread 0"));
    // A boost's id opens the status it boosts.
    let opened = get(
        &app,
        &format!("/api/v1/statuses/{}", first["id"].as_str().unwrap()),
        t,
    )
    .await;
    assert_eq!(opened.body["id"], plain.body[0]["id"]);
}

#[tokio::test]
async fn a_long_first_line_stays_whole_and_mention_lines_are_skipped() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    app.group(&alice, "design").await;
    let me = sign_in(&app, "alice", "read write").await;
    let t = Some(me.token.as_str());
    let long = "word ".repeat(80);
    let text = format!("@design\n{}\nSecond line.", long.trim());
    let posted = send(
        &app,
        Method::POST,
        "/api/v1/statuses",
        t,
        None,
        Some(json!({"status": text, "spoiler_text": "Long"})),
    )
    .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    let (_, threads) = app.get("/api/v1/groups/design/threads", None).await;
    let thread = &threads["items"][0];
    let title = thread["title"].as_str().unwrap();
    assert!(
        title.ends_with('…') && title.chars().count() <= 200,
        "{title}"
    );
    let body = thread["body_source"].as_str().unwrap();
    assert!(body.starts_with("**Long**"), "{body}");
    assert!(
        body.contains(long.trim()) && body.ends_with("Second line."),
        "{body}"
    );
    let only_mention = post_form(&app, "/api/v1/statuses", t, &[("status", "@design")]).await;
    assert_eq!(only_mention.status, StatusCode::UNPROCESSABLE_ENTITY);
}

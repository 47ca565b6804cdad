//! Every entity the Mastodon client API returns, checked field by field against the fields and
//! types the Mastodon documentation lists as always present.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::mastodon::{get, post_form, send, sign_in};
use crate::helpers::spawn_app;

#[derive(Clone, Copy, Debug)]
enum T {
    Str,
    /// A string of digits.
    Id,
    Int,
    Bool,
    Arr,
    Obj,
    /// ISO 8601 with milliseconds and `Z`.
    Time,
    /// `YYYY-MM-DD`.
    Date,
    /// The type, or null.
    Or(&'static T),
}

fn fits(v: &Value, t: T) -> bool {
    match t {
        T::Str => v.is_string(),
        T::Id => v
            .as_str()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())),
        T::Int => v.is_i64(),
        T::Bool => v.is_boolean(),
        T::Arr => v.is_array(),
        T::Obj => v.is_object(),
        T::Time => v.as_str().is_some_and(|s| {
            s.len() == 24
                && s.ends_with('Z')
                && s.as_bytes()[10] == b'T'
                && s.as_bytes()[19] == b'.'
                && chrono::DateTime::parse_from_rfc3339(s).is_ok()
        }),
        T::Date => v
            .as_str()
            .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()),
        T::Or(inner) => v.is_null() || fits(v, *inner),
    }
}

/// Checks that every field is present with its type; names what does not.
fn check(entity: &str, v: &Value, spec: &[(&str, T)]) {
    let problems: Vec<String> = spec
        .iter()
        .filter_map(|(field, t)| match v.get(field) {
            None => Some(format!("{field} is missing")),
            Some(value) if !fits(value, *t) => Some(format!("{field} is {value}, not {t:?}")),
            Some(_) => None,
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{entity}: {}\n{v:#}",
        problems.join("; ")
    );
}

const ACCOUNT: &[(&str, T)] = &[
    ("id", T::Id),
    ("username", T::Str),
    ("acct", T::Str),
    ("url", T::Str),
    ("display_name", T::Str),
    ("note", T::Str),
    ("avatar", T::Str),
    ("avatar_static", T::Str),
    ("header", T::Str),
    ("header_static", T::Str),
    ("locked", T::Bool),
    ("fields", T::Arr),
    ("emojis", T::Arr),
    ("bot", T::Bool),
    ("group", T::Bool),
    ("discoverable", T::Or(&T::Bool)),
    ("created_at", T::Time),
    ("last_status_at", T::Or(&T::Date)),
    ("statuses_count", T::Int),
    ("followers_count", T::Int),
    ("following_count", T::Int),
];

const SOURCE: &[(&str, T)] = &[
    ("note", T::Str),
    ("fields", T::Arr),
    ("privacy", T::Str),
    ("sensitive", T::Bool),
    ("language", T::Or(&T::Str)),
    ("follow_requests_count", T::Int),
];

const ROLE: &[(&str, T)] = &[
    ("id", T::Str),
    ("name", T::Str),
    ("color", T::Str),
    ("permissions", T::Str),
    ("highlighted", T::Bool),
];

const FIELD: &[(&str, T)] = &[
    ("name", T::Str),
    ("value", T::Str),
    ("verified_at", T::Or(&T::Time)),
];

const STATUS: &[(&str, T)] = &[
    ("id", T::Id),
    ("uri", T::Str),
    ("created_at", T::Time),
    ("account", T::Obj),
    ("content", T::Str),
    ("visibility", T::Str),
    ("sensitive", T::Bool),
    ("spoiler_text", T::Str),
    ("media_attachments", T::Arr),
    ("mentions", T::Arr),
    ("tags", T::Arr),
    ("emojis", T::Arr),
    ("reblogs_count", T::Int),
    ("favourites_count", T::Int),
    ("replies_count", T::Int),
    ("url", T::Or(&T::Str)),
    ("in_reply_to_id", T::Or(&T::Id)),
    ("in_reply_to_account_id", T::Or(&T::Id)),
    ("reblog", T::Or(&T::Obj)),
    ("poll", T::Or(&T::Obj)),
    ("card", T::Or(&T::Obj)),
    ("language", T::Or(&T::Str)),
    ("text", T::Or(&T::Str)),
    ("edited_at", T::Or(&T::Time)),
    ("favourited", T::Bool),
    ("reblogged", T::Bool),
    ("muted", T::Bool),
    ("bookmarked", T::Bool),
    ("pinned", T::Bool),
];

const MENTION: &[(&str, T)] = &[
    ("id", T::Id),
    ("username", T::Str),
    ("url", T::Str),
    ("acct", T::Str),
];

const STATUS_TAG: &[(&str, T)] = &[("name", T::Str), ("url", T::Str)];

const CARD: &[(&str, T)] = &[
    ("url", T::Str),
    ("title", T::Str),
    ("description", T::Str),
    ("type", T::Str),
    ("author_name", T::Str),
    ("author_url", T::Str),
    ("provider_name", T::Str),
    ("provider_url", T::Str),
    ("html", T::Str),
    ("width", T::Int),
    ("height", T::Int),
    ("image", T::Or(&T::Str)),
    ("embed_url", T::Str),
    ("blurhash", T::Or(&T::Str)),
];

const RELATIONSHIP: &[(&str, T)] = &[
    ("id", T::Id),
    ("following", T::Bool),
    ("showing_reblogs", T::Bool),
    ("notifying", T::Bool),
    ("languages", T::Or(&T::Arr)),
    ("followed_by", T::Bool),
    ("blocking", T::Bool),
    ("blocked_by", T::Bool),
    ("muting", T::Bool),
    ("muting_notifications", T::Bool),
    ("requested", T::Bool),
    ("requested_by", T::Bool),
    ("domain_blocking", T::Bool),
    ("endorsed", T::Bool),
    ("note", T::Str),
];

const CREDENTIAL_APPLICATION: &[(&str, T)] = &[
    ("id", T::Id),
    ("name", T::Str),
    ("website", T::Or(&T::Str)),
    ("scopes", T::Arr),
    ("redirect_uri", T::Str),
    ("redirect_uris", T::Arr),
    ("client_id", T::Str),
    ("client_secret", T::Str),
    ("client_secret_expires_at", T::Int),
];

const APPLICATION: &[(&str, T)] = &[
    ("name", T::Str),
    ("website", T::Or(&T::Str)),
    ("scopes", T::Arr),
    ("redirect_uris", T::Arr),
];

const TOKEN: &[(&str, T)] = &[
    ("access_token", T::Str),
    ("token_type", T::Str),
    ("scope", T::Str),
    ("created_at", T::Int),
];

const NOTIFICATION: &[(&str, T)] = &[
    ("id", T::Id),
    ("type", T::Str),
    ("group_key", T::Str),
    ("created_at", T::Time),
    ("account", T::Obj),
];

const LIST: &[(&str, T)] = &[
    ("id", T::Id),
    ("title", T::Str),
    ("replies_policy", T::Str),
    ("exclusive", T::Bool),
];

const TAG: &[(&str, T)] = &[("name", T::Str), ("url", T::Str), ("history", T::Arr)];

const MARKER: &[(&str, T)] = &[
    ("last_read_id", T::Str),
    ("version", T::Int),
    ("updated_at", T::Time),
];

const INSTANCE_V2: &[(&str, T)] = &[
    ("domain", T::Str),
    ("title", T::Str),
    ("version", T::Str),
    ("source_url", T::Str),
    ("description", T::Str),
    ("usage", T::Obj),
    ("thumbnail", T::Obj),
    ("languages", T::Arr),
    ("configuration", T::Obj),
    ("registrations", T::Obj),
    ("api_versions", T::Obj),
    ("contact", T::Obj),
    ("rules", T::Arr),
];

const INSTANCE_V1: &[(&str, T)] = &[
    ("uri", T::Str),
    ("title", T::Str),
    ("short_description", T::Str),
    ("description", T::Str),
    ("email", T::Str),
    ("version", T::Str),
    ("urls", T::Obj),
    ("stats", T::Obj),
    ("thumbnail", T::Or(&T::Str)),
    ("languages", T::Arr),
    ("registrations", T::Bool),
    ("approval_required", T::Bool),
    ("invites_enabled", T::Bool),
    ("configuration", T::Obj),
    ("contact_account", T::Or(&T::Obj)),
    ("rules", T::Arr),
];

const RULE: &[(&str, T)] = &[("id", T::Str), ("text", T::Str), ("hint", T::Str)];

fn check_account(v: &Value) {
    check("Account", v, ACCOUNT);
    for f in v["fields"].as_array().unwrap() {
        check("Field", f, FIELD);
    }
}

fn check_status(v: &Value) {
    check("Status", v, STATUS);
    check_account(&v["account"]);
    for m in v["mentions"].as_array().unwrap() {
        check("Mention", m, MENTION);
    }
    for t in v["tags"].as_array().unwrap() {
        check("Status tag", t, STATUS_TAG);
    }
    if v["card"].is_object() {
        check("PreviewCard", &v["card"], CARD);
    }
    assert!(
        ["public", "unlisted", "private", "direct"].contains(&v["visibility"].as_str().unwrap()),
        "{v}"
    );
}

#[tokio::test]
async fn entities_have_every_documented_field() {
    let app = spawn_app().await;
    let native = app.register("alice").await;
    app.patch(
        "/api/v1/me",
        Some(&native),
        json!({"agency": "Treasury", "role": "Designer", "bio": "Hi"}),
    )
    .await;
    app.group(&native, "design").await;
    app.post(
        "/api/v1/groups/design/threads",
        Some(&native),
        json!({"title": "Forms #plain", "body": "Body", "url": "https://guide.example/forms"}),
    )
    .await;
    app.register("bob").await;
    let oob = "urn:ietf:wg:oauth:2.0:oob";

    let registered = post_form(
        &app,
        "/api/v1/apps",
        None,
        &[
            ("client_name", "Shape"),
            ("redirect_uris", oob),
            ("scopes", "read write follow push"),
        ],
    )
    .await;
    check(
        "Application (registered)",
        &registered.body,
        CREDENTIAL_APPLICATION,
    );
    let bob = sign_in(&app, "bob", "read write follow push").await;
    let t = Some(bob.token.as_str());
    check(
        "Application",
        &get(&app, "/api/v1/apps/verify_credentials", t).await.body,
        APPLICATION,
    );
    let token = post_form(
        &app,
        "/oauth/token",
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &bob.client_id),
            ("client_secret", &bob.client_secret),
        ],
    )
    .await;
    check("Token", &token.body, TOKEN);

    let me = get(&app, "/api/v1/accounts/verify_credentials", t)
        .await
        .body;
    check_account(&me);
    check("Source", &me["source"], SOURCE);
    check("Role", &me["role"], ROLE);
    let alice = get(&app, "/api/v1/accounts/lookup?acct=alice", t)
        .await
        .body;
    check_account(&alice);
    assert_eq!(alice["fields"].as_array().unwrap().len(), 2);
    let group = get(&app, "/api/v1/accounts/lookup?acct=design", t)
        .await
        .body;
    check_account(&group);
    let gid = group["id"].as_str().unwrap();
    let rel = post_form(&app, &format!("/api/v1/accounts/{gid}/follow"), t, &[])
        .await
        .body;
    check("Relationship", &rel, RELATIONSHIP);
    for r in get(
        &app,
        &format!("/api/v1/accounts/relationships?id[]={gid}"),
        t,
    )
    .await
    .body
    .as_array()
    .unwrap()
    {
        check("Relationship", r, RELATIONSHIP);
    }

    let home = get(&app, "/api/v1/timelines/home", t).await.body;
    let thread = &home[0];
    check_status(thread);
    assert!(thread["card"].is_object(), "the thread's link is its card");
    let tid = thread["id"].as_str().unwrap();
    let reply = post_form(
        &app,
        "/api/v1/statuses",
        t,
        &[("status", "A reply"), ("in_reply_to_id", tid)],
    )
    .await
    .body;
    check_status(&reply);
    let context = get(&app, &format!("/api/v1/statuses/{tid}/context"), t)
        .await
        .body;
    assert!(context["ancestors"].is_array() && context["descendants"].is_array());
    for s in context["descendants"].as_array().unwrap() {
        check_status(s);
    }
    let deleted = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/statuses/{}", reply["id"].as_str().unwrap()),
        t,
        None,
        None,
    )
    .await;
    check_status(&deleted.body);
    assert!(deleted.body["text"].is_string());

    let list = post_form(&app, "/api/v1/lists", t, &[("title", "Mine")])
        .await
        .body;
    check("List", &list, LIST);
    let tag = get(&app, "/api/v1/tags/plain", t).await.body;
    check("Tag", &tag, TAG);
    let search = get(&app, "/api/v2/search?q=plain", t).await.body;
    for h in search["hashtags"].as_array().unwrap() {
        check("Tag (search)", h, TAG);
    }
    assert!(search["accounts"].is_array() && search["statuses"].is_array());

    // Alice's notifications: a follow of her group, a reply.
    let alice_app = sign_in(&app, "alice", "read write").await;
    let notes = get(&app, "/api/v1/notifications", Some(&alice_app.token))
        .await
        .body;
    assert!(!notes.as_array().unwrap().is_empty());
    for n in notes.as_array().unwrap() {
        check("Notification", n, NOTIFICATION);
        check_account(&n["account"]);
    }
    let markers = post_form(&app, "/api/v1/markers", t, &[("home[last_read_id]", tid)])
        .await
        .body;
    check("Marker", &markers["home"], MARKER);

    let v2 = get(&app, "/api/v2/instance", None).await.body;
    check("Instance", &v2, INSTANCE_V2);
    assert!(v2["configuration"]["urls"]["streaming"].is_string());
    assert!(v2["registrations"]["enabled"].is_boolean());
    let admin = app.admin("root").await;
    let (status, _) = app
        .patch(
            "/api/v1/site",
            Some(&admin),
            json!({"rules": "Be kind.\n- No spam."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let v1 = get(&app, "/api/v1/instance", None).await.body;
    assert_eq!(v1["rules"][1]["text"], "No spam.");
    check("Instance (v1)", &v1, INSTANCE_V1);
    assert!(v1["stats"]["user_count"].is_i64() && v1["urls"]["streaming_api"].is_string());
    for r in v1["rules"].as_array().unwrap() {
        check("Rule", r, RULE);
    }

    // Errors are {"error": "…"}.
    let missing = get(&app, "/api/v1/statuses/999999", t).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body, json!({"error": "Record not found"}));
}

//! Diesel table definitions, written by hand to match both migration folders.

diesel::table! {
    instances (id) {
        id -> BigInt,
        domain -> Text,
        local -> Bool,
        name -> Text,
        description -> Text,
        rules -> Text,
        registration_mode -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        blocked -> Bool,
        allowed -> Bool,
        federation_mode -> Text,
        failure_count -> Integer,
        last_success_at -> Nullable<Timestamp>,
        dead_since -> Nullable<Timestamp>,
        public_key -> Nullable<Text>,
        private_key -> Nullable<Text>,
    }
}

diesel::table! {
    persons (id) {
        id -> BigInt,
        ap_id -> Text,
        local -> Bool,
        instance_id -> BigInt,
        username -> Text,
        display_name -> Nullable<Text>,
        bio_source -> Text,
        bio_html -> Text,
        agency -> Nullable<Text>,
        job_role -> Nullable<Text>,
        expertise -> Text,
        password_hash -> Nullable<Text>,
        is_admin -> Bool,
        approved -> Bool,
        suspended -> Bool,
        public_key -> Text,
        private_key -> Nullable<Text>,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_refreshed_at -> Nullable<Timestamp>,
        language -> Nullable<Text>,
        ask_me_about -> Text,
        languages -> Text,
    }
}

diesel::table! {
    person_expertise (person_id, tag) {
        person_id -> BigInt,
        tag -> Text,
        label -> Text,
    }
}

diesel::table! {
    groups (id) {
        id -> BigInt,
        ap_id -> Text,
        local -> Bool,
        instance_id -> BigInt,
        name -> Text,
        title -> Text,
        description_source -> Text,
        description_html -> Text,
        rules_source -> Text,
        rules_html -> Text,
        creator_id -> Nullable<BigInt>,
        approval_required -> Bool,
        member_count -> BigInt,
        thread_count -> BigInt,
        public_key -> Text,
        private_key -> Nullable<Text>,
        inbox_url -> Text,
        shared_inbox_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_refreshed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    stewards (group_id, person_id) {
        group_id -> BigInt,
        person_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    memberships (group_id, person_id) {
        group_id -> BigInt,
        person_id -> BigInt,
        state -> Text,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
        follow_sent_at -> Nullable<Timestamp>,
        follow_attempts -> Integer,
        refusal -> Nullable<Text>,
    }
}

diesel::table! {
    threads (id) {
        id -> BigInt,
        ap_id -> Text,
        local -> Bool,
        group_id -> BigInt,
        author_id -> BigInt,
        title -> Text,
        body_source -> Text,
        body_html -> Text,
        url -> Nullable<Text>,
        pinned -> Bool,
        locked -> Bool,
        removed -> Bool,
        deleted -> Bool,
        score -> BigInt,
        upvotes -> BigInt,
        downvotes -> BigInt,
        comment_count -> BigInt,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
        last_activity_at -> Timestamp,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        ap_id -> Text,
        local -> Bool,
        thread_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        author_id -> BigInt,
        body_source -> Text,
        body_html -> Text,
        depth -> Integer,
        removed -> Bool,
        deleted -> Bool,
        score -> BigInt,
        upvotes -> BigInt,
        downvotes -> BigInt,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    thread_votes (person_id, thread_id) {
        person_id -> BigInt,
        thread_id -> BigInt,
        score -> Integer,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comment_votes (person_id, comment_id) {
        person_id -> BigInt,
        comment_id -> BigInt,
        score -> Integer,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        person_id -> Nullable<BigInt>,
        client_id -> Nullable<BigInt>,
        scopes -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    activities (id) {
        id -> BigInt,
        ap_id -> Text,
        kind -> Text,
        actor_ap_id -> Text,
        local -> Bool,
        data -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        activity_id -> BigInt,
        inbox_url -> Text,
        domain -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    group_bans (group_id, person_id) {
        group_id -> BigInt,
        person_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        ap_id -> Text,
        reporter_id -> BigInt,
        group_id -> BigInt,
        thread_id -> Nullable<BigInt>,
        comment_id -> Nullable<BigInt>,
        reason -> Text,
        resolved -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_follows (follower_id, followed_id) {
        follower_id -> BigInt,
        followed_id -> BigInt,
        ap_id -> Nullable<Text>,
        created_at -> Timestamp,
        state -> Text,
    }
}

diesel::table! {
    oauth_apps (id) {
        id -> BigInt,
        client_id -> Text,
        client_secret -> Text,
        name -> Text,
        website -> Nullable<Text>,
        redirect_uris -> Text,
        scopes -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    oauth_codes (code_hash) {
        code_hash -> Text,
        app_id -> BigInt,
        person_id -> BigInt,
        redirect_uri -> Text,
        scopes -> Text,
        code_challenge -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    statuses (id) {
        id -> BigInt,
        thread_id -> Nullable<BigInt>,
        comment_id -> Nullable<BigInt>,
        group_id -> BigInt,
        author_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        person_id -> BigInt,
        status_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lists (id) {
        id -> BigInt,
        person_id -> BigInt,
        title -> Text,
        replies_policy -> Text,
        exclusive -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    list_groups (list_id, group_id) {
        list_id -> BigInt,
        group_id -> BigInt,
    }
}

diesel::table! {
    markers (person_id, timeline) {
        person_id -> BigInt,
        timeline -> Text,
        last_read_id -> Text,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        person_id -> BigInt,
        kind -> Text,
        from_person_id -> BigInt,
        status_id -> Nullable<BigInt>,
        group_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    thread_tags (thread_id, tag) {
        thread_id -> BigInt,
        tag -> Text,
    }
}

diesel::joinable!(reports -> persons (reporter_id));
diesel::joinable!(deliveries -> activities (activity_id));
diesel::joinable!(persons -> instances (instance_id));
diesel::joinable!(groups -> instances (instance_id));
diesel::joinable!(threads -> groups (group_id));
diesel::joinable!(threads -> persons (author_id));
diesel::joinable!(comments -> threads (thread_id));
diesel::joinable!(comments -> persons (author_id));
diesel::joinable!(memberships -> groups (group_id));
diesel::joinable!(memberships -> persons (person_id));
diesel::joinable!(stewards -> groups (group_id));
diesel::joinable!(stewards -> persons (person_id));
diesel::joinable!(tokens -> persons (person_id));
diesel::joinable!(tokens -> oauth_apps (client_id));
diesel::joinable!(oauth_codes -> oauth_apps (app_id));
diesel::joinable!(statuses -> groups (group_id));
diesel::joinable!(statuses -> persons (author_id));
diesel::joinable!(statuses -> threads (thread_id));
diesel::joinable!(statuses -> comments (comment_id));
diesel::joinable!(bookmarks -> statuses (status_id));
diesel::joinable!(list_groups -> lists (list_id));
diesel::joinable!(list_groups -> groups (group_id));
diesel::joinable!(notifications -> statuses (status_id));
diesel::joinable!(thread_tags -> threads (thread_id));
diesel::joinable!(person_expertise -> persons (person_id));

diesel::allow_tables_to_appear_in_same_query!(
    instances,
    persons,
    groups,
    stewards,
    memberships,
    threads,
    comments,
    thread_votes,
    comment_votes,
    tokens,
    activities,
    deliveries,
    group_bans,
    reports,
    person_follows,
    oauth_apps,
    oauth_codes,
    statuses,
    bookmarks,
    lists,
    list_groups,
    markers,
    notifications,
    thread_tags,
    person_expertise,
);

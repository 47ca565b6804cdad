//! Wire → domain: what we read from other servers' documents, in the domain's terms. Only
//! shapes change here; the domain bounds and cleans the values it stores.

use crate::domain::remote::{ProfileFields, RemoteActor, REMOTE_HTML_MAX};
use crate::domain::text::{
    html_to_text, join_tags, parse_ask_me_about, parse_languages, parse_short, parse_tags,
};
use crate::federation::wire::{GroupJson, PersonJson, PropertyValue, Source};

/// The markdown a document was written in, where its `source` says so.
fn markdown(source: Option<Source>) -> Option<String> {
    source
        .filter(|s| s.media_type == "text/markdown")
        .map(|s| s.content)
}

impl From<PersonJson> for RemoteActor {
    fn from(p: PersonJson) -> RemoteActor {
        RemoteActor {
            fields: profile_fields(&p.attachment, &p.tag),
            ap_id: p.id,
            preferred_username: p.preferred_username,
            name: p.name,
            summary: p.summary,
            markdown: markdown(p.source),
            inbox: p.inbox,
            shared_inbox: p.endpoints.map(|e| e.shared_inbox),
            public_key_pem: p.public_key.public_key_pem,
            published: p.published,
            rules: None,
        }
    }
}

impl From<GroupJson> for RemoteActor {
    fn from(g: GroupJson) -> RemoteActor {
        RemoteActor {
            ap_id: g.id,
            preferred_username: g.preferred_username,
            name: g.name,
            summary: g.summary,
            markdown: markdown(g.source),
            inbox: g.inbox,
            shared_inbox: g.endpoints.map(|e| e.shared_inbox),
            public_key_pem: g.public_key.public_key_pem,
            published: g.published,
            fields: ProfileFields::default(),
            rules: g.rules,
        }
    }
}

/// Tags one by one: a tag we would refuse drops only itself.
fn tags_of<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let tags: Vec<String> = labels
        .filter_map(|t| parse_tags(&[t.to_string()]).ok())
        .flatten()
        .take(20)
        .collect();
    // Two spellings of one tag from two sources: the first kept.
    join_tags(&parse_tags(&tags).unwrap_or_default())
}

/// Agency, role, "ask me about", expertise and languages from a person's `PropertyValue`
/// attachments, named as we publish them (in any case); values may be HTML (Mastodon's are).
/// Without an `Expertise` field, expertise is read from the `Hashtag`s in `tag`, as Mastodon,
/// Mbin and we send them ("#Open_data" → "Open data"). What does not fit is left out.
pub fn profile_fields(
    attachment: &[serde_json::Value],
    tag: &[serde_json::Value],
) -> ProfileFields {
    let mut fields = ProfileFields::default();
    let mut expertise_given = false;
    for item in attachment {
        let Ok(field) = serde_json::from_value::<PropertyValue>(item.clone()) else {
            continue;
        };
        if field.kind != "PropertyValue" || field.value.len() > REMOTE_HTML_MAX {
            continue;
        }
        let value = html_to_text(&field.value);
        let value = value.trim();
        match field.name.trim().to_lowercase().as_str() {
            "agency" => fields.agency = parse_short("agency", Some(value)).ok().flatten(),
            "role" => fields.role = parse_short("role", Some(value)).ok().flatten(),
            "ask me about" => {
                fields.ask_me_about = parse_ask_me_about(value).unwrap_or_default();
            }
            "languages" => {
                // Languages one by one, at most ten: an unreadable one drops only itself.
                let ok: Vec<String> = value
                    .split(',')
                    .filter(|l| parse_languages(&[l.to_string()]).is_ok())
                    .take(crate::domain::text::LANGUAGES_MAX)
                    .map(str::to_string)
                    .collect();
                fields.languages = parse_languages(&ok).unwrap_or_default();
            }
            "expertise" => {
                expertise_given = true;
                fields.expertise = tags_of(value.split(','));
            }
            _ => {}
        }
    }
    if !expertise_given {
        let labels: Vec<String> = tag
            .iter()
            .filter(|t| t.get("type").and_then(|k| k.as_str()) == Some("Hashtag"))
            .filter_map(|t| t.get("name").and_then(|n| n.as_str()))
            .map(|n| n.trim().trim_start_matches('#').replace('_', " "))
            .collect();
        fields.expertise = tags_of(labels.iter().map(String::as_str));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn profile_fields_are_read_as_we_publish_them_and_as_mastodon_does() {
        let fields = profile_fields(
            &[
                json!({"type": "PropertyValue", "name": "Agency", "value": "Statistics Canada"}),
                json!({"type": "PropertyValue", "name": "role", "value": "<p>Data <b>steward</b></p>"}),
                json!({"type": "PropertyValue", "name": "Expertise", "value": "open data, SDMX, no_way!"}),
                json!({"type": "PropertyValue", "name": "Website", "value": "<a href=\"https://x\">x</a>"}),
                json!({"type": "Note", "name": "Agency", "value": "not a field"}),
                json!("unreadable"),
            ],
            &[json!({"type": "Hashtag", "name": "#ignored_when_a_field_is_given"})],
        );
        assert_eq!(
            fields,
            ProfileFields {
                agency: Some("Statistics Canada".into()),
                role: Some("Data steward".into()),
                expertise: "open data,SDMX".into(),
                ..ProfileFields::default()
            }
        );
        assert_eq!(profile_fields(&[], &[]), ProfileFields::default());
    }

    /// A fixture as a `RemoteActor`, with `change` applied to its JSON first.
    fn person(raw: &str, change: impl FnOnce(&mut serde_json::Value)) -> RemoteActor {
        let mut json: serde_json::Value = serde_json::from_str(raw).expect("fixture");
        change(&mut json);
        RemoteActor::from(serde_json::from_value::<PersonJson>(json).expect("a Person"))
    }

    #[test]
    fn mastodon_fields_and_hashtags_become_a_profile() {
        let raw = include_str!("../../tests/fixtures/mastodon/person.json");
        assert_eq!(person(raw, |_| {}).fields, ProfileFields::default());
        // The fixture's account with fields and featured hashtags, as Mastodon sends them.
        let actor = person(raw, |j| {
            j["attachment"] = json!([
                {"type": "PropertyValue", "name": "Agency", "value": "Parks &amp; Recreation"},
                {"type": "PropertyValue", "name": "Ask me about", "value": "<p>Trails<br>and maps</p>"},
                {"type": "PropertyValue", "name": "Languages", "value": "en, fr-CA, not a language"},
            ]);
            j["tag"] = json!([
                {"type": "Hashtag", "name": "#Open_data", "href": "https://masto.example/tags/open_data"},
                {"type": "Hashtag", "name": "#opendata_", "href": "https://masto.example/tags/opendata"},
                {"type": "Emoji", "name": ":blob:"},
                {"type": "Hashtag", "name": "#GIS"},
            ]);
        });
        assert_eq!(actor.fields.agency.as_deref(), Some("Parks & Recreation"));
        assert!(
            actor.fields.ask_me_about.starts_with("Trails"),
            "{:?}",
            actor.fields
        );
        assert_eq!(actor.fields.languages, "en,fr-CA");
        assert_eq!(actor.fields.expertise, "Open data,opendata,GIS");
    }

    #[test]
    fn a_lemmy_person_has_no_fields_and_one_hashtag_alone_is_read() {
        let raw = include_str!("../../tests/fixtures/lemmy/person.json");
        assert_eq!(person(raw, |_| {}).fields, ProfileFields::default());
        // Some servers send a lone object where a list is expected.
        let actor = person(raw, |j| {
            j["tag"] = json!({"type": "Hashtag", "name": "#Starship_operations"});
        });
        assert_eq!(actor.fields.expertise, "Starship operations");
    }
}

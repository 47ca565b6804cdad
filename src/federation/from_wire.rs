//! Wire → domain: what we read from other servers' documents, in the domain's terms. Only
//! shapes change here; the domain bounds and cleans the values it stores.

use crate::domain::remote::{ProfileFields, RemoteActor, REMOTE_HTML_MAX};
use crate::domain::text::{html_to_text, join_tags, parse_short, parse_tags};
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
            fields: profile_fields(&p.attachment),
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

/// Agency, role and expertise from a person's `PropertyValue` attachments, named as we publish
/// them. Values may be HTML (Mastodon's are); what does not fit is left out.
pub fn profile_fields(attachment: &[serde_json::Value]) -> ProfileFields {
    let mut fields = ProfileFields::default();
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
            "expertise" => {
                // Tags one by one: a tag we would refuse here drops only itself.
                let tags: Vec<String> = value
                    .split(',')
                    .filter_map(|t| parse_tags(&[t.to_string()]).ok())
                    .flatten()
                    .take(20)
                    .collect();
                fields.expertise = join_tags(&tags);
            }
            _ => {}
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn profile_fields_are_read_as_we_publish_them_and_as_mastodon_does() {
        let fields = profile_fields(&[
            json!({"type": "PropertyValue", "name": "Agency", "value": "Statistics Canada"}),
            json!({"type": "PropertyValue", "name": "role", "value": "<p>Data <b>steward</b></p>"}),
            json!({"type": "PropertyValue", "name": "Expertise", "value": "open data, SDMX, no_way!"}),
            json!({"type": "PropertyValue", "name": "Website", "value": "<a href=\"https://x\">x</a>"}),
            json!({"type": "Note", "name": "Agency", "value": "not a field"}),
            json!("unreadable"),
        ]);
        assert_eq!(
            fields,
            ProfileFields {
                agency: Some("Statistics Canada".into()),
                role: Some("Data steward".into()),
                expertise: "open data,sdmx".into(),
            }
        );
        assert_eq!(profile_fields(&[]), ProfileFields::default());
    }
}

//! Errors shown in forms: the domain's refusals put in the reader's language, each next to its
//! field and listed in a summary at the top of the form.

use crate::error::{Error, Problem};
use crate::web::{Arg, Lang};

/// One field's problem.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The form control's id, which the summary links to.
    pub field: String,
    pub message: String,
}

/// The problems of a submitted form.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    pub items: Vec<FieldError>,
}

impl FormErrors {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for a field, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn add(&mut self, field: &str, message: String) {
        self.items.push(FieldError {
            field: field.to_string(),
            message,
        });
    }

    /// Adds detail to a field's message (the value that was refused).
    pub fn append_to(&mut self, field: &str, detail: &str) {
        for e in self.items.iter_mut().filter(|e| e.field == field) {
            e.message.push_str(detail);
        }
    }

    /// One error about one field, if there is one.
    pub fn from_message(field: &str, message: &Option<String>) -> FormErrors {
        message
            .as_ref()
            .map(|m| FormErrors::one(field, m.clone()))
            .unwrap_or_default()
    }

    /// One error about one field.
    pub fn one(field: &str, message: String) -> FormErrors {
        let mut e = FormErrors::default();
        e.add(field, message);
        e
    }

    /// The form errors a domain refusal stands for, when it is about something the reader typed;
    /// `None` for everything else (a missing page, a refusal), which is shown as a page.
    /// `fields` lists the form's controls: an error about another field is put on `fallback`.
    pub fn from_error(
        lang: Lang,
        err: &Error,
        fields: &[&str],
        fallback: &str,
    ) -> Option<FormErrors> {
        let on = |field: Option<&str>| -> String {
            match field {
                Some(f) if fields.contains(&f) => f.to_string(),
                _ => fallback.to_string(),
            }
        };
        let (field, message) = match err {
            Error::Invalid { field, problem, .. } => (
                on(*field),
                problem_message(lang, field.unwrap_or(""), problem.as_ref()),
            ),
            Error::Conflict { field, .. } => {
                let f = field.unwrap_or("");
                (
                    on(*field),
                    keyed(lang, &format!("conflict-{f}"), "conflict", &[]),
                )
            }
            Error::TooLarge { field, limit } => {
                let kb = i64::try_from(limit / 1024).unwrap_or(i64::MAX);
                (
                    on(Some(field)),
                    lang.t_args("invalid-too-large", &[("kb", Arg::Num(kb))]),
                )
            }
            Error::RequestTooLarge => (fallback.to_string(), lang.t("error-too-large-body")),
            Error::RateLimited => (fallback.to_string(), lang.t("error-rate-limited-body")),
            _ => return None,
        };
        Some(FormErrors::one(&field, message))
    }
}

/// `{key}-{field}` if the catalogue has one for this field, else `key`.
fn keyed(lang: Lang, specific: &str, general: &str, args: &[(&'static str, Arg<'_>)]) -> String {
    let key = if lang.has(specific) {
        specific
    } else {
        general
    };
    lang.t_args(key, args)
}

fn problem_message(lang: Lang, field: &str, problem: Option<&Problem>) -> String {
    let count = |n: &usize| Arg::Num(i64::try_from(*n).unwrap_or(i64::MAX));
    let (name, args): (&str, Vec<(&'static str, Arg<'_>)>) = match problem {
        None => ("other", vec![]),
        Some(Problem::Empty) => ("empty", vec![]),
        Some(Problem::TooLong { max }) => ("too-long", vec![("max", count(max))]),
        Some(Problem::Name { max }) => ("name", vec![("max", count(max))]),
        Some(Problem::OneLine) => ("one-line", vec![]),
        Some(Problem::Password { min, max }) => {
            ("password", vec![("min", count(min)), ("max", count(max))])
        }
        Some(Problem::Url) => ("url", vec![]),
        Some(Problem::Tag { max }) => ("tag", vec![("max", count(max))]),
        Some(Problem::TooManyTags { max }) => ("too-many-tags", vec![("max", count(max))]),
        Some(Problem::Language) => ("language", vec![]),
        Some(Problem::Domain) => ("domain", vec![]),
        Some(Problem::OwnDomain) => ("own-domain", vec![]),
    };
    keyed(
        lang,
        &format!("invalid-{name}-{field}"),
        &format!("invalid-{name}"),
        &args,
    )
}

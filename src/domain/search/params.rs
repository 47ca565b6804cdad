//! A search as a query string, read the same way by every door that takes one (the JSON API,
//! the search page, the search feed, partner instances): one list of names, one set of
//! errors.

use chrono::NaiveDate;

use super::{Filters, Kind, Request};
use crate::error::{Error, Result};

/// Results on a page when none is asked for.
pub const LIMIT_DEFAULT: i64 = 20;

/// The names a search takes.
pub const NAMES: [&str; 11] = [
    "q", "kind", "group", "agency", "instance", "author", "since", "until", "offset", "limit",
    "scope",
];

/// Where to look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reach {
    /// This instance only.
    #[default]
    Local,
    /// This instance and its partners.
    Network,
}

impl Reach {
    /// # Errors
    /// 422 naming `scope` for anything but `local` or `network`.
    pub fn parse(value: &str) -> Result<Reach> {
        match value.trim() {
            "" | "local" => Ok(Reach::Local),
            "network" => Ok(Reach::Network),
            _ => Err(Error::invalid("scope", "must be local or network")),
        }
    }
}

/// A search read from a query string.
#[derive(Debug, Clone)]
pub struct Params {
    pub request: Request,
    pub reach: Reach,
}

fn date(field: &'static str, value: &str) -> Result<NaiveDate> {
    use chrono::Datelike;
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .ok()
        // Years outside 1..9999 are not dates a database compares.
        .filter(|d| (1..=9999).contains(&d.year()))
        .ok_or_else(|| Error::invalid(field, "must be a date written YYYY-MM-DD"))
}

fn number(field: &'static str, value: &str) -> Result<i64> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::invalid(field, "must be a whole number"))
}

/// A value that says nothing is as if absent (a form's empty select).
fn text(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

impl Params {
    /// Reads name/value pairs; `kind` may repeat or hold a comma-separated list.
    ///
    /// # Errors
    /// 400 for a name it does not take (naming it and the ones it takes); 422 naming the field
    /// for a bad value. The query itself is checked when searching.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Params> {
        let mut request = Request {
            q: String::new(),
            filters: Filters::default(),
            offset: 0,
            limit: LIMIT_DEFAULT,
        };
        let mut reach = Reach::Local;
        let f = &mut request.filters;
        for (name, value) in pairs {
            match name.as_str() {
                "q" => request.q.clone_from(value),
                "kind" | "kind[]" => {
                    for k in value.split(',').filter(|k| !k.trim().is_empty()) {
                        let k = Kind::parse(k)?;
                        if !f.kinds.contains(&k) {
                            f.kinds.push(k);
                        }
                    }
                }
                "group" => f.group = text(value),
                "agency" => f.agency = text(value),
                "instance" => f.instance = text(value),
                "author" => f.author = text(value),
                "since" => f.since = text(value).map(|v| date("since", &v)).transpose()?,
                "until" => f.until = text(value).map(|v| date("until", &v)).transpose()?,
                "offset" => request.offset = number("offset", value)?,
                "limit" => request.limit = number("limit", value)?,
                "scope" => reach = Reach::parse(value)?,
                other => {
                    return Err(Error::BadRequest(format!(
                        "unknown search parameter {other:?}: a search takes {}",
                        NAMES.join(", ")
                    )))
                }
            }
        }
        Ok(Params { request, reach })
    }

    /// The query string that asks for this search again at `offset` (for paging links and
    /// feeds).
    pub fn to_query_string(&self, offset: i64) -> String {
        let r = &self.request;
        let f = &r.filters;
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", &r.q);
        if !f.kinds.is_empty() {
            let kinds: Vec<&str> = f.kinds.iter().map(|k| k.as_str()).collect();
            s.append_pair("kind", &kinds.join(","));
        }
        for (name, value) in [
            ("group", &f.group),
            ("agency", &f.agency),
            ("instance", &f.instance),
            ("author", &f.author),
        ] {
            if let Some(v) = value {
                s.append_pair(name, v);
            }
        }
        if let Some(d) = f.since {
            s.append_pair("since", &d.to_string());
        }
        if let Some(d) = f.until {
            s.append_pair("until", &d.to_string());
        }
        if self.reach == Reach::Network {
            s.append_pair("scope", "network");
        }
        if offset > 0 {
            s.append_pair("offset", &offset.to_string());
        }
        if r.limit != LIMIT_DEFAULT {
            s.append_pair("limit", &r.limit.to_string());
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect()
    }

    #[test]
    fn reads_filters_and_writes_them_back() {
        let p = Params::from_pairs(&pairs(&[
            ("q", "open data"),
            ("kind", "threads,comments"),
            ("kind", "threads"),
            ("agency", " Stats "),
            ("since", "2026-01-02"),
            ("group", ""),
            ("scope", "network"),
            ("limit", "5"),
        ]))
        .unwrap();
        assert_eq!(p.request.filters.kinds, [Kind::Threads, Kind::Comments]);
        assert_eq!(p.request.filters.agency.as_deref(), Some("Stats"));
        assert_eq!(p.request.filters.group, None);
        assert_eq!(p.reach, Reach::Network);
        let again = p.to_query_string(10);
        assert_eq!(
            again,
            "q=open+data&kind=threads%2Ccomments&agency=Stats&since=2026-01-02&scope=network&offset=10&limit=5"
        );
    }

    #[test]
    fn names_the_field_of_a_bad_value() {
        for (name, value) in [
            ("kind", "posts"),
            ("since", "yesterday"),
            ("until", "2026-13-01"),
            ("since", "-5000-01-01"),
            ("until", "+10000-01-01"),
            ("offset", "ten"),
            ("limit", "1.5"),
            ("scope", "everywhere"),
        ] {
            match Params::from_pairs(&pairs(&[(name, value)])) {
                Err(Error::Invalid { field, .. }) => assert_eq!(field, Some(name)),
                other => panic!("{name}={value}: {other:?}"),
            }
        }
        assert!(matches!(
            Params::from_pairs(&pairs(&[("sort", "new")])),
            Err(Error::BadRequest(_))
        ));
    }
}

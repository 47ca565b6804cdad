//! The interface's languages: message catalogues in `locales/` (Fluent), the choice of
//! language for a request, and numbers and dates written as each language writes them.

use std::{borrow::Cow, collections::HashMap, sync::LazyLock};

use chrono::{DateTime, Utc};
use fluent_templates::{
    fluent_bundle::{types::FluentNumber, FluentValue},
    LanguageIdentifier, Loader,
};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| {
            // Isolation marks around arguments would end up in attributes and page titles.
            bundle.set_use_isolating(false);
            bundle.set_formatter(Some(format_number));
        },
    };
}

/// A language the interface is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| fluent_templates::langid!("en"));
static FR: LazyLock<LanguageIdentifier> = LazyLock::new(|| fluent_templates::langid!("fr"));

/// An argument of a message.
pub enum Arg<'a> {
    Str(&'a str),
    Num(i64),
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    /// The other language, offered by the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Fr,
            Lang::Fr => Lang::En,
        }
    }

    /// `fr`, `fr-CA`, `FR`… all mean French here.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
    }

    /// The best of our languages for an `Accept-Language` header, if it names any.
    pub fn negotiate(accept_language: &str) -> Option<Lang> {
        use fluent_langneg::{negotiate_languages, NegotiationStrategy};
        let requested = fluent_langneg::accepted_languages::parse(accept_language);
        let available = [EN.clone(), FR.clone()];
        negotiate_languages(&requested, &available, None, NegotiationStrategy::Lookup)
            .first()
            .and_then(|l| Lang::from_code(&l.to_string()))
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
        }
    }

    /// The message `key`. A key missing from the catalogue shows as itself (the catalogue
    /// tests keep that from happening).
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The message `key` with its arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, Arg<'_>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| {
                let v = match value {
                    Arg::Str(s) => FluentValue::from(*s),
                    Arg::Num(n) => FluentValue::from(*n),
                };
                (Cow::Borrowed(*name), v)
            })
            .collect();
        // The loader wants 'static values; the strings are copied into owned values.
        let owned: HashMap<Cow<'static, str>, FluentValue<'static>> =
            map.into_iter().map(|(k, v)| (k, v.into_owned())).collect();
        LOCALES.lookup_with_args(self.id(), key, &owned)
    }

    /// Whether the catalogue has `key` in this language itself (not through the fallback).
    pub fn has(self, key: &str) -> bool {
        LOCALES
            .lookup_single_language::<&str>(self.id(), key, None)
            .is_ok()
    }

    /// An integer with the language's digit grouping: 12,345 or 12 345.
    pub fn number(self, n: i64) -> String {
        group_digits(n, self.group_separator())
    }

    fn group_separator(self) -> &'static str {
        match self {
            Lang::En => ",",
            // French groups with a narrow no-break space.
            Lang::Fr => "\u{202f}",
        }
    }

    /// A day as the language writes it: 25 November 2026, 25 novembre 2026.
    pub fn date(self, t: &DateTime<Utc>) -> String {
        use chrono::Datelike;
        let month = self.t(&format!("month-{}", t.month()));
        self.t_args(
            "date-format",
            &[
                ("day", Arg::Num(i64::from(t.day()))),
                ("month", Arg::Str(&month)),
                ("year", Arg::Num(i64::from(t.year()))),
            ],
        )
        // Years are not grouped: the formatter groups every number, so undo it for years.
        .replace(&self.number(i64::from(t.year())), &t.year().to_string())
    }

    /// How long ago, for what happened in the last week; the date after that.
    pub fn ago(self, t: &DateTime<Utc>, now: DateTime<Utc>) -> String {
        let seconds = (now - *t).num_seconds().max(0);
        let (key, n) = match seconds {
            0..60 => return self.t("time-just-now"),
            60..3600 => ("time-minutes-ago", seconds / 60),
            3600..86_400 => ("time-hours-ago", seconds / 3600),
            86_400..604_800 => ("time-days-ago", seconds / 86_400),
            _ => return self.date(t),
        };
        self.t_args(key, &[("count", Arg::Num(n))])
    }
}

fn group_digits(n: i64, separator: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len() + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(d);
    }
    out
}

/// Digit grouping for the bundle's language, made once per bundle by Fluent's memoizer.
struct Grouping(&'static str);

impl intl_memoizer::Memoizable for Grouping {
    type Args = ();
    type Error = ();

    fn construct(lang: LanguageIdentifier, (): ()) -> Result<Self, ()> {
        let lang = Lang::from_code(lang.language.as_str()).unwrap_or(Lang::En);
        Ok(Grouping(lang.group_separator()))
    }
}

/// Fluent writes numbers without grouping; counts in messages are grouped as in the language.
fn format_number<M: fluent_templates::fluent_bundle::memoizer::MemoizerKind>(
    value: &FluentValue<'_>,
    memoizer: &M,
) -> Option<String> {
    let FluentValue::Number(FluentNumber { value, options }) = value else {
        return None;
    };
    if value.fract() != 0.0 || value.abs() >= 1e15 || options.minimum_fraction_digits.is_some() {
        return None;
    }
    // Checked above: a whole number well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let n = *value as i64;
    memoizer
        .with_try_get_threadsafe::<Grouping, _, _>((), |g| group_digits(n, g.0))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_as_each_language_does() {
        assert_eq!(Lang::En.number(1_234_567), "1,234,567");
        assert_eq!(Lang::Fr.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(Lang::En.number(-999), "-999");
        assert_eq!(Lang::En.number(1000), "1,000");
    }

    #[test]
    fn accept_language_picks_the_best_of_ours() {
        assert_eq!(Lang::negotiate("fr-CA,fr;q=0.9,en;q=0.8"), Some(Lang::Fr));
        assert_eq!(Lang::negotiate("de-DE,en;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::negotiate("de-DE"), None);
        assert_eq!(Lang::from_code("FR_ca"), Some(Lang::Fr));
    }

    #[test]
    fn dates_and_counts_read_naturally() {
        let t = DateTime::parse_from_rfc3339("2026-11-05T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(Lang::En.date(&t), "5 November 2026");
        assert_eq!(Lang::Fr.date(&t), "5 novembre 2026");
        let later = t + chrono::Duration::hours(3);
        assert_eq!(Lang::En.ago(&t, later), "3 hours ago");
        assert_eq!(Lang::Fr.ago(&t, later), "il y a 3 heures");
        assert_eq!(
            Lang::En.t_args("group-members", &[("count", Arg::Num(12_000))]),
            "12,000 members"
        );
        assert_eq!(
            Lang::Fr.t_args("group-members", &[("count", Arg::Num(1))]),
            "1 membre"
        );
    }
}

#[cfg(test)]
mod catalogue_tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    fn catalogue(lang: &str) -> BTreeSet<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("locales/{lang}/main.ftl"));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    /// Keys written literally in templates and page code: the first argument of `t`, `tn`,
    /// `ts` and `t_args`, and notice literals.
    fn used_keys() -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("src/web.rs")];
        for dir in ["src/web", "templates/web"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        let mut keys = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for marker in ["t(\"", "tn(\"", "ts(\"", "t_args(\"", "\"notice-"] {
                for (at, _) in text.match_indices(marker) {
                    let before = &text[..at];
                    if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                        || before.ends_with("class=")
                    {
                        continue;
                    }
                    let start = at + marker.len() - usize::from(marker == "\"notice-") * 7;
                    let rest = &text[start..];
                    let key: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    if key.len() > 1 && !key.ends_with('-') {
                        keys.insert(key);
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let en = catalogue("en");
        let fr = catalogue("fr");
        assert!(en.len() > 100, "catalogue not read");
        let only_en: Vec<_> = en.difference(&fr).collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in French: {only_en:?}");
        assert!(only_fr.is_empty(), "missing in English: {only_fr:?}");
    }

    #[test]
    fn every_message_the_pages_use_exists() {
        let en = catalogue("en");
        let mut used = used_keys();
        // Keys built from a prefix in code.
        for key in ["error", "sort", "registration", "federation-mode"] {
            used.remove(key);
        }
        for code in [
            "stale-form",
            "forbidden",
            "not-found",
            "method",
            "too-large",
            "rate-limited",
            "bad-request",
            "remote",
            "server",
        ] {
            used.insert(format!("error-{code}-title"));
            used.insert(format!("error-{code}-body"));
        }
        for sort in ["new", "active", "top"] {
            used.insert(format!("sort-{sort}"));
        }
        for mode in ["open", "approval", "closed"] {
            used.insert(format!("registration-{mode}"));
        }
        for mode in ["open", "allowlist"] {
            used.insert(format!("federation-mode-{mode}"));
        }
        for problem in [
            "other",
            "empty",
            "too-long",
            "name",
            "one-line",
            "password",
            "url",
            "tag",
            "too-many-tags",
            "language",
            "domain",
            "own-domain",
        ] {
            used.insert(format!("invalid-{problem}"));
        }
        let missing: Vec<_> = used.difference(&en).collect();
        assert!(
            missing.is_empty(),
            "used but not in the catalogue: {missing:?}"
        );
    }
}

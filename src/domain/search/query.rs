//! A person's search query, parsed once into terms and written out for each backend's matcher.
//! What a person types never reaches FTS5's `MATCH` or PostgreSQL's `to_tsquery` as typed:
//! every term is reduced to words of letters and digits, each quoted.
//!
//! The language, the same on both backends: words are all required; `"two words"` is a phrase;
//! `-word` (or `-"a phrase"`) excludes; `word*` matches words that start with it. Case and
//! accents never matter.

use super::snippet::words;
use crate::error::{Error, Result};

/// Longest query accepted, in characters.
pub const QUERY_MAX: usize = 500;
/// Most terms in one query: each is a clause for the index to intersect.
pub const TERMS_MAX: usize = 16;

/// One thing to look for: a word or a phrase (words in a row), perhaps a prefix, perhaps
/// excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Folded words (lower case, no accents); one for a word, several for a phrase.
    pub words: Vec<String>,
    /// The last word matches any word it starts.
    pub prefix: bool,
    pub exclude: bool,
}

/// Whether every included term must match (what people type) or any may (suggestions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    All,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
    pub mode: Mode,
}

fn bad(message: &str) -> Error {
    Error::invalid("q", message)
}

impl Query {
    /// Parses what a person typed.
    ///
    /// # Errors
    /// 422 naming `q`: empty, longer than [`QUERY_MAX`], control characters, an unclosed
    /// quote, too many terms, or nothing to look for (only operators, or only exclusions).
    pub fn parse(raw: &str) -> Result<Query> {
        if raw.chars().count() > QUERY_MAX {
            return Err(bad(&format!("must be at most {QUERY_MAX} characters")));
        }
        if raw.chars().any(char::is_control) {
            return Err(bad("must not contain control characters"));
        }
        if raw.trim().is_empty() {
            return Err(bad("must not be empty"));
        }
        if raw.chars().filter(|c| *c == '"').count() % 2 == 1 {
            return Err(bad("has a quotation mark that is not closed"));
        }
        let mut terms = Vec::new();
        let mut rest = raw.trim();
        while !rest.is_empty() {
            let exclude = rest.starts_with('-');
            let body = rest.trim_start_matches('-');
            let (chunk, phrase, after) = if let Some(inner) = body.strip_prefix('"') {
                // Quotes are balanced, so the closing one exists.
                let end = inner.find('"').unwrap_or(inner.len());
                let after = inner.get(end + 1..).unwrap_or("");
                (&inner[..end], true, after)
            } else {
                let end = body
                    .find(|c: char| c.is_whitespace() || c == '"')
                    .unwrap_or(body.len());
                (&body[..end], false, &body[end..])
            };
            // `word*`: a prefix; a star anywhere else is only a separator.
            let after_star = after.strip_prefix('*');
            let prefix = (!phrase && chunk.ends_with('*')) || (phrase && after_star.is_some());
            let after = if phrase {
                after_star.unwrap_or(after)
            } else {
                after
            };
            let found = words(chunk);
            if !found.is_empty() {
                // A word such as `e-mail` is several words in a row to the index: a phrase.
                terms.push(Term {
                    words: found,
                    prefix,
                    exclude,
                });
            }
            rest = after.trim_start();
        }
        if terms.len() > TERMS_MAX {
            return Err(bad(&format!("must have at most {TERMS_MAX} terms")));
        }
        if !terms.iter().any(|t| !t.exclude) {
            return Err(bad("must contain a word to look for"));
        }
        Ok(Query {
            terms,
            mode: Mode::All,
        })
    }

    /// Any of the words of `text` (a title being typed), for threads that look alike. `None`
    /// when it holds no word.
    pub fn any_of(text: &str) -> Option<Query> {
        let mut terms: Vec<Term> = Vec::new();
        for word in words(text) {
            // Words of one or two letters say little and match much.
            if word.chars().count() < 3 || terms.iter().any(|t| t.words[0] == word) {
                continue;
            }
            terms.push(Term {
                words: vec![word],
                prefix: false,
                exclude: false,
            });
            if terms.len() == TERMS_MAX {
                break;
            }
        }
        (!terms.is_empty()).then_some(Query {
            terms,
            mode: Mode::Any,
        })
    }

    /// The words searched for (not excluded), for highlighting.
    pub fn wanted(&self) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(|t| !t.exclude)
    }

    /// The query in FTS5's language: each word double-quoted (it holds only letters and
    /// digits, so nothing in it is an operator).
    pub fn fts5(&self) -> String {
        let term = |t: &Term| {
            let quoted: Vec<String> = t.words.iter().map(|w| format!("\"{w}\"")).collect();
            let star = if t.prefix { " *" } else { "" };
            if t.words.len() == 1 {
                format!("{}{star}", quoted[0])
            } else {
                // A phrase: FTS5's `+` joins quoted words into one phrase.
                format!("{}{star}", quoted.join(" + "))
            }
        };
        let join = match self.mode {
            Mode::All => " AND ",
            Mode::Any => " OR ",
        };
        let wanted: Vec<String> = self.wanted().map(term).collect();
        let mut out = format!("({})", wanted.join(join));
        for t in self.terms.iter().filter(|t| t.exclude) {
            out.push_str(" NOT ");
            out.push_str(&term(t));
        }
        out
    }

    /// The query in `to_tsquery`'s language: each word single-quoted (letters and digits
    /// only), phrases with `<->`, prefixes with `:*`, exclusions with `!`.
    pub fn tsquery(&self) -> String {
        let term = |t: &Term| {
            let last = t.words.len() - 1;
            let parts: Vec<String> = t
                .words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let star = if t.prefix && i == last { ":*" } else { "" };
                    format!("'{w}'{star}")
                })
                .collect();
            let body = parts.join(" <-> ");
            if t.words.len() > 1 {
                format!("({body})")
            } else {
                body
            }
        };
        let join = match self.mode {
            Mode::All => " & ",
            Mode::Any => " | ",
        };
        let wanted: Vec<String> = self.wanted().map(term).collect();
        let mut out = format!("({})", wanted.join(join));
        for t in self.terms.iter().filter(|t| t.exclude) {
            out.push_str(" & !");
            out.push_str(&term(t));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: Error) -> String {
        match e {
            Error::Invalid { field, .. } => field.unwrap_or_default().to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn words_phrases_exclusions_and_prefixes() {
        let q = Query::parse(r#"Équipe "open data" -draft servi* -"old plan""#).unwrap();
        assert_eq!(
            q.fts5(),
            r#"("equipe" AND "open" + "data" AND "servi" *) NOT "draft" NOT "old" + "plan""#
        );
        assert_eq!(
            q.tsquery(),
            "('equipe' & ('open' <-> 'data') & 'servi':*) & !'draft' & !('old' <-> 'plan')"
        );
    }

    #[test]
    fn operators_in_what_is_typed_stay_words() {
        let q = Query::parse("a OR b NOT c NEAR(d) col:e ^f 'g' (h) & i | j ! k <-> l").unwrap();
        for t in &q.terms {
            for w in &t.words {
                assert!(w.chars().all(char::is_alphanumeric), "{w}");
            }
        }
        assert!(q.fts5().contains("\"or\""));
        let q = Query::parse("e-mail").unwrap();
        assert_eq!(q.terms[0].words, ["e", "mail"]);
    }

    #[test]
    fn what_cannot_be_searched_is_refused_naming_q() {
        for raw in [
            "",
            "   ",
            "-",
            "*",
            "\"",
            "\"\"",
            "- * \"\"",
            "-only -excluded",
            "tab\there",
            "open \"data",
        ] {
            let e = Query::parse(raw).expect_err(raw);
            assert_eq!(field_of(e), "q", "{raw:?}");
        }
        assert!(Query::parse(&"a".repeat(QUERY_MAX + 1)).is_err());
        assert!(Query::parse(&"a ".repeat(TERMS_MAX + 1)).is_err());
        assert!(Query::parse(&"a".repeat(QUERY_MAX)).is_ok());
    }

    #[test]
    fn suggestions_look_for_any_longer_word() {
        let q = Query::any_of("How do we publish open data? Open!").unwrap();
        let words: Vec<&str> = q.terms.iter().map(|t| t.words[0].as_str()).collect();
        assert_eq!(words, ["how", "publish", "open", "data"]);
        assert_eq!(q.fts5(), r#"("how" OR "publish" OR "open" OR "data")"#);
        assert!(Query::any_of("a b ?").is_none());
    }
}

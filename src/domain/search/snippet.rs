//! Words as the index sees them, and highlighted snippets that are safe HTML.
//!
//! A snippet is cut from plain text, escaped, and only then marked: what a body holds (a
//! `<script>`, an entity) comes back as text, never as markup. The same rule serves both
//! backends, so a result reads the same from SQLite, PostgreSQL or a partner instance.

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use super::query::Term;
use crate::domain::text::escape_html;

/// Lower case without accents: "Équipe" → "equipe".
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded words of `text`: runs of letters and digits, as both backends' tokenizers cut
/// them.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Words of a snippet on each side of the first match.
const CONTEXT_WORDS: usize = 12;
/// Longest snippet, in words.
const SNIPPET_WORDS: usize = 32;

/// A word of the text: its byte range and folded form.
struct Token {
    start: usize,
    end: usize,
    folded: String,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Token {
                    start: s,
                    end: i,
                    folded: fold(&text[s..i]),
                });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Token {
            start: s,
            end: text.len(),
            folded: fold(&text[s..]),
        });
    }
    out
}

/// Whether the words from `at` on start with `term`'s words; returns how many it covers.
fn matches_at(tokens: &[Token], at: usize, term: &Term) -> Option<usize> {
    let n = term.words.len();
    let window = tokens.get(at..at + n)?;
    for (i, (token, word)) in window.iter().zip(&term.words).enumerate() {
        let last = i == n - 1;
        let ok = if last && term.prefix {
            token.folded.starts_with(word.as_str())
        } else {
            token.folded == *word
        };
        if !ok {
            return None;
        }
    }
    Some(n)
}

/// Escaped HTML of `text` with the words of `terms` in `<mark>`: the whole text when short,
/// else a window around the first match (or the start), with an ellipsis where cut.
pub fn highlight(text: &str, terms: &[Term]) -> String {
    let tokens = tokens(text);
    let mut marked = vec![false; tokens.len()];
    let mut first = None;
    for at in 0..tokens.len() {
        for term in terms {
            if let Some(n) = matches_at(&tokens, at, term) {
                marked[at..at + n].iter_mut().for_each(|m| *m = true);
                first.get_or_insert(at);
            }
        }
    }
    let (from, to) = if tokens.len() <= SNIPPET_WORDS {
        (0, tokens.len())
    } else {
        let from = first.unwrap_or(0).saturating_sub(CONTEXT_WORDS);
        (from, (from + SNIPPET_WORDS).min(tokens.len()))
    };
    if tokens.is_empty() {
        return escape_html(text.trim());
    }
    let start = if from == 0 { 0 } else { tokens[from].start };
    let end = if to == tokens.len() {
        text.len()
    } else {
        tokens[to - 1].end
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut cursor = start;
    for (token, marked) in tokens[from..to].iter().zip(&marked[from..to]) {
        if *marked {
            out.push_str(&escape_html(&text[cursor..token.start]));
            out.push_str("<mark>");
            out.push_str(&escape_html(&text[token.start..token.end]));
            out.push_str("</mark>");
            cursor = token.end;
        }
    }
    out.push_str(&escape_html(&text[cursor..end]));
    if to < tokens.len() {
        out.push('…');
    }
    // Line breaks in a snippet are spaces: it is one line of a result.
    let collapsed: Vec<&str> = out.split_whitespace().collect();
    collapsed.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::query::Query;

    fn snippet(text: &str, q: &str) -> String {
        let q = Query::parse(q).unwrap();
        let terms: Vec<Term> = q.wanted().cloned().collect();
        highlight(text, &terms)
    }

    #[test]
    fn accents_and_case_fold() {
        assert_eq!(fold("Équipe ÇA Œuvre"), "equipe ca œuvre");
        assert_eq!(
            words("L'équipe de données, v2!"),
            ["l", "equipe", "de", "donnees", "v2"]
        );
    }

    #[test]
    fn marks_words_phrases_and_prefixes_and_escapes_the_rest() {
        assert_eq!(
            snippet("L'équipe <script>alert(1)</script> équipe", "equipe"),
            "L&#39;<mark>équipe</mark> &lt;script&gt;alert(1)&lt;/script&gt; <mark>équipe</mark>"
        );
        assert_eq!(
            snippet("Open data and open source", "\"open data\" sour*"),
            "<mark>Open</mark> <mark>data</mark> and open <mark>source</mark>"
        );
        // What a body says about marks is text too.
        assert_eq!(
            snippet("<mark>x</mark> y", "y"),
            "&lt;mark&gt;x&lt;/mark&gt; <mark>y</mark>"
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_first_match() {
        let text = format!("{} needle {}", "word ".repeat(100), "tail ".repeat(100));
        let s = snippet(&text, "needle");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>needle</mark>"));
        assert!(s.split_whitespace().count() <= SNIPPET_WORDS + 2);
    }
}

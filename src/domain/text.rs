//! Parsing and rendering of what people type: names, titles, markdown, links, tags.
//! Each function returns the clean value or an error that names the field.

use chrono::{NaiveDateTime, Timelike, Utc};
use pulldown_cmark::{html, Event, Options, Parser};

use crate::error::{Error, Problem, Result};

/// Longest username or group name.
pub const NAME_MAX: usize = 30;
const DISPLAY_NAME_MAX: usize = 100;
const SHORT_TEXT_MAX: usize = 100;
const URL_MAX: usize = 2000;
const TAG_MAX: usize = 40;
const TAGS_MAX: usize = 20;
const ASK_ME_ABOUT_MAX: usize = 500;
pub const LANGUAGES_MAX: usize = 10;
pub const PASSWORD_MIN: usize = 8;
const PASSWORD_MAX: usize = 256;

/// Current time at the precision both databases keep (microseconds), so a value read back
/// compares equal to the one written; keyset cursors depend on that.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// A person's username or a group's name: 1–30 of `a-z`, `0-9`, `_`.
///
/// Lower case only, so that `@Name` and `@name` can never be two accounts; the same rule as
/// Lemmy's for communities, which keeps our handles valid there.
pub fn parse_name(field: &'static str, raw: &str) -> Result<String> {
    let ok = !raw.is_empty()
        && raw.len() <= NAME_MAX
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(raw.to_string())
    } else {
        Err(Error::problem(field, Problem::Name { max: NAME_MAX }))
    }
}

/// Whether a character shows nothing: white space of any script (U+00A0, U+3000…) or one of
/// Unicode's default-ignorable code points (zero-width spaces and joiners, U+FEFF, direction
/// marks, variation selectors, Hangul fillers, tag characters…).
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Whether text shows nothing at all (empty, or only invisible characters).
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_invisible)
}

/// A single line of text (title, display name…): trimmed, no control characters, bounded;
/// a line of only invisible characters is empty.
pub fn parse_line(field: &'static str, raw: &str, max_chars: usize) -> Result<String> {
    let value = raw.trim();
    if is_blank(value) {
        return Err(Error::problem(field, Problem::Empty));
    }
    if value.chars().count() > max_chars {
        return Err(Error::problem(field, Problem::TooLong { max: max_chars }));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::problem(field, Problem::OneLine));
    }
    Ok(value.to_string())
}

/// An optional single line; empty means "unset".
pub fn parse_optional_line(
    field: &'static str,
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some(v) if is_blank(v) => Ok(None),
        Some(v) => parse_line(field, v, max_chars).map(Some),
    }
}

pub fn parse_display_name(raw: Option<&str>) -> Result<Option<String>> {
    parse_optional_line("display_name", raw, DISPLAY_NAME_MAX)
}

pub fn parse_short(field: &'static str, raw: Option<&str>) -> Result<Option<String>> {
    parse_optional_line(field, raw, SHORT_TEXT_MAX)
}

pub fn check_password(raw: &str) -> Result<()> {
    let n = raw.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        return Err(Error::problem(
            "password",
            Problem::Password {
                min: PASSWORD_MIN,
                max: PASSWORD_MAX,
            },
        ));
    }
    Ok(())
}

/// A language tag as BCP 47 writes it (`en`, `fr-CA`, `zh-Hant`): a primary language of two or
/// three letters, then subtags; lower-cased primary, as stored and compared. Empty means unknown.
pub fn parse_language(field: &'static str, raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let mut parts = raw.split(['-', '_']);
    let primary = parts.next().unwrap_or_default();
    let primary_ok =
        (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
    let rest: Vec<&str> = parts.collect();
    let rest_ok = rest
        .iter()
        .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !primary_ok || !rest_ok || raw.len() > 35 {
        return Err(Error::problem(field, Problem::Language));
    }
    let mut tag = primary.to_ascii_lowercase();
    for p in rest {
        tag.push('-');
        tag.push_str(p);
    }
    Ok(Some(tag))
}

/// An http(s) link as given by a person.
pub fn parse_link(field: &'static str, raw: Option<&str>) -> Result<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if raw.len() > URL_MAX {
        return Err(Error::problem(field, Problem::TooLong { max: URL_MAX }));
    }
    let url = url::Url::parse(raw).map_err(|_| Error::problem(field, Problem::Url))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::problem(field, Problem::Url));
    }
    Ok(Some(url.to_string()))
}

/// Expertise tags as typed (trimmed, inner spaces collapsed), de-duplicated by their canonical
/// form, the first spelling kept; letters, digits, spaces, hyphens and underscores.
pub fn parse_tags(raw: &[String]) -> Result<Vec<String>> {
    let mut tags: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > TAG_MAX
            || !tag
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        {
            return Err(Error::problem("expertise", Problem::Tag { max: TAG_MAX }));
        }
        let canonical = canonical_tag(&tag);
        if canonical.is_empty() {
            continue;
        }
        if !seen.contains(&canonical) {
            seen.push(canonical);
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(Error::problem(
            "expertise",
            Problem::TooManyTags { max: TAGS_MAX },
        ));
    }
    Ok(tags)
}

/// The canonical form of an expertise tag, used to filter, count and de-duplicate: lower case,
/// accents removed (`É` → `e`), every run of spaces, hyphens and underscores made one hyphen,
/// none at either end. "Équipe Data", "equipe-data" and "  équipe__data " are all
/// `equipe-data`. A hyphen rather than a space, so the form can stand in a URL as it is.
pub fn canonical_tag(label: &str) -> String {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    let mut out = String::with_capacity(label.len());
    let mut gap = false;
    for c in label.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() || c == '-' || c == '_' {
            gap = !out.is_empty();
            continue;
        }
        if gap {
            out.push('-');
            gap = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// "Ask me about": plain text over a few lines, bounded; empty clears it.
pub fn parse_ask_me_about(raw: &str) -> Result<String> {
    let v = raw.trim();
    if v.chars().count() > ASK_ME_ABOUT_MAX {
        return Err(Error::problem(
            "ask_me_about",
            Problem::TooLong {
                max: ASK_ME_ABOUT_MAX,
            },
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::invalid(
            "ask_me_about",
            "must not contain control characters",
        ));
    }
    Ok(v.replace("\r\n", "\n"))
}

/// Languages a person works in: language tags (`en`, `fr-CA`), each once, at most
/// [`LANGUAGES_MAX`]; stored joined by commas.
pub fn parse_languages(raw: &[String]) -> Result<String> {
    let mut tags: Vec<String> = Vec::new();
    for l in raw.iter().flat_map(|l| l.split(',')) {
        if let Some(tag) = parse_language("languages", Some(l))? {
            if !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
                tags.push(tag);
            }
        }
    }
    if tags.len() > LANGUAGES_MAX {
        return Err(Error::problem(
            "languages",
            Problem::TooManyTags { max: LANGUAGES_MAX },
        ));
    }
    Ok(join_tags(&tags))
}

/// Tags are stored as one comma-separated column (commas cannot occur in a tag).
pub fn join_tags(tags: &[String]) -> String {
    tags.join(",")
}

pub fn split_tags(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Markdown as typed, bounded in size: (source, sanitized HTML).
pub fn parse_markdown(field: &'static str, raw: &str, limit: usize) -> Result<(String, String)> {
    if raw.len() > limit {
        return Err(Error::TooLarge { field, limit });
    }
    if raw.contains('\0') {
        return Err(Error::invalid(field, "must not contain NUL characters"));
    }
    Ok((raw.to_string(), render_markdown(raw)))
}

/// Renders markdown to HTML that is safe to show. Raw HTML in the source is shown as text, not
/// interpreted; the result also passes through ammonia, so nothing executable survives.
pub fn render_markdown(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    sanitize_html(&unsafe_html)
}

/// Plain text as HTML text, for fields that other servers read as HTML.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Cleans HTML from any source (our renderer, later remote servers) down to a safe subset.
pub fn sanitize_html(input: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(input)
        .to_string()
}

/// HTML from elsewhere reduced to text and `<mark>` (a search snippet from a partner).
pub fn sanitize_marks(input: &str) -> String {
    ammonia::Builder::empty()
        .add_tags(["mark"])
        .clean(input)
        .to_string()
}

/// Plain text of sanitized HTML, one line per paragraph or line break.
pub fn html_to_text(html: &str) -> String {
    let spaced = html
        .replace("<br>", "\n")
        .replace("<br />", "\n")
        .replace("</p>", "</p>\n");
    let text = ammonia::Builder::empty().clean(&spaced).to_string();
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `text` without the `@name` or `@name@domain` words it starts with.
pub fn strip_leading_mentions(text: &str) -> String {
    let mut rest = text.trim_start();
    while let Some(after) = rest.strip_prefix('@') {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        rest = after[end..].trim_start();
    }
    rest.to_string()
}

/// Plain text as markdown that keeps its line breaks.
pub fn plain_to_markdown(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split('\n')
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("  \n")
        .replace("  \n  \n", "\n\n")
}

/// Bare `http(s)://` addresses in plain text as markdown autolinks (`<…>`), so that a link in a
/// post stays a link in the thread made of it: apps send plain text, and a post that came as
/// HTML is read as text. Punctuation that ends a sentence stays outside the link.
fn autolink(text: &str) -> String {
    let word = |w: &str| -> String {
        if !(w.starts_with("https://") || w.starts_with("http://")) || w.contains(['<', '>']) {
            return w.to_string();
        }
        let url = w.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'']);
        format!("<{url}>{}", &w[url.len()..])
    };
    text.lines()
        .map(|line| line.split(' ').map(word).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The words of `line` that fit `max` characters, cut at a word (or inside the first word when
/// it alone is longer).
fn cut_at_word(line: &str, max: usize) -> String {
    let mut title = String::new();
    for w in line.split_whitespace() {
        if title.chars().count() + w.chars().count() + 1 > max {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(w);
    }
    if title.is_empty() {
        title = line.chars().take(max).collect();
    }
    title
}

/// The one rule that makes a thread of a post (a Mastodon app's status, or a `Note` from another
/// server that mentions one of our groups), whichever door it came through. `text` is the post
/// as plain text; `warning` its content warning, if any.
///
/// The title is the first line that says more than mentions, without its leading mentions;
/// the body (markdown, web addresses as links) is what follows it. A first line too long for a title stays whole in
/// the body, and the title is its start, cut at a word, with an ellipsis. A content warning
/// opens the body, in bold: threads have no warnings of their own.
///
/// # Errors
/// 422 on `status` when no line says more than mentions.
pub fn thread_from_post(
    text: &str,
    warning: Option<&str>,
    max_title: usize,
) -> Result<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|l| !is_blank(&strip_leading_mentions(l)))
    else {
        return Err(Error::invalid(
            "status",
            "write a first line after the group's mention: it is the title",
        ));
    };
    let first = strip_leading_mentions(lines[at]).trim().to_string();
    let rest = lines[at + 1..].join("\n");
    let (title, body) = if first.chars().count() <= max_title {
        (first, plain_to_markdown(&autolink(rest.trim())))
    } else {
        let mut title = cut_at_word(&first, max_title.saturating_sub(1));
        title.push('…');
        let body = format!("{first}\n{rest}");
        (title, plain_to_markdown(&autolink(body.trim())))
    };
    Ok((title, with_warning(warning, &body)))
}

/// A post's body (markdown) opened by its content warning, in bold: our threads and comments
/// have no warnings of their own.
pub fn with_warning(warning: Option<&str>, body: &str) -> String {
    match warning.map(str::trim).filter(|w| !w.is_empty()) {
        Some(w) => format!("**{w}**\n\n{body}"),
        None => body.to_string(),
    }
}

/// Hashtags in plain text: `#` at the start of a word, then letters, digits or `_` with at least
/// one letter; lower-cased, each once, at most [`TAGS_MAX`].
pub fn hashtags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '&');
        if chars[i] == '#' && starts_word {
            let tag: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_')
                .collect();
            i += tag.chars().count();
            let tag = tag.to_lowercase();
            if tag.chars().any(char::is_alphabetic)
                && tag.chars().count() <= TAG_MAX
                && !tags.contains(&tag)
                && tags.len() < TAGS_MAX
            {
                tags.push(tag);
            }
        }
        i += 1;
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expertise_tags_fold_to_one_canonical_form_and_keep_the_first_label() {
        assert_eq!(canonical_tag("Équipe Data"), "equipe-data");
        assert_eq!(canonical_tag("equipe-data"), "equipe-data");
        assert_eq!(canonical_tag("  équipe  data "), "equipe-data");
        assert_eq!(canonical_tag("--Open__Data--"), "open-data");
        let tags = parse_tags(&[
            "Équipe Data".into(),
            "equipe-data".into(),
            "  équipe  data ".into(),
            "SDMX".into(),
            " ".into(),
        ])
        .expect("valid");
        assert_eq!(tags, vec!["Équipe Data", "SDMX"]);
        assert!(parse_tags(&["a,b".into()]).is_err());
    }

    #[test]
    fn a_post_becomes_a_thread_by_one_rule() {
        let thread = |text: &str, warning: Option<&str>, max: usize| {
            thread_from_post(text, warning, max).map_err(|e| e.to_string())
        };
        // Mention-only lines are skipped; the title loses its leading mentions.
        assert_eq!(
            thread(
                "@design@a.example\n@ada Plain & simple forms\nMore text",
                None,
                200
            ),
            Ok(("Plain & simple forms".into(), "More text".into()))
        );
        // A first line too long stays whole in the body; the title is cut at a word.
        assert_eq!(
            thread("@design one two three\nrest", None, 8),
            Ok(("one two…".into(), "one two three  \nrest".into()))
        );
        // One long word is cut inside it.
        assert_eq!(
            thread("abcdefghij", None, 5),
            Ok(("abcd…".into(), "abcdefghij".into()))
        );
        // Addresses stay links, sentence punctuation outside them.
        assert_eq!(
            thread(
                "T\nSee https://a.example/x?y=1. And <https://b.example>",
                None,
                200
            ),
            Ok((
                "T".into(),
                "See <https://a.example/x?y=1>. And <https://b.example>".into()
            ))
        );
        // A content warning opens the body, in bold.
        assert_eq!(
            thread("Title\nBody", Some(" spoilers "), 200),
            Ok(("Title".into(), "**spoilers**\n\nBody".into()))
        );
        assert!(thread("@only@mentions\n  \n@ada", None, 200).is_err());
        assert!(thread("", None, 200).is_err());
    }

    #[test]
    fn names_follow_the_rule() {
        assert!(parse_name("username", "service_design2").is_ok());
        for bad in ["", "Alice", "a-b", "é", "a b", &"x".repeat(31)] {
            assert!(parse_name("username", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn markdown_is_rendered_and_sanitized() {
        let html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        let html = render_markdown("<img src=x onerror=alert(1)>");
        assert!(!html.contains("<img"), "{html}");
        assert!(!sanitize_html("<a href=\"x\" onclick=\"y()\">l</a>").contains("onclick"));
    }

    #[test]
    fn hashtags_are_words_that_start_with_a_hash() {
        assert_eq!(
            hashtags("#Forms and #plain_language, not a#b nor #123 nor &#39; # heading #forms"),
            vec!["forms", "plain_language"]
        );
        assert_eq!(hashtags("(#accessibility)"), vec!["accessibility"]);
    }

    #[test]
    fn now_survives_a_round_trip_at_microseconds() {
        assert_eq!(now().nanosecond() % 1000, 0);
    }
}

//! OAuth scopes: what a token may do, and the one check every door makes.

use super::*;

/// Every scope a token may hold: the four top-level ones, `profile`, and the granular forms.
pub const SCOPES: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
];

/// Granular scopes that the legacy `follow` scope also covers.
pub(super) const FOLLOW_COVERS: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// Parses a space- (or `+`-) separated scope list; absent or empty means `read`.
///
/// # Errors
/// 422 naming an unknown scope.
pub fn parse_scopes(raw: Option<&str>) -> Result<Vec<String>> {
    let mut scopes: Vec<String> = Vec::new();
    for s in raw
        .unwrap_or_default()
        .split(|c: char| c.is_whitespace() || c == '+' || c == ',')
        .filter(|s| !s.is_empty())
    {
        // Administration scopes are accepted; they open the administration routes only to a
        // token whose member is an administrator.
        let known = SCOPES.contains(&s) || s == "crypto" || s.starts_with("admin:");
        if !known {
            return Err(Error::invalid("scope", format!("unknown scope {s:?}")));
        }
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_string());
        }
    }
    if scopes.is_empty() {
        scopes.push("read".into());
    }
    Ok(scopes)
}

/// Whether `held` (a token's or app's scopes, space-separated) includes `wanted`: the scope
/// itself, its top-level scope (`read` covers `read:statuses`), or, for follow-related ones,
/// the legacy `follow`.
pub fn grants(held: &str, wanted: &str) -> bool {
    held.split_whitespace().any(|h| {
        h == wanted
            || wanted
                .split_once(':')
                .is_some_and(|(top, _)| top == h && !top.is_empty())
            || (h == "follow" && FOLLOW_COVERS.contains(&wanted))
    })
}

/// What a request asks of its token: to read or to write, as a member or as an administrator.
/// Each door decides which a route needs by one rule (the JSON API: by method and path; the
/// Mastodon API: by the granular scope each endpoint names) and asks [`require`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    AdminRead,
    AdminWrite,
}

impl Access {
    /// The scope a token must grant for this access.
    pub fn scope(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::AdminRead => "admin:read",
            Access::AdminWrite => "admin:write",
        }
    }
}

/// 403 unless the token's scopes grant `access`.
///
/// # Errors
/// [`Error::Forbidden`] naming the missing scope.
pub fn require(viewer: &Viewer, access: Access) -> Result<()> {
    require_scope(&viewer.scopes, access.scope())
}

/// 403 unless `held` grants `wanted`.
///
/// # Errors
/// [`Error::Forbidden`] naming the missing scope.
pub fn require_scope(held: &str, wanted: &str) -> Result<()> {
    if grants(held, wanted) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "this token was not granted the scope {wanted}"
        )))
    }
}

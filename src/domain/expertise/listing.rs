//! The people directory: everyone this instance knows, here and elsewhere, filtered by
//! expertise, agency, instance or group, in pages of a stable order.

use super::*;
use diesel::sql_types::{Bool, Nullable, Text, Timestamp};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::db::models::Person;
use crate::domain::groups::{find_group, MembershipState};
use crate::domain::views::PersonView;

diesel::define_sql_function!(fn lower(x: Nullable<Text>) -> Nullable<Text>);

/// People per page when none is asked for, and the most a page holds.
pub const DIRECTORY_DEFAULT: i64 = 40;
pub const DIRECTORY_MAX: i64 = 80;
/// How far paging goes: past this, a narrower filter serves better than a deeper page.
const OFFSET_MAX: i64 = 100_000;
const FILTER_MAX: usize = 200;

/// The latest thread or comment of the person in the current row (statuses holds both).
const LAST_POSTED: &str =
    "(SELECT MAX(statuses.created_at) FROM statuses WHERE statuses.author_id = persons.id)";
const SHOWN_NAME: &str = "LOWER(COALESCE(persons.display_name, persons.username))";

/// The directory's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirectoryOrder {
    /// Who posted last first; people who never posted after everyone else.
    #[default]
    Active,
    /// Newest profiles first.
    New,
    /// By the name shown, A to Z.
    Name,
}

impl DirectoryOrder {
    pub const fn as_str(self) -> &'static str {
        match self {
            DirectoryOrder::Active => "active",
            DirectoryOrder::New => "new",
            DirectoryOrder::Name => "name",
        }
    }
}

/// The directory's query as the doors receive it; every value is checked by [`parse`].
///
/// [`parse`]: DirectoryParams::parse
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    /// An expertise tag, in any spelling: matched by canonical form.
    pub expertise: Option<String>,
    /// An agency, matched whole, in any case.
    pub agency: Option<String>,
    /// An instance's domain: only the people of that instance.
    pub instance: Option<String>,
    /// A group, `name` here or `name@domain`: only its accepted members.
    pub group: Option<String>,
    /// Only people of this instance.
    pub local: Option<bool>,
    /// `active` (latest thread or comment first, the default), `new` or `name`.
    pub order: Option<String>,
    pub offset: Option<i64>,
    /// 1 to 80; 40 when absent.
    pub limit: Option<i64>,
}

/// A checked directory query.
#[derive(Debug, Clone, Default)]
pub struct DirectoryQuery {
    pub expertise: Option<String>,
    pub agency: Option<String>,
    pub instance: Option<String>,
    pub group: Option<String>,
    pub local: bool,
    pub order: DirectoryOrder,
    pub offset: i64,
    pub limit: i64,
}

/// A blank filter is no filter; a filter too long to match anything is refused.
fn filter(field: &'static str, raw: Option<&str>) -> Result<Option<String>> {
    let Some(v) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > FILTER_MAX || v.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("must be one line of at most {FILTER_MAX} characters"),
        ));
    }
    Ok(Some(v.to_string()))
}

impl DirectoryParams {
    /// # Errors
    /// 422 naming the field: an unknown order, a limit outside 1 to 80, a negative offset, an
    /// expertise tag with no letter or digit, an overlong filter.
    pub fn parse(&self) -> Result<DirectoryQuery> {
        let order = match self.order.as_deref().map(str::trim) {
            None | Some("") | Some("active") => DirectoryOrder::Active,
            Some("new") => DirectoryOrder::New,
            Some("name") => DirectoryOrder::Name,
            Some(_) => return Err(Error::invalid("order", "must be active, new or name")),
        };
        let limit = self.limit.unwrap_or(DIRECTORY_DEFAULT);
        if !(1..=DIRECTORY_MAX).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {DIRECTORY_MAX}"),
            ));
        }
        let offset = self.offset.unwrap_or(0);
        if !(0..=OFFSET_MAX).contains(&offset) {
            return Err(Error::invalid(
                "offset",
                format!("must be between 0 and {OFFSET_MAX}"),
            ));
        }
        let expertise = match filter("expertise", self.expertise.as_deref())? {
            None => None,
            Some(raw) => {
                let tag = canonical_tag(&raw);
                if tag.is_empty() {
                    return Err(Error::invalid("expertise", "must hold a letter or a digit"));
                }
                Some(tag)
            }
        };
        Ok(DirectoryQuery {
            expertise,
            agency: filter("agency", self.agency.as_deref())?,
            instance: filter("instance", self.instance.as_deref())?.map(|d| d.to_lowercase()),
            group: filter("group", self.group.as_deref())?,
            local: self.local.unwrap_or(false),
            order,
            offset,
            limit,
        })
    }
}

/// A page of the directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryPage {
    pub people: Vec<PersonView>,
    pub offset: i64,
    pub limit: i64,
    /// The offset of the next page, when there is one.
    pub next_offset: Option<i64>,
}

/// One page of the people this instance knows — never suspended or unapproved accounts — in
/// the query's order, ties broken by id so that pages neither repeat nor skip anyone.
///
/// # Errors
/// 422 (`group`) for a group we do not know.
pub async fn people(state: &Context, q: DirectoryQuery) -> Result<DirectoryPage> {
    let instance_id = state.instance_id;
    state
        .db
        .read(move |conn| {
            let group_id = match q.group.as_deref() {
                None => None,
                Some(g) => Some(
                    find_group(conn, instance_id, g.trim_start_matches('@'))
                        .map_err(|_| Error::invalid("group", "no group of that name is known"))?
                        .id,
                ),
            };
            let mut query = persons::table
                .inner_join(instances::table)
                .filter(persons::suspended.eq(false))
                .filter(persons::approved.eq(true))
                .select(Person::as_select())
                .into_boxed();
            if let Some(tag) = q.expertise {
                query = query.filter(
                    persons::id.eq_any(
                        person_expertise::table
                            .filter(person_expertise::tag.eq(tag))
                            .select(person_expertise::person_id),
                    ),
                );
            }
            if let Some(agency) = q.agency {
                query = query.filter(lower(persons::agency).eq(agency.to_lowercase()));
            }
            if let Some(domain) = q.instance {
                query = query.filter(instances::domain.eq(domain));
            }
            if let Some(g) = group_id {
                query = query.filter(
                    persons::id.eq_any(
                        memberships::table
                            .filter(memberships::group_id.eq(g))
                            .filter(memberships::state.eq(MembershipState::Accepted))
                            .select(memberships::person_id),
                    ),
                );
            }
            if q.local {
                query = query.filter(persons::local.eq(true));
            }
            query = match q.order {
                DirectoryOrder::Active => query.order((
                    diesel::dsl::sql::<Bool>(&format!("{LAST_POSTED} IS NULL")).asc(),
                    diesel::dsl::sql::<Nullable<Timestamp>>(LAST_POSTED).desc(),
                    persons::id.desc(),
                )),
                DirectoryOrder::New => {
                    query.order((persons::created_at.desc(), persons::id.desc()))
                }
                DirectoryOrder::Name => query.order((
                    diesel::dsl::sql::<Text>(SHOWN_NAME).asc(),
                    persons::id.asc(),
                )),
            };
            // One more than asked tells whether a next page exists.
            let mut rows: Vec<Person> = query.offset(q.offset).limit(q.limit + 1).load(conn)?;
            let more = rows.len() as i64 > q.limit;
            rows.truncate(usize::try_from(q.limit).unwrap_or(0));
            Ok(DirectoryPage {
                people: rows.into_iter().map(PersonView::from).collect(),
                offset: q.offset,
                limit: q.limit,
                next_offset: more.then_some(q.offset + q.limit),
            })
        })
        .await
}

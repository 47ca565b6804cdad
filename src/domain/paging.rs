//! Keyset pagination: a page holds `limit` items and an opaque cursor that points after the
//! last one, so pages stay fast and stable however deep a client reads.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{Error, Result};

/// Position after the last item of a page: its sort key and id (ties broken by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    /// # Errors
    /// The text is not a cursor this server made.
    pub fn parse(raw: &str) -> Result<Cursor> {
        let bad = || Error::invalid("cursor", "is not a cursor returned by this server");
        let (key, id) = raw.split_once('.').ok_or_else(bad)?;
        Ok(Cursor {
            key: key.parse().map_err(|_| bad())?,
            id: id.parse().map_err(|_| bad())?,
        })
    }

    pub fn encode(self) -> String {
        format!("{}.{}", self.key, self.id)
    }

    pub fn time_key(t: DateTime<Utc>) -> i64 {
        t.timestamp_micros()
    }

    /// The cursor's key read back as a time.
    ///
    /// # Errors
    /// The key is out of range for a time.
    pub fn key_as_time(self) -> Result<NaiveDateTime> {
        DateTime::from_timestamp_micros(self.key)
            .map(|t| t.naive_utc())
            .ok_or_else(|| Error::invalid("cursor", "is not a cursor returned by this server"))
    }
}

/// What a client asked for: where to start and how many.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<Cursor>,
    pub limit: i64,
}

impl PageRequest {
    /// # Errors
    /// A malformed cursor, or a limit outside 1..=`max`.
    pub fn new(cursor: Option<&str>, limit: Option<i64>, default: i64, max: i64) -> Result<Self> {
        let limit = limit.unwrap_or(default);
        if !(1..=max).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {max}"),
            ));
        }
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(Cursor::parse)
            .transpose()?;
        Ok(PageRequest { after, limit })
    }
}

/// One page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only says that more exist.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> Cursor) -> Page<T> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| cursor_of(r).encode())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor { key: -3, id: 42 };
        assert_eq!(Cursor::parse(&c.encode()).unwrap(), c);
        for bad in ["", "x", "1.", ".2", "1.2.3", "a.b"] {
            assert!(Cursor::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pages_know_when_more_exist() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |&i| Cursor { key: i, id: i });
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor.as_deref(), Some("2.2"));
        let page = Page::from_rows(vec![1, 2], 2, |&i| Cursor { key: i, id: i });
        assert!(page.next_cursor.is_none());
    }
}

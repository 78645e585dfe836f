//! Paging for every list: `limit` 1–100 (default 20), and where the page starts: an `offset`
//! from 0 (REST, GraphQL `offset`) or right after a [`Position`] (GraphQL cursors). Lists are
//! ordered newest first, `created_at DESC, id DESC`, so a position is a row's `(created_at, id)`
//! and a page after it costs the same however deep it is (a keyset page), where an offset page
//! reads and skips every row before it.

use chrono::NaiveDateTime;

use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;
/// Far beyond any real list; keeps the number inside every backend's integer types.
pub const MAX_OFFSET: i64 = 1_000_000_000;

/// A row's place in a list ordered `created_at DESC, id DESC`: the id breaks ties between rows
/// created in the same millisecond, so every row has its own position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub created_at: NaiveDateTime,
    pub id: i32,
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// After skipping this many rows (0 or more).
    Offset(i64),
    /// With the first row after this position (older, or as old with a smaller id).
    After(Position),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub start: Start,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: DEFAULT_LIMIT,
            start: Start::Offset(0),
        }
    }
}

impl Page {
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Result<Page, AppError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        let offset = offset.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::invalid("limit", LIMIT_RULE));
        }
        if !(0..=MAX_OFFSET).contains(&offset) {
            return Err(AppError::invalid("offset", OFFSET_RULE));
        }
        Ok(Page {
            limit,
            start: Start::Offset(offset),
        })
    }

    /// A keyset page: `limit` rows after `position` (`limit` checked as in [`Page::new`]).
    pub fn after(limit: Option<i64>, position: Position) -> Result<Page, AppError> {
        let page = Page::new(limit, None)?;
        Ok(Page {
            start: Start::After(position),
            ..page
        })
    }

    /// Reads `limit` and `offset` as sent in a query string.
    pub fn parse(limit: Option<&str>, offset: Option<&str>) -> Result<Page, AppError> {
        let number = |value: Option<&str>, field: &str, rule: &str| {
            value
                .map(|text| {
                    text.trim()
                        .parse::<i64>()
                        .map_err(|_| AppError::invalid(field, rule))
                })
                .transpose()
        };
        Page::new(
            number(limit, "limit", LIMIT_RULE)?,
            number(offset, "offset", OFFSET_RULE)?,
        )
    }
}

/// A list shown under each item of another list (an article's comments, an author's articles):
/// how many items each parent shows when the client does not say (`default`) and at most
/// (`max`). SQL reads at most that many rows per parent, so the cost of a nested list is bounded
/// by the parent list's length times `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NestedLimit {
    pub default: usize,
    pub max: usize,
}

impl NestedLimit {
    /// Whether `first` items may be asked for: 1..=`max`.
    pub fn allows(self, first: usize) -> bool {
        (1..=self.max).contains(&first)
    }

    /// `first` if [allowed](Self::allows), else 422 `first: must be a whole number from 1 to
    /// <max>`.
    pub fn check(self, first: usize) -> Result<usize, AppError> {
        if self.allows(first) {
            return Ok(first);
        }
        let max = self.max;
        Err(AppError::invalid(
            "first",
            format!("must be a whole number from 1 to {max}"),
        ))
    }
}

/// An author's latest articles under a profile.
pub const AUTHOR_ARTICLES: NestedLimit = NestedLimit {
    default: 5,
    max: 20,
};
/// An article's latest comments under the article. The default is also what the GraphQL cost
/// limit assumes for a list without `first`.
pub const ARTICLE_COMMENTS: NestedLimit = NestedLimit {
    default: 20,
    max: 100,
};

const LIMIT_RULE: &str = "must be a whole number from 1 to 100";
const OFFSET_RULE: &str = "must be a whole number from 0 to 1000000000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_offsets_are_checked() {
        assert_eq!(Page::parse(None, None).unwrap(), Page::default());
        assert_eq!(
            Page::parse(Some("5"), Some("10")).unwrap(),
            Page {
                limit: 5,
                start: Start::Offset(10)
            }
        );
        for (limit, offset) in [
            ("0", "0"),
            ("-1", "0"),
            ("101", "0"),
            ("abc", "0"),
            ("1", "-5"),
            ("1", "99999999999999999999"),
            ("1", "x"),
        ] {
            assert!(
                Page::parse(Some(limit), Some(offset)).is_err(),
                "{limit} {offset}"
            );
        }
    }

    /// The one field an error names, and its message.
    fn refusal(result: Result<Page, AppError>) -> (String, Vec<String>) {
        let errors = result.expect_err("a refusal").field_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors.into_iter().next().expect("one field")
    }

    #[test]
    fn the_limit_takes_1_to_100_inclusive() {
        assert_eq!(Page::new(Some(1), None).unwrap().limit, 1);
        assert_eq!(Page::new(Some(MAX_LIMIT), None).unwrap().limit, 100);
        for limit in [0, MAX_LIMIT + 1, i64::MIN, i64::MAX] {
            assert_eq!(
                refusal(Page::new(Some(limit), None)),
                ("limit".to_owned(), vec![LIMIT_RULE.to_owned()]),
                "{limit}"
            );
        }
    }

    #[test]
    fn the_offset_takes_0_to_a_billion_inclusive() {
        assert_eq!(
            Page::new(None, Some(MAX_OFFSET)).unwrap().start,
            Start::Offset(1_000_000_000)
        );
        for offset in [-1, MAX_OFFSET + 1] {
            assert_eq!(
                refusal(Page::new(None, Some(offset))),
                ("offset".to_owned(), vec![OFFSET_RULE.to_owned()]),
                "{offset}"
            );
        }
    }

    #[test]
    fn a_bad_limit_is_reported_before_a_bad_offset() {
        assert_eq!(refusal(Page::parse(Some("0"), Some("-1"))).0, "limit");
    }

    #[test]
    fn query_string_numbers_are_whole_decimal_numbers_trimmed_of_whitespace() {
        assert_eq!(
            Page::parse(Some(" 7 "), Some("\t3")).unwrap(),
            Page {
                limit: 7,
                start: Start::Offset(3),
            }
        );
        assert_eq!(Page::parse(Some("+7"), None).unwrap().limit, 7);
        for limit in ["", " ", "7.0", "1e2", "-", "+", "0x10", "７"] {
            assert_eq!(
                refusal(Page::parse(Some(limit), None)).0,
                "limit",
                "{limit:?}"
            );
        }
    }

    #[test]
    fn a_keyset_page_checks_its_limit_and_starts_after_the_position() {
        let position = Position {
            created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0)
                .unwrap()
                .naive_utc(),
            id: 7,
        };
        assert_eq!(
            Page::after(None, position).unwrap(),
            Page {
                limit: DEFAULT_LIMIT,
                start: Start::After(position),
            }
        );
        assert_eq!(refusal(Page::after(Some(101), position)).0, "limit");
    }

    #[test]
    fn a_nested_list_takes_1_to_its_maximum() {
        assert_eq!(AUTHOR_ARTICLES.check(1).unwrap(), 1);
        assert_eq!(AUTHOR_ARTICLES.check(20).unwrap(), 20);
        for first in [0, 21] {
            let error = AUTHOR_ARTICLES.check(first).unwrap_err();
            assert_eq!(
                error.field_errors(),
                crate::error::FieldErrors::from([(
                    "first".to_owned(),
                    vec!["must be a whole number from 1 to 20".to_owned()]
                )]),
                "{first}"
            );
        }
        assert!(ARTICLE_COMMENTS.allows(ARTICLE_COMMENTS.default));
        assert!(!ARTICLE_COMMENTS.allows(101));
    }
}

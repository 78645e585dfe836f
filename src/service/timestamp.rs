//! The one rendering of a stored time: UTC, milliseconds, `Z` (`2016-02-18T03:22:56.637Z`).

use std::fmt::Display;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use chrono::format::{Item, StrftimeItems};

/// The format, parsed once: `NaiveDateTime::format(&str)` parses its format string on every
/// call, and a list renders two timestamps per article on the hot path.
static FORMAT: LazyLock<Vec<Item<'static>>> = LazyLock::new(|| {
    StrftimeItems::new("%Y-%m-%dT%H:%M:%S%.3fZ")
        .parse()
        .unwrap_or_default()
});

/// `time` rendered lazily: writes straight into the output, with no intermediate `String` (the
/// REST JSON serializes it this way, see `rest::json`).
pub fn display(time: &NaiveDateTime) -> impl Display + '_ {
    time.format_with_items(FORMAT.iter())
}

/// `time` as a `String`, for GraphQL's fields.
pub fn format(time: &NaiveDateTime) -> String {
    display(time).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn milliseconds_are_always_written() {
        let time = chrono::NaiveDate::from_ymd_opt(2016, 2, 18)
            .unwrap()
            .and_hms_milli_opt(3, 22, 56, 0)
            .unwrap();
        assert_eq!(super::format(&time), "2016-02-18T03:22:56.000Z");
        let time = time + chrono::Duration::microseconds(637_999);
        assert_eq!(super::format(&time), "2016-02-18T03:22:56.637Z");
    }
}

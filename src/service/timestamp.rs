//! The one rendering of a stored time: UTC, milliseconds, `Z` (`2016-02-18T03:22:56.637Z`).

use chrono::NaiveDateTime;
use serde::Serializer;

pub fn format(time: &NaiveDateTime) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// For `#[serde(serialize_with = "timestamp::serialize")]`.
pub fn serialize<S: Serializer>(time: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format(time))
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
    }
}

//! Where settings come from, and reading one: absent means the default, a bad value is a
//! [`ConfigError`] that names the variable and says what is expected.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::ConfigError;

/// Where a setting comes from; the process environment in production, a map in tests.
pub trait Source {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct Environment;

impl Source for Environment {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<const N: usize> Source for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    }
}

/// Reads settings from a [`Source`].
pub(super) struct Reader<'a, S> {
    pub(super) source: &'a S,
}

impl<S: Source> Reader<'_, S> {
    pub(super) fn optional<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match self.source.get(name) {
            None => Ok(None),
            Some(value) => parse(value.trim())
                .map(Some)
                .map_err(|problem| ConfigError {
                    name,
                    value: if name.contains("SECRET") {
                        "***".into()
                    } else {
                        value
                    },
                    problem,
                }),
        }
    }

    /// Parses the variable, or the default when it is unset, through the same rules.
    pub(super) fn parse<T>(
        &self,
        name: &'static str,
        default: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.optional(name, &parse)? {
            Some(value) => Ok(value),
            None => parse(default).map_err(|problem| ConfigError {
                name,
                value: default.into(),
                problem,
            }),
        }
    }

    pub(super) fn number<T>(
        &self,
        name: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        let expected = || {
            format!(
                "expected a whole number from {} to {}",
                range.start(),
                range.end()
            )
        };
        Ok(self
            .optional(name, |v| match v.parse::<T>() {
                Ok(number) if range.contains(&number) => Ok(number),
                _ => Err(expected()),
            })?
            .unwrap_or(default))
    }

    /// A whole number of seconds, as [`number`](Self::number) reads it.
    pub(super) fn seconds(
        &self,
        name: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<Duration, ConfigError> {
        self.number(name, default, range).map(Duration::from_secs)
    }

    pub(super) fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        Ok(self
            .optional(name, |v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err("expected true or false".into()),
            })?
            .unwrap_or(default))
    }
}

//! Input rules shared by the services, with the messages RealWorld clients expect. Errors are
//! collected per field so that a form shows every problem at once.

use crate::error::{AppError, FieldErrors};

pub const BLANK: &str = "can't be blank";
pub const NUL: &str = "can't contain NUL characters";
/// An update that names no field to change.
pub const NOTHING_TO_UPDATE: &str = "has no field to update";

/// Collects messages per field; `finish` turns them into one 422.
#[derive(Default)]
pub struct Validator {
    errors: FieldErrors,
}

impl Validator {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// A required text: trimmed, not blank, at most `max_chars` characters.
    pub fn required(&mut self, field: &str, value: Option<String>, max_chars: usize) -> String {
        let value = value.map(|v| v.trim().to_owned()).unwrap_or_default();
        if value.is_empty() {
            self.add(field, BLANK);
        } else {
            self.text(field, &value, max_chars);
        }
        value
    }

    /// An optional text where `""` means "none" (stored as NULL).
    pub fn optional(
        &mut self,
        field: &str,
        value: Option<String>,
        max_chars: usize,
    ) -> Option<String> {
        let value = value.filter(|v| !v.trim().is_empty())?;
        self.text(field, &value, max_chars);
        Some(value)
    }

    /// At most `max_chars` characters and no NUL (which PostgreSQL cannot store in text).
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize) {
        if value.chars().count() > max_chars {
            self.add(
                field,
                format!("is too long (maximum is {max_chars} characters)"),
            );
        }
        if value.contains('\0') {
            self.add(field, NUL);
        }
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages `finish` reports, per field (empty when the input was valid).
    fn messages(validator: Validator) -> FieldErrors {
        match validator.finish() {
            Ok(()) => FieldErrors::new(),
            Err(error) => error.field_errors(),
        }
    }

    fn one(field: &str, message: &str) -> FieldErrors {
        FieldErrors::from([(field.to_owned(), vec![message.to_owned()])])
    }

    #[test]
    fn a_required_text_is_trimmed() {
        let mut validator = Validator::default();
        let value = validator.required("title", Some("  Dragons \n".into()), 10);
        assert_eq!(value, "Dragons");
        assert_eq!(messages(validator), FieldErrors::new());
    }

    #[test]
    fn a_missing_empty_or_whitespace_required_text_is_blank() {
        for value in [None, Some(String::new()), Some(" \t\n\u{3000}".into())] {
            let mut validator = Validator::default();
            assert_eq!(validator.required("title", value.clone(), 10), "");
            assert_eq!(messages(validator), one("title", BLANK), "{value:?}");
        }
    }

    #[test]
    fn the_length_limit_counts_characters_not_bytes_and_includes_the_maximum() {
        // Five characters of two, three and four bytes: within a limit of five.
        let mut validator = Validator::default();
        validator.required("title", Some("éé€€😀".into()), 5);
        assert_eq!(messages(validator), FieldErrors::new());

        let mut validator = Validator::default();
        validator.required("title", Some("éé€€😀!".into()), 5);
        assert_eq!(
            messages(validator),
            one("title", "is too long (maximum is 5 characters)")
        );
    }

    #[test]
    fn the_length_limit_applies_after_trimming() {
        let mut validator = Validator::default();
        validator.required("title", Some(format!("  {}  ", "a".repeat(5))), 5);
        assert_eq!(messages(validator), FieldErrors::new());
    }

    #[test]
    fn a_nul_character_is_refused_wherever_it_is() {
        for value in ["\0", "a\0", "\0a", "a\0b"] {
            let mut validator = Validator::default();
            validator.required("body", Some(value.into()), 10);
            assert_eq!(messages(validator), one("body", NUL), "{value:?}");
        }
    }

    #[test]
    fn an_optional_text_that_is_empty_or_whitespace_is_none() {
        for value in [None, Some(String::new()), Some("   ".into())] {
            let mut validator = Validator::default();
            assert_eq!(
                validator.optional("bio", value.clone(), 10),
                None,
                "{value:?}"
            );
            assert_eq!(messages(validator), FieldErrors::new());
        }
    }

    #[test]
    fn an_optional_text_is_kept_as_sent_and_checked() {
        let mut validator = Validator::default();
        assert_eq!(
            validator.optional("bio", Some(" hi ".into()), 10),
            Some(" hi ".to_owned())
        );
        assert_eq!(messages(validator), FieldErrors::new());

        let mut validator = Validator::default();
        validator.optional("bio", Some("x".repeat(11)), 10);
        assert_eq!(
            messages(validator),
            one("bio", "is too long (maximum is 10 characters)")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_per_field() {
        let mut validator = Validator::default();
        validator.required("title", None, 10);
        validator.required("body", Some(format!("{}\0", "x".repeat(10))), 10);
        validator.add("body", "another");
        let errors = messages(validator);
        assert_eq!(errors["title"], [BLANK]);
        assert_eq!(
            errors["body"],
            ["is too long (maximum is 10 characters)", NUL, "another"]
        );
    }
}

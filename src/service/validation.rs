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

//! Tags: the rules for an article's tag list and the list of tags in use.

use super::counters::Counters as _;
use super::validation::Validator;
use crate::db::Session;
use crate::error::AppError;
use crate::on_connection;

pub const MAX_TAGS: usize = 20;
pub const TAG_MAX_CHARS: usize = 64;

/// Trimmed, de-duplicated and sorted; blank or over-long tags and too many tags are refused.
pub fn validate_tag_list(validator: &mut Validator, tags: Vec<String>) -> Vec<String> {
    if tags.len() > MAX_TAGS {
        validator.add(
            "tagList",
            format!("is too long (maximum is {MAX_TAGS} tags)"),
        );
        return Vec::new();
    }
    let mut clean: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim().to_owned();
        if tag.is_empty() {
            validator.add("tagList", "can't contain blank tags");
        } else if tag.contains('\0') {
            validator.add("tagList", super::validation::NUL);
        } else if tag.chars().count() > TAG_MAX_CHARS {
            validator.add(
                "tagList",
                format!("can't contain tags longer than {TAG_MAX_CHARS} characters"),
            );
        } else {
            clean.push(tag);
        }
    }
    clean.sort();
    clean.dedup();
    clean
}

/// Every tag used by at least one article, most used first (ties by name), from the tags'
/// counters.
pub async fn list_tags(db: &Session) -> Result<Vec<String>, AppError> {
    on_connection!(db, async move |conn| { Ok(conn.tags_in_use().await?) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kept tags and the `tagList` messages.
    fn validate(tags: &[&str]) -> (Vec<String>, Vec<String>) {
        let mut validator = Validator::default();
        let kept = validate_tag_list(&mut validator, tags.iter().map(|&tag| tag.into()).collect());
        let messages = match validator.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.field_errors().remove("tagList").unwrap_or_default(),
        };
        (kept, messages)
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_sorted_by_code_point() {
        let (kept, messages) = validate(&[" rust ", "Rust", "rust", "angular", "Ä", "b-c", "bc"]);
        // Byte (code point) order, the same on every backend: capitals before small letters,
        // letters with marks after z. Case is kept: "Rust" and "rust" are two tags.
        assert_eq!(kept, ["Rust", "angular", "b-c", "bc", "rust", "Ä"]);
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn no_tags_is_an_empty_list() {
        assert_eq!(validate(&[]), (vec![], vec![]));
    }

    #[test]
    fn blank_tags_are_refused_and_the_others_kept() {
        let (kept, messages) = validate(&["ok", "", " \t "]);
        assert_eq!(kept, ["ok"]);
        assert_eq!(
            messages,
            ["can't contain blank tags", "can't contain blank tags"]
        );
    }

    #[test]
    fn a_tag_with_a_nul_character_is_refused() {
        let (kept, messages) = validate(&["a\0b"]);
        assert!(kept.is_empty());
        assert_eq!(messages, [super::super::validation::NUL]);
    }

    #[test]
    fn a_tag_of_64_characters_is_accepted_and_65_is_not() {
        let longest = "é".repeat(TAG_MAX_CHARS);
        assert_eq!(validate(&[&longest]), (vec![longest.clone()], vec![]));
        let (kept, messages) = validate(&[&"é".repeat(TAG_MAX_CHARS + 1)]);
        assert!(kept.is_empty());
        assert_eq!(messages, ["can't contain tags longer than 64 characters"]);
    }

    #[test]
    fn twenty_tags_are_accepted_and_twenty_one_are_not() {
        let names: Vec<String> = (0..=MAX_TAGS)
            .map(|number| format!("tag{number:02}"))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let (kept, messages) = validate(&names[..MAX_TAGS]);
        assert_eq!(kept.len(), 20);
        assert!(messages.is_empty(), "{messages:?}");
        let (kept, messages) = validate(&names);
        assert!(kept.is_empty());
        assert_eq!(messages, ["is too long (maximum is 20 tags)"]);
    }
}

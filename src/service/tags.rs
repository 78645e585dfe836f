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

//! Slugs: URL-friendly article keys made from the title. Uniqueness is decided by the database's
//! unique constraint; on a collision the article service retries with [`with_suffix`].

/// Longest slug made from a title, in characters; a suffix may add seven more.
const MAX_CHARS: usize = 200;

/// `"How to Train Your Dragon!"` → `"how-to-train-your-dragon"`. Letters and digits of any script
/// are kept (lower-cased); every other run of characters becomes one `-`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for character in title.chars() {
        if character.is_alphanumeric() {
            slug.extend(character.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.chars().take(MAX_CHARS).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "article".to_owned()
    } else if RESERVED.contains(&slug) {
        with_suffix(slug)
    } else {
        slug.to_owned()
    }
}

/// Slugs that would collide with a fixed route: `/api/articles/feed` is the feed,
/// `/api/articles/events` the stream of new articles (a fixed segment wins over `{slug}`).
const RESERVED: &[&str] = &["feed", "events"];

/// `base` with a random six-character suffix: `how-to-train-your-dragon-k3x9q2`.
pub fn with_suffix(base: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let suffix: String = (0..6)
        .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
        .collect();
    format!("{base}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_readable_slugs() {
        assert_eq!(
            slugify("How to Train Your Dragon!"),
            "how-to-train-your-dragon"
        );
        assert_eq!(slugify("  --Rust & C++ -- "), "rust-c");
        assert_eq!(slugify("Ünïcödé Straße"), "ünïcödé-straße");
        assert_eq!(slugify("!!!"), "article");
        assert!(
            slugify("Feed").starts_with("feed-"),
            "the feed route keeps its path"
        );
        assert!(
            slugify("Events!").starts_with("events-"),
            "the article events route keeps its path"
        );
        assert_eq!(slugify(&"a".repeat(500)).chars().count(), MAX_CHARS);
    }

    #[test]
    fn suffixes_differ() {
        let first = with_suffix("title");
        assert!(first.starts_with("title-") && first.len() == "title-".len() + 6);
        assert_ne!(first, with_suffix("title"));
    }
}

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
    fn a_title_without_letters_or_digits_is_article() {
        for title in ["", "   ", "!!!", "—", "🐉 🔥"] {
            assert_eq!(slugify(title), "article", "{title:?}");
        }
    }

    #[test]
    fn digits_and_letters_of_every_script_are_kept_lower_cased() {
        assert_eq!(slugify("Ελληνικά Νέα 2024"), "ελληνικά-νέα-2024");
        assert_eq!(slugify("日本語のタイトル"), "日本語のタイトル");
    }

    #[test]
    fn every_run_of_other_characters_is_one_hyphen_and_none_at_the_ends() {
        assert_eq!(slugify("a\t\n  b...c / d"), "a-b-c-d");
        assert_eq!(slugify("-a-"), "a");
        assert_eq!(slugify("a_b"), "a-b");
    }

    #[test]
    fn a_cut_title_does_not_end_with_a_hyphen() {
        let title = format!("{} b", "a".repeat(MAX_CHARS - 1));
        let slug = slugify(&title);
        assert_eq!(slug, "a".repeat(MAX_CHARS - 1));
    }

    #[test]
    fn the_length_limit_counts_characters_not_bytes() {
        let slug = slugify(&"é".repeat(MAX_CHARS + 1));
        assert_eq!(slug.chars().count(), MAX_CHARS);
        assert_eq!(slug.len(), MAX_CHARS * 2);
    }

    #[test]
    fn only_the_exact_route_names_are_reserved() {
        assert!(slugify("FEED").starts_with("feed-"));
        assert!(slugify(" events ").starts_with("events-"));
        assert_eq!(slugify("Feed me"), "feed-me");
        assert_eq!(slugify("Eventsourcing"), "eventsourcing");
        assert_eq!(slugify("feeds"), "feeds");
    }

    #[test]
    fn suffixes_differ() {
        let first = with_suffix("title");
        assert!(first.starts_with("title-") && first.len() == "title-".len() + 6);
        assert_ne!(first, with_suffix("title"));
    }
}

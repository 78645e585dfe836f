//! What `conduit seed` writes, made in memory before anything is written: every row refers to
//! users, articles and tags by their position in the plan (the database assigns the ids), and
//! every counter the service keeps (`service::counters`) is counted here, from the same rows, so
//! the rows go in with their counters set and no recount has to scan the tables afterwards.

use std::collections::HashSet;

use chrono::{NaiveDateTime, SubsecRound as _};
use rand::rngs::StdRng;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};

use super::words;
use crate::db::models::{NewArticleRow, NewUserRow, SeededArticleRow, SeededUserRow};
use crate::service::slug::slugify;

/// A position in [`Plan::users`].
pub type UserIndex = u32;
/// A position in [`Plan::articles`].
pub type ArticleIndex = u32;
/// A position in [`words::TAGS`].
pub type TagIndex = u16;

/// Every row of a seeded site, with its counters.
pub struct Plan {
    /// Users with `articles_count` and `favorites_count` set.
    pub users: Vec<SeededUserRow>,
    /// (follower, followee), distinct, never a user following themselves.
    pub follows: Vec<(UserIndex, UserIndex)>,
    /// Articles with `favorites_count` set; `author_id` is 0 until the users have ids.
    pub articles: Vec<SeededArticleRow>,
    /// Each article's author, by position (same order as `articles`).
    pub authors: Vec<UserIndex>,
    /// How many articles carry each tag of [`words::TAGS`].
    pub tag_counts: Vec<i32>,
    /// (article, tag), 1–4 distinct tags per article.
    pub links: Vec<(ArticleIndex, TagIndex)>,
    /// (user, article), 0–10 distinct fans per article.
    pub favorites: Vec<(UserIndex, ArticleIndex)>,
    /// 0–3 comments per article.
    pub comments: Vec<PlannedComment>,
}

pub struct PlannedComment {
    pub article: ArticleIndex,
    pub author: UserIndex,
    pub body: String,
    pub written: NaiveDateTime,
}

impl Plan {
    /// Makes `users` users (at least 2) and `articles` articles from `random_seed`: the same
    /// arguments make the same plan. Every user's password hash is `password_hash`.
    pub fn make(
        users: usize,
        articles: usize,
        random_seed: u64,
        password_hash: &str,
        now: NaiveDateTime,
    ) -> Plan {
        let mut rng = StdRng::seed_from_u64(random_seed);
        let mut plan = Plan {
            users: (0..users)
                .map(|index| planned_user(&mut rng, index, password_hash, now))
                .collect(),
            follows: Vec::new(),
            articles: Vec::with_capacity(articles),
            authors: Vec::with_capacity(articles),
            tag_counts: vec![0; words::TAGS.len()],
            links: Vec::new(),
            favorites: Vec::new(),
            comments: Vec::new(),
        };
        plan.follows = follows(&mut rng, users);
        for index in 0..articles {
            plan.add_article(&mut rng, index, now);
        }
        plan
    }

    fn add_article(&mut self, rng: &mut StdRng, index: usize, now: NaiveDateTime) {
        let article = ArticleIndex::try_from(index).expect("at most 4 billion articles");
        let user_count = self.users.len();
        let title = words::title(rng);
        let written = some_time_before(rng, now);
        let author = random_user(rng, user_count);
        self.users[author as usize].articles_count += 1;
        self.authors.push(author);

        let tag_count = rng.random_range(1..=4).min(words::TAGS.len());
        for tag in sample(rng, words::TAGS.len(), tag_count) {
            self.tag_counts[tag] += 1;
            self.links.push((article, tag as TagIndex));
        }
        let fans = rng.random_range(0..=10).min(user_count);
        for fan in sample(rng, user_count, fans) {
            self.users[fan].favorites_count += 1;
            self.favorites.push((fan as UserIndex, article));
        }
        for _ in 0..rng.random_range(0..=3) {
            self.comments.push(PlannedComment {
                article,
                author: random_user(rng, user_count),
                body: words::reply(rng),
                written: some_time_before(rng, now),
            });
        }
        self.articles.push(SeededArticleRow {
            article: NewArticleRow {
                slug: format!("{}-{index}", slugify(&title)),
                title,
                description: words::description(rng),
                body: words::body(rng),
                author_id: 0,
                created_at: written,
                updated_at: written,
            },
            favorites_count: fans as i32,
        });
    }
}

fn planned_user(
    rng: &mut StdRng,
    index: usize,
    password_hash: &str,
    now: NaiveDateTime,
) -> SeededUserRow {
    let username = format!(
        "{}_{}{}",
        words::pick(rng, words::FIRST_NAMES),
        words::pick(rng, words::LAST_NAMES),
        index
    );
    let joined = some_time_before(rng, now);
    SeededUserRow {
        user: NewUserRow {
            email: format!("{username}@example.com"),
            username,
            password_hash: password_hash.to_owned(),
            bio: words::bio(rng),
            image: None,
            created_at: joined,
            updated_at: joined,
        },
        articles_count: 0,
        favorites_count: 0,
    }
}

fn random_user(rng: &mut StdRng, user_count: usize) -> UserIndex {
    rng.random_range(0..user_count) as UserIndex
}

/// Each user follows up to five others, sorted (the primary key's order, so inserts append).
fn follows(rng: &mut StdRng, user_count: usize) -> Vec<(UserIndex, UserIndex)> {
    let mut pairs = HashSet::new();
    for follower in 0..user_count as UserIndex {
        for _ in 0..rng.random_range(0..=5) {
            let followee = random_user(rng, user_count);
            if followee != follower {
                pairs.insert((follower, followee));
            }
        }
    }
    let mut pairs: Vec<_> = pairs.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

/// A random moment in the year before `now`, at millisecond precision.
fn some_time_before(rng: &mut StdRng, now: NaiveDateTime) -> NaiveDateTime {
    let back = chrono::Duration::milliseconds(rng.random_range(0..365 * 24 * 3600 * 1000_i64));
    (now - back).trunc_subsecs(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_plan() -> Plan {
        Plan::make(20, 300, 7, "hash", chrono::Utc::now().naive_utc())
    }

    #[test]
    fn counters_match_the_rows_they_count() {
        let plan = small_plan();
        let mut written = vec![0; plan.users.len()];
        for &author in &plan.authors {
            written[author as usize] += 1;
        }
        let mut favorited = vec![0; plan.users.len()];
        let mut fans = vec![0; plan.articles.len()];
        for &(user, article) in &plan.favorites {
            favorited[user as usize] += 1;
            fans[article as usize] += 1;
        }
        let mut tagged = vec![0; words::TAGS.len()];
        for &(_, tag) in &plan.links {
            tagged[tag as usize] += 1;
        }
        for (index, user) in plan.users.iter().enumerate() {
            assert_eq!(user.articles_count, written[index]);
            assert_eq!(user.favorites_count, favorited[index]);
        }
        for (index, article) in plan.articles.iter().enumerate() {
            assert_eq!(article.favorites_count, fans[index]);
        }
        assert_eq!(plan.tag_counts, tagged);
    }

    #[test]
    fn rows_that_share_a_key_are_distinct() {
        let plan = small_plan();
        let distinct = |pairs: Vec<(u32, u32)>| pairs.iter().collect::<HashSet<_>>().len();
        assert_eq!(distinct(plan.follows.clone()), plan.follows.len());
        assert!(plan.follows.iter().all(|(a, b)| a != b));
        assert_eq!(distinct(plan.favorites.clone()), plan.favorites.len());
        let links: Vec<(u32, u32)> = plan.links.iter().map(|&(a, t)| (a, u32::from(t))).collect();
        assert_eq!(distinct(links.clone()), links.len());
        let slugs: HashSet<_> = plan.articles.iter().map(|a| &a.article.slug).collect();
        assert_eq!(slugs.len(), plan.articles.len());
    }

    #[test]
    fn the_same_seed_makes_the_same_plan() {
        let now = chrono::Utc::now().naive_utc();
        let first = Plan::make(5, 40, 3, "hash", now);
        let second = Plan::make(5, 40, 3, "hash", now);
        let slugs = |plan: &Plan| -> Vec<String> {
            plan.articles
                .iter()
                .map(|a| a.article.slug.clone())
                .collect()
        };
        assert_eq!(slugs(&first), slugs(&second));
        assert_eq!(first.favorites, second.favorites);
    }
}

//! Word lists and small generators for believable demo text.

use rand::Rng;
use rand::seq::IndexedRandom as _;

pub const FIRST_NAMES: &[&str] = &[
    "ava", "liam", "mia", "noah", "zoe", "omar", "lena", "ivan", "sara", "yuki", "ana", "kofi",
    "nina", "raj", "elif", "jonas", "maya", "tariq", "lucia", "finn", "amara", "hugo", "ines",
    "leo",
];

pub const LAST_NAMES: &[&str] = &[
    "martin", "nguyen", "garcia", "kowalski", "okafor", "smith", "rossi", "tanaka", "silva",
    "muller", "dubois", "haddad", "larsen", "novak", "ortiz", "patel", "meyer", "costa",
];

pub const TAGS: &[&str] = &[
    "rust",
    "webdev",
    "databases",
    "graphql",
    "rest",
    "devops",
    "security",
    "testing",
    "performance",
    "career",
    "design",
    "javascript",
    "python",
    "go",
    "kubernetes",
    "aws",
    "linux",
    "opensource",
    "productivity",
    "architecture",
    "frontend",
    "backend",
    "sql",
    "async",
    "tutorial",
    "beginners",
    "ai",
    "privacy",
    "startups",
    "writing",
];

const TOPICS: &[&str] = &[
    "connection pools",
    "async runtimes",
    "type systems",
    "schema migrations",
    "caching",
    "rate limiting",
    "error handling",
    "observability",
    "code review",
    "pair programming",
    "feature flags",
    "load balancers",
    "JSON APIs",
    "GraphQL resolvers",
    "database indexes",
    "zero-downtime deploys",
    "property-based testing",
    "memory safety",
    "on-call rotations",
];

const OPENERS: &[&str] = &[
    "What I learned about",
    "A practical guide to",
    "Ten mistakes with",
    "Rethinking",
    "The hidden cost of",
    "Getting started with",
    "Why we moved away from",
    "Notes on",
    "A deep dive into",
    "How we scaled",
];

const SENTENCES: &[&str] = &[
    "It started as a small experiment on a quiet Friday afternoon.",
    "The numbers surprised everyone on the team, including me.",
    "Most of the complexity came from assumptions nobody had written down.",
    "We measured before and after, and the difference was hard to ignore.",
    "There is no silver bullet, but there are good defaults.",
    "The documentation covered the happy path and little else.",
    "A few lines of configuration saved us hours of debugging later.",
    "Here is the checklist we now run before every release.",
    "In hindsight, the simplest design was also the fastest one.",
    "Readers asked for code, so the full example is below.",
    "Production traffic behaved very differently from our benchmarks.",
    "The fix was obvious once the right metric was on the dashboard.",
];

const BIOS: &[&str] = &[
    "Backend engineer. Coffee, Rust and long walks.",
    "Writing about software, teams and the space between them.",
    "Databases by day, sourdough by night.",
    "I break things so you don't have to.",
    "Frontend developer learning the backend, one bug at a time.",
];

const REPLIES: &[&str] = &[
    "Great write-up, thanks for sharing!",
    "We hit exactly the same problem last month.",
    "Could you share the benchmark setup?",
    "This saved me an afternoon. Bookmarked.",
    "I disagree with the conclusion, but the analysis is solid.",
    "Any plans for a follow-up post?",
];

pub fn pick<'a, R: Rng + ?Sized>(rng: &mut R, words: &[&'a str]) -> &'a str {
    words.choose(rng).copied().unwrap_or_default()
}

pub fn title<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!("{} {}", pick(rng, OPENERS), pick(rng, TOPICS))
}

pub fn description<R: Rng + ?Sized>(rng: &mut R) -> String {
    pick(rng, SENTENCES).to_owned()
}

pub fn body<R: Rng + ?Sized>(rng: &mut R) -> String {
    let paragraphs = rng.random_range(2..=4);
    (0..paragraphs)
        .map(|_| {
            let sentences = rng.random_range(3..=6);
            (0..sentences)
                .map(|_| pick(rng, SENTENCES))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

pub fn bio<R: Rng + ?Sized>(rng: &mut R) -> Option<String> {
    rng.random_bool(0.7).then(|| pick(rng, BIOS).to_owned())
}

pub fn reply<R: Rng + ?Sized>(rng: &mut R) -> String {
    pick(rng, REPLIES).to_owned()
}

"""What the scenarios read and write, chosen from the seeded data by SQL: the busiest cases
(the most-followed feed, the most-used tag, the most prolific author, ...), so that a scenario
never measures an empty answer."""

from dataclasses import dataclass, field

from .backends import quote

DEMO_PASSWORD = "conduit-demo"
DEEP_OFFSET = 5000
# Articles the writing scenarios favorite, unfavorite and comment on, in turn.
WRITE_TARGETS = 64


@dataclass
class Subjects:
    viewer: str            # signed-in user: the one who follows the most others
    viewer_id: int
    tag: str               # the most used tag
    author: str            # the author of the most articles
    favoriter: str         # the user who favorited the most articles
    article_slug: str      # the article with the most comments
    article_id: int
    deep_offset: int       # DEEP_OFFSET, or half the articles when there are fewer
    write_slugs: list = field(default_factory=list)

    @property
    def viewer_email(self):
        return f"{self.viewer}@example.com"


def _one(db, sql):
    rows = db.query(sql)
    if not rows:
        raise RuntimeError(f"the seeded data has nothing for: {sql}")
    return rows[0]


def choose(db):
    viewer_id, viewer = _one(db, """
        SELECT u.id, u.username FROM users u JOIN follows f ON f.follower_id = u.id
        GROUP BY u.id, u.username ORDER BY COUNT(*) DESC, u.id LIMIT 1""")
    (tag,) = _one(db, """
        SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id
        GROUP BY t.id, t.name ORDER BY COUNT(*) DESC, t.id LIMIT 1""")
    (author,) = _one(db, """
        SELECT u.username FROM users u JOIN articles a ON a.author_id = u.id
        GROUP BY u.id, u.username ORDER BY COUNT(*) DESC, u.id LIMIT 1""")
    (favoriter,) = _one(db, """
        SELECT u.username FROM users u JOIN favorites f ON f.user_id = u.id
        GROUP BY u.id, u.username ORDER BY COUNT(*) DESC, u.id LIMIT 1""")
    article_id, article_slug = _one(db, """
        SELECT a.id, a.slug FROM articles a JOIN comments c ON c.article_id = a.id
        GROUP BY a.id, a.slug ORDER BY COUNT(*) DESC, a.id LIMIT 1""")
    (articles,) = _one(db, "SELECT COUNT(*) FROM articles")
    articles = int(articles)
    # Spread over the table, and not favorited by the viewer yet.
    step = max(1, articles // WRITE_TARGETS)
    rows = db.query(f"""
        SELECT a.slug FROM articles a
        WHERE a.id % {step} = 0 AND a.id NOT IN
              (SELECT f.article_id FROM favorites f WHERE f.user_id = {int(viewer_id)})
        ORDER BY a.id LIMIT {WRITE_TARGETS}""")
    return Subjects(
        viewer=viewer, viewer_id=int(viewer_id), tag=tag, author=author, favoriter=favoriter,
        article_slug=article_slug, article_id=int(article_id),
        deep_offset=min(DEEP_OFFSET, articles // 2),
        write_slugs=[slug for (slug,) in rows])


def user_id(db, username):
    (found,) = _one(db, f"SELECT id FROM users WHERE username = {quote(username)}")
    return int(found)

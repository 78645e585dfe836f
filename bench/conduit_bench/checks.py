"""Correctness: what the database says an answer must be, and the differences from what the
server answered. Every check returns a list of failures (empty: correct).

Both interfaces are brought to one shape first: an article is {slug, title, description,
tagList, favorited, favoritesCount, author: {username, bio, image, following}} (plus body where
the answer has one); REST's `favorited`/`following` are GraphQL's `viewerHasFavorited`/
`viewerIsFollowing`."""

from .backends import quote

PAGE = 20


def rest_article(article):
    shaped = {key: article.get(key) for key in
              ("slug", "title", "description", "tagList", "favorited", "favoritesCount")}
    shaped["author"] = rest_profile(article.get("author") or {})
    if "body" in article:
        shaped["body"] = article["body"]
    return shaped


def rest_profile(profile):
    return {key: profile.get(key) for key in ("username", "bio", "image", "following")}


def graphql_article(article):
    shaped = {key: article.get(key) for key in
              ("slug", "title", "description", "tagList", "favoritesCount")}
    shaped["favorited"] = article.get("viewerHasFavorited")
    shaped["author"] = graphql_profile(article.get("author") or {})
    if "body" in article:
        shaped["body"] = article["body"]
    return shaped


def graphql_profile(profile):
    return {"username": profile.get("username"), "bio": profile.get("bio"),
            "image": profile.get("image"), "following": profile.get("viewerIsFollowing")}


# Filters of the article lists, as SQL conditions on `articles a`.
def where_tag(tag):
    return ("a.id IN (SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id"
            f" WHERE t.name = {quote(tag)})")


def where_author(username):
    return f"a.author_id IN (SELECT u.id FROM users u WHERE u.username = {quote(username)})"


def where_favorited_by(username):
    return ("a.id IN (SELECT f.article_id FROM favorites f JOIN users u ON u.id = f.user_id"
            f" WHERE u.username = {quote(username)})")


def where_feed_of(viewer_id):
    return f"a.author_id IN (SELECT fo.followee_id FROM follows fo WHERE fo.follower_id = {int(viewer_id)})"


def expected_page(db, where=None, offset=0, limit=PAGE):
    """(slugs of the page, newest first with ties by id, and the count of all matches)."""
    condition = f"WHERE {where}" if where else ""
    slugs = [slug for (slug,) in db.query(
        f"SELECT a.slug FROM articles a {condition} ORDER BY a.created_at DESC, a.id DESC"
        f" LIMIT {int(limit)} OFFSET {int(offset)}")]
    (count,) = db.query(f"SELECT COUNT(*) FROM articles a {condition}")[0]
    return slugs, int(count)


def expected_articles(db, slugs, viewer_id):
    """slug -> the article as `viewer_id` (None: anonymous) must see it, body included."""
    if not slugs:
        return {}
    viewer = int(viewer_id) if viewer_id is not None else -1
    listed = ", ".join(quote(slug) for slug in slugs)
    articles = {}
    for row in db.query(f"""
            SELECT a.slug, a.title, a.description, a.body, u.username, u.bio, u.image,
                   (SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id),
                   (SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id AND f.user_id = {viewer}),
                   (SELECT COUNT(*) FROM follows fo WHERE fo.followee_id = a.author_id AND fo.follower_id = {viewer})
            FROM articles a JOIN users u ON u.id = a.author_id WHERE a.slug IN ({listed})"""):
        slug, title, description, body, username, bio, image, favorites, mine, follows = row
        articles[slug] = {
            "slug": slug, "title": title, "description": description, "body": body,
            "tagList": [], "favorited": int(mine) > 0, "favoritesCount": int(favorites),
            "author": {"username": username, "bio": bio, "image": image,
                       "following": int(follows) > 0},
        }
    for slug, tag in db.query(f"""
            SELECT a.slug, t.name FROM articles a JOIN article_tags at ON at.article_id = a.id
            JOIN tags t ON t.id = at.tag_id WHERE a.slug IN ({listed})"""):
        articles[slug]["tagList"].append(tag)
    for article in articles.values():
        article["tagList"].sort()
    return articles


def compare_articles(actual, expected, label="article"):
    """Field-by-field differences of shaped articles (body compared only where answered)."""
    failures = []
    for key, value in expected.items():
        if key == "body" and "body" not in actual:
            continue
        if actual.get(key) != value:
            failures.append(f"{label} {expected.get('slug')}: {key} is {actual.get(key)!r}, "
                            f"the database says {value!r}")
    return failures


def check_page(db, shaped, count, where, viewer_id, offset=0):
    """A list page against the database: the same articles in the same order, the same count,
    every field (tags, favorites, the viewer's flags) as the database has it."""
    slugs, expected_count = expected_page(db, where, offset)
    failures = []
    if count != expected_count:
        failures.append(f"count is {count}, the database has {expected_count}")
    answered = [article.get("slug") for article in shaped]
    if answered != slugs:
        failures.append(f"page is {answered[:3]}… ({len(answered)}), "
                        f"the database says {slugs[:3]}… ({len(slugs)})")
    expected = expected_articles(db, slugs, viewer_id)
    for article in shaped:
        if article.get("slug") in expected:
            failures += compare_articles(article, expected[article["slug"]])
        if "body" in article:
            failures.append("a list must leave the body out")
    if not slugs:
        failures.append("the page is empty: the scenario would measure nothing")
    return failures


def expected_comments(db, article_id, viewer_id):
    viewer = int(viewer_id) if viewer_id is not None else -1
    return [{"id": int(comment_id), "body": body,
             "author": {"username": username, "bio": bio, "image": image,
                        "following": int(follows) > 0}}
            for comment_id, body, username, bio, image, follows in db.query(f"""
                SELECT c.id, c.body, u.username, u.bio, u.image,
                       (SELECT COUNT(*) FROM follows fo WHERE fo.followee_id = c.author_id
                                                         AND fo.follower_id = {viewer})
                FROM comments c JOIN users u ON u.id = c.author_id
                WHERE c.article_id = {int(article_id)} ORDER BY c.id DESC""")]


def expected_profile(db, username, viewer_id):
    viewer = int(viewer_id) if viewer_id is not None else -1
    rows = db.query(f"""
        SELECT u.username, u.bio, u.image,
               (SELECT COUNT(*) FROM follows fo WHERE fo.followee_id = u.id AND fo.follower_id = {viewer})
        FROM users u WHERE u.username = {quote(username)}""")
    if not rows:
        return None
    username, bio, image, follows = rows[0]
    return {"username": username, "bio": bio, "image": image, "following": int(follows) > 0}


def expected_tags(db):
    """Every tag in use, most used first, ties by name (the server's documented order)."""
    return [name for (name,) in db.query("""
        SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id
        GROUP BY t.id, t.name ORDER BY COUNT(*) DESC, t.name ASC""")]


def count(db, sql):
    return int(db.query(sql)[0][0])

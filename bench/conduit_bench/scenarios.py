"""The scenarios: each REST request and its GraphQL twin selecting the same fields, with the
check that proves the answer right before it is measured.

A scenario's `requests` are wrk templates ({method, path, headers, body}; "{unique}" is
replaced per request). `check()` runs before the load and returns failures; `before()` and
`after(successes)` bracket the load for the writes, whose rows are counted in the database."""

import json
from dataclasses import dataclass
from typing import Callable, Optional

from . import checks
from .client import graphql_body
from .subjects import DEMO_PASSWORD

PROFILE_FIELDS = "username bio image viewerIsFollowing"
LIST_FIELDS = ("slug title description tagList createdAt updatedAt favoritesCount "
               f"viewerHasFavorited author {{ {PROFILE_FIELDS} }}")
ARTICLE_FIELDS = LIST_FIELDS + " body"
COMMENT_FIELDS = f"id body createdAt updatedAt author {{ {PROFILE_FIELDS} }}"

# The login storm: this many logins at once, with the list read beside it.
STORM_LOGINS = 64
STORM_READERS = 8


@dataclass
class Scenario:
    name: str
    interface: str                   # rest, graphql, or http (neither: the ceiling)
    title: str
    kind: str                        # read, write, login, ceiling
    requests: list
    check: Callable[[], list]
    before: Optional[Callable[[], None]] = None
    after: Optional[Callable[[int, int], list]] = None  # (successes, connections)
    connections: Optional[int] = None


class Builder:
    """Makes the scenarios for one seeded database, one signed-in viewer."""

    def __init__(self, client, db, subjects, token):
        self.client, self.db, self.s, self.token = client, db, subjects, token

    # Requests as wrk templates.
    def rest(self, method, path, signed, body=None):
        headers = {"Authorization": f"Token {self.token}"} if signed else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return {"method": method, "path": path, "headers": headers,
                "body": json.dumps(body) if body is not None else None}

    def graphql(self, query, variables, operation, signed):
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["Authorization"] = f"Bearer {self.token}"
        return {"method": "POST", "path": "/graphql", "headers": headers,
                "body": graphql_body(query, variables, operation)}

    def send(self, template, unique="check"):
        return self.client.send(template, unique)

    def viewer_id(self, signed):
        return self.s.viewer_id if signed else None

    # ---- reads -------------------------------------------------------------------------------

    def list_pair(self, name, title, rest_query, gql_field, gql_args, where, signed, offset=0):
        """A list page: REST `GET /api/articles…` and GraphQL `articles`/`feed` with the same
        fields. gql_args: {argument: (GraphQL type, value)}."""
        path = "/api/articles" + ("/feed" if gql_field == "feed" else "")
        path += ("?" + rest_query) if rest_query else ""
        rest = self.rest("GET", path, signed)
        operation = "".join(part.title() for part in name.split("-"))
        declarations = ", ".join(f"${arg}: {kind}" for arg, (kind, _) in gql_args.items())
        arguments = ", ".join(["first: 20"] + [f"{arg}: ${arg}" for arg in gql_args])
        query = (f"query {operation}{f'({declarations})' if declarations else ''} "
                 f"{{ {gql_field}({arguments}) {{ totalCount nodes {{ {LIST_FIELDS} }} }} }}")
        gql = self.graphql(query, {arg: value for arg, (_, value) in gql_args.items()},
                           operation, signed)
        viewer = self.viewer_id(signed)

        def check_rest():
            status, body, _ = self.send(rest)
            if status != 200 or not isinstance(body, dict):
                return [f"status {status}: {body}"]
            shaped = [checks.rest_article(a) for a in body.get("articles", [])]
            return checks.check_page(self.db, shaped, body.get("articlesCount"), where, viewer,
                                     offset)

        def check_graphql():
            status, body, _ = self.send(gql)
            connection = ((body or {}).get("data") or {}).get(gql_field)
            if status != 200 or (body or {}).get("errors") or not connection:
                return [f"status {status}: {body}"]
            shaped = [checks.graphql_article(a) for a in connection.get("nodes", [])]
            return checks.check_page(self.db, shaped, connection.get("totalCount"), where,
                                     viewer, offset)

        return [Scenario(name, "rest", f"GET {path.split('?')[0]}{' ?' + rest_query if rest_query else ''}"
                         f"{' (signed in)' if signed else ''}", "read", [rest], check_rest),
                Scenario(name, "graphql", f"{gql_field}(first: 20{', ' if gql_args else ''}"
                         f"{', '.join(gql_args)}){' (signed in)' if signed else ''}", "read", [gql],
                         check_graphql)]

    def deep_page(self):
        """Offset paging far into the list (REST), and GraphQL's cursor to the same place."""
        offset = self.s.deep_offset
        rest_query = f"limit=20&offset={offset}"
        status, body, _ = self.client.graphql(
            f"query DeepCursor {{ articles(first: 1, offset: {offset - 1}) {{ pageInfo {{ endCursor }} }} }}",
            operation="DeepCursor")
        cursor = (((body or {}).get("data") or {}).get("articles") or {}).get(
            "pageInfo", {}).get("endCursor")
        if status != 200 or not cursor:
            raise RuntimeError(f"no cursor at offset {offset}: {body}")
        pair = self.list_pair("deep-page", "", rest_query, "articles",
                              {"after": ("String!", cursor)}, None, False, offset)
        pair[0].title = f"GET /api/articles ?offset={offset}"
        pair[1].title = f"articles(first: 20, after: <cursor at {offset}>)"
        return pair

    def article(self):
        slug = self.s.article_slug
        rest = self.rest("GET", f"/api/articles/{slug}", True)
        gql = self.graphql(f"query Article($slug: String!) {{ article(slug: $slug) {{ {ARTICLE_FIELDS} }} }}",
                           {"slug": slug}, "Article", True)

        def check(shaped):
            expected = checks.expected_articles(self.db, [slug], self.s.viewer_id)[slug]
            if "body" not in shaped:
                return ["the article has no body"]
            return checks.compare_articles(shaped, expected)

        def check_rest():
            status, body, _ = self.send(rest)
            if status != 200:
                return [f"status {status}: {body}"]
            return check(checks.rest_article(body["article"]))

        def check_graphql():
            status, body, _ = self.send(gql)
            if status != 200 or body.get("errors"):
                return [f"status {status}: {body}"]
            return check(checks.graphql_article(body["data"]["article"]))

        return [Scenario("article", "rest", "GET /api/articles/{slug} (signed in)", "read", [rest], check_rest),
                Scenario("article", "graphql", "article(slug) (signed in)", "read", [gql], check_graphql)]

    def comments(self):
        slug = self.s.article_slug
        rest = self.rest("GET", f"/api/articles/{slug}/comments", True)
        gql = self.graphql(
            f"query ArticleComments($slug: String!) {{ article(slug: $slug) {{ comments {{ {COMMENT_FIELDS} }} }} }}",
            {"slug": slug}, "ArticleComments", True)

        def check(answered):
            expected = checks.expected_comments(self.db, self.s.article_id, self.s.viewer_id)
            if answered != expected:
                return [f"comments are {answered[:2]}… ({len(answered)}), "
                        f"the database says {expected[:2]}… ({len(expected)})"]
            return [] if expected else ["the article has no comments: nothing is measured"]

        def check_rest():
            status, body, _ = self.send(rest)
            if status != 200:
                return [f"status {status}: {body}"]
            return check([{"id": c["id"], "body": c["body"], "author": checks.rest_profile(c["author"])}
                          for c in body["comments"]])

        def check_graphql():
            status, body, _ = self.send(gql)
            if status != 200 or body.get("errors"):
                return [f"status {status}: {body}"]
            return check([{"id": int(c["id"]), "body": c["body"],
                           "author": checks.graphql_profile(c["author"])}
                          for c in body["data"]["article"]["comments"]])

        return [Scenario("comments", "rest", "GET /api/articles/{slug}/comments (signed in)", "read",
                         [rest], check_rest),
                Scenario("comments", "graphql", "article(slug) { comments } (signed in)", "read",
                         [gql], check_graphql)]

    def profile(self):
        username = self.s.author
        rest = self.rest("GET", f"/api/profiles/{username}", True)
        gql = self.graphql(f"query Profile($username: String!) {{ profile(username: $username) {{ {PROFILE_FIELDS} }} }}",
                           {"username": username}, "Profile", True)

        def check(answered):
            expected = checks.expected_profile(self.db, username, self.s.viewer_id)
            return [] if answered == expected else [f"profile is {answered}, the database says {expected}"]

        def check_rest():
            status, body, _ = self.send(rest)
            return [f"status {status}: {body}"] if status != 200 else check(checks.rest_profile(body["profile"]))

        def check_graphql():
            status, body, _ = self.send(gql)
            if status != 200 or body.get("errors"):
                return [f"status {status}: {body}"]
            return check(checks.graphql_profile(body["data"]["profile"]))

        return [Scenario("profile", "rest", "GET /api/profiles/{username} (signed in)", "read", [rest], check_rest),
                Scenario("profile", "graphql", "profile(username) (signed in)", "read", [gql], check_graphql)]

    def tags(self):
        rest = self.rest("GET", "/api/tags", False)
        gql = self.graphql("query Tags { tags }", {}, "Tags", False)

        def check(answered):
            expected = checks.expected_tags(self.db)
            return [] if answered == expected else [f"tags are {answered[:5]}…, the database says {expected[:5]}…"]

        def check_rest():
            status, body, _ = self.send(rest)
            return [f"status {status}: {body}"] if status != 200 else check(body["tags"])

        def check_graphql():
            status, body, _ = self.send(gql)
            if status != 200 or body.get("errors"):
                return [f"status {status}: {body}"]
            return check(body["data"]["tags"])

        return [Scenario("tags", "rest", "GET /api/tags", "read", [rest], check_rest),
                Scenario("tags", "graphql", "tags", "read", [gql], check_graphql)]

    # ---- writes ------------------------------------------------------------------------------

    def _viewer_rows(self, table, column):
        return checks.count(self.db, f"SELECT COUNT(*) FROM {table} WHERE {column} = {self.s.viewer_id}")

    def _counted(self, scenario, table, column):
        """Every successful write of the load made exactly one row (requests cut off when wrk
        stops may still have committed: up to one per connection more)."""
        state = {}

        def before():
            state["rows"] = self._viewer_rows(table, column)

        def after(successes, connections):
            made = self._viewer_rows(table, column) - state["rows"]
            # Two loads (warm-up and measured), each may leave one cut-off request per connection.
            if not successes <= made <= successes + 2 * connections:
                return [f"{successes} successful answers but {made} new rows in {table}"]
            return []

        scenario.before, scenario.after = before, after
        return scenario

    def create_article(self):
        article = {"title": "Benchmark article {unique}", "description": "Written by the benchmark",
                   "body": "A body of a few words, written by the benchmark.", "tagList": ["benchmark", self.s.tag]}
        rest = self.rest("POST", "/api/articles", True, {"article": article})
        gql = self.graphql(
            f"mutation CreateArticle($input: CreateArticleInput!) {{ createArticle(input: $input) {{ article {{ {ARTICLE_FIELDS} }} }} }}",
            {"input": article}, "CreateArticle", True)

        def check(shaped, marker):
            expected = checks.expected_articles(self.db, [shaped.get("slug")], self.s.viewer_id)
            if shaped.get("slug") not in expected:
                return [f"the new article {shaped.get('slug')} is not in the database"]
            failures = checks.compare_articles(shaped, expected[shaped["slug"]])
            if shaped.get("title") != f"Benchmark article {marker}":
                failures.append(f"title is {shaped.get('title')!r}")
            return failures

        def check_rest():
            status, body, _ = self.send(rest, "check-rest")
            if status != 201:
                return [f"status {status} (expected 201): {body}"]
            return check(checks.rest_article(body["article"]), "check-rest")

        def check_graphql():
            status, body, _ = self.send(gql, "check-graphql")
            if status != 200 or body.get("errors"):
                return [f"status {status}: {body}"]
            return check(checks.graphql_article(body["data"]["createArticle"]["article"]), "check-graphql")

        return [self._counted(Scenario("create-article", "rest", "POST /api/articles", "write", [rest], check_rest),
                              "articles", "author_id"),
                self._counted(Scenario("create-article", "graphql", "createArticle", "write", [gql], check_graphql),
                              "articles", "author_id")]

    def favorite_toggle(self):
        slugs = self.s.write_slugs
        rest = []
        gql = []
        for slug in slugs:
            rest.append(self.rest("POST", f"/api/articles/{slug}/favorite", True))
            rest.append(self.rest("DELETE", f"/api/articles/{slug}/favorite", True))
            for op, field in (("FavoriteArticle", "favoriteArticle"), ("UnfavoriteArticle", "unfavoriteArticle")):
                mutation = (f"mutation {op}($input: ArticleSlugInput!) "
                            f"{{ {field}(input: $input) {{ article {{ {ARTICLE_FIELDS} }} }} }}")
                gql.append(self.graphql(mutation, {"input": {"slug": slug}}, op, True))

        def check_pair(templates, shape):
            failures = []
            for template, favorited in zip(templates, (True, False)):
                status, body, _ = self.send(template)
                if status != 200 or not isinstance(body, dict) or body.get("errors"):
                    failures.append(f"status {status}: {body}")
                    continue
                shaped = shape(body)
                expected = checks.expected_articles(self.db, [shaped["slug"]], self.s.viewer_id)[shaped["slug"]]
                if shaped["favorited"] is not favorited or expected["favorited"] is not favorited:
                    failures.append(f"favorited is {shaped['favorited']} (database: {expected['favorited']}), "
                                    f"expected {favorited}")
                failures += checks.compare_articles(shaped, expected)
            return failures

        def check_rest():
            return check_pair(rest[:2], lambda body: checks.rest_article(body["article"]))

        def check_graphql():
            return check_pair(gql[:2], lambda body: checks.graphql_article(
                                  next(iter(body["data"].values()))["article"]))

        return [Scenario("favorite-unfavorite", "rest", "POST + DELETE /api/articles/{slug}/favorite",
                         "write", rest, check_rest),
                Scenario("favorite-unfavorite", "graphql", "favoriteArticle + unfavoriteArticle",
                         "write", gql, check_graphql)]

    def add_comment(self):
        slugs = self.s.write_slugs
        text = "A comment from the benchmark {unique}"
        rest = [self.rest("POST", f"/api/articles/{slug}/comments", True, {"comment": {"body": text}})
                for slug in slugs]
        gql = [self.graphql(
            f"mutation AddComment($input: AddCommentInput!) {{ addComment(input: $input) {{ comment {{ {COMMENT_FIELDS} }} }} }}",
            {"input": {"slug": slug, "body": text}}, "AddComment", True) for slug in slugs]

        def check(comment, marker):
            rows = self.db.query(f"""
                SELECT c.body, u.username FROM comments c JOIN users u ON u.id = c.author_id
                WHERE c.id = {int(comment['id'])}""")
            expected_body = text.replace("{unique}", marker)
            if rows != [(expected_body, self.s.viewer)] or comment.get("body") != expected_body:
                return [f"comment {comment} is {rows} in the database"]
            return []

        def check_rest():
            status, body, _ = self.send(rest[0], "check-rest")
            if status not in (200, 201):
                return [f"status {status}: {body}"]
            return check(body["comment"], "check-rest")

        def check_graphql():
            status, body, _ = self.send(gql[0], "check-graphql")
            if status != 200 or body.get("errors"):
                return [f"status {status}: {body}"]
            return check(body["data"]["addComment"]["comment"], "check-graphql")

        return [self._counted(Scenario("add-comment", "rest", "POST /api/articles/{slug}/comments",
                                       "write", rest, check_rest), "comments", "author_id"),
                self._counted(Scenario("add-comment", "graphql", "addComment", "write", gql, check_graphql),
                              "comments", "author_id")]

    def login(self):
        credentials = {"email": self.s.viewer_email, "password": DEMO_PASSWORD}
        rest = self.rest("POST", "/api/users/login", False, {"user": credentials})
        gql = self.graphql("mutation Login($input: LoginInput!) { login(input: $input) { token viewer { username email bio image } } }",
                           {"input": credentials}, "Login", False)

        def token_works(token):
            status, body, _ = self.client.call("GET", "/api/user", token=token)
            if status != 200 or body["user"]["username"] != self.s.viewer:
                return [f"the token from login does not sign in {self.s.viewer}: {status} {body}"]
            return []

        def check_rest():
            status, body, _ = self.send(rest)
            if status != 200:
                return [f"status {status}: {body}"]
            return token_works(body["user"]["token"])

        def check_graphql():
            status, body, _ = self.send(gql)
            if status != 200 or body.get("errors"):
                return [f"status {status}: {body}"]
            return token_works(body["data"]["login"]["token"])

        return [Scenario("login", "rest", "POST /api/users/login", "login", [rest], check_rest),
                Scenario("login", "graphql", "login", "login", [gql], check_graphql)]

    def ceiling(self):
        request = {"method": "GET", "path": "/health/live", "headers": {}, "body": None}

        def check():
            status, body, _ = self.client.call("GET", "/health/live")
            return [] if status == 200 and body == {"status": "live"} else [f"status {status}: {body}"]

        return [Scenario("health-live", "http", "GET /health/live (no database: the ceiling)",
                         "ceiling", [request], check)]

    def all(self):
        s = self.s
        return {
            "list-anonymous": self.list_pair("list-anonymous", "", "", "articles", {}, None, False),
            "list-signed-in": self.list_pair("list-signed-in", "", "", "articles", {}, None, True),
            "list-by-tag": self.list_pair("list-by-tag", "", f"tag={s.tag}", "articles",
                                          {"tag": ("String!", s.tag)}, checks.where_tag(s.tag), False),
            "list-by-author": self.list_pair("list-by-author", "", f"author={s.author}", "articles",
                                             {"author": ("String!", s.author)},
                                             checks.where_author(s.author), False),
            "list-by-favorited": self.list_pair("list-by-favorited", "", f"favorited={s.favoriter}",
                                                "articles", {"favoritedBy": ("String!", s.favoriter)},
                                                checks.where_favorited_by(s.favoriter), False),
            "feed": self.list_pair("feed", "", "", "feed", {}, checks.where_feed_of(s.viewer_id), True),
            "article": self.article(),
            "comments": self.comments(),
            "profile": self.profile(),
            "tags": self.tags(),
            "deep-page": self.deep_page(),
            "create-article": self.create_article(),
            "favorite-unfavorite": self.favorite_toggle(),
            "add-comment": self.add_comment(),
            "login": self.login(),
            "health-live": self.ceiling(),
        }


# In the order they run: reads first (the writes change what they read), the ceiling last.
ORDER = ["list-anonymous", "list-signed-in", "list-by-tag", "list-by-author", "list-by-favorited",
         "feed", "article", "comments", "profile", "tags", "deep-page", "create-article",
         "favorite-unfavorite", "add-comment", "login", "login-storm", "health-live"]

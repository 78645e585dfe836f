"""A small HTTP client for the correctness checks and the set-up (not for load: wrk does that)."""

import http.client
import json
import urllib.parse


class Client:
    def __init__(self, base):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port

    def call(self, method, path, body=None, token=None, headers=None):
        """Returns (status, parsed JSON or None, raw body bytes)."""
        all_headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = body if isinstance(body, (bytes, str)) else json.dumps(body)
            all_headers.setdefault("Content-Type", "application/json")
        if token:
            all_headers["Authorization"] = f"Token {token}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, parsed, raw

    def send(self, template, unique="check"):
        """Sends one wrk request template ({method, path, headers, body}; "{unique}" replaced by
        `unique`); returns (status, parsed JSON or None, raw body bytes)."""
        fill = lambda text: text.replace("{unique}", unique) if text is not None else None
        return self.call(template["method"], fill(template["path"]), fill(template.get("body")),
                         headers=template.get("headers"))

    def graphql(self, query, variables=None, operation=None, token=None):
        """Returns (status, parsed JSON, raw body bytes)."""
        return self.call("POST", "/graphql", graphql_body(query, variables, operation), token)

    def metrics_text(self):
        status, _, raw = self.call("GET", "/metrics")
        if status != 200:
            raise RuntimeError(f"/metrics answered {status}")
        return raw.decode()

    def login(self, email, password):
        status, body, _ = self.call("POST", "/api/users/login",
                                    {"user": {"email": email, "password": password}})
        if status != 200:
            raise RuntimeError(f"login of {email} answered {status}: {body}")
        return body["user"]["token"]


def graphql_body(query, variables=None, operation=None):
    body = {"query": query, "variables": variables or {}}
    if operation:
        body["operationName"] = operation
    return json.dumps(body)

"""The three database backends as the benchmark needs them: a throwaway database, SQL for the
correctness checks (through sqlite3, psql or mysql), the database server's CPU time, its version.

Query results are lists of rows; every value is a string, or None for SQL NULL."""

import os
import sqlite3
import subprocess
import urllib.parse
import uuid

from . import machine

DEFAULT_SERVERS = {
    "postgres": "postgres://postgres@127.0.0.1:5432",
    "mysql": "mysql://root@127.0.0.1:3306",
}


# What psql prints for NULL: a marker no text column of the benchmark holds.
PSQL_NULL = "\x1bNULL\x1b"


def quote(value):
    """A SQL string literal for `value` that every backend reads the same (MySQL treats the
    backslash as an escape character, so it is doubled too)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


class Sqlite:
    name = "sqlite"

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "bench.db")
        self.url = f"sqlite://{self.path}"
        self.database = self.path

    def create(self):
        pass  # the server creates the file

    def drop(self):
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(self.path + suffix)
            except FileNotFoundError:
                pass

    def query(self, sql):
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            rows = connection.execute(sql).fetchall()
        finally:
            connection.close()
        return [tuple(None if value is None else str(value) for value in row) for row in rows]

    def cpu_snapshot(self):
        """SQLite runs inside the server process: its CPU time is the server's."""
        return None

    cpu_scope = "in the server process (SQLite is embedded)"

    def version(self):
        return f"SQLite {sqlite3.sqlite_version} (Python's; the server bundles its own)"


class Postgres:
    name = "postgres"
    cpu_scope = "PostgreSQL backend processes serving the benchmark database"

    def __init__(self, server_url):
        self.server_url = server_url.rstrip("/")
        self.database = f"conduit_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = f"{self.server_url}/{self.database}"

    def _psql(self, database, sql):
        result = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", "-R", "\x1e",
             "-P", f"null={PSQL_NULL}", "-d", f"{self.server_url}/{database}", "-c", sql],
            capture_output=True, text=True, timeout=600, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}\nSQL: {sql}")
        return result.stdout

    def create(self):
        self._psql("postgres", f'CREATE DATABASE "{self.database}"')

    def drop(self):
        self._psql("postgres", f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def query(self, sql):
        output = self._psql(self.database, sql).rstrip("\n")
        if not output:
            return []
        return [tuple(None if field == PSQL_NULL else field for field in record.split("\x1f"))
                for record in output.strip("\n").split("\x1e") if record.strip("\n") != ""]

    def cpu_snapshot(self):
        """CPU milliseconds of each backend process connected to the benchmark database (their
        command lines name it), by pid: other databases' load on the shared server is left out."""
        marker = f" {self.database} "
        return {pid: machine.cpu_ms(pid) for pid, command in machine.processes()
                if command.startswith("postgres: ") and marker in command}

    def version(self):
        rows = self.query("SHOW server_version")
        return f"PostgreSQL {rows[0][0]}" if rows else "PostgreSQL"


class Mysql:
    name = "mysql"
    cpu_scope = "the whole MariaDB/MySQL server process (other databases' load included)"

    def __init__(self, server_url):
        self.server_url = server_url.rstrip("/")
        self.database = f"conduit_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = f"{self.server_url}/{self.database}"
        parsed = urllib.parse.urlsplit(self.server_url)
        self.client = ["mysql", "-h", parsed.hostname or "127.0.0.1", "-P", str(parsed.port or 3306),
                       "-u", urllib.parse.unquote(parsed.username or "root")]
        if parsed.password:
            self.client.append("-p" + urllib.parse.unquote(parsed.password))

    def _mysql(self, database, sql):
        command = self.client + ["-N", "-B", "-e", sql] + ([database] if database else [])
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"mysql failed: {result.stderr.strip()}\nSQL: {sql}")
        return result.stdout

    def create(self):
        self._mysql(None, f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4")

    def drop(self):
        self._mysql(None, f"DROP DATABASE IF EXISTS `{self.database}`")

    def query(self, sql):
        rows = []
        for line in self._mysql(self.database, sql).splitlines():
            rows.append(tuple(None if field == "NULL" else _mysql_unescape(field)
                              for field in line.split("\t")))
        return rows

    def cpu_snapshot(self):
        return {pid: machine.cpu_ms(pid) for pid, command in machine.processes()
                if command.split(" ", 1)[0].rsplit("/", 1)[-1] in ("mariadbd", "mysqld")}

    def version(self):
        rows = self.query("SELECT VERSION()")
        return f"MySQL/MariaDB {rows[0][0]}" if rows else "MySQL/MariaDB"


def _mysql_unescape(field):
    """Undoes the mysql client's batch-mode escapes (\\n, \\t, \\\\, \\0)."""
    if "\\" not in field:
        return field
    out, index = [], 0
    replacements = {"n": "\n", "t": "\t", "\\": "\\", "0": "\0"}
    while index < len(field):
        char = field[index]
        if char == "\\" and index + 1 < len(field):
            out.append(replacements.get(field[index + 1], field[index + 1]))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def for_name(name, workdir, server_url=None):
    if name == "sqlite":
        return Sqlite(workdir)
    if name == "postgres":
        return Postgres(server_url or DEFAULT_SERVERS["postgres"])
    if name == "mysql":
        return Mysql(server_url or DEFAULT_SERVERS["mysql"])
    raise ValueError(f"unknown backend {name!r}: expected sqlite, postgres or mysql")


def cpu_delta_ms(before, after):
    """CPU milliseconds spent between two snapshots (a process that started in between counts
    from zero; one that exited in between is lost)."""
    if before is None or after is None:
        return None
    return sum(max(0.0, ms - before.get(pid, 0.0)) for pid, ms in after.items())

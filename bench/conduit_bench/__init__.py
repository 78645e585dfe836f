"""The Conduit benchmark: bench/run, bench/compare, bench/ab and bench/scaling share this package.

Standard library only (Python 3.11); the load comes from wrk, the database checks from the
backends' own command-line clients (sqlite3 is Python's)."""

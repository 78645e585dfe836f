//! The table of every documented setting: its environment variable, its default and what it
//! means. `Config::from_source` reads them; README's configuration table lists them (tested).

/// The documented settings: (variable, default, meaning). README's table must list each one, and
/// each literal default must be what `from_source` uses (both are tested).
pub const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        "sqlite://data/conduit.db",
        "database; the scheme picks the backend: sqlite://PATH, postgres://…, mysql://…",
    ),
    (
        "BIND_ADDRESS",
        "127.0.0.1:8080",
        "address and port to listen on (0.0.0.0:8080 in a container)",
    ),
    (
        "JWT_SECRET",
        "(generated)",
        "HS256 key, at least 32 bytes; on SQLite a random one is kept in DATA_DIR/jwt-secret, on PostgreSQL/MySQL it must be set (replicas share it)",
    ),
    (
        "TOKEN_LIFETIME_SECS",
        "604800",
        "how long a token is valid, in seconds (60 to 31536000)",
    ),
    ("DATA_DIR", "data", "folder for the generated JWT secret"),
    (
        "DB_POOL_SIZE",
        "10",
        "maximum open database connections per instance (1 to 1000)",
    ),
    (
        "DB_TIMEOUT_SECS",
        "5",
        "how long a request waits for a connection before it gets 503 (1 to 300)",
    ),
    (
        "DB_CONNECT_TIMEOUT_SECS",
        "5",
        "how long opening a database connection may take before the attempt fails (1 to 300)",
    ),
    (
        "DB_SOCKET_TIMEOUT_SECS",
        "10",
        "how long a database connection may go without an answer from the server's machine before it is treated as lost: TCP keepalive probes after this much silence and, on PostgreSQL, tcp_user_timeout for data sent but not acknowledged; on MySQL only the first probe's delay can be set. Not used on SQLite (1 to 3600)",
    ),
    (
        "DB_STATEMENT_TIMEOUT_SECS",
        "10",
        "how long one SQL statement may run before the server cancels it and the request gets 503: statement_timeout on PostgreSQL, max_execution_time (MySQL) or max_statement_time (MariaDB) (1 to 3600)",
    ),
    (
        "DB_LOCK_TIMEOUT_SECS",
        "5",
        "how long a statement may wait for a lock before it fails and the request gets 503: lock_timeout on PostgreSQL, innodb_lock_wait_timeout and lock_wait_timeout on MySQL, busy_timeout on SQLite (1 to 3600)",
    ),
    (
        "REQUEST_TIMEOUT_SECS",
        "15",
        "how long a request may take before it is answered 503 (the database answers nothing, say) (1 to 3600)",
    ),
    (
        "DB_IDLE_TIMEOUT_SECS",
        "60",
        "how long a pooled database connection may sit unused before it is closed (10 to 3600)",
    ),
    (
        "MIGRATE_ON_START",
        "true",
        "apply pending migrations when the server starts (true/false)",
    ),
    (
        "MAX_BODY_BYTES",
        "1048576",
        "largest accepted request body; bigger ones get 413",
    ),
    (
        "LOG_FORMAT",
        "text",
        "text (human-readable) or json (one object per line)",
    ),
    (
        "GRAPHIQL",
        "true",
        "serve the GraphiQL playground on GET /graphql (true/false)",
    ),
    (
        "GRAPHQL_INTROSPECTION",
        "true",
        "allow GraphQL schema introspection (true/false)",
    ),
    (
        "GRAPHQL_MAX_DEPTH",
        "12",
        "deepest nesting of fields a GraphQL operation may have (introspection has its own budget)",
    ),
    (
        "GRAPHQL_MAX_COST",
        "10000",
        "most a GraphQL document may cost: each field 1, a top-level field 10, a list multiplies what it holds by its length",
    ),
    (
        "GRAPHQL_MAX_ROOT_FIELDS",
        "20",
        "most top-level fields of one GraphQL operation",
    ),
    (
        "GRAPHQL_MAX_ALIASES",
        "50",
        "most aliased fields in one GraphQL document",
    ),
    (
        "CREDENTIAL_ATTEMPTS_PER_ADDRESS",
        "30",
        "logins and registrations per client address and minute, REST and GraphQL together; an address's /64 for IPv6 (0 switches the limit off)",
    ),
    (
        "CREDENTIAL_ATTEMPTS_PER_ACCOUNT",
        "10",
        "logins and registrations per email and minute, from all addresses together (0 switches the limit off)",
    ),
    (
        "WRITES_PER_USER",
        "30",
        "articles and comments one user may create per minute, REST and GraphQL together (0 switches the quota off)",
    ),
    (
        "UPLOADS_PER_MINUTE",
        "10",
        "images one user may upload per minute, REST and GraphQL together (0 switches the limit off)",
    ),
    (
        "UPLOAD_MAX_BYTES",
        "5242880",
        "largest image accepted by POST /api/uploads, in bytes (1024 to 104857600); the upload route's body may exceed MAX_BODY_BYTES by this much",
    ),
    (
        "UPLOAD_MAX_PIXELS",
        "25000000",
        "most pixels (width × height, read from the image header) an uploaded image may have; refuses decompression bombs (1 to 1000000000)",
    ),
    (
        "UPLOADS_URL",
        "(DATA_DIR/uploads)",
        "where uploaded images are stored: s3://BUCKET[/PREFIX] for S3 (credentials from the standard AWS chain: AWS_* variables, web identity, the EC2 instance role), unset for files under DATA_DIR/uploads",
    ),
    (
        "UPLOADS_S3_REGION",
        "(AWS_REGION)",
        "the bucket's region; unset: AWS_REGION or AWS_DEFAULT_REGION, else us-east-1",
    ),
    (
        "UPLOADS_S3_ENDPOINT",
        "(none)",
        "endpoint of an S3-compatible store (http://127.0.0.1:9000); requests then use path-style URLs",
    ),
    (
        "UPLOADS_BASE_URL",
        "(the request's origin)",
        "scheme, host and optional path that upload URLs start with (https://conduit.example.com); unset: http(s)://HOST of the upload request, the scheme from X-Forwarded-Proto",
    ),
    (
        "TRUSTED_PROXIES",
        "(none)",
        "comma-separated addresses and networks (127.0.0.1,10.0.0.0/8) of proxies whose X-Forwarded-For names the client; from any other peer the header is ignored",
    ),
    (
        "SHUTDOWN_DRAIN_SECS",
        "5",
        "after SIGTERM/SIGINT, how long /health/ready answers 503 (and every answer says Connection: close) before the listener closes, so load balancers stop sending first (0 to 300)",
    ),
    (
        "SHUTDOWN_GRACE_SECS",
        "20",
        "after the listener closes, how long in-flight requests may still run before the process stops anyway (1 to 3600)",
    ),
    (
        "EVENTS_BUFFER",
        "1024",
        "how many live events (subscriptions, server-sent events) a subscriber may fall behind before it is dropped with a reason (16 to 65536)",
    ),
    (
        "EVENTS_URL",
        "(none)",
        "how live events reach the other replicas: redis://HOST[:PORT] for Redis pub/sub (any database; needed for MySQL with more than one replica), local for this process only; unset: PostgreSQL LISTEN/NOTIFY on PostgreSQL, this process only on SQLite and MySQL",
    ),
    (
        "EVENTS_CHANNEL",
        "conduit_events",
        "the PostgreSQL notification channel or Redis pub/sub channel events travel on; deployments sharing a Redis need one each (lower-case letters, digits, _)",
    ),
    (
        "LIVE_CONNECTIONS_MAX",
        "10000",
        "most live connections (server-sent event streams and GraphQL WebSockets together) one instance serves; past it a stream is refused 503 and a WebSocket closed with 1013 (1 to 1000000)",
    ),
    (
        "LIVE_SUBSCRIPTIONS_PER_CONNECTION",
        "100",
        "most GraphQL operations running at once on one WebSocket; one more is answered with an error (1 to 10000)",
    ),
    (
        "LIVE_PING_SECS",
        "30",
        "how often the server pings a GraphQL WebSocket; a client that sends nothing (not even the pong its WebSocket stack answers by itself) for twice as long, or no connection_init within it, is closed (5 to 3600)",
    ),
    (
        "INSTANCE_NAME",
        "(the host name)",
        "this instance's name, sent in every response's X-Conduit-Instance header",
    ),
];

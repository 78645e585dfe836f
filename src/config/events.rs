//! The events settings: `EVENTS_URL` (which transport carries events between replicas) and
//! `EVENTS_CHANNEL`. `events::transport` acts on them (and re-exports them).

/// The `EVENTS_URL` setting.
#[derive(Clone, PartialEq, Eq)]
pub enum EventsUrl {
    /// Unset: PostgreSQL `LISTEN/NOTIFY` on PostgreSQL, in-process otherwise.
    Automatic,
    /// `local`: in-process only, whatever the database.
    Local,
    /// `redis://[user:password@]host[:port][/db]`: Redis pub/sub.
    Redis(String),
}

impl EventsUrl {
    /// Reads the setting; the error says what is accepted.
    pub fn parse(value: &str) -> Result<EventsUrl, String> {
        const EXPECTED: &str = "expected redis://HOST[:PORT] or local";
        match value {
            "" => Ok(EventsUrl::Automatic),
            "local" => Ok(EventsUrl::Local),
            url if url.starts_with("redis://") => {
                redis::Client::open(url)
                    .map_err(|error| format!("{EXPECTED} ({})", error.detail().unwrap_or("")))?;
                Ok(EventsUrl::Redis(url.to_owned()))
            }
            _ => Err(EXPECTED.to_owned()),
        }
    }
}

/// Without the password a Redis URL may hold.
impl std::fmt::Debug for EventsUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventsUrl::Automatic => formatter.write_str("Automatic"),
            EventsUrl::Local => formatter.write_str("Local"),
            EventsUrl::Redis(url) => match url.rsplit_once('@') {
                Some((_, host)) => write!(formatter, "Redis(\"redis://***@{host}\")"),
                None => write!(formatter, "Redis({url:?})"),
            },
        }
    }
}

/// Checks an `EVENTS_CHANNEL` name: it is a PostgreSQL identifier in `LISTEN`, unquoted.
pub fn parse_channel(value: &str) -> Result<String, String> {
    let mut characters = value.chars();
    let valid = (1..=63).contains(&value.len())
        && characters
            .next()
            .is_some_and(|first| first.is_ascii_lowercase() || first == '_')
        && characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(value.to_owned())
    } else {
        Err("expected 1 to 63 lower-case letters, digits and _, not starting with a digit".into())
    }
}

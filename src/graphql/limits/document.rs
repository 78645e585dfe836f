//! Bounds on the raw text of a GraphQL document, checked before it is parsed: its size in bytes,
//! its number of lexical tokens and how deeply its brackets nest. One pass over the bytes that
//! stops as soon as a bound is crossed, so even a body at the size limit costs microseconds and
//! the parser only ever sees documents of bounded size.
//!
//! The token rules are GraphQL's lexical grammar (spec §2.1): names, numbers, strings and block
//! strings, punctuators (`...` is one), with white space, commas and `#` comments ignored.
//! Anything else counts as one token each; the parser reports it.

use super::QueryLimits;

/// Why a document was refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentTooLarge {
    /// More bytes than `max_document_bytes`.
    Bytes { limit: usize },
    /// More tokens than `max_tokens`.
    Tokens { limit: usize },
    /// Brackets (`{`, `(`, `[`) nested deeper than `max_nesting`.
    Nesting { limit: usize },
}

impl DocumentTooLarge {
    /// What the client reads, saying what to change.
    pub fn message(&self) -> String {
        match self {
            DocumentTooLarge::Bytes { limit } => format!(
                "is longer than {limit} bytes; send long values (an article body) as variables"
            ),
            DocumentTooLarge::Tokens { limit } => format!(
                "has more than {limit} tokens (names, values and punctuation); ask for fewer fields"
            ),
            DocumentTooLarge::Nesting { limit } => {
                format!("nests brackets more than {limit} levels deep")
            }
        }
    }
}

/// Checks the document's bytes, tokens and bracket nesting against the limits.
pub fn check(document: &str, limits: &QueryLimits) -> Result<(), DocumentTooLarge> {
    if document.len() > limits.max_document_bytes {
        return Err(DocumentTooLarge::Bytes {
            limit: limits.max_document_bytes,
        });
    }
    let mut lexer = Lexer {
        bytes: document.as_bytes(),
        position: 0,
    };
    let mut tokens = 0usize;
    let mut nesting = 0usize;
    while let Some(token) = lexer.next_token() {
        tokens += 1;
        if tokens > limits.max_tokens {
            return Err(DocumentTooLarge::Tokens {
                limit: limits.max_tokens,
            });
        }
        match token {
            b'{' | b'(' | b'[' => {
                nesting += 1;
                if nesting > limits.max_nesting {
                    return Err(DocumentTooLarge::Nesting {
                        limit: limits.max_nesting,
                    });
                }
            }
            b'}' | b')' | b']' => nesting = nesting.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

struct Lexer<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Lexer<'_> {
    /// Skips ignored text and consumes one token; returns its first byte (enough to tell
    /// brackets apart), or `None` at the end.
    fn next_token(&mut self) -> Option<u8> {
        self.skip_ignored();
        let first = *self.bytes.get(self.position)?;
        match first {
            b'"' if self.bytes[self.position..].starts_with(b"\"\"\"") => self.block_string(),
            b'"' => self.string(),
            b'.' if self.bytes[self.position..].starts_with(b"...") => self.position += 3,
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                self.position += 1;
                self.take_while(|byte| byte == b'_' || byte.is_ascii_alphanumeric());
            }
            b'-' | b'0'..=b'9' => {
                self.position += 1;
                self.take_while(|byte| {
                    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'+' | b'-')
                });
            }
            _ => self.position += 1,
        }
        Some(first)
    }

    fn skip_ignored(&mut self) {
        loop {
            match self.bytes.get(self.position) {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b',') => self.position += 1,
                Some(b'#') => self.take_while(|byte| byte != b'\n' && byte != b'\r'),
                // The byte order mark, U+FEFF.
                Some(0xEF) if self.bytes[self.position..].starts_with(&[0xEF, 0xBB, 0xBF]) => {
                    self.position += 3;
                }
                _ => return,
            }
        }
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) {
        while self
            .bytes
            .get(self.position)
            .is_some_and(|byte| keep(*byte))
        {
            self.position += 1;
        }
    }

    /// `"…"` with backslash escapes; ends at the closing quote or, unterminated, at the line end.
    fn string(&mut self) {
        self.position += 1;
        while let Some(&byte) = self.bytes.get(self.position) {
            self.position += 1;
            match byte {
                b'\\' => self.position += 1,
                b'"' | b'\n' | b'\r' => return,
                _ => {}
            }
        }
    }

    /// `"""…"""`, where `\"""` does not close it.
    fn block_string(&mut self) {
        self.position += 3;
        while self.position < self.bytes.len() {
            let rest = &self.bytes[self.position..];
            if rest.starts_with(b"\\\"\"\"") {
                self.position += 4;
            } else if rest.starts_with(b"\"\"\"") {
                self.position += 3;
                return;
            } else {
                self.position += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_tokens: usize, max_nesting: usize) -> QueryLimits {
        QueryLimits {
            max_tokens,
            max_nesting,
            ..QueryLimits::default()
        }
    }

    fn count(document: &str) -> usize {
        let mut lexer = Lexer {
            bytes: document.as_bytes(),
            position: 0,
        };
        std::iter::from_fn(|| lexer.next_token()).count()
    }

    #[test]
    fn tokens_follow_the_graphql_lexical_grammar() {
        assert_eq!(count("{ a }"), 3);
        assert_eq!(count("query Q($n: Int = 5) { a(first: $n) { ...F } }"), 23);
        // Commas, comments and the byte order mark are ignored; `...` is one token.
        assert_eq!(count("\u{FEFF}{ a, b # c d e\n ...F }"), 6);
        // A string is one token, whatever it contains.
        assert_eq!(count(r#"{ a(s: "x { y } \" z") }"#), 8);
        assert_eq!(count(r#"{ a(s: """ { \""" } """) }"#), 8);
        assert_eq!(count("{ a(n: -1.5e+3) }"), 8);
    }

    #[test]
    fn limits_stop_the_scan() {
        let many = format!("{{ {} }}", "a ".repeat(100));
        assert!(check(&many, &limits(102, 10)).is_ok());
        assert_eq!(
            check(&many, &limits(101, 10)),
            Err(DocumentTooLarge::Tokens { limit: 101 })
        );
        let deep = format!("{}{}", "{a".repeat(20), "}".repeat(20));
        assert!(check(&deep, &limits(1000, 20)).is_ok());
        assert_eq!(
            check(&deep, &limits(1000, 19)),
            Err(DocumentTooLarge::Nesting { limit: 19 })
        );
        // Brackets inside strings and comments do not nest.
        assert!(check("{ a(s: \"[[[[[[\") # ((((((\n }", &limits(1000, 2)).is_ok());
        let big = QueryLimits {
            max_document_bytes: 10,
            ..QueryLimits::default()
        };
        assert_eq!(
            check("{ abcdefghij }", &big),
            Err(DocumentTooLarge::Bytes { limit: 10 })
        );
    }
}

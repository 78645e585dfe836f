//! JSON Web Tokens: HS256 only (the algorithm is pinned, so a token claiming `none` or RS256 is
//! refused), `exp`, `sub` and `iss` required, `nbf` honoured when present.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{INVALID_TOKEN, Viewer};
use crate::error::AppError;

const ISSUER: &str = "conduit";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id, as a string as RFC 7519 asks.
    sub: String,
    iss: String,
    iat: i64,
    exp: i64,
}

/// Signs and checks tokens with the configured secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], lifetime: Duration) -> anyhow::Result<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        validation.set_issuer(&[ISSUER]);
        // A token that says it is not valid yet (`nbf` in the future) is refused, as RFC 7519
        // section 4.1.5 requires; jsonwebtoken checks `nbf` only when asked to.
        validation.validate_nbf = true;
        // Replicas' clocks may differ a little; more leeway would stretch every token's life.
        validation.leeway = 5;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
            lifetime,
        })
    }

    /// A fresh token for `user_id`, valid for the configured lifetime.
    pub fn issue(&self, user_id: i32) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let lifetime = i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX);
        self.sign(user_id, now, now.saturating_add(lifetime))
    }

    /// Signs a token with explicit times (tests use it to make expired tokens).
    pub fn sign(&self, user_id: i32, issued_at: i64, expires_at: i64) -> Result<String, AppError> {
        let claims = Claims {
            sub: user_id.to_string(),
            iss: ISSUER.to_owned(),
            iat: issued_at,
            exp: expires_at,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(
            |error| AppError::Internal(anyhow::Error::new(error).context("signing a token")),
        )
    }

    /// The viewer a token speaks for; any defect (signature, algorithm, expiry, issuer, claims)
    /// is the same 401 so that a client learns nothing about why.
    pub fn verify(&self, token: &str) -> Result<Viewer, AppError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| INVALID_TOKEN)?;
        let user_id = data.claims.sub.parse().map_err(|_| INVALID_TOKEN)?;
        Ok(Viewer { user_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_for(secret: &str) -> TokenKeys {
        TokenKeys::new(secret.as_bytes(), Duration::from_secs(3600)).unwrap()
    }

    #[test]
    fn a_token_round_trips() {
        let keys = keys_for("0123456789abcdef0123456789abcdef");
        let token = keys.issue(42).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), Viewer { user_id: 42 });
    }

    #[test]
    fn a_token_not_valid_yet_is_refused() {
        #[derive(Serialize)]
        struct WithNotBefore {
            sub: String,
            iss: String,
            iat: i64,
            exp: i64,
            nbf: i64,
        }
        let keys = keys_for("0123456789abcdef0123456789abcdef");
        let now = chrono::Utc::now().timestamp();
        let token = |nbf: i64| {
            let claims = WithNotBefore {
                sub: "7".into(),
                iss: ISSUER.into(),
                iat: now,
                exp: now + 3600,
                nbf,
            };
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &keys.encoding).unwrap()
        };
        assert!(keys.verify(&token(now + 600)).is_err());
        assert_eq!(
            keys.verify(&token(now - 60)).unwrap(),
            Viewer { user_id: 7 }
        );
    }

    #[test]
    fn expired_foreign_and_tampered_tokens_are_refused() {
        let keys = keys_for("0123456789abcdef0123456789abcdef");
        let now = chrono::Utc::now().timestamp();
        assert!(
            keys.verify(&keys.sign(1, now - 7200, now - 3600).unwrap())
                .is_err()
        );
        let other = keys_for("another-secret-another-secret-xx");
        assert!(keys.verify(&other.issue(1).unwrap()).is_err());
        let mut token = keys.issue(1).unwrap();
        token.push('x');
        assert!(keys.verify(&token).is_err());
    }
}

//! At most one credential operation per GraphQL request. A login, a registration or a password
//! change each cost an argon2 computation (19 MiB, tens of milliseconds of CPU); one GraphQL
//! request could otherwise carry a hundred aliased `login`s and guess a hundred passwords at the
//! price of one HTTP request, around every per-request limit in front of the service (Nginx's
//! on the REST credential routes). Mutations run one after the other, in document order, so the
//! first credential operation runs and every later one is refused before it hashes anything.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::AppError;

/// The request's one credential operation, not yet used. Every request gets a fresh one from
/// the query guard's extension, so no way into the schema goes without.
#[derive(Debug, Default)]
pub struct CredentialOperation {
    used: AtomicBool,
}

impl CredentialOperation {
    /// Takes the request's credential operation; BAD_REQUEST if an earlier field took it.
    pub fn claim(&self) -> Result<(), AppError> {
        if self.used.swap(true, Ordering::Relaxed) {
            return Err(AppError::bad_request(
                "request",
                "has more than one credential operation (login, register, password change); \
                 send each in a request of its own",
            ));
        }
        Ok(())
    }
}

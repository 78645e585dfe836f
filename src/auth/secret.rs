//! Where the JWT secret comes from: `JWT_SECRET`, or on SQLite (the single-node default) a random
//! secret created once in the data folder with owner-only permissions, so that tokens survive a
//! restart. Replicas on a shared PostgreSQL/MySQL must agree on one secret, so there it is
//! required: generating one per replica would make tokens work on one replica only.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use rand::RngCore as _;

use crate::config::database::Backend;
use crate::config::{Config, MIN_SECRET_BYTES, Secret};

const FILE_NAME: &str = "jwt-secret";

pub fn load_or_create(config: &Config) -> anyhow::Result<Secret> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    if config.database_url.backend() != Backend::Sqlite {
        anyhow::bail!(
            "JWT_SECRET is not set: with {} every replica must use the same secret of at least {} bytes",
            config.database_url.backend(),
            MIN_SECRET_BYTES
        );
    }
    read_or_create_file(&config.data_dir.join(FILE_NAME))
}

fn read_or_create_file(path: &Path) -> anyhow::Result<Secret> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim().to_owned();
        anyhow::ensure!(
            existing.len() >= MIN_SECRET_BYTES,
            "the JWT secret in {} is shorter than {MIN_SECRET_BYTES} bytes; delete it to make a new one",
            path.display()
        );
        return Ok(Secret::new(existing));
    }
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the data folder {}", folder.display()))?;
    }
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create the JWT secret file {}", path.display()))?;
    file.write_all(secret.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(path = %path.display(), "created a new JWT secret");
    Ok(Secret::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_secret_is_kept_private_and_reused() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("nested").join(FILE_NAME);
        let first = read_or_create_file(&path).unwrap();
        let second = read_or_create_file(&path).unwrap();
        assert_eq!(first, second);
        assert!(first.expose().len() >= MIN_SECRET_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

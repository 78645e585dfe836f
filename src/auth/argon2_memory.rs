//! argon2 PHC hashing and verification on memory that each hashing thread keeps.
//!
//! argon2's own `hash_password` / `verify_password` allocate the whole working memory (19 MiB at
//! the parameters Conduit uses) for every hash and free it after. Freed blocks of that size go
//! back to the system (see `return_large_blocks_to_the_system` in `main.rs`), so every hash
//! started on fresh pages: about 4,900 page faults, and the kernel zeroing 19 MiB, each time —
//! with glibc, about 40 % of a login's CPU (bench/run `login`: 21.6 CPU-ms per login, against
//! 13.3 under an allocator that reused the block). Here each thread keeps its block for the next
//! hash. Only the password workers hash ([`WorkerPool`](super::worker_pool::WorkerPool)), so the
//! memory kept is one block per worker, which the login storm's peak already counted.
//!
//! The PHC string format and the comparison are argon2's and password-hash's: the same
//! `$argon2id$v=19$m=…,t=…,p=…$salt$hash` strings as `Argon2::hash_password`, verified with the
//! same constant-time comparison of outputs (`Output`'s `PartialEq`).

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::password_hash::try_generate_salt;
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Largest working memory a thread keeps between hashes, in 1 KiB blocks: the default
/// parameters' (19 MiB). A stored hash with more memory (made elsewhere with other parameters)
/// is verified on a block allocated for it alone.
const KEPT_BLOCKS: usize = Params::DEFAULT_M_COST as usize;

thread_local! {
    /// This thread's working memory, grown on its first hash and kept.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// A new PHC hash string of `password` with a random 16-byte salt, computed with `algorithm`,
/// `version` and `params` (output 32 bytes unless the parameters say otherwise).
///
/// # Errors
/// The system's random generator failed, or argon2 refused the input (a password over 4 GiB).
pub fn hash(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
) -> anyhow::Result<String> {
    let salt = try_generate_salt()
        .map_err(|error| anyhow::anyhow!("no random salt for a password hash: {error}"))?;
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let encoded_params = ParamsString::try_from(params.clone())
        .map_err(|error| anyhow::anyhow!("encoding argon2 parameters: {error}"))?;
    let mut output = vec![0; length];
    hash_into(
        &Argon2::new(algorithm, version, params),
        password,
        &salt,
        &mut output,
    )?;
    let phc = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: encoded_params,
        salt: Some(Salt::new(&salt).map_err(|error| anyhow::anyhow!("salt: {error}"))?),
        hash: Some(Output::new(&output).map_err(|error| anyhow::anyhow!("output: {error}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` is the one whose PHC hash string is `stored`, computed with the
/// algorithm, version and parameters the string names (as `Argon2::verify_password` does).
///
/// # Errors
/// `stored` is not an argon2 PHC string, or lacks its salt or output.
pub fn verify(password: &[u8], stored: &PasswordHash) -> anyhow::Result<bool> {
    let unreadable = |what: &str| anyhow::anyhow!("stored password hash: {what}");
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return Err(unreadable("no salt or no output"));
    };
    let algorithm =
        Algorithm::try_from(stored.algorithm.as_str()).map_err(|_| unreadable("not argon2"))?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|_| unreadable("unknown version"))?
        .unwrap_or_default();
    let params = Params::try_from(stored).map_err(|_| unreadable("bad parameters"))?;
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0; expected.len()];
    hash_into(&argon2, password, salt.as_ref(), &mut computed)?;
    let computed = Output::new(&computed).map_err(|_| unreadable("bad output length"))?;
    // Output's equality is constant-time.
    Ok(*expected == computed)
}

/// Runs argon2 into `output` on this thread's kept memory (see the module docs).
fn hash_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    output: &mut [u8],
) -> anyhow::Result<()> {
    let blocks = argon2.params().block_count();
    let result = if blocks > KEPT_BLOCKS {
        argon2.hash_password_into(password, salt, output)
    } else {
        MEMORY.with_borrow_mut(|memory| {
            if memory.len() < blocks {
                memory.resize(blocks, Block::new());
            }
            argon2.hash_password_into_with_memory(password, salt, output, &mut memory[..blocks])
        })
    };
    result.map_err(|error| anyhow::anyhow!("argon2: {error}"))
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    fn library(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    fn parse(hash: &str) -> PasswordHash {
        PasswordHash::new(hash).unwrap()
    }

    #[test]
    fn hashes_are_argon2s_own_both_ways() {
        let ours = hash(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::DEFAULT,
            b"correct horse",
        )
        .unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let argon2 = library(Params::DEFAULT);
        assert!(
            argon2
                .verify_password(b"correct horse", &parse(&ours))
                .is_ok()
        );
        assert!(
            argon2
                .verify_password(b"wrong horse", &parse(&ours))
                .is_err()
        );

        let theirs = argon2.hash_password(b"battery staple").unwrap().to_string();
        assert!(verify(b"battery staple", &parse(&theirs)).unwrap());
        assert!(!verify(b"battery stapler", &parse(&theirs)).unwrap());
    }

    #[test]
    fn other_parameters_in_a_stored_hash_are_honoured() {
        // Smaller memory, more passes, two lanes and a 16-byte output, as another system may
        // have stored them.
        let params = Params::new(64, 3, 2, Some(16)).unwrap();
        let stored = library(params.clone())
            .hash_password(b"pw")
            .unwrap()
            .to_string();
        assert!(verify(b"pw", &parse(&stored)).unwrap());
        assert!(!verify(b"pW", &parse(&stored)).unwrap());
        let ours = hash(Algorithm::Argon2id, Version::V0x13, params.clone(), b"pw").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=64,t=3,p=2$"), "{ours}");
        assert!(
            library(params.clone())
                .verify_password(b"pw", &parse(&ours))
                .is_ok()
        );
    }

    #[test]
    fn a_thread_keeps_one_block_of_working_memory_and_no_more() {
        std::thread::spawn(|| {
            let kept = || MEMORY.with_borrow(|memory| memory.len());
            assert_eq!(kept(), 0);
            for _ in 0..2 {
                hash(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT, b"a").unwrap();
                assert_eq!(kept(), KEPT_BLOCKS);
            }
            // A stored hash that needs more memory than the default gets it for itself only.
            let bigger = Params::new(2 * Params::DEFAULT_M_COST, 1, 1, None).unwrap();
            let stored = library(bigger).hash_password(b"b").unwrap().to_string();
            assert!(verify(b"b", &parse(&stored)).unwrap());
            assert_eq!(kept(), KEPT_BLOCKS);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_stored_hash_that_is_not_argon2_is_an_error() {
        let scrypt = parse("$scrypt$ln=4,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA");
        assert!(verify(b"pw", &scrypt).is_err());
    }
}

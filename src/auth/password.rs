//! Password hashing with argon2id at OWASP's minimum cost (m=19 MiB, t=2,
//! p=1). Hashing is slow on purpose, so it runs on its own threads, one
//! fewer than the cores and scheduled as idle work (SCHED_IDLE on Linux): a
//! flood of logins takes only the CPU that check-ins leave
//! (bench/login_flood.py measures it). Each hashing thread keeps its
//! argon2 memory between hashes, so that a burst of sign-ins leaves the
//! process no larger than one hash does.

use std::sync::{Arc, OnceLock};

use std::cell::{Cell, RefCell};

use argon2::password_hash::{
    Output, ParamsString, PasswordHash, PasswordVerifier, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

fn params() -> Params {
    // The parameters are constants known to be valid.
    #[allow(clippy::expect_used)]
    Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

thread_local! {
    /// A hashing thread's argon2 memory, kept between hashes.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    /// Whether this thread is one of the hashing threads.
    static HASHING_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` with argon2's memory (19 MiB). A hashing thread allocates it
/// on its first hash and reuses it: a block allocated and freed per hash
/// left the allocator holding several of them after a burst of sign-ins.
/// Any other thread (the fallback without hashing threads) gets a block of
/// its own for the one hash.
fn with_memory<T>(work: impl FnOnce(&mut [Block]) -> T) -> T {
    let needed = params().block_count();
    if !HASHING_THREAD.get() {
        return work(&mut vec![Block::default(); needed]);
    }
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() != needed {
            *blocks = vec![Block::default(); needed];
        }
        work(&mut blocks)
    })
}

/// The raw argon2id output for `password` and `salt`, in this thread's
/// memory.
fn raw_hash(password: &[u8], salt: Salt<'_>) -> argon2::password_hash::Result<Output> {
    let mut buffer = [0u8; 64];
    let salt = salt.decode_b64(&mut buffer)?;
    Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        with_memory(|blocks| hasher().hash_password_into_with_memory(password, salt, out, blocks))
            .map_err(Into::into)
    })
}

/// How many hashes run at once: one core is always left to requests.
fn hashing_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    cores.saturating_sub(1).max(1)
}

/// The hashing threads: idle priority, so that the scheduler always runs
/// request work first.
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(hashing_threads())
            .thread_name(|n| format!("argon2-{n}"))
            .start_handler(|_| {
                use thread_priority::unix::{
                    set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
                    ThreadSchedulePolicy,
                };
                HASHING_THREAD.set(true);
                let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
                if let Err(error) = set_thread_priority_and_policy(
                    thread_native_id(),
                    thread_priority::ThreadPriority::Min,
                    idle,
                ) {
                    tracing::warn!(?error, "password hashing runs at normal priority");
                }
            })
            .build()
            .map_err(|error| tracing::error!(%error, "no password hashing threads"))
            .ok()
    })
    .as_ref()
}

async fn run_limited<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let Some(pool) = pool() else {
        // Without its own threads (they could not be started), hashing
        // shares the blocking pool, as many at once as it would have had.
        static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
        let permits = PERMITS.get_or_init(|| Arc::new(Semaphore::new(hashing_threads())));
        let _permit = permits
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        return actix_web::web::block(work)
            .await
            .map_err(ApiError::internal);
    };
    let (done, result) = tokio::sync::oneshot::channel();
    pool.spawn(move || {
        let _ = done.send(work());
    });
    result.await.map_err(ApiError::internal)
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let failed = |error| anyhow::anyhow!("argon2 hashing failed: {error}");
    let output = raw_hash(password.as_bytes(), salt.as_salt()).map_err(failed)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params()).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    run_limited(move || hash_blocking(&password))
        .await?
        .map_err(ApiError::Internal)
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let ours = params();
    let same_cost = parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13.into())
        && Params::try_from(&parsed).is_ok_and(|p| {
            (p.m_cost(), p.t_cost(), p.p_cost()) == (ours.m_cost(), ours.t_cost(), ours.p_cost())
        });
    match (same_cost, parsed.salt, parsed.hash) {
        // Output's comparison takes constant time.
        (true, Some(salt), Some(expected)) if expected.len() == Params::DEFAULT_OUTPUT_LEN => {
            raw_hash(password.as_bytes(), salt).is_ok_and(|output| output == expected)
        }
        // A hash of other parameters (a cost of another version) is checked
        // by the crate, in memory of its own.
        _ => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
    }
}

/// Checks the password against the stored hash. With no account, it checks
/// against a fixed hash anyway, so the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    run_limited(move || match stored {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, dummy_hash());
            false
        }
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not a real password").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_at_owasp_cost_and_verify() {
        let hash = hash_blocking("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking("correct horse battery", &hash));
        assert!(!verify_blocking("wrong horse battery", &hash));
        assert!(!verify_blocking("anything", "not a hash"));
    }

    #[test]
    fn hashes_agree_with_the_crates_own_hasher_and_verifier() {
        use argon2::password_hash::PasswordHasher;
        // Made by the crate (as before this module reused its memory): it
        // verifies here.
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = hasher()
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(verify_blocking("correct horse battery", &theirs));
        assert!(!verify_blocking("correct horse batter", &theirs));
        // Made here: the crate verifies it.
        let ours = hash_blocking("correct horse battery").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(hasher()
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
        // Another cost is checked by the crate's own path.
        let cheaper = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
        assert!(verify_blocking("correct horse battery", &cheaper));
        assert!(!verify_blocking("wrong", &cheaper));
    }
}

//! Password hashing with argon2id at OWASP's minimum cost (m=19 MiB, t=2,
//! p=1). Hashing is slow on purpose, so it runs on its own threads, one
//! fewer than the cores and scheduled as idle work (SCHED_IDLE on Linux): a
//! flood of logins takes only the CPU that check-ins leave
//! (bench/login_flood.py measures it).

use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

fn hasher() -> Argon2<'static> {
    // The parameters are constants known to be valid.
    #[allow(clippy::expect_used)]
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
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
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    run_limited(move || hash_blocking(&password))
        .await?
        .map_err(ApiError::Internal)
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
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
}

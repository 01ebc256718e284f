//! Photos of the treated site: what an upload is (`sniff`), the images
//! kept from it (`process`) and where they are kept (`store`).

pub mod process;
pub mod sniff;
pub mod store;

use std::sync::Arc;

use tokio::sync::Semaphore;

pub use process::{Processed, Refused};

/// Uploads processed at once: one per core, so that a burst of uploads
/// waits its turn instead of holding a decoded camera image each (about
/// 40 MB for 12 megapixels) in memory at the same time.
#[derive(Clone)]
pub struct Workshop {
    turns: Arc<Semaphore>,
}

impl Default for Workshop {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            turns: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Workshop {
    /// Processes the upload on a blocking thread when its turn comes.
    pub async fn process(&self, upload: Arc<Vec<u8>>) -> Result<Processed, Refused> {
        let _turn = self
            .turns
            .acquire()
            .await
            .map_err(|_| Refused::Invalid("the service is stopping".to_owned()))?;
        actix_web::rt::task::spawn_blocking(move || process::process(&upload))
            .await
            .unwrap_or_else(|_| Err(Refused::Invalid("the image could not be read".to_owned())))
    }
}

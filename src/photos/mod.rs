//! Photos of the treated site: what an upload is (`sniff`), the images
//! kept from it (`process`) and where they are kept (`store`).

pub mod process;
pub mod sniff;
pub mod store;

use std::sync::mpsc;
use std::sync::Arc;

use tokio::sync::oneshot;

pub use process::{Processed, Refused};

type Job = (Arc<Vec<u8>>, oneshot::Sender<Result<Processed, Refused>>);

/// Where photos are processed: one thread of its own, one photo at a
/// time, in the order they arrived. One thread bounds the memory a burst
/// of uploads takes, whatever the machine: one decoded camera image at a
/// time (about 36 MB for 12 megapixels, and the decoder's own buffers),
/// all from the same allocator arena, so that what one photo freed the
/// next one reuses (on the runtime's blocking pool each photo could land
/// on another thread, and glibc keeps each thread's arena at its high
/// water: bench/photos.rs measured 306 MiB after three bursts of eight,
/// against 256 MiB allowed). A camera photo takes about a fifth of a
/// second, so a clinic's uploads do not queue for long.
#[derive(Clone)]
pub struct Workshop {
    jobs: mpsc::Sender<Job>,
}

impl Default for Workshop {
    fn default() -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("photos".to_owned())
            .spawn(move || {
                // Ends when the last Workshop is dropped.
                for (upload, answer) in queue {
                    let processed = std::panic::catch_unwind(|| process::process(&upload))
                        .unwrap_or_else(|_| {
                            Err(Refused::Invalid("the image could not be read".to_owned()))
                        });
                    // The uploader may have gone (a closed connection).
                    let _ = answer.send(processed);
                }
            });
        if let Err(error) = started {
            tracing::error!(error = %error, "the photo thread could not start");
        }
        Self { jobs }
    }
}

impl Workshop {
    /// Processes the upload when its turn comes.
    pub async fn process(&self, upload: Arc<Vec<u8>>) -> Result<Processed, Refused> {
        let (answer, answered) = oneshot::channel();
        let stopped = || Refused::Invalid("the service is stopping".to_owned());
        self.jobs.send((upload, answer)).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

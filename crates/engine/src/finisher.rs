//! Group commit for the ends of attempts: every worker that finishes a job at the same moment
//! shares one transaction (one fsync) for its outcome and its run-log row. On SQLite a commit
//! per job would make the disk, not GHL's budget, the limit on deliveries.

use std::sync::Arc;

use store::Store;
use store::queue::Finish;
use tokio::sync::{mpsc, oneshot};

/// The most attempts one commit ends.
const BATCH_MAX: usize = 512;

type Reply = oneshot::Sender<Result<bool, String>>;

#[derive(Debug, Clone)]
pub struct Finisher {
    sender: mpsc::Sender<(Finish, Reply)>,
}

impl Finisher {
    /// Starts the committer; it stops once every clone of the finisher is gone.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (sender, receiver) = mpsc::channel(BATCH_MAX * 2);
        tokio::spawn(commit_loop(store, receiver));
        Self { sender }
    }

    /// Stores the end of an attempt; true if its worker still held the job (the outcome
    /// counts), false if the lease had been lost (only the run log keeps it).
    pub async fn finish(&self, finish: Finish) -> Result<bool, String> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((finish, reply))
            .await
            .map_err(|_| "the finisher has stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the finisher has stopped".to_owned())?
    }
}

async fn commit_loop(store: Arc<dyn Store>, mut receiver: mpsc::Receiver<(Finish, Reply)>) {
    while let Some(first) = receiver.recv().await {
        // Everything that finished while the last commit ran goes into this one.
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match receiver.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let (finishes, replies): (Vec<Finish>, Vec<Reply>) = batch.into_iter().unzip();
        match store.finish_jobs(&finishes, store::now_millis()).await {
            Ok(held) => {
                for (reply, held) in replies.into_iter().zip(held) {
                    let _ = reply.send(Ok(held));
                }
            }
            Err(error) => {
                let message = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
}

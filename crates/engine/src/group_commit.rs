//! Group commit: every caller that writes at the same moment shares one transaction (one
//! fsync), and each is answered only after it. On SQLite a commit per write would make the
//! disk, not GHL's budget, the limit on deliveries.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

type Reply<R> = oneshot::Sender<Result<R, String>>;

/// A committer of `T`s, answering each with an `R`. Cheap to clone; it stops once every clone
/// is gone.
#[derive(Debug)]
pub struct GroupCommit<T, R> {
    sender: mpsc::Sender<(T, Reply<R>)>,
}

impl<T, R> Clone for GroupCommit<T, R> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
        }
    }
}

impl<T: Send + 'static, R: Send + 'static> GroupCommit<T, R> {
    /// `commit` stores a batch of at most `batch_max` in one transaction and answers each item,
    /// in order, or fails them all.
    pub fn start<F, Fut>(batch_max: usize, commit: F) -> Self
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<R>, String>> + Send,
    {
        let (sender, mut receiver) = mpsc::channel::<(T, Reply<R>)>(batch_max * 2);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                // Everything that arrived while the last commit ran goes into this one.
                let mut batch = vec![first];
                while batch.len() < batch_max {
                    match receiver.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                let (items, replies): (Vec<T>, Vec<Reply<R>>) = batch.into_iter().unzip();
                match commit(items).await {
                    Ok(answers) => {
                        for (reply, answer) in replies.into_iter().zip(answers) {
                            let _ = reply.send(Ok(answer));
                        }
                    }
                    Err(error) => {
                        for reply in replies {
                            let _ = reply.send(Err(error.clone()));
                        }
                    }
                }
            }
        });
        Self { sender }
    }

    /// Commits `item` with whatever else is waiting; its answer once stored.
    pub async fn submit(&self, item: T) -> Result<R, String> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((item, reply))
            .await
            .map_err(|_| "the committer has stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the committer has stopped".to_owned())?
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn waiting_writes_share_a_commit_and_each_gets_its_answer() {
        let commits = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&commits);
        let committer = GroupCommit::start(64, move |items: Vec<u32>| {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Ok(items.into_iter().map(|n| n * 2).collect())
            }
        });
        let mut calls = tokio::task::JoinSet::new();
        for n in 0..50u32 {
            let committer = committer.clone();
            calls.spawn(async move { (n, committer.submit(n).await.unwrap()) });
        }
        while let Some(done) = calls.join_next().await {
            let (n, doubled) = done.unwrap();
            assert_eq!(doubled, n * 2);
        }
        assert!(
            commits.load(Ordering::Relaxed) < 50,
            "writes waiting together were committed together"
        );
        let failing = GroupCommit::start(8, |_items: Vec<u32>| async {
            Err::<Vec<u32>, _>("disk full".to_owned())
        });
        assert_eq!(failing.submit(1).await.unwrap_err(), "disk full");
    }
}

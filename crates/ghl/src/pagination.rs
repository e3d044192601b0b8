//! Turns page-at-a-time calls into one stream of items.

use std::collections::VecDeque;
use std::future::Future;

use futures::Stream;
use futures::stream;

use crate::GhlError;

/// Streams every item of every page. `fetch` gets the query of one page and returns its items
/// and the query of the next page (`None` after the last). An error ends the stream after
/// being yielded once.
pub(crate) fn paginate<Q, T, F, Fut>(
    first: Option<Q>,
    fetch: F,
) -> impl Stream<Item = Result<T, GhlError>> + Send + 'static
where
    Q: Send + 'static,
    T: Send + 'static,
    F: Fn(Q) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<Q>), GhlError>> + Send + 'static,
{
    struct State<Q, T, F> {
        next: Option<Q>,
        buffered: VecDeque<T>,
        fetch: F,
    }
    let state = State {
        next: first,
        buffered: VecDeque::new(),
        fetch,
    };
    stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffered.pop_front() {
                return Some((Ok(item), state));
            }
            let query = state.next.take()?;
            match (state.fetch)(query).await {
                Ok((items, next)) => {
                    state.buffered.extend(items);
                    state.next = next;
                }
                Err(error) => return Some((Err(error), state)),
            }
        }
    })
}

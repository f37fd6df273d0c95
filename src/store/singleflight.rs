//! Single-flight: concurrent callers with the same key share one execution of the work.
//!
//! Used for validate, refresh and guest calls. The in-memory implementation keeps one
//! `tokio::sync::OnceCell` per in-flight key; if the leading caller is dropped mid-way,
//! a waiting caller takes over with its own work (OnceCell semantics), so nothing hangs.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::auth::tokens::TokenKey;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Coalesces concurrent work by key. Returns the shared result and whether this caller
/// waited on someone else's work (`true`) instead of running its own.
pub trait SingleFlight<V: Clone + Send + Sync + 'static>: Send + Sync {
    fn run<'a>(&'a self, key: TokenKey, work: BoxFuture<'a, V>) -> BoxFuture<'a, (V, bool)>;
    /// Number of keys currently in flight.
    fn in_flight(&self) -> usize;
}

/// In-process [`SingleFlight`].
pub struct InMemorySingleFlight<V> {
    flights: Mutex<HashMap<TokenKey, Arc<OnceCell<V>>>>,
}

impl<V> Default for InMemorySingleFlight<V> {
    fn default() -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone + Send + Sync + 'static> SingleFlight<V> for InMemorySingleFlight<V> {
    fn run<'a>(&'a self, key: TokenKey, work: BoxFuture<'a, V>) -> BoxFuture<'a, (V, bool)> {
        Box::pin(async move {
            let (cell, joined) = {
                let mut map = self.flights.lock().unwrap_or_else(|e| e.into_inner());
                match map.get(&key) {
                    Some(c) => (c.clone(), true),
                    None => {
                        let c = Arc::new(OnceCell::new());
                        map.insert(key, c.clone());
                        (c, false)
                    }
                }
            };
            let mut ran = false;
            let v = cell
                .get_or_init(|| {
                    ran = true;
                    work
                })
                .await
                .clone();
            // The caller that ran the work retires the flight (only if it is still ours).
            if ran {
                let mut map = self.flights.lock().unwrap_or_else(|e| e.into_inner());
                if map.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                    map.remove(&key);
                }
            }
            (v, joined && !ran)
        })
    }

    fn in_flight(&self) -> usize {
        self.flights.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::tokens::token_key;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn coalesces_concurrent_callers() {
        let sf = Arc::new(InMemorySingleFlight::<u32>::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..50 {
            let sf = sf.clone();
            let calls = calls.clone();
            handles.push(tokio::spawn(async move {
                let work = Box::pin(async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    42
                });
                sf.run(token_key("t"), work).await
            }));
        }
        let mut joined = 0;
        for h in handles {
            let (v, j) = h.await.unwrap();
            assert_eq!(v, 42);
            joined += j as usize;
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(joined, 49);
        assert_eq!(sf.in_flight(), 0);
        // a later call runs again
        let (v, j) = sf.run(token_key("t"), Box::pin(async { 7 })).await;
        assert_eq!((v, j), (7, false));
    }

    #[tokio::test]
    async fn dropped_leader_does_not_hang_followers() {
        let sf = Arc::new(InMemorySingleFlight::<u32>::default());
        let sf2 = sf.clone();
        let leader = tokio::spawn(async move {
            sf2.run(
                token_key("k"),
                Box::pin(async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    1
                }),
            )
            .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        leader.abort();
        let _ = leader.await;
        let (v, _) = tokio::time::timeout(
            Duration::from_secs(5),
            sf.run(token_key("k"), Box::pin(async { 2 })),
        )
        .await
        .unwrap();
        assert_eq!(v, 2);
    }
}

//! The shared store's Redis parts against a real redis-server (Debian package `redis-server`)
//! on a free port of 127.0.0.1, stopped by PID: the refresh lock and its outcome across two
//! "instances" (two stores, two connections), the lock scripts never deleting a lock that is
//! not theirs, and an unreachable Redis answering `Unavailable` instead of hanging.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use next_api_layer_native::auth::mappers::IssuedToken;
use next_api_layer_native::auth::tokens::issue::RefreshFail;
use next_api_layer_native::auth::tokens::token_key;
use next_api_layer_native::store::redis::{SharedStore, StoreConfig, scripts};
use serde_json::json;

struct RedisServer {
    child: Child,
    url: String,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_redis() -> RedisServer {
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is not installed (apt-get install -y redis-server)");
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    RedisServer {
        child,
        url: format!("redis://127.0.0.1:{port}"),
    }
}

fn store(url: &str, prefix: &str) -> Arc<SharedStore> {
    let cfg = StoreConfig::from_json(Some(
        &json!({ "url": url, "keyPrefix": prefix, "timeoutMs": 500 }),
    ))
    .unwrap()
    .unwrap();
    SharedStore::new(&cfg).unwrap()
}

async fn keys(url: &str) -> Vec<String> {
    let client = redis::Client::open(url).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut c)
        .await
        .unwrap()
}

fn issued(t: &str) -> IssuedToken {
    IssuedToken {
        token: t.into(),
        refresh_token: Some(format!("{t}-rt")),
        expires_in: Some(60),
        exp: Some(4_000_000_000),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_across_two_instances_and_the_successor_for_late_callers() {
    let r = start_redis();
    let (a, b) = (store(&r.url, "x:"), store(&r.url, "x:"));
    let old = "old.access.token-SECRET";
    let key = token_key(old);
    let calls = Arc::new(AtomicUsize::new(0));
    let work = |calls: Arc<AtomicUsize>| async move {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(150)).await;
        Ok(Ok(issued("new-token")))
    };
    let grace = Duration::from_secs(10);
    let ttl = Duration::from_secs(2);
    let (ra, rb) = tokio::join!(
        a.refresh(&key, old, ttl, grace, work(calls.clone())),
        b.refresh(&key, old, ttl, grace, work(calls.clone())),
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one backend call for both");
    let (ra, rb) = (ra.unwrap().unwrap().unwrap(), rb.unwrap().unwrap().unwrap());
    assert_eq!(ra.token, "new-token");
    assert_eq!(rb.token, "new-token");
    assert_eq!(rb.refresh_token.as_deref(), Some("new-token-rt"));
    // Later: the successor from Redis, without running the work.
    let late = b
        .refresh(&key, old, ttl, grace, work(calls.clone()))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(late.token, "new-token");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The lock is gone; no key holds the raw token.
    let ks = keys(&r.url).await;
    assert!(ks.iter().all(|k| !k.contains("lock")), "{ks:?}");
    assert!(
        ks.iter()
            .all(|k| !k.contains("SECRET") && k.starts_with("x:")),
        "{ks:?}"
    );
    // The stored outcome is sealed: the new tokens are not readable from Redis.
    let client = redis::Client::open(r.url.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    for k in &ks {
        let v: String = redis::cmd("GET").arg(k).query_async(&mut c).await.unwrap();
        assert!(!v.contains("new-token"), "{k} holds {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_trouble_stores_no_outcome_and_frees_the_lock() {
    let r = start_redis();
    let s = store(&r.url, "y:");
    let key = token_key("t");
    let ttl = Duration::from_secs(5);
    let grace = Duration::from_secs(10);
    let failed = s
        .refresh(&key, "t", ttl, grace, async {
            Err(next_api_layer_native::error::LayerError::backend_timeout(
                "slow",
            ))
        })
        .await
        .unwrap();
    assert!(failed.is_err());
    assert!(keys(&r.url).await.is_empty(), "lock released, no outcome");
    // The next caller runs the work itself (at once: the lock was released, not left to expire).
    let ok = s
        .refresh(&key, "t", ttl, grace, async { Ok(Ok(issued("n"))) })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok.unwrap().token, "n");
    // A refusal is an outcome: the others get it instead of refreshing a consumed token,
    // with its reason (a replayed refresh token fails closed on every instance).
    let k2 = token_key("refused");
    let refused = s
        .refresh(&k2, "refused", ttl, grace, async {
            Ok(Err(RefreshFail::Reuse))
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(refused.unwrap_err(), RefreshFail::Reuse);
    let again = s
        .refresh(&k2, "refused", ttl, grace, async {
            Ok(Ok(issued("never")))
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.unwrap_err(),
        RefreshFail::Reuse,
        "the stored refusal, not a second backend call"
    );
}

#[tokio::test]
async fn lock_scripts_only_touch_their_own_lock() {
    let r = start_redis();
    let client = redis::Client::open(r.url.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("SET")
        .arg("l")
        .arg("owner-b")
        .arg("PX")
        .arg(60000)
        .query_async(&mut c)
        .await
        .unwrap();
    let n: i64 = scripts::UNLOCK
        .key("l")
        .arg("owner-a")
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 0, "another owner's lock is not deleted");
    let n: i64 = scripts::EXTEND
        .key("l")
        .arg("owner-a")
        .arg(5)
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 0, "nor extended");
    let ttl: i64 = redis::cmd("PTTL")
        .arg("l")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(ttl > 1000);
    let n: i64 = scripts::UNLOCK
        .key("l")
        .arg("owner-b")
        .invoke_async(&mut c)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let exists: bool = redis::cmd("EXISTS")
        .arg("l")
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(!exists);
}

#[tokio::test]
async fn gcra_counts_exactly_the_burst() {
    let r = start_redis();
    let client = redis::Client::open(r.url.as_str()).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let t_us = 2_000_000u64; // 30 per minute
    let mut allowed = 0;
    let mut remaining = Vec::new();
    for _ in 0..40 {
        let (ok, rem, _full, retry): (i64, i64, i64, i64) = scripts::GCRA
            .key("b")
            .arg(t_us)
            .arg(30)
            .invoke_async(&mut c)
            .await
            .unwrap();
        if ok == 1 {
            allowed += 1;
            remaining.push(rem);
            assert_eq!(retry, 0);
        } else {
            assert!(retry > 0 && retry <= t_us as i64, "retry {retry}");
        }
    }
    assert_eq!(allowed, 30);
    assert_eq!(remaining.first(), Some(&29));
    assert_eq!(remaining.last(), Some(&0));
}

#[tokio::test]
async fn unreachable_redis_is_unavailable_not_a_hang() {
    let port = free_port(); // nothing listens there
    let s = store(&format!("redis://127.0.0.1:{port}"), "z:");
    let key = token_key("t");
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..5 {
        let ran = ran.clone();
        let res = s
            .refresh(
                &key,
                "t",
                Duration::from_secs(2),
                Duration::from_secs(1),
                async move {
                    ran.fetch_add(1, Ordering::SeqCst);
                    Ok(Err(RefreshFail::Unknown))
                },
            )
            .await;
        assert!(
            res.is_err(),
            "Unavailable: the caller decides (local or 503)"
        );
    }
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "the work is left to the caller"
    );
    let snap = s.snapshot();
    assert_eq!(snap.outages, 1, "one outage");
    assert!(snap.errors >= 5);
    assert!(!snap.up);
}

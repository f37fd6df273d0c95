//! A real HTTP backend on 127.0.0.1 for the engine's unit tests: answers each request with
//! what the test's closure says (given the request's head and body, lower-cased), and counts
//! calls by method and path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Answer = dyn Fn(&str) -> (u16, Value) + Send + Sync;

pub(super) struct TestBackend {
    pub url: String,
    counts: Arc<Mutex<HashMap<String, u64>>>,
}

impl TestBackend {
    pub async fn start(answer: impl Fn(&str) -> (u16, Value) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let me = TestBackend {
            url: format!("http://{}", listener.local_addr().unwrap()),
            counts: Arc::default(),
        };
        let answer: Arc<Answer> = Arc::new(answer);
        let counts = me.counts.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (answer, counts) = (answer.clone(), counts.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                    let route: String = req.split(' ').take(2).collect::<Vec<_>>().join(" ");
                    *counts.lock().unwrap().entry(route).or_default() += 1;
                    let (code, body) = answer(&req);
                    let body = body.to_string();
                    let head = format!(
                        "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = sock.write_all(format!("{head}{body}").as_bytes()).await;
                });
            }
        });
        me
    }

    /// Calls so far to `route` ("get /auth/me", "post /auth/refresh").
    pub fn count(&self, route: &str) -> u64 {
        self.counts.lock().unwrap().get(route).copied().unwrap_or(0)
    }
}

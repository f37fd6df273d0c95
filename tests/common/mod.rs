//! A real HTTP mock of the JWT backend on 127.0.0.1 (random port) for the engine's
//! integration tests: counts calls, injects latency, rotates refresh tokens (each token
//! refreshes exactly once), fails on demand (down / 500 / malformed / hang).
#![allow(dead_code)]

pub mod engine;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Ok,
    Down,
    Error500,
    Malformed,
    Hang,
    /// Answers every call with this status and a small JSON body (404: route missing...).
    Status(u16),
    /// Answers 200 with a JSON body of this many bytes (a hostile or broken backend).
    Huge(usize),
}

#[derive(Clone, Debug)]
pub struct Tok {
    pub kind: &'static str,
    /// accepted by /auth/me
    pub valid: bool,
    /// may still be refreshed (once)
    pub refreshable: bool,
    pub user_id: u64,
}

#[derive(Default)]
pub struct State {
    pub tokens: HashMap<String, Tok>,
    /// refresh token -> access token it belongs to
    pub refresh_tokens: HashMap<String, (String, bool)>,
    pub next: u64,
}

pub struct Mock {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    pub me_calls: Arc<AtomicU64>,
    pub refresh_calls: Arc<AtomicU64>,
    pub guest_calls: Arc<AtomicU64>,
    pub mode: Arc<Mutex<Mode>>,
    pub latency: Arc<Mutex<Duration>>,
    /// Custom `auth/me` body shape: `{ result: { account, kind, expires } }`.
    pub custom_shape: Arc<Mutex<bool>>,
    /// When set, `auth/me` reports `exp = now + offset` (seconds).
    pub exp_offset: Arc<Mutex<Option<i64>>>,
}

impl Mock {
    pub async fn start() -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mock = Mock {
            url,
            state: Arc::default(),
            me_calls: Arc::default(),
            refresh_calls: Arc::default(),
            guest_calls: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Ok)),
            latency: Arc::new(Mutex::new(Duration::ZERO)),
            custom_shape: Arc::default(),
            exp_offset: Arc::default(),
        };
        let ctx = mock.ctx();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let _ = handle(sock, ctx).await;
                });
            }
        });
        mock
    }

    fn ctx(&self) -> Ctx {
        Ctx {
            state: self.state.clone(),
            me_calls: self.me_calls.clone(),
            refresh_calls: self.refresh_calls.clone(),
            guest_calls: self.guest_calls.clone(),
            mode: self.mode.clone(),
            latency: self.latency.clone(),
            custom_shape: self.custom_shape.clone(),
            exp_offset: self.exp_offset.clone(),
        }
    }

    /// Creates a token. `valid`: accepted by /auth/me; refreshable once either way.
    pub fn mint(&self, kind: &'static str, valid: bool) -> (String, String) {
        let mut s = self.state.lock().unwrap();
        mint_locked(&mut s, kind, valid, 1)
    }

    pub fn set_mode(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }

    pub fn set_latency(&self, d: Duration) {
        *self.latency.lock().unwrap() = d;
    }

    pub fn counts(&self) -> (u64, u64, u64) {
        (
            self.me_calls.load(Ordering::SeqCst),
            self.refresh_calls.load(Ordering::SeqCst),
            self.guest_calls.load(Ordering::SeqCst),
        )
    }
}

fn mint_locked(s: &mut State, kind: &'static str, valid: bool, user_id: u64) -> (String, String) {
    s.next += 1;
    let token = format!("{kind}-tok-{}", s.next);
    let rt = format!("rt-{}", s.next);
    s.tokens.insert(
        token.clone(),
        Tok {
            kind,
            valid,
            refreshable: true,
            user_id,
        },
    );
    s.refresh_tokens.insert(rt.clone(), (token.clone(), true));
    (token, rt)
}

#[derive(Clone)]
struct Ctx {
    state: Arc<Mutex<State>>,
    me_calls: Arc<AtomicU64>,
    refresh_calls: Arc<AtomicU64>,
    guest_calls: Arc<AtomicU64>,
    mode: Arc<Mutex<Mode>>,
    latency: Arc<Mutex<Duration>>,
    custom_shape: Arc<Mutex<bool>>,
    exp_offset: Arc<Mutex<Option<i64>>>,
}

async fn handle(mut sock: TcpStream, ctx: Ctx) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or("");
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    let body: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);

    // The sequence number of this `auth/me` call (1-based), reported back as `meCall` in the
    // user, so a test can tell which backend call answered a request.
    let mut me_call = 0;
    match (method.as_str(), path.as_str()) {
        ("GET", "/auth/me") => {
            me_call = ctx.me_calls.fetch_add(1, Ordering::SeqCst) + 1;
            me_call
        }
        ("POST", "/auth/refresh") => ctx.refresh_calls.fetch_add(1, Ordering::SeqCst),
        ("POST", "/auth/guest") => ctx.guest_calls.fetch_add(1, Ordering::SeqCst),
        _ => 0,
    };
    let latency = *ctx.latency.lock().unwrap();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mode = *ctx.mode.lock().unwrap();
    match mode {
        Mode::Down => return Ok(()), // drop the socket without answering
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
        Mode::Error500 => return respond(&mut sock, 500, "{\"message\":\"boom\"}").await,
        Mode::Malformed => return respond(&mut sock, 200, "<html>not json").await,
        Mode::Status(s) => return respond(&mut sock, s, "{\"message\":\"fault\"}").await,
        Mode::Huge(n) => {
            let body = format!(
                "{{\"success\":true,\"data\":{{\"id\":1,\"type\":\"user\",\"pad\":\"{}\"}}}}",
                "x".repeat(n)
            );
            return respond(&mut sock, 200, &body).await;
        }
        Mode::Ok => {}
    }

    let (status, out) = route(&ctx, &method, &path, bearer.as_deref(), &body, me_call);
    respond(&mut sock, status, &out.to_string()).await
}

fn route(
    ctx: &Ctx,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: &Value,
    me_call: u64,
) -> (u16, Value) {
    let unauth = (
        401,
        json!({ "success": false, "message": "Unauthenticated." }),
    );
    let mut s = ctx.state.lock().unwrap();
    match (method, path) {
        ("GET", "/auth/me") => {
            let Some(t) = bearer.and_then(|b| s.tokens.get(b)).filter(|t| t.valid) else {
                return unauth;
            };
            let user = if t.kind == "guest" {
                json!({ "id": "guest-1", "type": "guest" })
            } else {
                json!({ "id": t.user_id, "name": "Zoë Démo", "email": "demo@example.com", "type": "user" })
            };
            let mut user = user;
            user["meCall"] = json!(me_call);
            if let Some(off) = *ctx.exp_offset.lock().unwrap() {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs() as i64;
                user["exp"] = json!(now + off);
            }
            if *ctx.custom_shape.lock().unwrap() {
                (
                    200,
                    json!({ "result": { "account": user, "kind": t.kind, "expires": "4102444800" } }),
                )
            } else {
                (200, json!({ "success": true, "data": user }))
            }
        }
        ("POST", "/auth/refresh") => {
            let old = if let Some(rt) = body.get("refresh_token").and_then(Value::as_str) {
                match s.refresh_tokens.get_mut(rt) {
                    Some((tok, live)) if *live => {
                        *live = false;
                        tok.clone()
                    }
                    _ => return unauth,
                }
            } else {
                match bearer {
                    Some(b) => b.to_string(),
                    None => return unauth,
                }
            };
            let (kind, uid) = match s.tokens.get_mut(&old) {
                Some(t) if t.refreshable => {
                    t.refreshable = false;
                    t.valid = false;
                    (t.kind, t.user_id)
                }
                _ => return unauth,
            };
            let (token, rt) = mint_locked(&mut s, kind, true, uid);
            (
                200,
                json!({ "success": true, "data": { "token": token, "refresh_token": rt, "expires_in": 900 } }),
            )
        }
        ("POST", "/auth/guest") => {
            if body.get("username").and_then(Value::as_str) != Some("guest") {
                return (
                    401,
                    json!({ "success": false, "message": "Invalid guest credentials." }),
                );
            }
            let (token, _) = mint_locked(&mut s, "guest", true, 0);
            (
                200,
                json!({ "success": true, "data": { "token": token, "expires_in": 3600 } }),
            )
        }
        _ => (404, json!({ "success": false, "message": "Not found" })),
    }
}

async fn respond(sock: &mut TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body.as_bytes()).await?;
    sock.shutdown().await
}

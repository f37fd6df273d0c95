//! The HTTP client to the JWT backend: one pooled reqwest client per engine, with timeouts.
//! Answers are classified so callers can tell "the token is bad" from "the backend is in
//! trouble" (only the latter must never log anyone out).

use std::time::Duration;

use serde_json::Value;

use crate::error::{LayerError, Result};

/// A classified backend answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 2xx with a JSON body.
    Ok(Value),
    /// A 4xx that may mean "no", with its JSON body (`Null` when there is none). Only
    /// [`REJECTION_STATUSES`] (or a configured refresh reuse signal) reject a credential; the
    /// callers treat any other as backend trouble.
    Rejected(u16, Value),
}

/// The statuses that reject a credential for good. A 404 (route missing), 408/429 (busy),
/// 5xx, a dropped connection, a timeout or a too-large body never do: they are backend
/// trouble, and backend trouble never logs anyone out.
pub const REJECTION_STATUSES: [u16; 3] = [400, 401, 403];

/// Default cap of any body read from the backend (validate, refresh, guest).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Backend {
    client: reqwest::Client,
    timeout: Duration,
    max_body: usize,
}

impl Backend {
    pub fn new(timeout: Duration) -> Result<Self> {
        Self::with_limit(timeout, DEFAULT_MAX_BODY)
    }

    /// `max_body`: the largest answer body read, in bytes; a larger one is backend trouble
    /// (read no further than the cap, so a hostile backend cannot make us buffer it).
    pub fn with_limit(timeout: Duration, max_body: usize) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(32)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("next-api-layer-native/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                LayerError::config("timeout", format!("could not build the HTTP client: {e}"))
            })?;
        Ok(Self {
            client,
            timeout,
            max_body,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `GET url` with `Authorization: Bearer token`.
    pub async fn get_bearer(&self, url: &str, token: &str) -> Result<Answer> {
        let req = self
            .client
            .get(url)
            .bearer_auth(token)
            .header("accept", "application/json");
        self.send(req, url).await
    }

    /// `POST url` with an optional bearer token and a JSON body.
    pub async fn post_json(&self, url: &str, token: Option<&str>, body: &Value) -> Result<Answer> {
        let mut req = self
            .client
            .post(url)
            .header("accept", "application/json")
            .json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req, url).await
    }

    async fn send(&self, req: reqwest::RequestBuilder, url: &str) -> Result<Answer> {
        // The overall deadline also covers reading the body.
        let fut = async {
            let res = req.send().await.map_err(|e| classify(&e, url))?;
            let status = res.status().as_u16();
            let bytes = read_capped(res, self.max_body, url).await?;
            Ok::<_, LayerError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| {
                LayerError::backend_timeout(format!(
                    "{url} did not answer within {:?}",
                    self.timeout
                ))
            })??;
        match status {
            200..=299 => serde_json::from_slice::<Value>(&bytes)
                .map(Answer::Ok)
                .map_err(|e| {
                    LayerError::backend_bad_response(format!(
                        "{url} answered {status} with malformed JSON: {e}"
                    ))
                }),
            404 => {
                warn_missing_endpoint(url);
                Err(LayerError::backend_bad_response(format!(
                    "{url} answered 404 (is the endpoint configured right?)"
                )))
            }
            408 | 429 => Err(LayerError::backend_bad_response(format!(
                "{url} answered {status}"
            ))),
            400..=499 => Ok(Answer::Rejected(
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            )),
            _ => Err(LayerError::backend_bad_response(format!(
                "{url} answered {status}"
            ))),
        }
    }
}

/// The body, read chunk by chunk and given up as soon as it passes `max` bytes (a declared
/// `content-length` over the cap is refused before reading anything).
async fn read_capped(mut res: reqwest::Response, max: usize, url: &str) -> Result<Vec<u8>> {
    let too_big = || {
        LayerError::backend_bad_response(format!(
            "{url} answered with a body larger than {max} bytes"
        ))
    };
    if res.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_big());
    }
    let mut out = Vec::with_capacity(res.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = res.chunk().await.map_err(|e| classify(&e, url))? {
        if out.len() + chunk.len() > max {
            return Err(too_big());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A configured endpoint answering 404 is almost always a wrong `endpoints.*` option: said
/// loudly on stderr, once per URL (the set is bounded by the few configured URLs).
fn warn_missing_endpoint(url: &str) {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    if seen.len() < 64 && seen.insert(url.to_string()) {
        eprintln!(
            "[next-api-layer-native] {url} answered 404: the endpoint does not exist. Check endpoints.* / apiBaseUrl; nobody is logged out because of it."
        );
    }
}

fn classify(e: &reqwest::Error, url: &str) -> LayerError {
    if e.is_timeout() {
        LayerError::backend_timeout(format!("{url} timed out"))
    } else if e.is_decode() || e.is_body() {
        LayerError::backend_bad_response(format!("{url}: {e}"))
    } else {
        LayerError::backend_unavailable(format!("{url} is unreachable: {e}"))
    }
}

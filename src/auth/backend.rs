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
    /// A 4xx that means "no" (bad, expired or revoked token, bad credentials), with its JSON
    /// body (`Null` when there is none): a refresh failure is classified from both.
    Rejected(u16, Value),
}

#[derive(Debug, Clone)]
pub struct Backend {
    client: reqwest::Client,
    timeout: Duration,
}

impl Backend {
    pub fn new(timeout: Duration) -> Result<Self> {
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
        Ok(Self { client, timeout })
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
            let bytes = res.bytes().await.map_err(|e| classify(&e, url))?;
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

fn classify(e: &reqwest::Error, url: &str) -> LayerError {
    if e.is_timeout() {
        LayerError::backend_timeout(format!("{url} timed out"))
    } else if e.is_decode() || e.is_body() {
        LayerError::backend_bad_response(format!("{url}: {e}"))
    } else {
        LayerError::backend_unavailable(format!("{url} is unreachable: {e}"))
    }
}

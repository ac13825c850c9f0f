//! Requests with retries: 429, 5xx and transport errors (timeouts, refused connections) are
//! retried with exponential backoff (200 ms, 400 ms, 800 ms); other API errors are returned
//! at once. Owns the error type of one request.

use crate::config::Cluster;
use std::future::Future;
use std::time::Duration;

/// Attempts per request (the first one included).
const ATTEMPTS: u32 = 4;

/// Why a request failed, after retries.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The API server answered with an error status (403, 404, 410, 429, 5xx, …).
    #[error("{message}")]
    Api { code: u16, message: String },
    /// The server could not be reached or did not answer in time.
    #[error("{0}")]
    Transport(String),
    /// The response could not be decoded (typed requests only).
    #[error("{0}")]
    Decode(String),
}

impl RequestError {
    /// The HTTP status, 0 when there was none.
    pub fn code(&self) -> u16 {
        match self {
            RequestError::Api { code, .. } => *code,
            _ => 0,
        }
    }

    fn from_kube(e: kube::Error) -> RequestError {
        match e {
            kube::Error::Api(status) => RequestError::Api {
                code: status.code,
                message: status.message.clone(),
            },
            kube::Error::SerdeError(e) => RequestError::Decode(e.to_string()),
            e => RequestError::Transport(e.to_string()),
        }
    }

    fn retryable(&self) -> bool {
        match self {
            RequestError::Api { code, .. } => *code == 429 || *code >= 500,
            RequestError::Transport(_) => true,
            RequestError::Decode(_) => false,
        }
    }
}

impl Cluster {
    /// Runs `op` on the client's runtime, retrying what may pass on a second try.
    pub(crate) fn retry<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, RequestError>
    where
        F: FnMut(kube::Client) -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            let err = match self.rt.block_on(op(self.client.clone())) {
                Ok(v) => return Ok(v),
                Err(e) => RequestError::from_kube(e),
            };
            if !err.retryable() || attempt >= ATTEMPTS {
                tracing::debug!(request = what, attempt, status = err.code(), error = %err, "request failed");
                return Err(err);
            }
            tracing::info!(request = what, attempt, status = err.code(), error = %err, retry_in = ?delay, "retrying");
            std::thread::sleep(delay);
            delay *= 2;
            attempt += 1;
        }
    }

    /// A raw GET (built by kube-rs's request builders) with retries; the body as text.
    pub(crate) fn get_text(&self, what: &str, req: &http::Request<Vec<u8>>) -> Result<String, RequestError> {
        self.retry(what, |client| {
            let mut r = http::Request::builder().method(req.method()).uri(req.uri());
            for (k, v) in req.headers() {
                r = r.header(k, v);
            }
            let r = r.body(Vec::new());
            async move {
                let r = r.map_err(kube::Error::HttpError)?;
                client.request_text(r).await
            }
        })
    }
}

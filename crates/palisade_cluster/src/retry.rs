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
            e => RequestError::Transport(chain(&e)),
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

/// An error and its causes, `outer: inner: innermost` (kube-rs's `ServiceError: client
/// error (Connect)` alone hides "Connection refused"); a cause already part of the message
/// before it is not repeated.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !m.is_empty() && !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        cur = c.source();
    }
    out
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

#[cfg(test)]
mod tests {
    use super::chain;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("ServiceError: client error (Connect)")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn transport_errors_show_their_causes() {
        let refused = std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        assert_eq!(
            chain(&Outer(refused)),
            "ServiceError: client error (Connect): Connection refused (os error 111)"
        );
        // A cause the message already carries is not repeated.
        let e = std::io::Error::other("timed out");
        assert_eq!(chain(&e), "timed out");
    }
}

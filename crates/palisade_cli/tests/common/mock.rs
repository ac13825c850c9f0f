//! An in-process mock API server on 127.0.0.1 that answers with the recorded responses of a
//! real v1.36 API server (`tests/data/apiserver-v1.36-recorded`) or with given bodies:
//! paged lists, 403s, 429s, slow answers, 410 Expired continue tokens.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// What the mock answers for a path (without query): status and body. `continue` selects
/// the second page of pods.
#[derive(Clone)]
pub enum Answer {
    File(u16, &'static str),
    Body(u16, String),
    /// Fail with 429 this many times, then answer.
    Throttle(usize, Box<Answer>),
    Sleep(u64, Box<Answer>),
    /// A paged list: page N answers `continue=mock-N`; the mock sets `metadata.continue` to
    /// the next page's token, or removes it on the last page. With `expire`, the first
    /// continued request gets 410 Expired (the snapshot is gone).
    Pages(Vec<Answer>, bool),
}

pub struct Mock {
    pub port: u16,
    /// Request targets (with `[metadata-only]` for metadata-only lists).
    pub hits: Arc<Mutex<Vec<String>>>,
    /// Request line and headers of every request.
    pub heads: Arc<Mutex<Vec<String>>>,
}

pub fn serve(routes: HashMap<&'static str, Answer>) -> Mock {
    let dir = super::recorded();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(Mutex::new(Vec::new()));
    let h = hits.clone();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let hd = heads.clone();
    let routes = Arc::new(Mutex::new(routes));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let dir = dir.clone();
            let routes = routes.clone();
            let h = h.clone();
            let hd = hd.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                hd.lock().unwrap().push(head.clone());
                let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let accept = head
                    .lines()
                    .find_map(|l| l.strip_prefix("accept: ").or_else(|| l.strip_prefix("Accept: ")))
                    .unwrap_or("")
                    .to_owned();
                h.lock()
                    .unwrap()
                    .push(if accept.contains("PartialObjectMetadataList") {
                        format!("{target} [metadata-only]")
                    } else {
                        target.clone()
                    });
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                // A route may be keyed by path#fieldSelector (percent-decoded).
                let selector = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("fieldSelector="))
                    .map(|v| v.replace("%3D", "=").replace("%21", "!").replace("%2F", "/"));
                let answer = {
                    let r = routes.lock().unwrap();
                    selector
                        .as_ref()
                        .and_then(|sel| r.get(format!("{path}#{sel}").as_str()).cloned())
                        .or_else(|| r.get(path).cloned())
                };
                let page: Option<usize> = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("continue=mock-"))
                    .and_then(|n| n.parse().ok());
                let mut continue_to: Option<Option<String>> = None;
                let answer = match answer {
                    Some(Answer::Pages(pages, true)) if page.is_some() => {
                        routes.lock().unwrap().insert(
                            Box::leak(path.to_owned().into_boxed_str()),
                            Answer::Pages(pages, false),
                        );
                        Some(Answer::Body(
                            410,
                            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result.","reason":"Expired","code":410}"#.into(),
                        ))
                    }
                    Some(Answer::Pages(pages, _)) => {
                        let n = page.unwrap_or(0).min(pages.len() - 1);
                        continue_to = Some((n + 1 < pages.len()).then(|| format!("mock-{}", n + 1)));
                        Some(pages[n].clone())
                    }
                    a => a,
                };
                let mut answer = answer.unwrap_or(Answer::Body(
                    404,
                    r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"the server could not find the requested resource"}"#.into(),
                ));
                loop {
                    match answer {
                        Answer::Throttle(n, next) if n > 0 => {
                            routes.lock().unwrap().insert(
                                Box::leak(path.to_owned().into_boxed_str()),
                                Answer::Throttle(n - 1, next.clone()),
                            );
                            answer = Answer::Body(
                                429,
                                r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429,"message":"slow down"}"#.into(),
                            );
                        }
                        Answer::Throttle(_, next) => answer = *next,
                        Answer::Sleep(secs, next) => {
                            std::thread::sleep(std::time::Duration::from_secs(secs));
                            answer = *next;
                        }
                        _ => break,
                    }
                }
                let (code, mut body) = match answer {
                    Answer::File(c, f) => (c, std::fs::read_to_string(dir.join(f)).unwrap()),
                    Answer::Body(c, b) => (c, b),
                    _ => unreachable!(),
                };
                if let Some(next) = continue_to {
                    let mut v: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let md = v["metadata"].as_object_mut().unwrap();
                    md.remove("remainingItemCount");
                    match next {
                        Some(t) => md.insert("continue".into(), t.into()),
                        None => md.remove("continue"),
                    };
                    body = v.to_string();
                }
                let _ = write!(
                    s,
                    "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    Mock { port, hits, heads }
}

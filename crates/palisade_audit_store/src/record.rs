//! An audit event as the store keeps it: the event's JSON text as it was received and the
//! columns the questions filter on, taken from the decoded event. Also the parsing of a
//! webhook backend batch (an `audit.k8s.io/v1` `EventList`) into records, item by item, so a
//! bad item is named and the others are kept.

use palisade_audit::decode::decode;
use palisade_audit::{Event, Stage};
use serde_json::value::RawValue;

/// One event and its indexed columns. Empty strings stand for absent values (the namespace of
/// a cluster-scoped request is `""`), so equality filters work the same in SQL and in Rust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub audit_id: String,
    /// `stageTimestamp` (or `requestReceivedTimestamp`) in microseconds since the epoch.
    pub ts: i64,
    pub received_ts: Option<i64>,
    /// The stage's rank: RequestReceived 0, ResponseStarted 1, ResponseComplete 2, Panic 3.
    pub stage: i64,
    pub level: &'static str,
    /// The authenticated user (`user.username`).
    pub user: String,
    /// The user the request acted as (`impersonatedUser.username`, else `user.username`).
    pub effective_user: String,
    pub verb: String,
    pub resource: String,
    pub subresource: String,
    pub api_group: String,
    pub namespace: String,
    pub name: String,
    pub code: Option<i64>,
    /// `authorization.k8s.io/decision` (`allow`, `forbid`, or `""`).
    pub decision: String,
    /// The last of `sourceIPs`: the address the API server saw (the only one a client cannot
    /// forge).
    pub source_ip: String,
    pub user_agent: String,
    /// The event's JSON, as received.
    pub json: String,
}

pub fn stage_rank(s: Stage) -> i64 {
    match s {
        Stage::RequestReceived => 0,
        Stage::ResponseStarted => 1,
        Stage::ResponseComplete => 2,
        Stage::Panic => 3,
    }
}

pub fn stage_of_rank(r: i64) -> Option<Stage> {
    Stage::ALL.into_iter().find(|s| stage_rank(*s) == r)
}

impl Record {
    /// The record of one decoded event whose JSON is `json`. An event without `auditID` or
    /// without a time cannot be stored (the store keeps one row per request, in time order);
    /// the API server always sets both.
    pub fn new(ev: &Event<'_>, json: &str) -> Result<Record, String> {
        if ev.audit_id.is_empty() {
            return Err("the event has no auditID (the store keeps one row per request by auditID)".into());
        }
        let Some(t) = ev.time() else {
            return Err("the event has neither stageTimestamp nor requestReceivedTimestamp".into());
        };
        let o = ev.object_ref.as_ref();
        let s = |f: for<'x> fn(&'x palisade_audit::ObjectRef<'_>) -> &'x str| {
            o.map_or(String::new(), |o| f(o).to_owned())
        };
        Ok(Record {
            audit_id: ev.audit_id.to_string(),
            ts: crate::micros(t),
            received_ts: ev.request_received_timestamp.map(crate::micros),
            stage: stage_rank(ev.stage),
            level: ev.level.as_str(),
            user: ev.user.username.to_string(),
            effective_user: ev.effective_user().username.to_string(),
            verb: ev.verb.to_string(),
            resource: s(|o| &o.resource),
            subresource: s(|o| &o.subresource),
            api_group: s(|o| &o.api_group),
            namespace: s(|o| &o.namespace),
            name: s(|o| &o.name),
            code: ev.code().map(i64::from),
            decision: ev.decision().unwrap_or("").to_owned(),
            source_ip: ev.peer_ip().unwrap_or("").to_owned(),
            user_agent: ev.user_agent.to_string(),
            json: json.to_owned(),
        })
    }

    /// The record of one JSON text holding exactly one event.
    pub fn from_json(json: &str) -> Result<Record, String> {
        let mut out = None;
        decode(json, &mut |_, ev| {
            if out.is_none() {
                out = Some(Record::new(&ev, json));
            } else {
                out = Some(Err("more than one event in one item".into()));
            }
        })
        .map_err(|e| e.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))?;
        out.unwrap_or_else(|| Err("no event".into()))
    }
}

/// A problem with one item of a batch (`item` None: the batch as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    pub item: Option<u32>,
    pub message: String,
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.item {
            Some(i) => write!(f, "items[{i}]: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A parsed batch: the records of its good items (deduplicated: of several stages of one
/// request in the batch, the latest is kept) and the problems of the others.
#[derive(Debug, Default)]
pub struct Batch {
    pub records: Vec<Record>,
    pub errors: Vec<BatchError>,
    /// Items in the batch (good and bad).
    pub items: usize,
}

#[derive(serde::Deserialize)]
struct ListShape<'a> {
    #[serde(default)]
    kind: Option<&'a str>,
    #[serde(default, rename = "apiVersion")]
    api_version: Option<&'a str>,
    #[serde(borrow)]
    items: Option<Vec<&'a RawValue>>,
}

/// Parse a webhook backend request body: an `EventList` (what the API server sends), or a
/// single `Event` or a JSON array of events (for other senders).
pub fn parse_batch(body: &[u8]) -> Batch {
    let mut b = Batch::default();
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => {
            b.errors.push(BatchError {
                item: None,
                message: format!("the body is not UTF-8 (byte {})", e.valid_up_to()),
            });
            return b;
        }
    };
    let t = text.trim_start();
    let items: Vec<&RawValue> = if t.starts_with('[') {
        match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                b.errors.push(BatchError {
                    item: None,
                    message: format!("invalid JSON: {e}"),
                });
                return b;
            }
        }
    } else if t.starts_with('{') {
        match serde_json::from_str::<ListShape<'_>>(text) {
            Ok(ListShape {
                items: Some(items),
                kind,
                api_version,
            }) => {
                if let Some(k) = kind.filter(|k| *k != "EventList") {
                    b.errors.push(BatchError {
                        item: None,
                        message: format!("kind {k:?} with items: expected an audit.k8s.io/v1 EventList"),
                    });
                    return b;
                }
                if let Some(v) = api_version.filter(|v| !v.starts_with("audit.k8s.io/")) {
                    b.errors.push(BatchError {
                        item: None,
                        message: format!("apiVersion {v:?}: expected audit.k8s.io/v1"),
                    });
                    return b;
                }
                items
            }
            Ok(_) => match serde_json::from_str::<&RawValue>(text) {
                Ok(v) => {
                    one(&mut b, None, v.get());
                    return b;
                }
                Err(e) => {
                    b.errors.push(BatchError {
                        item: None,
                        message: format!("invalid JSON: {e}"),
                    });
                    return b;
                }
            },
            Err(e) => {
                b.errors.push(BatchError {
                    item: None,
                    message: format!("invalid JSON: {e}"),
                });
                return b;
            }
        }
    } else {
        b.errors.push(BatchError {
            item: None,
            message: "not JSON: expected an audit.k8s.io/v1 EventList".into(),
        });
        return b;
    };
    for (i, it) in items.iter().enumerate() {
        one(&mut b, Some(i as u32), it.get());
    }
    dedup(&mut b.records);
    b
}

fn one(b: &mut Batch, item: Option<u32>, json: &str) {
    b.items += 1;
    if !json.trim_start().starts_with('{') {
        b.errors.push(BatchError {
            item,
            message: "not an audit event (expected a JSON object)".into(),
        });
        return;
    }
    match Record::from_json(json) {
        Ok(r) => b.records.push(r),
        Err(message) => b.errors.push(BatchError { item, message }),
    }
}

/// Keep, of several records of one request, the one of the latest stage (the first of equal
/// stages), in the order of first appearance.
fn dedup(records: &mut Vec<Record>) {
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<Record> = Vec::with_capacity(records.len());
    for r in records.drain(..) {
        match at.get(&r.audit_id) {
            Some(&i) => {
                if r.stage > out[i].stage {
                    out[i] = r;
                }
            }
            None => {
                at.insert(r.audit_id.clone(), out.len());
                out.push(r);
            }
        }
    }
    *records = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn ev(id: &str, stage: &str, user: &str, t: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"{stage}","requestURI":"/api/v1/namespaces/shop","verb":"delete","user":{{"username":"{user}","groups":["system:authenticated"]}},"impersonatedUser":{{"username":"bob"}},"sourceIPs":["10.0.0.9","127.0.0.1"],"userAgent":"kubectl/v1.36.2","objectRef":{{"resource":"namespaces","name":"shop","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t}","stageTimestamp":"{t}","annotations":{{"authorization.k8s.io/decision":"allow"}}}}"#
        )
    }

    #[test]
    fn columns_come_from_the_event() {
        let j = ev("a1", "ResponseComplete", "alice", "2026-11-22T13:02:53.901211Z");
        let r = Record::from_json(&j).unwrap();
        assert_eq!(r.audit_id, "a1");
        assert_eq!(r.user, "alice");
        assert_eq!(r.effective_user, "bob");
        assert_eq!(
            (r.verb.as_str(), r.resource.as_str(), r.name.as_str()),
            ("delete", "namespaces", "shop")
        );
        assert_eq!(r.namespace, "");
        assert_eq!(r.code, Some(200));
        assert_eq!(r.decision, "allow");
        assert_eq!(r.source_ip, "127.0.0.1");
        assert_eq!(r.stage, 2);
        assert_eq!(r.ts, 1_795_352_573_901_211);
        assert_eq!(r.json, j);
    }

    #[test]
    fn a_batch_keeps_good_items_names_bad_ones_and_joins_stages() {
        let a0 = ev("a", "RequestReceived", "alice", "2026-11-22T13:02:53Z");
        let a2 = ev("a", "ResponseComplete", "alice", "2026-11-22T13:02:54Z");
        let b2 = ev("b", "ResponseComplete", "carol", "2026-11-22T13:02:55Z");
        let no_id = r#"{"kind":"Event","stage":"ResponseComplete","stageTimestamp":"2026-11-22T13:02:55Z"}"#;
        let body = format!(
            r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{a0},{b2},{{"kind":"Event","auditID":"x","stage":"Later"}},{a2},{no_id},7]}}"#
        );
        let b = parse_batch(body.as_bytes());
        assert_eq!(b.items, 6);
        let ids: Vec<(&str, i64)> = b.records.iter().map(|r| (r.audit_id.as_str(), r.stage)).collect();
        assert_eq!(ids, [("a", 2), ("b", 2)]);
        let errs: Vec<String> = b.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].starts_with("items[2]: unknown stage"), "{errs:?}");
        assert!(
            errs[1].starts_with("items[4]: the event has no auditID"),
            "{errs:?}"
        );
        assert!(errs[2].starts_with("items[5]: not an audit event"), "{errs:?}");
    }

    #[test]
    fn a_bad_body_is_one_error() {
        for (body, want) in [
            (&b"\xff\xfe"[..], "not UTF-8"),
            (b"{\"kind\":\"EventList\",\"items\":[", "invalid JSON"),
            (b"hello", "not JSON"),
            (b"{\"kind\":\"PodList\",\"items\":[]}", "kind \"PodList\""),
            (
                b"{\"kind\":\"EventList\",\"apiVersion\":\"v1\",\"items\":[]}",
                "apiVersion \"v1\"",
            ),
        ] {
            let b = parse_batch(body);
            assert!(b.records.is_empty());
            assert_eq!(b.errors.len(), 1);
            assert!(b.errors[0].item.is_none());
            assert!(b.errors[0].message.contains(want), "{:?}", b.errors);
        }
        let single = ev("s", "ResponseComplete", "alice", "2026-11-22T13:02:53Z");
        let b = parse_batch(single.as_bytes());
        assert_eq!((b.records.len(), b.errors.len()), (1, 0));
    }
}

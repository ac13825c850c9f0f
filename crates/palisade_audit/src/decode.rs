//! Decoding one JSON text into audit events: an `Event`, an `EventList` (the webhook
//! backend's batches), a JSON array of events, and the cloud wrappers users export their logs
//! in (GKE Cloud Logging `protoPayload`, EKS CloudWatch `message`, AKS diagnostic-log
//! `records`/`properties.log`).

use crate::de;
use crate::event::{Event, Level, ObjectRef, Stage, Status, UserInfo};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A problem with one event of a text: `item` is its index within an `EventList`, array or
/// cloud export (None for the text as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub item: Option<u32>,
    pub message: String,
    /// True when the JSON text ended early (a multi-line document may continue on the next
    /// line).
    pub eof: bool,
}

impl DecodeError {
    fn new(item: Option<u32>, message: impl Into<String>) -> DecodeError {
        DecodeError {
            item,
            message: message.into(),
            eof: false,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Raw<'a> {
    #[serde(borrow, default, deserialize_with = "de::cow")]
    kind: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    api_version: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    level: Cow<'a, str>,
    #[serde(borrow, default, rename = "auditID", deserialize_with = "de::cow")]
    audit_id: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    stage: Cow<'a, str>,
    #[serde(borrow, default, rename = "requestURI", deserialize_with = "de::cow")]
    request_uri: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    verb: Cow<'a, str>,
    #[serde(borrow, default)]
    user: Option<UserInfo<'a>>,
    #[serde(borrow, default)]
    impersonated_user: Option<UserInfo<'a>>,
    #[serde(borrow, default, rename = "sourceIPs", deserialize_with = "de::cows")]
    source_ips: Vec<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    user_agent: Cow<'a, str>,
    #[serde(borrow, default)]
    object_ref: Option<ObjectRef<'a>>,
    #[serde(borrow, default)]
    response_status: Option<Status<'a>>,
    #[serde(borrow, default)]
    request_object: Option<&'a RawValue>,
    #[serde(borrow, default)]
    response_object: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    request_received_timestamp: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    stage_timestamp: Cow<'a, str>,
    /// v1alpha1/v1beta1 (and GKE's LogEntry).
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "de::pairs")]
    annotations: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// `EventList`.
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
    /// GKE Cloud Logging.
    #[serde(borrow, default)]
    proto_payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    labels: Option<&'a RawValue>,
    #[serde(borrow, default)]
    operation: Option<&'a RawValue>,
    /// EKS CloudWatch Logs (`message` holds the event as a JSON string).
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    /// `aws logs filter-log-events` output.
    #[serde(borrow, default)]
    events: Option<Vec<&'a RawValue>>,
    /// AKS diagnostic logs.
    #[serde(borrow, default)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
}

/// Decode `text` (one JSON value) and hand each event to `f` with its item index (None when
/// the text is the event itself). Problems are returned; events decoded before and after a
/// bad item are still handed on.
pub fn decode(text: &str, f: &mut dyn FnMut(Option<u32>, Event<'_>)) -> Result<(), Vec<DecodeError>> {
    let mut errors = Vec::new();
    let t = text.trim_start();
    if t.starts_with('[') {
        match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    one(item.get(), Some(i as u32), f, &mut errors, 0);
                }
            }
            Err(e) => errors.push(json_error(None, &e)),
        }
    } else if !t.starts_with('{') {
        // An export line `TIMESTAMP {json}` (CloudWatch exported to S3).
        match t.find(" {") {
            Some(i) if looks_like_time(&t[..i]) => one(&t[i + 1..], None, f, &mut errors, 0),
            _ => errors.push(DecodeError::new(
                None,
                "not JSON: an audit event is a JSON object (one per line)",
            )),
        }
    } else {
        one(text, None, f, &mut errors, 0);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn looks_like_time(s: &str) -> bool {
    s.len() >= 10 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) && s.as_bytes()[4] == b'-'
}

fn json_error(item: Option<u32>, e: &serde_json::Error) -> DecodeError {
    DecodeError {
        item,
        message: format!("invalid JSON: {e}"),
        eof: e.is_eof(),
    }
}

/// One JSON object: an event, a list of events, or a wrapper around events.
fn one(
    text: &str,
    item: Option<u32>,
    f: &mut dyn FnMut(Option<u32>, Event<'_>),
    errors: &mut Vec<DecodeError>,
    depth: u32,
) {
    if depth > 4 {
        errors.push(DecodeError::new(item, "audit events nested too deeply"));
        return;
    }
    let raw: Raw<'_> = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            errors.push(json_error(item, &e));
            return;
        }
    };
    let sub = |i: usize| Some(i as u32);
    if let Some(items) = &raw.items {
        if raw.kind == "EventList" || raw.kind.is_empty() {
            for (i, it) in items.iter().enumerate() {
                one(it.get(), sub(i), f, errors, depth + 1);
            }
            return;
        }
    }
    if let Some(records) = &raw.records {
        for (i, r) in records.iter().enumerate() {
            one(r.get(), sub(i), f, errors, depth + 1);
        }
        return;
    }
    if let Some(events) = &raw.events {
        for (i, r) in events.iter().enumerate() {
            one(r.get(), sub(i), f, errors, depth + 1);
        }
        return;
    }
    if raw.kind == "Event" || !raw.audit_id.is_empty() || !raw.stage.is_empty() {
        match event(raw) {
            Ok(ev) => f(item, ev),
            Err(m) => errors.push(DecodeError::new(item, m)),
        }
        return;
    }
    // Wrappers with the event as a JSON string: EKS `message`, AKS `properties.log`.
    let embedded = if let Some(m) = raw.message {
        serde_json::from_str::<String>(m.get()).ok()
    } else if let Some(p) = raw.properties {
        #[derive(Deserialize)]
        struct Props {
            #[serde(default)]
            log: Option<String>,
        }
        serde_json::from_str::<Props>(p.get()).ok().and_then(|p| p.log)
    } else {
        None
    };
    if let Some(s) = embedded {
        if s.trim_start().starts_with('{') {
            one(&s, item, f, errors, depth + 1);
            return;
        }
    }
    if let Some(pp) = raw.proto_payload {
        match crate::cloud::gke(pp.get(), &raw_parts(&raw)) {
            Ok(ev) => f(item, ev),
            Err(m) => errors.push(DecodeError::new(item, m)),
        }
        return;
    }
    let what = if raw.kind.is_empty() {
        "an object without kind, auditID or stage".to_owned()
    } else {
        format!("kind {:?}", raw.kind)
    };
    errors.push(DecodeError::new(
        item,
        format!("not an audit event ({what}); expected kind Event or EventList"),
    ));
}

/// The LogEntry fields of a GKE export that the conversion reads.
pub(crate) struct LogEntryParts<'a> {
    pub timestamp: Option<&'a str>,
    pub labels: Option<&'a str>,
    pub operation: Option<&'a str>,
}

fn raw_parts<'a>(raw: &'a Raw<'a>) -> LogEntryParts<'a> {
    LogEntryParts {
        timestamp: raw.timestamp.map(RawValue::get),
        labels: raw.labels.map(RawValue::get),
        operation: raw.operation.map(RawValue::get),
    }
}

/// Parse an RFC 3339 time (`2026-11-22T13:02:53.883701Z`).
pub fn parse_time(s: &str) -> Result<jiff::Timestamp, String> {
    s.parse::<jiff::Timestamp>()
        .map_err(|e| format!("invalid time {s:?}: {e}"))
}

fn time(s: &str, field: &str) -> Result<Option<jiff::Timestamp>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    parse_time(s).map(Some).map_err(|e| format!("{field}: {e}"))
}

fn event(raw: Raw<'_>) -> Result<Event<'_>, String> {
    if !raw.kind.is_empty() && raw.kind != "Event" {
        return Err(format!("not an audit event: kind {:?}", raw.kind));
    }
    if !raw.api_version.is_empty()
        && !matches!(
            raw.api_version.as_ref(),
            "audit.k8s.io/v1" | "audit.k8s.io/v1beta1" | "audit.k8s.io/v1alpha1"
        )
    {
        return Err(format!(
            "unsupported apiVersion {:?} (expected audit.k8s.io/v1, v1beta1 or v1alpha1)",
            raw.api_version
        ));
    }
    let level = if raw.level.is_empty() {
        Level::Metadata
    } else {
        Level::parse(&raw.level).ok_or_else(|| format!("unknown level {:?}", raw.level))?
    };
    let stage = if raw.stage.is_empty() {
        Stage::ResponseComplete
    } else {
        Stage::parse(&raw.stage).ok_or_else(|| format!("unknown stage {:?}", raw.stage))?
    };
    let mut stage_ts = time(&raw.stage_timestamp, "stageTimestamp")?;
    let received = time(&raw.request_received_timestamp, "requestReceivedTimestamp")?;
    if stage_ts.is_none() {
        // v1alpha1/v1beta1 `timestamp`.
        if let Some(t) = raw.timestamp {
            if let Ok(s) = serde_json::from_str::<&str>(t.get()) {
                stage_ts = time(s, "timestamp")?;
            }
        }
    }
    Ok(Event {
        api_version: raw.api_version,
        level,
        audit_id: raw.audit_id,
        stage,
        request_uri: raw.request_uri,
        verb: raw.verb,
        user: raw.user.unwrap_or_default(),
        impersonated_user: raw.impersonated_user,
        source_ips: raw.source_ips,
        user_agent: raw.user_agent,
        object_ref: raw.object_ref,
        response_status: raw.response_status,
        request_object: raw.request_object.map(Cow::Borrowed),
        response_object: raw.response_object.map(Cow::Borrowed),
        request_received_timestamp: received,
        stage_timestamp: stage_ts,
        annotations: raw.annotations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> (Vec<(Option<u32>, Event<'static>)>, Vec<DecodeError>) {
        let mut out = Vec::new();
        let errs = decode(text, &mut |i, e| out.push((i, e.into_owned()))).err();
        (out, errs.unwrap_or_default())
    }

    const EV: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop?x=1\u0026y=2","verb":"delete","user":{"username":"alice","groups":["system:authenticated"],"extra":{"k":["v1","v2"]}},"sourceIPs":["10.0.0.1","127.0.0.1"],"userAgent":"kubectl/v1.36.2","objectRef":{"resource":"namespaces","name":"shop","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-22T13:02:53.883701Z","stageTimestamp":"2026-11-22T13:02:53.901211Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#;

    #[test]
    fn one_event() {
        let (evs, errs) = all(EV);
        assert!(errs.is_empty(), "{errs:?}");
        let e = &evs[0].1;
        assert_eq!(e.verb, "delete");
        assert_eq!(e.user.username, "alice");
        assert_eq!(e.user.extra("k"), ["v1", "v2"]);
        assert_eq!(e.request_uri, "/api/v1/namespaces/shop?x=1&y=2");
        assert_eq!(e.object_ref.as_ref().unwrap().name, "shop");
        assert_eq!(e.code(), Some(200));
        assert_eq!(e.decision(), Some("allow"));
        assert_eq!(e.peer_ip(), Some("127.0.0.1"));
        assert_eq!(e.time().unwrap().to_string(), "2026-11-22T13:02:53.901211Z");
    }

    #[test]
    fn lists_arrays_and_wrappers() {
        let list = format!(
            r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{EV},{EV}]}}"#
        );
        let (evs, errs) = all(&list);
        assert!(errs.is_empty());
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].0, Some(1));
        let (evs, _) = all(&format!("[{EV}]"));
        assert_eq!(evs.len(), 1);
        let quoted = serde_json::to_string(EV).unwrap();
        let eks = format!(r#"{{"logStreamName":"kube-apiserver-audit-1","timestamp":1,"message":{quoted}}}"#);
        let (evs, errs) = all(&eks);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(evs[0].1.verb, "delete");
        let aks = format!(
            r#"{{"records":[{{"category":"kube-audit","properties":{{"log":{quoted},"pod":"kube-apiserver-x"}}}}]}}"#
        );
        let (evs, errs) = all(&aks);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(evs[0].0, Some(0));
        let (evs, errs) = all(&format!("2026-11-22T13:02:53.901Z {EV}"));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(evs.len(), 1);
    }

    #[test]
    fn bad_input_is_an_error() {
        let (_, errs) = all(r#"{"kind":"Pod","apiVersion":"v1"}"#);
        assert!(errs[0].message.contains("not an audit event"), "{errs:?}");
        let (_, errs) = all(r#"{"kind":"Event","stage":"Sometime"}"#);
        assert!(errs[0].message.contains("unknown stage"));
        let (_, errs) = all(&EV[..100]);
        assert!(errs[0].eof);
        let (_, errs) = all("hello");
        assert!(errs[0].message.contains("not JSON"));
        let (evs, errs) = all(&format!(
            r#"{{"kind":"EventList","items":[{EV},{{"kind":"Event","level":"Loud"}}]}}"#
        ));
        assert_eq!(evs.len(), 1);
        assert_eq!(errs[0].item, Some(1));
    }
}

//! GKE's Cloud Logging export of Kubernetes audit events: a `LogEntry` whose `protoPayload` is
//! a `google.cloud.audit.AuditLog` (`methodName` `io.k8s.core.v1.namespaces.delete`,
//! `resourceName` `core/v1/namespaces/shop`, the caller in `authenticationInfo`, the
//! authorization decision in the entry's `labels`, the audit ID in `operation.id`).
//!
//! The conversion keeps what the shape documents; what it does not carry (groups, the
//! `requestURI` query, the stage) is left empty or set to `ResponseComplete`.

use crate::decode::{parse_time, LogEntryParts};
use crate::event::{Event, Level, ObjectRef, Stage, Status, UserInfo};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct AuditLog {
    authentication_info: AuthInfo,
    method_name: String,
    resource_name: String,
    request_metadata: RequestMetadata,
    status: RpcStatus,
    service_name: String,
    request: Option<Box<serde_json::value::RawValue>>,
    response: Option<Box<serde_json::value::RawValue>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct AuthInfo {
    principal_email: String,
    principal_subject: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RequestMetadata {
    caller_ip: String,
    caller_supplied_user_agent: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RpcStatus {
    code: Option<i32>,
    message: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Operation {
    id: String,
}

/// The HTTP status a `google.rpc.Code` stands for.
fn http_code(rpc: i32) -> i32 {
    match rpc {
        0 => 200,
        1 => 499,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

pub(crate) fn gke(payload: &str, entry: &LogEntryParts<'_>) -> Result<Event<'static>, String> {
    let p: AuditLog = serde_json::from_str(payload).map_err(|e| format!("invalid protoPayload: {e}"))?;
    if !p.service_name.is_empty() && p.service_name != "k8s.io" {
        return Err(format!(
            "not a Kubernetes audit entry: protoPayload.serviceName {:?} (expected k8s.io)",
            p.service_name
        ));
    }
    if p.method_name.is_empty() {
        return Err("protoPayload without methodName".into());
    }
    let verb = p.method_name.rsplit('.').next().unwrap_or("").to_owned();
    let object_ref = object_ref(&p.resource_name);
    let labels: BTreeMap<String, String> = entry
        .labels
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    let op: Operation = entry
        .operation
        .and_then(|o| serde_json::from_str(o).ok())
        .unwrap_or_default();
    let ts = match entry
        .timestamp
        .and_then(|t| serde_json::from_str::<String>(t).ok())
    {
        Some(t) => Some(parse_time(&t)?),
        None => None,
    };
    let user = if p.authentication_info.principal_email.is_empty() {
        p.authentication_info.principal_subject
    } else {
        p.authentication_info.principal_email
    };
    let code = http_code(p.status.code.unwrap_or(0));
    let uri = match &object_ref {
        Some(_) => String::new(),
        None => p.resource_name.clone(),
    };
    Ok(Event {
        api_version: Cow::Borrowed("audit.k8s.io/v1"),
        level: if p.response.is_some() {
            Level::RequestResponse
        } else if p.request.is_some() {
            Level::Request
        } else {
            Level::Metadata
        },
        audit_id: Cow::Owned(op.id),
        stage: Stage::ResponseComplete,
        request_uri: Cow::Owned(uri),
        verb: Cow::Owned(verb),
        user: UserInfo {
            username: Cow::Owned(user),
            ..UserInfo::default()
        },
        impersonated_user: None,
        source_ips: if p.request_metadata.caller_ip.is_empty() {
            Vec::new()
        } else {
            vec![Cow::Owned(p.request_metadata.caller_ip)]
        },
        user_agent: Cow::Owned(p.request_metadata.caller_supplied_user_agent),
        object_ref,
        response_status: Some(Status {
            code: Some(code),
            status: Cow::Borrowed(if code < 300 { "" } else { "Failure" }),
            reason: Cow::Borrowed(""),
            message: Cow::Owned(p.status.message),
        }),
        request_object: p.request.map(Cow::Owned),
        response_object: p.response.map(Cow::Owned),
        request_received_timestamp: ts,
        stage_timestamp: ts,
        annotations: labels
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
            .collect(),
    })
}

/// `core/v1/namespaces/NS/pods/NAME/exec`, `apps/v1/namespaces/NS/deployments/NAME`,
/// `rbac.authorization.k8s.io/v1/clusterrolebindings/NAME`, `core/v1/namespaces/NAME`.
fn object_ref(resource_name: &str) -> Option<ObjectRef<'static>> {
    let parts: Vec<&str> = resource_name.split('/').collect();
    if parts.len() < 3 || resource_name.starts_with('/') {
        return None;
    }
    let group = if parts[0] == "core" { "" } else { parts[0] };
    let version = parts[1];
    let rest = &parts[2..];
    let (namespace, rest) = if rest.len() >= 3 && rest[0] == "namespaces" {
        (rest[1], &rest[2..])
    } else {
        ("", rest)
    };
    let s = |x: &str| Cow::Owned(x.to_owned());
    Some(ObjectRef {
        resource: s(rest.first().copied().unwrap_or("")),
        namespace: s(namespace),
        name: s(rest.get(1).copied().unwrap_or("")),
        api_group: s(group),
        api_version: s(version),
        subresource: s(rest.get(2).copied().unwrap_or("")),
        ..ObjectRef::default()
    })
}

#[cfg(test)]
mod tests {
    use crate::decode::decode;

    #[test]
    fn gke_entry() {
        let text = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"alice@example.com"},"authorizationInfo":[{"granted":true,"permission":"io.k8s.core.v1.pods.exec.create","resource":"core/v1/namespaces/shop/pods/web-1/exec"}],"methodName":"io.k8s.core.v1.pods.exec.create","requestMetadata":{"callerIp":"203.0.113.7","callerSuppliedUserAgent":"kubectl/v1.30.0"},"resourceName":"core/v1/namespaces/shop/pods/web-1/exec","serviceName":"k8s.io","status":{"code":7,"message":"forbidden"}},"insertId":"x","timestamp":"2026-01-02T03:04:05.123456Z","labels":{"authorization.k8s.io/decision":"forbid"},"operation":{"id":"op-1","producer":"k8s.io","first":true,"last":true},"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity"}"#;
        let mut got = Vec::new();
        decode(text, &mut |_, e| got.push(e.into_owned())).unwrap();
        let e = &got[0];
        assert_eq!(e.verb, "create");
        assert_eq!(e.audit_id, "op-1");
        assert_eq!(e.user.username, "alice@example.com");
        let o = e.object_ref.as_ref().unwrap();
        assert_eq!(
            (&*o.namespace, &*o.resource, &*o.name, &*o.subresource),
            ("shop", "pods", "web-1", "exec")
        );
        assert_eq!(e.code(), Some(403));
        assert_eq!(e.decision(), Some("forbid"));
        assert!(e.denied());
    }
}

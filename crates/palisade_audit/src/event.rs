//! The audit event (`audit.k8s.io/v1` `Event`, also `v1beta1` and `v1alpha1`), decoded
//! without copying: strings borrow from the line they were read from (`Cow`), request and
//! response bodies stay unparsed JSON text until a question needs them.
//!
//! Field meanings: `../shared/spec/rbac-netpol-audit.md` §3.1.

use crate::de;
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Where an event was read: the file (`-` for stdin, `x.gz` for a gzip file) and the 1-based
/// line. For an `EventList` or a cloud export holding several events on one line, `item` is
/// the event's index within it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: Arc<str>,
    pub line: u64,
    pub item: Option<u32>,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(i) = self.item {
            write!(f, " (item {i})")?;
        }
        Ok(())
    }
}

/// The audit level an event was recorded at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    None,
    #[default]
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stage of request handling an event was generated at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    #[default]
    ResponseComplete,
    Panic,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
        Stage::Panic,
    ];
    pub fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "RequestReceived" => Stage::RequestReceived,
            "ResponseStarted" => Stage::ResponseStarted,
            "ResponseComplete" => Stage::ResponseComplete,
            "Panic" => Stage::Panic,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
        }
    }
    /// Whether this is the last event of its request (`ResponseComplete` or `Panic`).
    pub fn is_final(self) -> bool {
        matches!(self, Stage::ResponseComplete | Stage::Panic)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `authentication.k8s.io/v1` `UserInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo<'a> {
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub username: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub uid: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cows")]
    pub groups: Vec<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "de::extra")]
    pub extra: Vec<(Cow<'a, str>, Vec<Cow<'a, str>>)>,
}

impl<'a> UserInfo<'a> {
    pub fn into_owned(self) -> UserInfo<'static> {
        UserInfo {
            username: owned(self.username),
            uid: owned(self.uid),
            groups: self.groups.into_iter().map(owned).collect(),
            extra: self
                .extra
                .into_iter()
                .map(|(k, v)| (owned(k), v.into_iter().map(owned).collect()))
                .collect(),
        }
    }
    /// The values of one `extra` key (`authentication.kubernetes.io/pod-name`).
    pub fn extra(&self, key: &str) -> &[Cow<'a, str>] {
        self.extra
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }
    /// `NS/NAME` when the user is the service account `system:serviceaccount:NS:NAME`.
    pub fn service_account(&self) -> Option<(&str, &str)> {
        service_account(&self.username)
    }
    pub fn in_group(&self, g: &str) -> bool {
        self.groups.iter().any(|x| x == g)
    }
}

/// `(namespace, name)` of a `system:serviceaccount:NS:NAME` user name.
pub fn service_account(username: &str) -> Option<(&str, &str)> {
    let rest = username.strip_prefix("system:serviceaccount:")?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// The object a request is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef<'a> {
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub resource: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub namespace: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub name: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub uid: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub api_group: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub api_version: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub resource_version: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub subresource: Cow<'a, str>,
}

impl<'a> ObjectRef<'a> {
    pub fn into_owned(self) -> ObjectRef<'static> {
        ObjectRef {
            resource: owned(self.resource),
            namespace: owned(self.namespace),
            name: owned(self.name),
            uid: owned(self.uid),
            api_group: owned(self.api_group),
            api_version: owned(self.api_version),
            resource_version: owned(self.resource_version),
            subresource: owned(self.subresource),
        }
    }
    /// `resource[/subresource][.group]`, as kubectl names resources: `pods/exec`,
    /// `deployments.apps`, `clusterrolebindings.rbac.authorization.k8s.io`.
    pub fn resource_name(&self) -> String {
        let mut s = self.resource.to_string();
        if !self.api_group.is_empty() {
            s.push('.');
            s.push_str(&self.api_group);
        }
        if !self.subresource.is_empty() {
            s.push('/');
            s.push_str(&self.subresource);
        }
        s
    }
}

impl fmt::Display for ObjectRef<'_> {
    /// `resource[.group][/subresource] [namespace/]name`; `secrets in shop` for a request on
    /// every object of a namespace; a namespace's own requests name it once.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.resource_name())?;
        let own_namespace = self.resource == "namespaces" && self.api_group.is_empty();
        match (self.namespace.as_ref(), self.name.as_ref()) {
            ("", "") => Ok(()),
            (ns, "") => write!(f, " in {ns}"),
            ("", n) => write!(f, " {n}"),
            (_, n) if own_namespace => write!(f, " {n}"),
            (ns, n) => write!(f, " {ns}/{n}"),
        }
    }
}

/// The parts of the response `metav1.Status` worth keeping.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status<'a> {
    #[serde(default)]
    pub code: Option<i32>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub status: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub reason: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "de::cow")]
    pub message: Cow<'a, str>,
}

impl Status<'_> {
    pub fn into_owned(self) -> Status<'static> {
        Status {
            code: self.code,
            status: owned(self.status),
            reason: owned(self.reason),
            message: owned(self.message),
        }
    }
}

/// An unparsed JSON body (`requestObject`, `responseObject`).
pub type Body<'a> = Cow<'a, serde_json::value::RawValue>;

/// One audit event. Strings borrow from the text it was decoded from; `into_owned` makes an
/// event that outlives it.
#[derive(Clone, Debug, Default)]
pub struct Event<'a> {
    /// `audit.k8s.io/v1`, `audit.k8s.io/v1beta1`, ...; empty in logs that omit it.
    pub api_version: Cow<'a, str>,
    pub level: Level,
    pub audit_id: Cow<'a, str>,
    pub stage: Stage,
    pub request_uri: Cow<'a, str>,
    pub verb: Cow<'a, str>,
    pub user: UserInfo<'a>,
    pub impersonated_user: Option<UserInfo<'a>>,
    pub source_ips: Vec<Cow<'a, str>>,
    pub user_agent: Cow<'a, str>,
    pub object_ref: Option<ObjectRef<'a>>,
    pub response_status: Option<Status<'a>>,
    pub request_object: Option<Body<'a>>,
    pub response_object: Option<Body<'a>>,
    pub request_received_timestamp: Option<jiff::Timestamp>,
    pub stage_timestamp: Option<jiff::Timestamp>,
    pub annotations: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Event<'a> {
    pub fn into_owned(self) -> Event<'static> {
        Event {
            api_version: owned(self.api_version),
            level: self.level,
            audit_id: owned(self.audit_id),
            stage: self.stage,
            request_uri: owned(self.request_uri),
            verb: owned(self.verb),
            user: self.user.into_owned(),
            impersonated_user: self.impersonated_user.map(UserInfo::into_owned),
            source_ips: self.source_ips.into_iter().map(owned).collect(),
            user_agent: owned(self.user_agent),
            object_ref: self.object_ref.map(ObjectRef::into_owned),
            response_status: self.response_status.map(Status::into_owned),
            request_object: self.request_object.map(|b| Cow::Owned(b.into_owned())),
            response_object: self.response_object.map(|b| Cow::Owned(b.into_owned())),
            request_received_timestamp: self.request_received_timestamp,
            stage_timestamp: self.stage_timestamp,
            annotations: self
                .annotations
                .into_iter()
                .map(|(k, v)| (owned(k), owned(v)))
                .collect(),
        }
    }

    /// The identity the request acted as: the impersonated user if there is one, otherwise
    /// the authenticated user.
    pub fn effective_user(&self) -> &UserInfo<'a> {
        self.impersonated_user.as_ref().unwrap_or(&self.user)
    }

    /// The annotation `key`, if set.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// `authorization.k8s.io/decision`: `allow` or `forbid`.
    pub fn decision(&self) -> Option<&str> {
        self.annotation("authorization.k8s.io/decision")
    }

    /// `authorization.k8s.io/reason`.
    pub fn authz_reason(&self) -> Option<&str> {
        self.annotation("authorization.k8s.io/reason")
    }

    /// The response code, if the stage has one.
    pub fn code(&self) -> Option<i32> {
        self.response_status.as_ref().and_then(|s| s.code)
    }

    /// Whether the request succeeded (a 2xx response).
    pub fn succeeded(&self) -> bool {
        matches!(self.code(), Some(200..=299))
    }

    /// Whether the request was refused by authorization: decision `forbid` or code 403.
    pub fn denied(&self) -> bool {
        self.decision() == Some("forbid") || self.code() == Some(403)
    }

    /// The time the request happened: `stageTimestamp` (of the final stage, once deduplicated),
    /// or `requestReceivedTimestamp` when that is all there is.
    pub fn time(&self) -> Option<jiff::Timestamp> {
        self.stage_timestamp.or(self.request_received_timestamp)
    }

    /// The namespace of the request (`objectRef.namespace`), `""` for cluster-scoped and
    /// non-resource requests.
    pub fn namespace(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| &o.namespace)
    }

    /// Whether this is a non-resource request (`/healthz`, `/version`, ...).
    pub fn is_non_resource(&self) -> bool {
        self.object_ref.is_none()
    }

    /// The path of `requestURI`, without the query.
    pub fn path(&self) -> &str {
        self.request_uri.split('?').next().unwrap_or("")
    }

    /// The values of one query parameter of `requestURI`, percent-decoded (`command` of an
    /// exec: `["sh", "-c", "id"]`).
    pub fn query_values(&self, key: &str) -> Vec<String> {
        let Some((_, q)) = self.request_uri.split_once('?') else {
            return Vec::new();
        };
        q.split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (percent_decode(k) == key).then(|| percent_decode(v))
            })
            .collect()
    }

    /// The source IP the API server saw the connection come from (the last entry of
    /// `sourceIPs`, the only one a client cannot forge).
    pub fn peer_ip(&self) -> Option<&str> {
        self.source_ips.last().map(|s| s.as_ref())
    }

    /// The request body as a JSON value, if it was recorded and is valid.
    pub fn request_value(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.request_object.as_ref()?.get()).ok()
    }

    /// The response body as a JSON value, if it was recorded and is valid.
    pub fn response_value(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.response_object.as_ref()?.get()).ok()
    }
}

fn owned(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

/// `%XX` and `+` decoded; invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    if !s.contains(['%', '+']) {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_names() {
        assert_eq!(
            service_account("system:serviceaccount:shop:frontend-sa"),
            Some(("shop", "frontend-sa"))
        );
        assert_eq!(service_account("system:serviceaccount:shop"), None);
        assert_eq!(service_account("system:serviceaccount::x"), None);
        assert_eq!(service_account("alice"), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("%2"), "%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("sh"), "sh");
        assert_eq!(percent_decode("x%2F"), "x/");
    }
}

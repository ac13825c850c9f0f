//! `admission.k8s.io/v1` AdmissionReview: the request the API server sends and the response
//! it expects, decoded and encoded exactly (field names, base64 JSONPatch). Owns the wire
//! format only; what to answer is `decide`'s.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The only API version the webhook speaks (`admissionReviewVersions: [v1]`).
pub const API_VERSION: &str = "admission.k8s.io/v1";

/// An AdmissionReview as the API server sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub api_version: String,
    pub kind: String,
    pub request: Option<Request>,
}

/// Group, version and kind.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Gvk {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

/// Group, version and resource.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Gvr {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub resource: String,
}

/// Who sent the request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub uid: String,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// The operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }
}

/// `request` of an AdmissionReview.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub uid: String,
    pub kind: Gvk,
    pub resource: Gvr,
    #[serde(default)]
    pub sub_resource: String,
    pub request_kind: Option<Gvk>,
    pub request_resource: Option<Gvr>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    pub operation: Operation,
    #[serde(default)]
    pub user_info: UserInfo,
    #[serde(default)]
    pub object: Option<Value>,
    #[serde(default)]
    pub old_object: Option<Value>,
    #[serde(default)]
    pub dry_run: Option<bool>,
}

impl Request {
    pub fn is_dry_run(&self) -> bool {
        self.dry_run == Some(true)
    }
}

/// Why a body is not an AdmissionReview the webhook can answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the body is not JSON: {0}")]
    Json(String),
    #[error("apiVersion {0:?} is not supported: palisade speaks admission.k8s.io/v1 (set admissionReviewVersions: [v1])")]
    ApiVersion(String),
    #[error("kind {0:?} is not AdmissionReview")]
    Kind(String),
    #[error("the AdmissionReview has no request")]
    NoRequest,
    #[error("request.uid is empty")]
    NoUid,
    #[error("request.object is missing for a {0} request")]
    NoObject(&'static str),
}

/// Decodes a request body. Never panics, whatever the bytes.
pub fn decode(body: &[u8]) -> Result<Request, DecodeError> {
    // The header first, so that a v1beta1 review says so rather than failing on a field.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        #[serde(default)]
        api_version: String,
        #[serde(default)]
        kind: String,
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(DecodeError::Json(
            "expected a JSON object (an AdmissionReview)".into(),
        ));
    }
    let head: Head = serde_json::from_slice(body).map_err(|e| DecodeError::Json(e.to_string()))?;
    if head.api_version != API_VERSION {
        return Err(DecodeError::ApiVersion(head.api_version));
    }
    if head.kind != "AdmissionReview" {
        return Err(DecodeError::Kind(head.kind));
    }
    let review: Review = serde_json::from_slice(body).map_err(|e| DecodeError::Json(e.to_string()))?;
    let request = review.request.ok_or(DecodeError::NoRequest)?;
    if request.uid.is_empty() {
        return Err(DecodeError::NoUid);
    }
    match request.operation {
        Operation::Create | Operation::Update if request.object.is_none() => {
            Err(DecodeError::NoObject(request.operation.as_str()))
        }
        _ => Ok(request),
    }
}

/// The `status` of a denied request (a `metav1.Status` subset).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub reason: String,
    pub message: String,
}

/// `response` of an AdmissionReview.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub uid: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub audit_annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<String>,
    /// Base64 of the JSONPatch document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
}

impl Response {
    pub fn allow(uid: &str) -> Response {
        Response {
            uid: uid.to_owned(),
            allowed: true,
            ..Response::default()
        }
    }
    /// A Forbidden denial (HTTP 403 in the API server's answer).
    pub fn deny(uid: &str, message: String) -> Response {
        Response {
            uid: uid.to_owned(),
            allowed: false,
            status: Some(Status {
                code: 403,
                reason: "Forbidden".into(),
                message,
            }),
            ..Response::default()
        }
    }
    /// Sets an RFC 6902 JSONPatch (a JSON array of operations).
    pub fn with_patch(mut self, ops: &Value) -> Response {
        self.patch_type = Some("JSONPatch".into());
        self.patch = Some(base64::engine::general_purpose::STANDARD.encode(ops.to_string()));
        self
    }
    /// The AdmissionReview that carries this response.
    pub fn into_review(self) -> Value {
        serde_json::json!({
            "apiVersion": API_VERSION,
            "kind": "AdmissionReview",
            "response": self,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(request: Value) -> Vec<u8> {
        serde_json::to_vec(
            &serde_json::json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "request": request}),
        )
        .unwrap()
    }

    #[test]
    fn decodes_a_pod_create() {
        let r = decode(&review(serde_json::json!({
            "uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "shop", "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},
            "dryRun": true
        })))
        .unwrap();
        assert_eq!(r.uid, "u1");
        assert_eq!(r.operation, Operation::Create);
        assert_eq!(r.user_info.groups, ["dev"]);
        assert!(r.is_dry_run());
    }

    #[test]
    fn rejects_what_it_cannot_answer() {
        assert!(matches!(decode(b"{"), Err(DecodeError::Json(_))));
        assert!(matches!(decode(b"[]"), Err(DecodeError::Json(_))));
        let v1beta1 = br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#;
        assert_eq!(
            decode(v1beta1).err(),
            Some(DecodeError::ApiVersion("admission.k8s.io/v1beta1".into()))
        );
        let no_request = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#;
        assert_eq!(decode(no_request).err(), Some(DecodeError::NoRequest));
        let create_without_object = review(serde_json::json!({
            "uid": "u", "kind": {"kind": "Pod"}, "resource": {"resource": "pods"}, "operation": "CREATE"
        }));
        assert_eq!(
            decode(&create_without_object).err(),
            Some(DecodeError::NoObject("CREATE"))
        );
        let delete = review(serde_json::json!({
            "uid": "u", "kind": {"kind": "Pod"}, "resource": {"resource": "pods"}, "operation": "DELETE"
        }));
        assert!(decode(&delete).is_ok());
    }

    #[test]
    fn encodes_a_patch_as_base64_json_patch() {
        let r =
            Response::allow("u").with_patch(&serde_json::json!([{"op": "add", "path": "/a", "value": 1}]));
        let v = r.into_review();
        assert_eq!(v["response"]["patchType"], "JSONPatch");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v["response"]["patch"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"[{"op":"add","path":"/a","value":1}]"#
        );
        assert!(v["response"].get("status").is_none());
    }
}

//! The AdmissionReview decoder and both decisions on many damaged requests (a deterministic
//! byte-mutation loop in the spirit of the `admission` fuzz target, run with every
//! `cargo test`): nothing panics, every answer carries the request's uid, a denial has a
//! message, the mutating webhook only adds.

use base64::Engine as _;
use palisade_engine::config::AdmissionConfig;
use palisade_engine::{PssMode, ScanOptions};
use palisade_server::decide::{Decider, StaticNamespaces};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

fn seeds() -> Vec<Vec<u8>> {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "shop"},
        "spec": {"securityContext": {"runAsUser": 1000}, "hostNetwork": true,
            "containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80, "hostPort": 80}],
                "securityContext": {"privileged": true, "capabilities": {"add": ["NET_ADMIN"]}}}],
            "ephemeralContainers": [{"name": "d", "image": "busybox"}],
            "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}});
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
        "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}}}});
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "x", "namespace": "shop"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "Group", "name": "system:authenticated"}]});
    let review = |uid: &str,
                  group: &str,
                  kind: &str,
                  resource: &str,
                  sub: &str,
                  op: &str,
                  obj: &serde_json::Value,
                  old: &serde_json::Value| {
        serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": uid, "kind": {"group": group, "version": "v1", "kind": kind},
            "resource": {"group": group, "version": "v1", "resource": resource}, "subResource": sub,
            "namespace": "shop", "name": "x", "operation": op, "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": obj, "oldObject": old}}))
        .unwrap()
    };
    vec![
        review(
            "u1",
            "",
            "Pod",
            "pods",
            "",
            "CREATE",
            &pod,
            &serde_json::Value::Null,
        ),
        review(
            "u2",
            "apps",
            "Deployment",
            "deployments",
            "",
            "UPDATE",
            &deploy,
            &deploy,
        ),
        review(
            "u3",
            "",
            "Pod",
            "pods",
            "ephemeralcontainers",
            "UPDATE",
            &pod,
            &pod,
        ),
        review(
            "u4",
            "rbac.authorization.k8s.io",
            "RoleBinding",
            "rolebindings",
            "",
            "CREATE",
            &binding,
            &serde_json::Value::Null,
        ),
    ]
}

#[test]
fn damaged_requests_never_panic_and_answers_keep_their_invariants() {
    let base = ScanOptions::new(
        PssMode::Fixed(palisade_pss::Policy::DEFAULT),
        Vec::new(),
        palisade_core::Severity::Low,
    );
    let d = Decider::new(AdmissionConfig::default(), base, Vec::new()).unwrap();
    let labels: BTreeMap<String, String> = [
        ("palisade.dev/enforce", "all"),
        ("palisade.dev/warn", "restricted"),
        ("palisade.dev/audit", "restricted"),
        ("palisade.dev/mutate", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let ns = StaticNamespaces(HashMap::from([("shop".to_owned(), labels)]));
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"{}[]\":,0123456789-.eE truefalsnul\\/\x00\xff";
    let (mut decoded, mut denied) = (0, 0);
    for seed in seeds() {
        for _ in 0..800 {
            let mut b = seed.clone();
            for _ in 0..=(next() % 4) {
                let i = (next() as usize) % b.len();
                match next() % 4 {
                    0 => b[i] = alphabet[(next() as usize) % alphabet.len()],
                    1 => {
                        b.remove(i);
                    }
                    2 => b.insert(i, alphabet[(next() as usize) % alphabet.len()]),
                    _ => {
                        let j = (i + (next() as usize) % 64).min(b.len());
                        let chunk: Vec<u8> = b[i..j].to_vec();
                        b.splice(i..i, chunk);
                    }
                }
            }
            let Ok(req) = palisade_server::review::decode(&b) else {
                continue;
            };
            decoded += 1;
            let v = d.validate(&req, &ns);
            assert_eq!(v.response.uid, req.uid);
            if !v.response.allowed {
                denied += 1;
                assert!(v.response.status.as_ref().is_some_and(|s| !s.message.is_empty()));
            }
            let m = d.mutate(&req, &ns);
            assert_eq!(m.response.uid, req.uid);
            assert!(m.response.allowed);
            if let Some(p) = &m.response.patch {
                let bytes = base64::engine::general_purpose::STANDARD.decode(p).unwrap();
                let ops: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
                assert!(ops.iter().all(|o| o["op"] == "add"));
            }
        }
    }
    // The loop reached the decisions, not only the decoder's errors.
    assert!(decoded > 250, "only {decoded} mutated requests decoded");
    assert!(denied > 50, "only {denied} denials");
}

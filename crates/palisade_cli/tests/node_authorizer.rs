//! `palisade rbac can-i` for node identities (`system:node:NAME` in `system:nodes`) against a
//! real kube-apiserver v1.36.2 run with `--authorization-mode=Node,RBAC`: the objects of
//! `crates/palisade_rbac/tests/data/node-authorizer.yaml` (Nodes n1 and n2, pods bound to
//! them with Secrets, ConfigMaps, claims, a PersistentVolume with a CSI secret, a
//! VolumeAttachment, ResourceSlices, a ResourceClaim) plus a Deployment pinned to n1 are
//! applied; every request of `node-authorizer-sar.txt` is asked as a SubjectAccessReview
//! and of palisade (from the same manifests), and the answers must agree; a few are asked of
//! palisade with `--cluster` (whose pods owned by a ReplicaSet count too).
//!
//! ```sh
//! cargo test -p palisade_cli --test node_authorizer -- --ignored --nocapture
//! ```
#![cfg(feature = "cluster")]

mod common;

use common::control_plane::ControlPlane;
use common::{code, palisade, root};
use std::io::Write;
use std::process::{Command, Stdio};

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: pinned, namespace: ns1}
spec:
  replicas: 1
  selector: {matchLabels: {app: pinned}}
  template:
    metadata: {labels: {app: pinned}}
    spec:
      nodeName: n1
      serviceAccountName: sa2
      containers:
      - name: c
        image: nginx
        envFrom: [{secretRef: {name: deploysecret}}]
"#;

/// One request of the table: (verb, resource, subresource, group, namespace, name).
struct Row {
    verb: String,
    resource: String,
    sub: String,
    group: String,
    ns: String,
    name: String,
}

fn rows() -> Vec<Row> {
    let table =
        std::fs::read_to_string(root().join("crates/palisade_rbac/tests/data/node-authorizer-sar.txt"))
            .unwrap();
    let dash = |s: &str| if s == "-" { String::new() } else { s.to_owned() };
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let w: Vec<&str> = l[5..].split_whitespace().collect();
            let (head, sub) = w[1].split_once('/').unwrap_or((w[1], ""));
            let (resource, group) = head.split_once('.').unwrap_or((head, ""));
            Row {
                verb: w[0].into(),
                resource: resource.into(),
                sub: sub.into(),
                group: group.into(),
                ns: dash(w[2]),
                name: dash(w[3]),
            }
        })
        .collect()
}

/// The SubjectAccessReview answers of node n1 for `rows`, in one `kubectl create` of a List.
fn sars(cp: &ControlPlane, rows: &[Row]) -> Vec<bool> {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "spec": {
                    "user": "system:node:n1",
                    "groups": ["system:nodes", "system:authenticated"],
                    "resourceAttributes": {
                        "verb": r.verb, "group": r.group, "resource": r.resource,
                        "subresource": r.sub, "namespace": r.ns, "name": r.name
                    }
                }
            })
        })
        .collect();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    let mut child = Command::new("kubectl")
        .env("KUBECONFIG", &cp.kubeconfig)
        .args(["create", "-f", "-", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // kubectl prints each created review, in order.
    let items: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<serde_json::Value>()
        .map(Result::unwrap)
        .collect();
    assert_eq!(items.len(), rows.len());
    items
        .iter()
        .map(|i| i["status"]["allowed"].as_bool() == Some(true))
        .collect()
}

fn can_i(r: &Row, source: &[&str]) -> (bool, String) {
    // kubectl's form: TYPE[.GROUP][/NAME], the subresource with --subresource.
    let mut resource = r.resource.clone();
    if !r.group.is_empty() {
        resource = format!("{resource}.{}", r.group);
    }
    if !r.name.is_empty() {
        resource = format!("{resource}/{}", r.name);
    }
    let mut args = vec!["rbac", "can-i", &r.verb, &resource];
    if !r.sub.is_empty() {
        args.extend(["--subresource", &r.sub]);
    }
    if r.ns.is_empty() {
        args.push("-A");
    } else {
        args.extend(["-n", &r.ns]);
    }
    args.extend(["--as", "system:node:n1", "--as-group", "system:nodes"]);
    args.extend(source);
    let out = palisade(&args);
    let c = code(&out);
    assert!(
        c <= 1,
        "{args:?}: exit {c}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (c == 0, format!("{args:?}"))
}

#[test]
#[ignore = "needs cluster"]
fn node_authorizer_agrees_with_subject_access_reviews() {
    let cp = ControlPlane::start("node-authorizer");
    let manifests = root().join("crates/palisade_rbac/tests/data/node-authorizer.yaml");
    let manifests = manifests.to_str().unwrap();
    cp.kubectl(&["apply", "-f", manifests]);
    let dir = common::temp_dir("node-authorizer");
    let deployment = dir.join("deployment.yaml");
    std::fs::write(&deployment, DEPLOYMENT).unwrap();
    cp.kubectl(&["apply", "-f", deployment.to_str().unwrap()]);
    // The controller-manager creates the ReplicaSet's pod, bound to n1.
    let started = std::time::Instant::now();
    while !cp
        .kubectl(&["get", "pods", "-n", "ns1", "-l", "app=pinned", "-o", "name"])
        .contains("pod/")
    {
        assert!(
            started.elapsed().as_secs() < 60,
            "the Deployment's pod was not created"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }

    let rows = rows();
    let server = sars(&cp, &rows);
    let mut differ = Vec::new();
    for (r, want) in rows.iter().zip(&server) {
        let (got, asked) = can_i(r, &["-f", manifests, "-f", deployment.to_str().unwrap()]);
        if got != *want {
            differ.push(format!("{asked}: server {want}, palisade {got}"));
        }
    }
    assert!(rows.len() > 100);
    assert!(
        differ.is_empty(),
        "{} of {} differ:\n{}",
        differ.len(),
        rows.len(),
        differ.join("\n")
    );

    // From the cluster itself: the Secret of the Deployment's (owned) pod, and a few others.
    let kubeconfig = cp.kubeconfig.to_str().unwrap().to_owned();
    let live = [
        ("get", "secrets", "ns1", "deploysecret"),
        ("get", "secrets", "ns1", "volsecret"),
        ("get", "secrets", "ns1", "othersecret"),
        ("create", "events", "default", ""),
        ("get", "nodes", "", "n1"),
        ("get", "nodes", "", "n2"),
    ];
    let live_rows: Vec<Row> = live
        .iter()
        .map(|(verb, res, ns, name)| Row {
            verb: (*verb).into(),
            resource: (*res).into(),
            sub: String::new(),
            group: String::new(),
            ns: (*ns).into(),
            name: (*name).into(),
        })
        .collect();
    let server = sars(&cp, &live_rows);
    assert_eq!(
        server,
        vec![true, true, false, true, true, false],
        "the server's answers"
    );
    for (r, want) in live_rows.iter().zip(&server) {
        let (got, asked) = can_i(r, &["--cluster", "--kubeconfig", &kubeconfig]);
        assert_eq!(got, *want, "{asked}");
    }
}

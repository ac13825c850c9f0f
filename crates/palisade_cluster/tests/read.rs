//! `Cluster::read` against a tiny in-process API server on 127.0.0.1: the wanted kinds decide
//! what is listed, pages arrive one at a time with progress events (type i of N, listed of
//! total), owned objects are counted, and errors are typed.

use palisade_cluster::{Cluster, ClusterOptions, ConnectError, PageProgress, Progress, Wanted};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// Serves `/api/v1/pods` in two pages (with `remainingItemCount` on the first) and
/// `/api/v1/namespaces`; 404 for anything else. Returns the port and the request targets.
fn serve() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(Mutex::new(Vec::new()));
    let h = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let head = String::from_utf8_lossy(&buf).to_string();
            let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
            h.lock().unwrap().push(target.clone());
            let pod = |name: &str, owner: Option<&str>| {
                let mut p = serde_json::json!({"metadata": {"name": name, "namespace": "a", "uid": format!("uid-{name}")},
                    "spec": {"containers": [{"name": "c", "image": "i"}]}});
                if let Some(o) = owner {
                    p["metadata"]["ownerReferences"] =
                        serde_json::json!([{"kind": "ReplicaSet", "uid": o, "controller": true}]);
                }
                p
            };
            let (code, body) = if target.starts_with("/api/v1/pods?") && target.contains("continue=next") {
                (
                    200,
                    serde_json::json!({"kind": "PodList", "metadata": {}, "items": [pod("c", None)]}),
                )
            } else if target.starts_with("/api/v1/pods?") {
                (
                    200,
                    serde_json::json!({"kind": "PodList", "metadata": {"continue": "next", "remainingItemCount": 1},
                    "items": [pod("a", None), pod("b", Some("rs-1"))]}),
                )
            } else if target.starts_with("/apis/apps/v1/replicasets?") {
                (
                    200,
                    serde_json::json!({"kind": "ReplicaSetList", "metadata": {}, "items": [
                    {"metadata": {"name": "rs", "namespace": "a", "uid": "rs-1"}}]}),
                )
            } else if target == "/apis" {
                (
                    200,
                    serde_json::json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                        {"name": "policy", "versions": [{"groupVersion": "policy/v1", "version": "v1"}],
                         "preferredVersion": {"groupVersion": "policy/v1", "version": "v1"}}]}),
                )
            } else if target == "/apis/policy/v1" {
                (
                    200,
                    serde_json::json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "policy/v1", "resources": [
                        {"name": "poddisruptionbudgets", "singularName": "poddisruptionbudget", "namespaced": true,
                         "kind": "PodDisruptionBudget", "verbs": ["get", "list", "watch"]},
                        {"name": "poddisruptionbudgets/status", "singularName": "", "namespaced": true,
                         "kind": "PodDisruptionBudget", "verbs": ["get"]}]}),
                )
            } else if target.starts_with("/apis/policy/v1/poddisruptionbudgets?") {
                (
                    200,
                    serde_json::json!({"kind": "PodDisruptionBudgetList", "metadata": {}, "items": [
                    {"metadata": {"name": "pdb", "namespace": "a", "uid": "pdb-1"}, "spec": {"maxUnavailable": 0}}]}),
                )
            } else if target.starts_with("/api/v1/namespaces?") {
                (
                    200,
                    serde_json::json!({"kind": "NamespaceList", "metadata": {}, "items": [{"metadata": {"name": "a", "uid": "ns-a"}}]}),
                )
            } else {
                (
                    404,
                    serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"}),
                )
            };
            let body = body.to_string();
            let _ = write!(
                s,
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, hits)
}

/// A kubeconfig file, removed when dropped.
struct Kubeconfig(std::path::PathBuf);

impl Drop for Kubeconfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn kubeconfig(port: u16, name: &str) -> Kubeconfig {
    let p = std::env::temp_dir().join(format!("palisade-cluster-read-{name}-{}", std::process::id()));
    std::fs::write(
        &p,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: t\nclusters:\n- name: t\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\ncontexts:\n- name: t\n  context: {{cluster: t, user: u, namespace: a}}\nusers:\n- name: u\n  user: {{token: x}}\n"
        ),
    )
    .unwrap();
    Kubeconfig(p)
}

#[derive(Default)]
struct Events(Vec<String>, bool);

impl Progress for Events {
    fn page(&mut self, p: &PageProgress<'_>) {
        self.0.push(format!(
            "{}/{} {} {} {:?}",
            p.index + 1,
            p.types,
            p.resource,
            p.listed,
            p.total
        ));
    }
    fn finish(&mut self) {
        self.1 = true;
    }
}

#[test]
fn wanted_kinds_are_listed_page_by_page_with_progress_events() {
    let (port, hits) = serve();
    let kc = kubeconfig(port, "wanted");
    let opts = ClusterOptions {
        kubeconfig: Some(kc.0.clone()),
        all_namespaces: true,
        wanted: Wanted::kinds(&[("", "Pod"), ("apps", "ReplicaSet")]),
        ..ClusterOptions::default()
    };
    let cluster = Cluster::connect(&opts).unwrap();
    let mut pages = Vec::new();
    let mut events = Events::default();
    let (stats, diags) = cluster.read(
        &mut |objects| {
            pages.push(
                objects
                    .iter()
                    .map(|o| format!("{}/{}", o.kind, o.name))
                    .collect::<Vec<_>>(),
            )
        },
        &mut events,
    );
    assert!(diags.is_empty(), "{diags:?}");
    // The ReplicaSet is read first (owners before what they own); pod b is reported through it.
    assert_eq!(pages, [vec!["ReplicaSet/rs"], vec!["Pod/a"], vec!["Pod/c"]]);
    assert_eq!((stats.objects, stats.owned_skipped), (3, 1));
    assert_eq!(
        events.0,
        [
            "1/2 replicasets.apps 1 None",
            "2/2 pods 2 Some(3)",
            "2/2 pods 3 None"
        ]
    );
    assert!(events.1, "finish");
    let hits = hits.lock().unwrap().clone();
    // Only what was wanted (and /version): no CRDs, no namespaces, no other type.
    assert_eq!(hits.len(), 4, "{hits:?}");
    assert_eq!(hits[0], "/version");
    assert!(
        hits[1..]
            .iter()
            .all(|h| h.starts_with("/apis/apps/v1/replicasets?") || h.starts_with("/api/v1/pods?")),
        "{hits:?}"
    );
}

#[test]
fn predicate_wanted_and_custom_resources() {
    let (port, hits) = serve();
    let kc = kubeconfig(port, "predicate");
    let opts = ClusterOptions {
        kubeconfig: Some(kc.0.clone()),
        all_namespaces: true,
        wanted: Wanted::matching(|g, k| g.is_empty() && k == "Namespace", true),
        ..ClusterOptions::default()
    };
    let cluster = Cluster::connect(&opts).unwrap();
    let mut n = 0;
    let (stats, _) = cluster.read(&mut |o| n += o.len(), &mut palisade_cluster::NoProgress);
    assert_eq!(
        (n, stats.read.as_slice()),
        (1, ["namespaces".to_owned()].as_slice())
    );
    // Custom resources asked for: the CRDs are looked up (404 here: none).
    let hits = hits.lock().unwrap().clone();
    assert!(
        hits.iter()
            .any(|h| h.starts_with("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")),
        "{hits:?}"
    );
}

#[test]
fn connection_errors_are_typed() {
    let opts = ClusterOptions {
        kubeconfig: Some("/nonexistent/kubeconfig".into()),
        ..ClusterOptions::default()
    };
    match Cluster::connect(&opts) {
        Err(e @ ConnectError::Kubeconfig { .. }) => {
            // The path once, as written (kube-rs's own message quotes it twice: '"…"').
            assert!(
                e.to_string()
                    .starts_with("cannot read kubeconfig /nonexistent/kubeconfig: "),
                "{e}"
            );
            assert!(!e.to_string().contains('"'), "{e}");
        }
        Err(e) => panic!("{e:?}"),
        Ok(_) => panic!("connected without a kubeconfig"),
    }
}

/// A kind the built-in table does not know (a rule reading PodDisruptionBudgets) is found
/// through API discovery and listed; a kind whose group the server does not serve
/// (`extensions/Ingress` on a current server) holds no objects and is not a problem.
#[test]
fn kinds_outside_the_table_are_found_by_discovery() {
    let (port, hits) = serve();
    let kc = kubeconfig(port, "discovery");
    let opts = ClusterOptions {
        kubeconfig: Some(kc.0.clone()),
        all_namespaces: true,
        wanted: Wanted::matching(|_, _| false, false)
            .with_kinds([("policy", "PodDisruptionBudget"), ("extensions", "Ingress")]),
        ..ClusterOptions::default()
    };
    let cluster = Cluster::connect(&opts).unwrap();
    let mut read = Vec::new();
    let (stats, diags) = cluster.read(
        &mut |objects| {
            read.extend(
                objects
                    .iter()
                    .map(|o| format!("{} {}/{}", o.api_version, o.kind, o.name)),
            )
        },
        &mut Events::default(),
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(read, ["policy/v1 PodDisruptionBudget/pdb"]);
    assert_eq!(stats.objects, 1);
    let hits = hits.lock().unwrap().clone();
    assert!(
        hits.iter()
            .any(|h| h.starts_with("/apis/policy/v1/poddisruptionbudgets?")),
        "{hits:?}"
    );
}

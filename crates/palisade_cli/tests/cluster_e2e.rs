//! `palisade scan --cluster` against a real API server: the findings must be those of the
//! same manifests scanned as files, with object references (and uids) instead of lines.
//!
//! Needs a cluster the current KUBECONFIG context may create a namespace and a
//! ClusterRoleBinding in (kind, minikube, k3d, …). Run it with
//!
//! ```sh
//! KUBECONFIG=~/.kube/config cargo test -p palisade_cli --test cluster_e2e -- --ignored --nocapture
//! ```
//!
//! The test applies examples/guestbook into its own namespace `palisade-e2e-<pid>` (the
//! manifests' `guestbook` namespace renamed), scans it both ways, compares, and deletes what it
//! created. Findings that need Secret data (HRD047, HRD048), which palisade never reads from a
//! cluster, are left out of the comparison.
#![cfg(feature = "cluster")]

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{pinned_kind, Scope};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Rules whose input palisade does not read from a cluster.
const NOT_FROM_CLUSTERS: &[&str] = &["HRD047", "HRD048"];

type Key = (String, String, String, String, String);

fn keys(report: &serde_json::Value, objects: &BTreeSet<(String, String, String)>) -> BTreeSet<Key> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !NOT_FROM_CLUSTERS.contains(&f["code"].as_str().unwrap()))
        .map(|f| {
            let o = &f["object"];
            (
                f["code"].as_str().unwrap().to_owned(),
                o["kind"].as_str().unwrap().to_owned(),
                o["namespace"].as_str().unwrap_or("").to_owned(),
                o["name"].as_str().unwrap().to_owned(),
                f["container"].as_str().unwrap_or("").to_owned(),
            )
        })
        .filter(|(_, k, ns, n, _)| objects.contains(&(k.clone(), ns.clone(), n.clone())))
        .collect()
}

/// Deletes what the test created, also when it fails.
struct Cleanup {
    rt: tokio::runtime::Runtime,
    client: kube::Client,
    cluster_scoped: Vec<(kube::discovery::ApiResource, String)>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.rt.block_on(async {
            for (ar, name) in &self.cluster_scoped {
                let api: Api<DynamicObject> = Api::all_with(self.client.clone(), ar);
                let _ = api.delete(name, &DeleteParams::default()).await;
            }
        });
    }
}

#[test]
#[ignore = "needs cluster"]
fn cluster_scan_matches_file_scan_of_the_same_manifests() {
    let ns = format!("palisade-e2e-{}", std::process::id());
    // The guestbook manifests, moved to the test's namespace.
    let dir = std::env::temp_dir().join(&ns);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(root().join("examples/guestbook")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap() == "kustomization.yaml" {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap().replace("guestbook", &ns);
        std::fs::write(dir.join(p.file_name().unwrap()), text).unwrap();
    }
    let (inputs, _) = palisade_source::discover(&[dir.to_string_lossy().into_owned()]);
    let mut docs: Vec<serde_json::Value> = Vec::new();
    for i in &inputs {
        for o in palisade_source::load_input(i).objects {
            docs.push(o.root.to_json());
        }
    }
    // Namespace first, then the rest.
    docs.sort_by_key(|d| d["kind"] != "Namespace");
    let objects: BTreeSet<(String, String, String)> = docs
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["metadata"]["namespace"].as_str().unwrap_or("").to_owned(),
                d["metadata"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = rt
        .block_on(kube::Client::try_default())
        .expect("KUBECONFIG: no cluster");
    let mut cleanup = Cleanup {
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        client: client.clone(),
        cluster_scoped: Vec::new(),
    };
    rt.block_on(async {
        let pp = PatchParams::apply("palisade-e2e").force();
        for d in &docs {
            let (group, version) = match d["apiVersion"].as_str().unwrap().split_once('/') {
                Some((g, v)) => (g.to_owned(), v.to_owned()),
                None => (String::new(), d["apiVersion"].as_str().unwrap().to_owned()),
            };
            let gvk = GroupVersionKind::gvk(&group, &version, d["kind"].as_str().unwrap());
            let (ar, caps) = pinned_kind(&client, &gvk).await.unwrap();
            let name = d["metadata"]["name"].as_str().unwrap();
            let api: Api<DynamicObject> = if caps.scope == Scope::Namespaced {
                Api::namespaced_with(
                    client.clone(),
                    d["metadata"]["namespace"].as_str().unwrap_or(&ns),
                    &ar,
                )
            } else {
                cleanup.cluster_scoped.push((ar.clone(), name.to_owned()));
                Api::all_with(client.clone(), &ar)
            };
            api.patch(name, &pp, &Patch::Apply(d))
                .await
                .unwrap_or_else(|e| panic!("apply {gvk:?} {name}: {e}"));
        }
        // Let the controllers create ReplicaSets (and Pods, where Pod Security allows).
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    });
    assert!(
        cleanup.cluster_scoped.iter().any(|(_, n)| n == &ns),
        "the namespace is deleted at the end"
    );

    let bin = env!("CARGO_BIN_EXE_palisade");
    let file = Command::new(bin)
        .args(["scan", "-o", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let cluster = Command::new(bin)
        .args(["scan", "--cluster", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    let file_v: serde_json::Value = serde_json::from_slice(&file.stdout).unwrap();
    let cluster_v: serde_json::Value = serde_json::from_slice(&cluster.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&cluster.stdout),
            String::from_utf8_lossy(&cluster.stderr)
        )
    });
    assert!(
        cluster_v["target"].as_str().unwrap().starts_with("cluster "),
        "{}",
        cluster_v["target"]
    );
    let (a, b) = (keys(&file_v, &objects), keys(&cluster_v, &objects));
    let only_file: Vec<&Key> = a.difference(&b).collect();
    let only_cluster: Vec<&Key> = b.difference(&a).collect();
    assert!(
        only_file.is_empty() && only_cluster.is_empty(),
        "only in the file scan: {only_file:#?}\nonly in the cluster scan: {only_cluster:#?}"
    );
    assert!(!a.is_empty());
    // Cluster findings name objects by uid, not by line.
    for f in cluster_v["findings"].as_array().unwrap() {
        assert!(f["location"].is_null(), "{f}");
        assert!(f["object"]["uid"].is_string(), "{f}");
    }
    // The PSA audit sees the namespace's labels (enforce baseline, pinned v1.35).
    let psa = Command::new(bin)
        .args(["psa", "--cluster", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&psa.stdout).unwrap();
    assert_eq!(v["namespaces"][0]["enforce"]["level"], "baseline");
    let _ = std::fs::remove_dir_all(&dir);
    drop(cleanup);
}

//! `palisade scan --cluster` against a real API server: the findings must be those of the
//! same manifests scanned as files, with object references (and uids) instead of lines.
//!
//! The test starts its own kube-apiserver v1.36.2 (with controller-manager and etcd) on
//! 127.0.0.1 with `../shared/k8s/control-plane start DIR` (see `tests/common/control_plane.rs`;
//! `PALISADE_CONTROL_PLANE` points elsewhere) and stops it at the end, also when it fails.
//! Run it with
//!
//! ```sh
//! cargo test -p palisade_cli --test cluster_e2e -- --ignored --nocapture
//! ```
//!
//! It applies examples/guestbook (server-side apply through kube-rs), waits for the
//! controllers, scans it both ways and compares. Findings that need Secret data (HRD047,
//! HRD048), which palisade never reads from a cluster, are left out of the comparison.
//! Every kube-rs call runs on one runtime, which is dropped before the control plane is
//! stopped: nothing is driven from a `Drop` on another runtime.
#![cfg(feature = "cluster")]

mod common;

use common::control_plane::ControlPlane;
use common::root;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{pinned_kind, Scope};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Instant;

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

    let started = Instant::now();
    let cp = ControlPlane::start("e2e");
    let kubeconfig = cp.kubeconfig.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let kc = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        let client = kube::Client::try_from(config).unwrap();
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
                Api::all_with(client.clone(), &ar)
            };
            api.patch(name, &pp, &Patch::Apply(d))
                .await
                .unwrap_or_else(|e| panic!("apply {gvk:?} {name}: {e}"));
        }
        // Let the controllers create ReplicaSets (and Pods, where Pod Security allows).
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    });
    // The client's connections live on this runtime: end them before the server goes.
    drop(rt);
    let applied = started.elapsed();

    let bin = env!("CARGO_BIN_EXE_palisade");
    let file = Command::new(bin)
        .args(["scan", "-o", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let cluster = Command::new(bin)
        .env("KUBECONFIG", &kubeconfig)
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
        .env("KUBECONFIG", &kubeconfig)
        .args(["psa", "--cluster", "-n", &ns, "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&psa.stdout).unwrap();
    assert_eq!(v["namespaces"][0]["enforce"]["level"], "baseline");
    // A user without any RBAC binding: palisade says what it could not read.
    let viewer = Command::new(bin)
        .args(["scan", "--cluster", "-n", &ns, "-o", "json", "--kubeconfig"])
        .arg(cp.viewer_kubeconfig())
        .output()
        .unwrap();
    assert_eq!(
        viewer.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&viewer.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&viewer.stdout).unwrap();
    assert!(v["errors"].to_string().contains("cannot list"), "{}", v["errors"]);
    let _ = std::fs::remove_dir_all(&dir);
    let scanned = started.elapsed();
    drop(cp);
    eprintln!(
        "e2e: control plane up and guestbook applied in {:.1} s, scans done at {:.1} s, stopped at {:.1} s",
        applied.as_secs_f64(),
        scanned.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

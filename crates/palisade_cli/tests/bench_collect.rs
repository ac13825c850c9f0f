//! `palisade bench collect` end to end: a fixture node in a temp dir is collected into a
//! tarball by the binary, and `palisade bench --root node.tar.gz` gives the report that
//! `palisade bench --root DIR` gives (JSON compared whole, origin aside); private keys and
//! tokens are not in the tarball; usage errors exit 2. And `deploy/bench/`: it passes
//! `palisade scan --profile all` with its exceptions, and mounts only paths the checks read.

mod common;
#[path = "../../palisade_bench/tests/common/mod.rs"]
mod fixtures;

use common::{code, palisade, root, temp_dir, text};
use fixtures::*;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

fn report(root: &Path) -> (i32, Value) {
    let o = palisade(&["bench", "--root", root.to_str().unwrap(), "-o", "json"]);
    let mut v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&o), String::from_utf8_lossy(&o.stderr)));
    v["origin"] = Value::Null;
    (code(&o), v)
}

fn node() -> Vec<Entry> {
    let mut v = kubeadm_control_plane(false);
    v.extend(kubeadm_kubelet(false));
    v.push(file(
        "/etc/kubernetes/pki/sa.key",
        0o600,
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBnlXQ5SKEpbNgBGyBf5aWkLgCDxCVVUt4Z13KcxHEgY\n-----END PRIVATE KEY-----\n",
    ));
    v.push(file(
        "/proc/300/cmdline",
        0o444,
        "kube-scheduler\0--kubeconfig=/etc/kubernetes/scheduler.conf\0--profiling=true\0",
    ));
    v
}

#[test]
fn collected_tarball_reports_as_the_node() {
    let dir = temp_dir("bench-collect");
    let node_root = dir.join("node");
    write_dir(&node_root, &node());
    let tarball = dir.join("node.tar.gz");
    let started = std::time::Instant::now();
    let o = palisade(&[
        "bench",
        "collect",
        "--root",
        node_root.to_str().unwrap(),
        "-o",
        tarball.to_str().unwrap(),
    ]);
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert!(err.contains("1 process from"), "{err}");
    assert!(
        err.contains("withheld /etc/kubernetes/pki/sa.key: private key: Ed25519 256"),
        "{err}"
    );
    eprintln!("collect took {} ms (debug build)", took.as_millis());
    let (dc, dv) = report(&node_root);
    let (tc, tv) = report(&tarball);
    assert_eq!(dc, 1);
    assert_eq!(tc, dc);
    assert_eq!(dv, tv);
    // The process record was used (1.4.1 from the running scheduler's --profiling=true).
    let s = serde_json::to_string(&tv).unwrap();
    assert!(s.contains("\"process 300 argument 2\""), "{s}");
    // The key's content is not in the tarball.
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&tarball).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    let raw = String::from_utf8_lossy(&raw);
    assert!(!raw.contains("MC4CAQAwBQYDK2VwBCIEIBnlXQ5SKEpb"));
    assert!(raw.contains("\"algorithm\": \"Ed25519\""));
    // A plain tar and standard output work too.
    let plain = dir.join("node.tar");
    let o = palisade(&[
        "bench",
        "collect",
        "--root",
        node_root.to_str().unwrap(),
        "-o",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(report(&plain).1, dv);
    let o = palisade(&[
        "bench",
        "collect",
        "--root",
        node_root.to_str().unwrap(),
        "-o",
        "-",
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(&o.stdout[..2], &[0x1f, 0x8b]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn collect_usage_errors_exit_2() {
    let dir = temp_dir("bench-collect-errors");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("x.tar.gz");
    let o = palisade(&[
        "bench",
        "collect",
        "--root",
        "/nonexistent-palisade",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--root /nonexistent-palisade"));
    // An empty directory: nothing collected.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = palisade(&[
        "bench",
        "collect",
        "--root",
        empty.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing collected"));
    // collect takes no bench flags before it.
    let o = palisade(&["bench", "--root", "/", "collect", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deploy_bench_scans_clean_with_its_exceptions() {
    for args in [
        vec!["scan", "deploy/bench", "--profile", "all", "--color", "never"],
        vec!["scan", "deploy/bench", "--pss", "restricted", "--color", "never"],
    ] {
        let o = palisade(&args);
        assert_eq!(
            code(&o),
            0,
            "{args:?}:\n{}{}",
            text(&o),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // Without its configuration the host mounts and root are findings: the exceptions are
    // what makes it pass.
    let o = palisade(&[
        "scan",
        "--no-config",
        "--profile",
        "all",
        "-o",
        "line",
        "deploy/bench",
    ]);
    assert_eq!(code(&o), 1);
    for rule in ["HRD026", "PSS016", "HRD011", "HRD067"] {
        assert!(text(&o).contains(rule), "{rule}: {}", text(&o));
    }
    let o = palisade(&["config", "check", "deploy/bench/.palisade.yaml"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
}

/// Every hostPath of the DaemonSet is a path the kubeadm layout reads (or a directory holding
/// one), mounted read-only; nothing is privileged and there is no hostPID in the base.
#[test]
fn deploy_bench_mounts_only_what_the_checks_read() {
    let text = std::fs::read_to_string(root().join("deploy/bench/daemonset.yaml")).unwrap();
    let paths = palisade_bench::layout::Layout::of(palisade_bench::Distribution::Kubeadm).paths();
    let mut mounts = 0;
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if l.trim() == "hostPath:" {
            let p = lines
                .next()
                .unwrap()
                .trim()
                .strip_prefix("path: ")
                .unwrap()
                .to_owned();
            mounts += 1;
            let needed = paths
                .iter()
                .any(|x| *x == p || x.starts_with(&format!("{p}/")))
                // Named by 10-kubeadm.conf's EnvironmentFile (read through the unit).
                || p == "/var/lib/kubelet/kubeadm-flags.env";
            assert!(needed, "{p} is not a path the checks read: {paths:?}");
        }
    }
    assert_eq!(mounts, 11);
    assert_eq!(text.matches("readOnly: true").count(), mounts);
    let spec: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(spec.contains("privileged: false"));
    assert!(!spec.contains("privileged: true") && !spec.contains("hostPID") && !spec.contains("hostNetwork"));
    assert!(text.contains("node-role.kubernetes.io/control-plane"));
}

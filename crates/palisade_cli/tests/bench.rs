//! `palisade bench` end to end: exit codes (0 all pass, 1 a check failed, 2 input errors or
//! nothing to check), the human table, JSON, SARIF, JUnit and line outputs, `--check`,
//! `--explain` and `palisade explain`, tarballs, `--node` on a live process, and (ignored:
//! needs cluster) the real kube-apiserver, controller-manager and etcd of
//! `../shared/k8s/control-plane`. Run the latter with
//!
//! ```sh
//! cargo test -p palisade_cli --test bench -- --ignored --nocapture
//! ```

mod common;
#[path = "../../palisade_bench/tests/common/mod.rs"]
mod fixtures;

use common::{code, palisade, temp_dir};
use fixtures::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn bench_json(root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["bench", "--root", root.to_str().unwrap(), "-o", "json"];
    args.extend(extra);
    let o = palisade(&args);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (code(&o), v, String::from_utf8_lossy(&o.stderr).into_owned())
}

/// The check `id` of a JSON report.
fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["groups"].as_array().unwrap())
        .flat_map(|g| g["checks"].as_array().unwrap())
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn tarball(name: &str, entries: &[Entry]) -> std::path::PathBuf {
    let d = temp_dir(name);
    let p = d.join("node.tar.gz");
    write_tarball(&p, entries, &[]);
    p
}

fn node_dir(name: &str, entries: &[Entry]) -> std::path::PathBuf {
    let d = temp_dir(name);
    write_dir(&d, entries);
    d
}

#[test]
fn exit_codes() {
    let good = tarball("bench-good", &with_etcd_owner(kubeadm_control_plane(true)));
    let o = palisade(&["bench", "--root", good.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
    let bad = node_dir("bench-bad", &kubeadm_control_plane(false));
    let o = palisade(&["bench", "--root", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let o = palisade(&["bench", "--root", bad.to_str().unwrap(), "--exit-zero"]);
    assert_eq!(code(&o), 0);
    let empty = temp_dir("bench-empty");
    let o = palisade(&["bench", "--root", empty.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code(&o), 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("nothing to check"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = palisade(&["bench", "--root", "/nonexistent/node"]);
    assert_eq!(code(&o), 2);
    let o = palisade(&["bench", "--root", bad.to_str().unwrap(), "--benchmark", "cis-9"]);
    assert_eq!(code(&o), 2);
    let o = palisade(&["bench", "--root", bad.to_str().unwrap(), "--check", "9.9"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn human_table_and_failing_checks() {
    let bad = node_dir("bench-human", &kubeadm_control_plane(false));
    let o = palisade(&["bench", "--root", bad.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("CIS Kubernetes Benchmark cis-1.12"), "{out}");
    let row = out
        .lines()
        .find(|l| l.starts_with("1 Control Plane Security Configuration"))
        .unwrap();
    let nums: Vec<usize> = row.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert_eq!(nums.len(), 5, "{row}"); // section number + pass, fail, warn, n/a
    assert!(out.contains("[FAIL] 1.2.15 --profiling"), "{out}");
    let manifest = static_pod("kube-apiserver", "x", APISERVER_INSECURE);
    let (l, _) = pos(&manifest, "- kube-apiserver");
    assert!(
        out.contains(&format!(
            "at:       /etc/kubernetes/manifests/kube-apiserver.yaml:{l}:7"
        )),
        "{out}"
    );
    let total = out.lines().find(|l| l.starts_with("Total")).unwrap();
    assert!(
        total
            .split_whitespace()
            .filter_map(|w| w.parse::<usize>().ok())
            .sum::<usize>()
            == 97 + palisade_bench::extra::checks().len(),
        "{total}"
    );
}

#[test]
fn json_document() {
    let bad = node_dir("bench-json", &kubeadm_control_plane(false));
    let (c, v, _) = bench_json(&bad, &[]);
    assert_eq!(c, 1);
    assert_eq!(v["schemaVersion"], "1");
    assert_eq!(v["benchmark"]["benchmark"], "cis-1.12");
    assert_eq!(v["distribution"], "kubeadm");
    assert_eq!(v["kubernetesVersion"]["version"], "v1.32.3");
    let t = &v["totals"];
    let sum: u64 = ["pass", "fail", "warn", "not_applicable"]
        .iter()
        .map(|k| t[k].as_u64().unwrap())
        .sum();
    // the benchmark's 97 node checks and palisade's own (NODE…)
    assert_eq!(sum as usize, 97 + palisade_bench::extra::checks().len());
    let c = check(&v, "1.2.6");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["kube_bench_status"], "FAIL");
    let manifest = static_pod("kube-apiserver", "x", APISERVER_INSECURE);
    let (l, col) = pos(&manifest, "--authorization-mode");
    assert_eq!(c["location"]["kind"], "file");
    assert_eq!(c["location"]["line"], l);
    assert_eq!(c["location"]["column"], col);
    assert_eq!(
        c["location_text"],
        format!("/etc/kubernetes/manifests/kube-apiserver.yaml:{l}:{col}")
    );
    assert_eq!(c["items"][0]["value"], "AlwaysAllow");
    assert_eq!(c["items"][0]["source"], "flag");
    let k = check(&v, "4.2.1");
    assert_eq!(k["items"][0]["source"], "flag");
    assert_eq!(check(&v, "4.1.3")["status"], "warn");
    assert_eq!(check(&v, "4.1.3")["location_text"], "/etc/kubernetes/proxy.conf");
    // --check narrows
    let (_, v, _) = bench_json(&bad, &["--check", "1.2,4.2.1"]);
    let n: usize = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["groups"].as_array().unwrap())
        .map(|g| g["checks"].as_array().unwrap().len())
        .sum();
    assert_eq!(n, 31);
}

#[test]
fn sarif_junit_and_line_use_the_scan_renderers() {
    let bad = node_dir("bench-sarif", &kubeadm_control_plane(false));
    let o = palisade(&["bench", "--root", bad.to_str().unwrap(), "-o", "sarif"]);
    assert_eq!(code(&o), 1);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "CIS-1.2.15")
        .expect("1.2.15 in SARIF");
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("etc/kubernetes/manifests/kube-apiserver.yaml"),
        "{loc}"
    );
    assert!(loc["region"]["startLine"].as_u64().unwrap() > 1);
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "CIS-1.2.15"));
    let o = palisade(&["bench", "--root", bad.to_str().unwrap(), "-o", "junit"]);
    let x = String::from_utf8_lossy(&o.stdout);
    assert!(x.starts_with("<?xml"), "{x}");
    assert!(x.contains("CIS-1.2.15"), "{x}");
    let o = palisade(&["bench", "--root", bad.to_str().unwrap(), "-o", "line"]);
    let lines = String::from_utf8_lossy(&o.stdout);
    assert!(
        lines.lines().any(|l| l.contains("CIS-1.2.6 [high]")
            && l.starts_with("/etc/kubernetes/manifests/kube-apiserver.yaml:")),
        "{lines}"
    );
}

#[test]
fn explain_check_ids() {
    for args in [
        &["bench", "--explain", "4.2.1"][..],
        &["explain", "4.2.1"][..],
        &["explain", "CIS-4.2.1"][..],
    ] {
        let o = palisade(args);
        assert_eq!(code(&o), 0, "{args:?}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.starts_with("# CIS 4.2.1 --anonymous-auth"), "{out}");
        assert!(out.contains("{.authentication.anonymous.enabled}"), "{out}");
        assert!(out.contains("Precedence (the real kubelet)"), "{out}");
    }
    // Section 5: the rules that decide a check, or that it is manual.
    for args in [&["bench", "--explain", "5.2.2"][..], &["explain", "5.2.2"][..]] {
        let o = palisade(args);
        assert_eq!(code(&o), 0, "{args:?}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.starts_with("# CIS 5.2.2 "), "{out}");
        assert!(out.contains("* PSS007 pss-privileged"), "{out}");
    }
    let o = palisade(&["explain", "5.1.7"]);
    assert_eq!(code(&o), 0);
    assert!(String::from_utf8_lossy(&o.stdout).contains("No palisade rule decides it"));
    assert_eq!(code(&palisade(&["bench", "--explain", "9.9.9"])), 2);
    assert_eq!(code(&palisade(&["explain", "9.9.9"])), 2);
    let o = palisade(&["bench", "--list"]);
    let list = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        list.lines().count(),
        97 + 34 + palisade_bench::extra::checks().len()
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("5.2.2 ") && l.contains(" rules ")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("5.1.7 ") && l.contains(" review ")),
        "{list}"
    );
}

#[test]
fn malformed_input_exits_2_with_located_errors() {
    let mut entries = kubeadm_worker(true);
    for e in entries.iter_mut() {
        if e.path == "/var/lib/kubelet/config.yaml" {
            e.content = Some("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication: {anonymous: {enabled: false}\n".into());
        }
    }
    let d = node_dir("bench-malformed", &entries);
    let (c, v, stderr) = bench_json(&d, &[]);
    assert_eq!(c, 2);
    let e = &v["errors"][0];
    assert_eq!(e["file"], "/var/lib/kubelet/config.yaml");
    assert_eq!(e["level"], "error");
    assert!(e["line"].as_u64().is_some(), "{e}");
    assert!(stderr.contains("/var/lib/kubelet/config.yaml:"), "{stderr}");
    // the rest was checked
    assert_eq!(check(&v, "4.1.5")["status"], "pass");
}

/// A process named kube-apiserver (a shell sleeping under that argv[0]) read live with --node.
#[cfg(target_os = "linux")]
#[test]
fn node_reads_live_process_command_lines() {
    let mut child = Command::new("bash")
        .args([
            "-c",
            "exec -a kube-apiserver bash -c 'sleep 30; :' --profiling=false --authorization-mode=Node,RBAC --anonymous-auth true",
        ])
        .spawn()
        .expect("bash");
    let pid = child.id();
    // wait for the exec
    let t0 = std::time::Instant::now();
    while !std::fs::read(format!("/proc/{pid}/cmdline"))
        .unwrap_or_default()
        .starts_with(b"kube-apiserver\0")
    {
        assert!(t0.elapsed().as_secs() < 10, "process did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = palisade(&[
        "bench",
        "--node",
        "--pid",
        &pid.to_string(),
        "--check",
        "1.2",
        "-o",
        "json",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(v["components"][0]["found"], format!("process {pid}"));
    let c = check(&v, "1.2.15");
    assert_eq!(c["status"], "pass");
    assert_eq!(c["location_text"], format!("process {pid} argument 3"));
    let c = check(&v, "1.2.8");
    assert_eq!(c["status"], "pass");
    assert_eq!(c["location_text"], format!("process {pid} argument 4"));
    // `--anonymous-auth true`: a boolean flag does not take the next word (pflag)
    let c = check(&v, "1.2.1");
    assert_eq!(c["items"][0]["value"], "true");
    assert_eq!(c["status"], "warn");
}

/// The real control plane of ../shared/k8s (kube-apiserver and kube-controller-manager
/// v1.36.2, etcd): `palisade bench --node` restricted to its processes (`--pid`, since other
/// tests may run control planes of their own on this machine).
#[test]
#[ignore = "needs cluster"]
fn node_against_the_real_control_plane() {
    let cp = common::control_plane::ControlPlane::start("bench");
    let pid = |c: &str| {
        std::fs::read_to_string(cp.dir.join(format!("run/{c}.pid")))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (api, kcm, etcd) = (pid("kube-apiserver"), pid("kube-controller-manager"), pid("etcd"));
    let argv = |p: &str| -> Vec<String> {
        std::fs::read(format!("/proc/{p}/cmdline"))
            .unwrap()
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    };
    let index = |p: &str, prefix: &str| {
        argv(p)
            .iter()
            .position(|a| a.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} not in {:?}", argv(p)))
    };
    let o = palisade(&[
        "bench",
        "--node",
        "--pid",
        &api,
        "--pid",
        &kcm,
        "--pid",
        &etcd,
        "--kube-version",
        "v1.36.2",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    eprintln!(
        "{}",
        String::from_utf8_lossy(
            &palisade(&[
                "bench",
                "--node",
                "--pid",
                &api,
                "--pid",
                &kcm,
                "--pid",
                &etcd,
                "--kube-version",
                "v1.36.2",
                "-v"
            ])
            .stdout
        )
    );
    assert_eq!(
        v["benchmark"]["benchmark"], "cis-2.0",
        "1.36 falls back to 1.35: cis-2.0"
    );
    let found = |i: usize| v["components"][i]["found"].as_str().unwrap_or("").to_owned();
    assert_eq!(found(0), format!("process {api}"));
    assert_eq!(found(1), format!("process {kcm}"));
    assert_eq!(found(3), format!("process {etcd}"));
    let at = |id: &str| check(&v, id)["location_text"].as_str().unwrap_or("").to_owned();
    let st = |id: &str| check(&v, id)["status"].as_str().unwrap().to_owned();
    // the script's flags: --profiling=false, --authorization-mode=Node,RBAC,
    // --enable-admission-plugins=NodeRestriction,PodSecurity, client CA, TLS, SA key
    assert_eq!(st("1.2.15"), "pass");
    assert_eq!(
        at("1.2.15"),
        format!("process {api} argument {}", index(&api, "--profiling"))
    );
    for id in [
        "1.2.6", "1.2.7", "1.2.8", "1.2.14", "1.2.22", "1.2.24", "1.2.25", "1.2.2", "1.2.10", "1.2.21",
    ] {
        assert_eq!(st(id), "pass", "{id}: {}", check(&v, id));
    }
    assert_eq!(
        at("1.2.7"),
        format!("process {api} argument {}", index(&api, "--authorization-mode"))
    );
    // what this throwaway control plane does not set
    for id in [
        "1.2.4", "1.2.5", "1.2.16", "1.2.17", "1.2.18", "1.2.19", "1.2.23", "1.2.26", "1.2.30",
    ] {
        assert_eq!(st(id), "fail", "{id}: {}", check(&v, id));
    }
    assert_eq!(st("1.2.1"), "warn", "--anonymous-auth is not set");
    // controller-manager
    for id in ["1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.3.6", "1.3.7"] {
        assert_eq!(st(id), "pass", "{id}: {}", check(&v, id));
    }
    assert_eq!(
        at("1.3.7"),
        format!("process {kcm} argument {}", index(&kcm, "--bind-address"))
    );
    // etcd on plain http: no TLS flags
    for id in ["2.1", "2.2", "2.4", "2.5"] {
        assert_eq!(st(id), "fail", "{id}: {}", check(&v, id));
    }
    assert_eq!(st("2.3"), "pass");
    // etcd --data-dir DIR (space-separated) is read: the data dir is mode 700
    assert_eq!(st("1.1.11"), "pass", "{}", check(&v, "1.1.11"));
    assert_eq!(
        at("1.1.11"),
        format!("{}/etcd", std::fs::canonicalize(&cp.dir).unwrap().display())
    );
    // no scheduler, no kubelet, no kube-proxy on this machine
    assert_eq!(st("1.4.1"), "not-applicable");
    assert_eq!(st("4.2.1"), "not-applicable");
    // no static-pod manifests: the processes were started by hand; no /etc/kubernetes files
    for id in ["1.1.1", "1.1.3", "1.1.7", "1.1.13", "1.1.17", "1.1.19"] {
        assert_eq!(st(id), "fail", "{id}: {}", check(&v, id));
    }
    // the data dir belongs to the test's user
    assert_eq!(st("1.1.12"), "fail");
    assert_eq!(st("1.1.5"), "not-applicable");
    assert_eq!(code(&o), 1);
}

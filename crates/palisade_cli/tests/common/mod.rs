//! Shared helpers of the CLI's end-to-end tests: the workspace root, running the `palisade`
//! binary there (with arguments, standard input or extra environment), reading its JSON
//! answer, looking findings up, scratch directories, and normalising what changes from run to
//! run (durations, absolute paths, the version) before snapshots; the recorded API responses
//! kept with the tests (`tests/data/`), kubeconfigs for a mock server, the mock API server
//! itself ([`mock`]) and a real control plane ([`control_plane`]).

#![allow(dead_code)] // each test binary uses a part of the helpers

pub mod control_plane;
pub mod mock;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The workspace root (where `examples/` is).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `palisade args` in the workspace root.
pub fn palisade(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(root())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap()
}

/// Runs `palisade args` in the workspace root with `input` on standard input.
pub fn palisade_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Standard output as text.
pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The exit code; panics (with the output) when the process was killed by a signal.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or_else(|| {
        panic!(
            "palisade was killed by a signal\nstdout: {}\nstderr: {}",
            text(o),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Runs `palisade args -o json` in the workspace root: (exit code, parsed answer).
pub fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json"]);
    let out = palisade(&a);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (code(&out), v)
}

/// A fresh scratch directory for one test, in this process's [`scratch_root`].
pub fn temp_dir(name: &str) -> PathBuf {
    let d = scratch_root().join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// This test process's scratch directory (`palisade-tests-PID` in the system's temporary
/// directory). The first call removes those of test processes that have ended, so that runs
/// do not pile up (on systems with `/proc`, which says whether a process lives).
pub fn scratch_root() -> &'static Path {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        const PREFIX: &str = "palisade-tests-";
        let tmp = std::env::temp_dir();
        if Path::new("/proc/self").is_dir() {
            for e in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
                let name = e.file_name();
                let pid = name
                    .to_str()
                    .and_then(|n| n.strip_prefix(PREFIX))
                    .and_then(|p| p.parse::<u32>().ok());
                if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let d = tmp.join(format!("{PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    })
}

/// The findings of a JSON report.
pub fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().unwrap()
}

/// Whether the JSON report has a finding of `code` on the object named `object`, located at
/// a `file:line:column` ending with `at`.
pub fn has_finding(v: &serde_json::Value, code: &str, object: &str, at: &str) -> bool {
    findings(v).iter().any(|f| {
        let loc = &f["location"];
        let here = format!(
            "{}:{}:{}",
            loc["file"].as_str().unwrap_or(""),
            loc["line"],
            loc["column"]
        );
        f["code"] == code && f["object"]["name"] == object && here.ends_with(at)
    })
}

/// Replaces what changes between runs and machines in a rendered report: durations (human
/// `; 12 ms`, JSON `"durationMs": 12`, JUnit `time="0.012"`), the workspace's absolute path
/// and palisade's version.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        out.push_str(&normalise_line(line));
    }
    let version = env!("CARGO_PKG_VERSION");
    out.replace(&root().display().to_string(), "[root]")
        .replace(
            &format!("\"version\": \"{version}\""),
            "\"version\": \"[version]\"",
        )
        .replace(
            &format!("name=\"palisade.version\" value=\"{version}\""),
            "name=\"palisade.version\" value=\"[version]\"",
        )
}

fn normalise_line(line: &str) -> String {
    let mut l = line.to_owned();
    // JSON: "durationMs": 12
    if let Some(i) = l.find("\"durationMs\": ") {
        let start = i + "\"durationMs\": ".len();
        let end = start + l[start..].bytes().take_while(u8::is_ascii_digit).count();
        l.replace_range(start..end, "\"[duration]\"");
    }
    // JUnit: time="0.012" (any number of times on a line)
    let mut from = 0;
    while let Some(i) = l[from..].find(" time=\"") {
        let start = from + i + " time=\"".len();
        let Some(len) = l[start..].find('"') else { break };
        l.replace_range(start..start + len, "[duration]");
        from = start;
    }
    // Human summary: "...; 89 ms"
    let trimmed = l.trim_end_matches('\n');
    if let Some(rest) = trimmed.strip_suffix(" ms") {
        let digits = rest.bytes().rev().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[..rest.len() - digits].ends_with("; ") {
            let nl = if l.ends_with('\n') { "\n" } else { "" };
            l = format!("{}[duration] ms{nl}", &rest[..rest.len() - digits]);
        }
    }
    l
}

/// The real-world corpus `../shared/corpus` beside the project. Its absence fails the test
/// that asks, unless `PALISADE_NO_CORPUS` is set (an explicit opt-out: then `None`).
pub fn corpus() -> Option<PathBuf> {
    let c = root().join("../shared/corpus");
    if std::env::var_os("PALISADE_NO_CORPUS").is_some() {
        return None;
    }
    assert!(
        c.is_dir(),
        "{} not found next to the project (set PALISADE_NO_CORPUS=1 to skip the corpus tests)",
        c.display()
    );
    Some(c.canonicalize().unwrap())
}

/// The recorded responses of a real v1.36.2 API server (copied from
/// `../shared/data/apiserver-v1.36-recorded`; `../kubernetes-v1.36-default-rbac.json` beside
/// it). Part of the crate: a missing file is a failure, never a skipped test.
pub fn recorded() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/apiserver-v1.36-recorded");
    assert!(d.is_dir(), "{} is missing (it is part of the crate)", d.display());
    d
}

/// A kubeconfig for the mock server on `port`: context `mock`, user `bob` (a token),
/// namespace `shop`.
pub fn kubeconfig(port: u16, name: &str) -> PathBuf {
    let p = scratch_root().join(format!("kubeconfig-{name}"));
    std::fs::write(
        &p,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: mock\nclusters:\n- name: mock\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\ncontexts:\n- name: mock\n  context: {{cluster: mock, user: bob, namespace: shop}}\nusers:\n- name: bob\n  user: {{token: not-a-real-token}}\n"
        ),
    )
    .unwrap();
    p
}

/// Stdout as JSON (the panic shows what it was instead).
pub fn json_out(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// A pod with a sysctl that Kubernetes v1.37 allows at baseline and v1.36 forbids.
pub const SYSCTL_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: tuned
  namespace: shop
spec:
  securityContext:
    sysctls:
      - {name: net.ipv4.tcp_slow_start_after_idle, value: '0'}
  containers:
    - {name: c, image: nginx}
";

//! `palisade serve` registered with a real API server (v1.36.2, `../shared/k8s`): the webhook
//! configuration that `palisade webhook-config` prints is applied, then kubectl sees
//! palisade's denials, warnings and defaults, `--dry-run=server` changes nothing, an exempt
//! namespace is left alone, and with `failurePolicy: Ignore` requests go through once palisade
//! is gone. Run with
//!
//! ```sh
//! cargo test -p palisade_cli --test serve_e2e -- --ignored --nocapture
//! ```

mod common;

use common::control_plane::ControlPlane;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `palisade serve` as a child process, killed when dropped.
struct Server {
    child: Child,
    webhook: String,
    health: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, kubeconfig: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args([
            "serve",
            "--self-signed",
            "--self-signed-name",
            "127.0.0.1",
            "--write-ca",
        ])
        .arg(dir.join("ca.pem"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--config")
        .arg(dir.join("palisade.yaml"))
        .args([
            "--address",
            "127.0.0.1",
            "--port",
            "0",
            "--health-port",
            "0",
            "--shutdown-delay",
            "0",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start palisade serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("serve: {line}");
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if v["message"] == "serving" {
                    let _ = tx.send((
                        v["webhook"].as_str().unwrap_or("").to_owned(),
                        v["health"].as_str().unwrap_or("").to_owned(),
                    ));
                }
            }
        }
    });
    let (webhook, health) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("palisade serve did not start");
    Server {
        child,
        webhook,
        health,
    }
}

fn kubectl(cp: &ControlPlane, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new("kubectl")
        .env("KUBECONFIG", &cp.kubeconfig)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl");
    if let Some(s) = stdin {
        use std::io::Write;
        c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    c.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn webhook_config(server: &Server, dir: &Path, failure_policy: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["webhook-config", "--url", &server.webhook, "--ca-bundle"])
        .arg(dir.join("ca.pem"))
        .args(["--failure-policy", failure_policy, "--timeout-seconds", "5"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn pod(name: &str, security: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: app\n    image: nginx:1.27\n{security}"
    )
}

const PRIVILEGED: &str = "    securityContext:\n      privileged: true\n";

#[test]
#[ignore = "needs cluster"]
fn serve_enforces_warns_mutates_and_fails_open_against_a_real_api_server() {
    let cp = ControlPlane::start("serve");
    let dir = cp.dir.join("palisade");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("palisade.yaml"),
        "admission:\n  exemptions:\n    namespaces: [wh-exempt]\n",
    )
    .unwrap();
    for (ns, labels) in [
        (
            "wh-enforce",
            "palisade.dev/enforce: restricted\n    palisade.dev/mutate: \"true\"",
        ),
        ("wh-warn", "palisade.dev/warn: restricted"),
        (
            "wh-exempt",
            "palisade.dev/enforce: restricted\n    palisade.dev/mutate: \"true\"",
        ),
    ] {
        let o = kubectl(
            &cp,
            &["apply", "-f", "-"],
            Some(&format!(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    {labels}\n"
            )),
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let server = serve(&dir, &cp.kubeconfig);
    let config = webhook_config(&server, &dir, "Fail");
    let o = kubectl(&cp, &["apply", "-f", "-"], Some(&config));
    assert!(o.status.success(), "{}", text(&o));

    // The configuration takes effect within about a second.
    let privileged = pod("priv", PRIVILEGED);
    let started = Instant::now();
    let denied = loop {
        let o = kubectl(
            &cp,
            &["-n", "wh-enforce", "apply", "--dry-run=server", "-f", "-"],
            Some(&privileged),
        );
        if !o.status.success() || started.elapsed() > Duration::from_secs(20) {
            break o;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let msg = text(&denied);
    assert!(!denied.status.success(), "not denied within 20 s: {msg}");
    assert!(
        msg.contains(
            "denied the request: pods \"priv\" is forbidden: violates palisade policy \"restricted:latest\""
        ),
        "{msg}"
    );
    assert!(
        msg.contains("privileged (container \"app\" must not set securityContext.privileged=true) [PSS007]"),
        "{msg}"
    );

    // Denied for real, not only in a dry run; nothing was created.
    let o = kubectl(&cp, &["-n", "wh-enforce", "apply", "-f", "-"], Some(&privileged));
    assert!(!o.status.success());
    let o = kubectl(&cp, &["-n", "wh-enforce", "get", "pod", "priv"], None);
    assert!(!o.status.success(), "the denied pod exists: {}", text(&o));

    // A warned Deployment: created, with palisade's warnings printed by kubectl.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n        securityContext:\n          privileged: true\n";
    let o = kubectl(&cp, &["-n", "wh-warn", "apply", "-f", "-"], Some(deployment));
    let msg = text(&o);
    assert!(o.status.success(), "{msg}");
    assert!(
        msg.contains("Warning: would violate palisade policy \"restricted:latest\": privileged"),
        "{msg}"
    );

    // Mutated: a pod that names a non-root user gets every restricted default and is admitted.
    let user = "    securityContext:\n      runAsUser: 1000\n";
    let o = kubectl(
        &cp,
        &["-n", "wh-enforce", "apply", "-f", "-"],
        Some(&pod("defaulted", user)),
    );
    assert!(o.status.success(), "{}", text(&o));
    let got = kubectl(
        &cp,
        &["-n", "wh-enforce", "get", "pod", "defaulted", "-o", "json"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(
        v["spec"]["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
        "{v}"
    );
    assert_eq!(v["spec"]["securityContext"]["runAsNonRoot"], true);
    let sc = &v["spec"]["containers"][0]["securityContext"];
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(sc["runAsUser"], 1000, "what the user set is kept");

    // --dry-run=server: the answer, and no object.
    let o = kubectl(
        &cp,
        &["-n", "wh-enforce", "apply", "--dry-run=server", "-f", "-"],
        Some(&pod("dry", user)),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = kubectl(&cp, &["-n", "wh-enforce", "get", "pod", "dry"], None);
    assert!(!o.status.success(), "a dry run created the pod");

    // An exempt namespace: neither denied nor mutated, although labelled.
    let o = kubectl(&cp, &["-n", "wh-exempt", "apply", "-f", "-"], Some(&privileged));
    assert!(o.status.success(), "{}", text(&o));
    let got = kubectl(
        &cp,
        &["-n", "wh-exempt", "get", "pod", "priv", "-o", "json"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert!(
        v["spec"]["securityContext"].get("seccompProfile").is_none(),
        "{v}"
    );

    // Metrics saw the decisions.
    let metrics = http_get(&format!("{}/metrics", server.health));
    assert!(
        metrics.contains("decision=\"denied\",namespace=\"wh-enforce\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("decision=\"patched\",namespace=\"wh-enforce\""),
        "{metrics}"
    );

    // failurePolicy: Ignore, then palisade goes away: requests go through.
    let config = webhook_config(&server, &dir, "Ignore");
    let o = kubectl(&cp, &["apply", "-f", "-"], Some(&config));
    assert!(o.status.success(), "{}", text(&o));
    drop(server);
    std::thread::sleep(Duration::from_secs(2));
    let o = kubectl(
        &cp,
        &["-n", "wh-enforce", "apply", "-f", "-"],
        Some(&pod("after", PRIVILEGED)),
    );
    assert!(
        o.status.success(),
        "with failurePolicy Ignore a dead webhook must not block: {}",
        text(&o)
    );
    let o = kubectl(
        &cp,
        &[
            "delete",
            "validatingwebhookconfiguration,mutatingwebhookconfiguration",
            "-l",
            "app.kubernetes.io/name=palisade",
        ],
        None,
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// GET over plain HTTP/1.1 on loopback (the health port).
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

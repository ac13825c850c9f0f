//! The audit sink behind a real kube-apiserver (ignored: needs cluster). The control plane of
//! `../shared/k8s/control-plane` is started, its kube-apiserver stopped (SIGTERM) and
//! relaunched with the same arguments plus the audit webhook backend pointed at `palisade
//! serve --audit-store` (deploy/audit/policy.yaml, batches sent at most 1 s late); its pid is
//! written back so `control-plane stop` stops it. Then, with kubectl: a namespace created and
//! deleted by `alice` (impersonated), a Secret read by `bob` refused, a privileged pod created
//! in a namespace without Pod Security labels. The requests are asked back of the store with
//! `palisade audit who --store` and the sink's detections are read from its /metrics.

mod common;

use common::control_plane::ControlPlane;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A process this test started, stopped (SIGTERM, then SIGKILL) when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `palisade serve` with the audit sink on a free port; (process, webhook URL, health URL).
fn serve(dir: &Path) -> (Proc, String, String) {
    std::fs::write(
        dir.join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args([
            "serve",
            "--self-signed",
            "--self-signed-name",
            "127.0.0.1",
            "--write-ca",
        ])
        .arg(dir.join("ca.pem"))
        .arg("--namespaces-from")
        .arg(dir.join("ns.yaml"))
        .arg("--audit-store")
        .arg(dir.join("audit.db"))
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
    let log = dir.join("serve.log");
    std::thread::spawn(move || {
        let mut out = std::fs::File::create(log).unwrap();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            use std::io::Write;
            let _ = writeln!(out, "{line}");
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
    let p = Proc(child);
    let (webhook, health) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("palisade serve did not start");
    (p, webhook, health)
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(") ")
                .is_some_and(|(_, rest)| !rest.starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Stop the control plane's kube-apiserver and relaunch it with the audit webhook backend.
fn relaunch_with_audit(cp: &ControlPlane, webhook_kubeconfig: &Path) -> Proc {
    let pid_file = cp.dir.join("run/kube-apiserver.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap().trim().to_owned();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let argv: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    assert!(
        argv[0].ends_with("kube-apiserver"),
        "pid {pid} is not the kube-apiserver: {argv:?}"
    );
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    // It drains in-flight requests (the controller-manager's) before it exits; a second
    // signal makes it exit at once (Kubernetes' signal handler), SIGKILL as a last resort.
    let started = Instant::now();
    let mut signalled = (false, false);
    while alive(&pid) {
        let t = started.elapsed();
        if t > Duration::from_secs(10) && !signalled.0 {
            eprintln!("kube-apiserver {pid} still running 10 s after SIGTERM: SIGTERM again");
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            signalled.0 = true;
        }
        if t > Duration::from_secs(30) && !signalled.1 {
            eprintln!("kube-apiserver {pid} still running 30 s after SIGTERM: SIGKILL");
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            signalled.1 = true;
        }
        assert!(t < Duration::from_secs(40), "kube-apiserver {pid} did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "kube-apiserver stopped in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let policy = common::root().join("deploy/audit/policy.yaml");
    let log = std::fs::OpenOptions::new()
        .append(true)
        .open(cp.dir.join("logs/kube-apiserver.log"))
        .unwrap();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .arg(format!("--audit-policy-file={}", policy.display()))
        .arg(format!(
            "--audit-webhook-config-file={}",
            webhook_kubeconfig.display()
        ))
        .arg("--audit-webhook-batch-max-wait=1s")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("relaunch kube-apiserver");
    std::fs::write(&pid_file, format!("{}\n", child.id())).unwrap();
    let p = Proc(child);
    // /readyz with the admin client certificate.
    let certs = cp.dir.join("certs");
    let server = server_of(&cp.kubeconfig);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = Command::new("curl")
            .args(["-sS", "--noproxy", "*", "--max-time", "5", "--cacert"])
            .arg(certs.join("ca.crt"))
            .arg("--cert")
            .arg(certs.join("admin.crt"))
            .arg("--key")
            .arg(certs.join("admin.key"))
            .arg(format!("{server}/readyz"))
            .output()
            .unwrap();
        if out.stdout == b"ok" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the relaunched kube-apiserver is not ready: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    p
}

/// The `server:` of a kubeconfig.
fn server_of(kubeconfig: &Path) -> String {
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("server:").map(|s| s.trim().to_owned()))
        .expect("a server in the kubeconfig")
}

/// `palisade audit who --store DB ARGS -o json`: its requests.
fn who(db: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["audit", "who", "--store"])
        .arg(db)
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit who {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["requests"].as_array().cloned().unwrap_or_default()
}

/// Ask until the answer has at least one request (batches arrive within about a second).
fn who_eventually(db: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = who(db, args);
        if !r.is_empty() || Instant::now() > deadline {
            return r;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn metrics(health: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--noproxy", "*", "--max-time", "5"])
        .arg(format!("{health}/metrics"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn detections(m: &str, rule: &str) -> u64 {
    let key = format!("palisade_audit_detections_total{{rule=\"{rule}\"}} ");
    m.lines()
        .find_map(|l| l.strip_prefix(&key))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

const PRIVILEGED: &str = "apiVersion: v1
kind: Pod
metadata:
  name: root-shell
  namespace: open
spec:
  hostPID: true
  containers:
    - name: shell
      image: busybox:1.36
      command: [sleep, '3600']
      securityContext:
        privileged: true
";

#[test]
#[ignore = "needs cluster"]
fn the_sink_records_what_a_real_api_server_does() {
    let cp = ControlPlane::start("audit-sink");
    let work: PathBuf = cp.dir.join("palisade");
    std::fs::create_dir_all(&work).unwrap();
    let (_serve, webhook, health) = serve(&work);
    let kubeconfig = work.join("audit-webhook.kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n  - name: palisade\n    cluster:\n      server: {webhook}/audit\n      certificate-authority: {}\ncontexts:\n  - name: palisade\n    context:\n      cluster: palisade\n      user: kube-apiserver\ncurrent-context: palisade\nusers:\n  - name: kube-apiserver\n    user: {{}}\n",
            work.join("ca.pem").display()
        ),
    )
    .unwrap();
    let _apiserver = relaunch_with_audit(&cp, &kubeconfig);

    // alice may do anything (as in the recorded log); the admin acts as her.
    cp.kubectl(&[
        "create",
        "clusterrolebinding",
        "alice-admin",
        "--clusterrole=cluster-admin",
        "--user=alice",
    ]);
    cp.kubectl(&["create", "namespace", "scratch"]);
    cp.kubectl(&["delete", "namespace", "scratch", "--as", "alice", "--wait=false"]);
    cp.kubectl(&[
        "create",
        "secret",
        "generic",
        "db",
        "-n",
        "default",
        "--from-literal=password=x",
    ]);
    let denied = Command::new("kubectl")
        .env("KUBECONFIG", &cp.kubeconfig)
        .args(["get", "secret", "db", "-n", "default", "--as", "bob"])
        .output()
        .unwrap();
    assert!(!denied.status.success(), "bob may not read secrets");
    assert!(
        String::from_utf8_lossy(&denied.stderr).contains("Forbidden"),
        "{}",
        String::from_utf8_lossy(&denied.stderr)
    );
    cp.kubectl(&["create", "namespace", "open"]);
    // The controller-manager creates the namespace's default ServiceAccount a moment later;
    // the ServiceAccount admission plugin refuses pods until it exists.
    let sa_ready = (0..100).any(|_| {
        let ok = std::process::Command::new("kubectl")
            .env("KUBECONFIG", &cp.kubeconfig)
            .args(["get", "serviceaccount", "default", "-n", "open"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        ok
    });
    assert!(
        sa_ready,
        "the default ServiceAccount of namespace open never appeared"
    );
    let pod = work.join("root-shell.yaml");
    std::fs::write(&pod, PRIVILEGED).unwrap();
    cp.kubectl(&["create", "-f", pod.to_str().unwrap()]);

    let db = work.join("audit.db");
    // Who deleted namespace scratch: alice, impersonated by the admin, exactly one request.
    let deleted = who_eventually(
        &db,
        &[
            "--verb",
            "delete",
            "--resource",
            "namespaces",
            "--name",
            "scratch",
        ],
    );
    assert_eq!(deleted.len(), 1, "{deleted:#?}");
    let d = &deleted[0];
    assert_eq!(d["user"], "admin");
    assert_eq!(d["impersonatedUser"], "alice");
    assert_eq!(d["code"], 200);
    assert_eq!(d["stage"], "ResponseComplete");
    assert!(d["file"].as_str().unwrap().starts_with("sqlite:"), "{d}");
    assert!(d["line"].as_u64().unwrap() > 0, "{d}");
    assert!(!d["auditID"].as_str().unwrap().is_empty());

    // bob's refused read: exactly the one request.
    let refused = who_eventually(&db, &["--user", "bob", "--denied"]);
    assert_eq!(refused.len(), 1, "{refused:#?}");
    let r = &refused[0];
    assert_eq!(
        (
            r["verb"].as_str(),
            r["resource"].as_str(),
            r["namespace"].as_str(),
            r["name"].as_str()
        ),
        (Some("get"), Some("secrets"), Some("default"), Some("db"))
    );
    assert_eq!(r["code"], 403);
    assert_eq!(r["decision"], "forbid");
    assert_eq!(r["impersonatedUser"], "bob");

    // The privileged pod's creation is stored with its body (policy: RequestResponse).
    let created = who_eventually(
        &db,
        &["--verb", "create", "--resource", "pods", "--namespace", "open"],
    );
    assert_eq!(created.len(), 1, "{created:#?}");
    assert_eq!(created[0]["name"], "root-shell");
    assert_eq!(created[0]["code"], 201);

    // The detections the sink ran on what it stored: the privileged pod (AUD006), the
    // impersonation (AUD009), the namespace deletion (AUD015).
    let deadline = Instant::now() + Duration::from_secs(30);
    let m = loop {
        let m = metrics(&health);
        let all = ["AUD006", "AUD009", "AUD015"]
            .iter()
            .all(|r| detections(&m, r) > 0);
        if all || Instant::now() > deadline {
            break m;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    for rule in ["AUD006", "AUD009", "AUD015"] {
        assert!(detections(&m, rule) > 0, "no {rule} detection in /metrics:\n{m}");
    }
    // Every batch was acknowledged: no refused or failed batch.
    assert!(
        !m.lines()
            .any(|l| l.starts_with("palisade_audit_batches_total{code=\"")
                && !l.starts_with("palisade_audit_batches_total{code=\"200\"}")),
        "{m}"
    );
    // The detections are logged with the request's location and auditID.
    let log = std::fs::read_to_string(work.join("serve.log")).unwrap();
    let logged = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["rule"] == "AUD015")
        .unwrap_or_else(|| panic!("no AUD015 in the log:\n{log}"));
    assert_eq!(logged["audit_id"], d["auditID"], "{logged}");
    assert!(
        logged["at"]
            .as_str()
            .is_some_and(|a| a.ends_with(&format!(":{}", d["line"]))),
        "{logged}"
    );
}

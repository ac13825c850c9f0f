//! The audit sink end to end: `palisade serve --audit-store` over HTTPS, killed with SIGKILL
//! while batches stream in; every acknowledged batch is in the store afterwards, whole; then
//! `palisade audit who --store` answers from it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn ev(id: &str, user: &str, verb: &str, resource: &str, name: &str, t: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete","requestURI":"/api/v1/{resource}/{name}","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["127.0.0.1"],"userAgent":"kubectl/v1.36.2","objectRef":{{"resource":"{resource}","name":"{name}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"{t}","stageTimestamp":"{t}","annotations":{{"authorization.k8s.io/decision":"allow"}}}}"#
    )
}

struct Serve {
    child: Child,
    url: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Serve {
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
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                if v["message"] == "serving" {
                    let _ = tx.send(v["webhook"].as_str().unwrap_or("").to_owned());
                }
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("palisade serve did not start");
    Serve { child, url }
}

/// POST one batch with curl; the HTTP status.
fn post(dir: &Path, url: &str, body: &str) -> u16 {
    let file = dir.join("batch.json");
    std::fs::write(&file, body).unwrap();
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(dir.join("ca.pem"))
        .args(["-H", "Content-Type: application/json", "--data-binary"])
        .arg(format!("@{}", file.display()))
        .arg(format!("{url}/audit"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

#[test]
fn acknowledged_batches_survive_kill_9_and_are_queried_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = serve(dir.path());
    // Batches of 400 (the API server's default), one of them the namespace deletion.
    let mut acked = Vec::new();
    for b in 0..6 {
        let items: Vec<String> = (0..400)
            .map(|i| {
                let t = format!("2026-11-22T13:{b:02}:{:02}.{i:06}Z", i % 60);
                if b == 3 && i == 7 {
                    ev("the-delete", "alice", "delete", "namespaces", "shop", &t)
                } else {
                    ev(
                        &format!("b{b}-{i}"),
                        "bob",
                        "get",
                        "pods",
                        &format!("web-{i}"),
                        &t,
                    )
                }
            })
            .collect();
        let body = format!(
            r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
            items.join(",")
        );
        if post(dir.path(), &s.url, &body) == 200 {
            acked.push(b);
        }
    }
    assert_eq!(acked, [0, 1, 2, 3, 4, 5]);
    // SIGKILL: no shutdown, no flush.
    s.child.kill().unwrap();
    s.child.wait().unwrap();
    let db = dir.path().join("audit.db");
    let count = |args: &[&str]| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
            .args(["audit", "who", "--store"])
            .arg(&db)
            .args(args)
            .args(["-o", "json"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let all = count(&[]);
    let text = all.to_string();
    assert!(text.contains("the-delete"), "{text:.2000}");
    let who = count(&["--verb", "delete", "--resource", "namespaces", "--name", "shop"]);
    let w = who.to_string();
    assert!(
        w.contains("alice") && w.contains("the-delete") && !w.contains("\"bob\""),
        "{w}"
    );
    // Every acknowledged event is there: 2400 requests, each once.
    let mut st = palisade_audit_store::Store::open(db.to_str().unwrap()).unwrap();
    assert_eq!(st.size().unwrap().events, 2400);
}

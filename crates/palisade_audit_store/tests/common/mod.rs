//! Test helpers: audit events as JSON, webhook batches, and a throwaway PostgreSQL server
//! (Debian's `postgresql` package) on a free loopback port.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// One audit event (`Metadata` level) as the API server writes it.
#[allow(clippy::too_many_arguments)]
pub fn ev(
    id: &str,
    stage: &str,
    user: &str,
    verb: &str,
    resource: &str,
    ns: &str,
    name: &str,
    t: &str,
) -> String {
    let ns_field = if ns.is_empty() {
        String::new()
    } else {
        format!(r#""namespace":"{ns}","#)
    };
    let code = if user == "mallory" { 403 } else { 200 };
    let decision = if code == 403 { "forbid" } else { "allow" };
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"{stage}","requestURI":"/api/v1/{resource}/{name}","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}},"sourceIPs":["10.1.2.3"],"userAgent":"kubectl/v1.36.2","objectRef":{{"resource":"{resource}",{ns_field}"name":"{name}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":{code}}},"requestReceivedTimestamp":"{t}","stageTimestamp":"{t}","annotations":{{"authorization.k8s.io/decision":"{decision}","authorization.k8s.io/reason":""}}}}"#
    )
}

/// The time of item `i` of batch `b`: batches a second apart, items a microsecond apart, so
/// that events arrive in time order as an API server sends them.
pub fn batch_time(b: u64, i: usize) -> String {
    format!(
        "2026-11-22T{:02}:{:02}:{:02}.{i:06}Z",
        (b / 3600) % 24,
        (b / 60) % 60,
        b % 60
    )
}

/// An `EventList` as the webhook backend sends it.
pub fn batch(items: &[String]) -> String {
    format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
        items.join(",")
    )
}

fn pg_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter()
        .rev()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("{name} not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        })
}

/// A PostgreSQL server in a temporary directory, stopped when dropped. As root, it runs as
/// the `postgres` user (initdb refuses root).
pub struct Pg {
    pub dir: tempfile::TempDir,
    pub port: u16,
}

fn as_pg(cmd: &Path) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(cmd);
        c
    } else {
        Command::new(cmd)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Pg {
    pub fn start() -> Pg {
        let dir = tempfile::Builder::new().prefix("palisade-pg").tempdir().unwrap();
        let data = dir.path().join("data");
        Command::new("chmod").arg("755").arg(dir.path()).status().unwrap();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        if root {
            assert!(Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success());
        }
        let out = as_pg(&pg_bin("initdb"))
            .args(["-D"])
            .arg(&data)
            .args(["-U", "palisade", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=on",
            dir.path().display()
        );
        let out = as_pg(&pg_bin("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.path().join("log"))
            .args(["-w", "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {} {}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.path().join("log")).unwrap_or_default()
        );
        let pg = Pg { dir, port };
        let out = as_pg(&pg_bin("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "palisade",
                "audit",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "createdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg
    }

    pub fn url(&self) -> String {
        format!("postgres://palisade@127.0.0.1:{}/audit", self.port)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = as_pg(&pg_bin("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

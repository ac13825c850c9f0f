//! A real kube-apiserver (with controller-manager and etcd) on 127.0.0.1 for the tests
//! marked `#[ignore = "needs cluster"]`, started with `../shared/k8s/control-plane start DIR`
//! and stopped by a drop guard that runs a plain subprocess (no async runtime), also when
//! the test panics.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// `../shared/k8s/control-plane`: `$PALISADE_CONTROL_PLANE`, else `shared/` beside the
/// checkout. Missing is a failure: these tests run only when asked for (`--ignored`).
pub fn script() -> PathBuf {
    let p = std::env::var_os("PALISADE_CONTROL_PLANE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/k8s/control-plane"));
    assert!(
        p.is_file(),
        "{} not found: set PALISADE_CONTROL_PLANE to shared/k8s/control-plane",
        p.display()
    );
    p
}

/// A running control plane with its state in a fresh temporary directory; stopped (and the
/// directory removed) when dropped.
pub struct ControlPlane {
    pub dir: PathBuf,
    /// `system:masters`.
    pub kubeconfig: PathBuf,
}

impl ControlPlane {
    pub fn start(name: &str) -> ControlPlane {
        let dir = std::env::temp_dir().join(format!("palisade-cp-{}-{name}", std::process::id()));
        // A control plane that does not come up (a component that exits during its start,
        // as kube-controller-manager once did on a loaded machine) is stopped and started
        // again, up to three times: these tests are about palisade's answers, not the start.
        // Every failed attempt's output is kept for the panic message.
        let mut failures = Vec::new();
        for attempt in 1..=3 {
            let _ = std::fs::remove_dir_all(&dir);
            // The guard exists before the start, so that a failed start is cleaned up too.
            let cp = ControlPlane {
                kubeconfig: dir.join("admin.kubeconfig"),
                dir: dir.clone(),
            };
            let started = Instant::now();
            let out = Command::new(script())
                .arg("start")
                .arg(&cp.dir)
                .output()
                .expect("run control-plane");
            if out.status.success() {
                eprintln!(
                    "control plane started in {:.1} s (attempt {attempt})",
                    started.elapsed().as_secs_f64()
                );
                return cp;
            }
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            eprintln!("control-plane start failed (attempt {attempt}):\n{stderr}");
            failures.push(format!("attempt {attempt}:\n{stderr}"));
        }
        panic!(
            "control-plane start failed {} times:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// User `viewer`: authenticated, no RBAC bindings.
    pub fn viewer_kubeconfig(&self) -> PathBuf {
        self.dir.join("viewer.kubeconfig")
    }

    /// Runs kubectl as admin; panics with its stderr when it fails.
    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = Command::new("kubectl")
            .env("KUBECONFIG", &self.kubeconfig)
            .args(args)
            .output()
            .expect("run kubectl");
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        let started = Instant::now();
        let stopped = Command::new(script()).arg("stop").arg(&self.dir).status();
        eprintln!(
            "control plane stopped in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        if stopped.is_ok_and(|s| s.success()) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

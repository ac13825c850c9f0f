//! `palisade bench` section 5 (policies): the mapping of each section-5 check to the rules
//! that cite its CIS id, decided on manifests (`-f DIR`, offline) — failing objects with their
//! rule codes and file:line:column, passes where the rules ran and found nothing, manual
//! warnings where no rule decides — the whole benchmark in one report with `--root`, and
//! (ignored: needs cluster) the same verdicts from a real API server with `--cluster`:
//!
//! ```sh
//! cargo test -p palisade_cli --test bench_cluster -- --ignored --nocapture
//! ```

mod common;
#[path = "../../palisade_bench/tests/common/mod.rs"]
mod fixtures;

use common::{code, palisade, temp_dir, text};
use serde_json::Value;
use std::path::Path;

const INSECURE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: apps
---
apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: apps
spec:
  containers:
    - name: c
      image: nginx:1.27
      securityContext:
        privileged: true
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ops-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: User
    name: alice
    apiGroup: rbac.authorization.k8s.io
";

/// A namespace with Pod Security, a default-deny policy and a pod that meets restricted.
const HARDENED: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: apps
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: apps
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: apps
automountServiceAccountToken: false
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  serviceAccountName: web
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: c
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
";

fn checks(v: &Value) -> Vec<&Value> {
    v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["groups"].as_array().unwrap())
        .flat_map(|g| g["checks"].as_array().unwrap())
        .collect()
}

fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    checks(v)
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn json_of(args: &[&str]) -> (i32, Value) {
    let o = palisade(args);
    let v = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&o), String::from_utf8_lossy(&o.stderr)));
    (code(&o), v)
}

fn write(dir: &Path, text: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("objects.yaml"), text).unwrap();
    dir.to_str().unwrap().to_owned()
}

/// The failing items of a check: (rule code, object text, location text).
fn items(c: &Value) -> Vec<(String, String, String)> {
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let l = &i["location"];
            let at = match l["kind"].as_str().unwrap() {
                "file" => format!(
                    "{}:{}:{}",
                    l["file"].as_str().unwrap().rsplit('/').next().unwrap(),
                    l["line"],
                    l["column"]
                ),
                _ => format!(
                    "{} {}",
                    l["object"].as_str().unwrap(),
                    l["path"].as_str().unwrap()
                ),
            };
            (
                i["item"].as_str().unwrap().to_owned(),
                i["value"].as_str().unwrap().to_owned(),
                at,
            )
        })
        .collect()
}

#[test]
fn section_5_from_manifests_maps_each_check_to_its_rules() {
    let dir = temp_dir("bench-s5");
    let bad = write(&dir.join("bad"), INSECURE);
    let (c, v) = json_of(&["bench", "-f", &bad, "-o", "json"]);
    assert_eq!(c, 1, "{v}");
    assert_eq!(checks(&v).len(), 34);
    assert!(v.get("distribution").is_none(), "no node was read");
    // A privileged container: 5.2.2 by PSS007, at the field.
    let c522 = check(&v, "5.2.2");
    assert_eq!(c522["status"], "fail");
    let i = items(c522);
    assert_eq!(i.len(), 1, "{i:?}");
    assert_eq!(
        (i[0].0.as_str(), i[0].2.as_str()),
        ("PSS007", "objects.yaml:16:9")
    );
    assert!(items(c522)[0].1.starts_with("Pod apps/priv container c: "));
    // cluster-admin bound to a user: 5.1.1 by RBAC001 on the binding.
    let c511 = check(&v, "5.1.1");
    assert_eq!(c511["status"], "fail");
    assert_eq!(items(c511)[0].0, "RBAC001");
    assert!(items(c511)[0].1.starts_with("ClusterRoleBinding ops-admin: "));
    // A namespace without NetworkPolicy: 5.3.2.
    let c532 = check(&v, "5.3.2");
    assert_eq!(c532["status"], "fail");
    assert!(items(c532)
        .iter()
        .any(|i| i.0 == "NET001" && i.1.starts_with("Namespace apps: ")));
    // A namespace without Pod Security labels: 5.2.1.
    assert_eq!(check(&v, "5.2.1")["status"], "fail");
    // Rules that ran and found nothing pass; checks no rule decides are manual warnings.
    for id in ["5.2.3", "5.2.4", "5.2.5", "5.2.12", "5.1.3", "5.6.4"] {
        assert_eq!(check(&v, id)["status"], "pass", "{id}");
    }
    for id in ["5.1.7", "5.3.1", "5.5.1", "5.6.1"] {
        let c = check(&v, id);
        assert_eq!(
            (c["status"].as_str(), c["manual"].as_bool()),
            (Some("warn"), Some(true)),
            "{id}"
        );
    }

    // The hardened namespace: the checks the insecure one failed pass.
    let good = write(&dir.join("good"), HARDENED);
    let (c, v) = json_of(&["bench", "-f", &good, "-o", "json"]);
    for id in [
        "5.2.2", "5.1.1", "5.3.2", "5.2.1", "5.2.6", "5.2.7", "5.2.8", "5.2.9", "5.6.2", "5.1.6",
    ] {
        assert_eq!(check(&v, id)["status"], "pass", "{id}: {}", check(&v, id));
    }
    assert_eq!(c, 0, "{v}");

    // --check limits the section; a node check with -f alone reports nothing of section 5.
    let (_, v) = json_of(&["bench", "-f", &bad, "-o", "json", "--check", "5.2"]);
    assert!(checks(&v).iter().all(|c| c["group"] == "5.2"));
    assert_eq!(checks(&v).len(), 12);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn node_and_policies_in_one_report() {
    let dir = temp_dir("bench-s1-5");
    let node = dir.join("node");
    let mut entries = fixtures::kubeadm_control_plane(true);
    entries.extend(fixtures::kubeadm_kubelet(true));
    fixtures::write_dir(&node, &entries);
    let bad = write(&dir.join("bad"), INSECURE);
    let (c, v) = json_of(&[
        "bench",
        "--root",
        node.to_str().unwrap(),
        "-f",
        &bad,
        "-o",
        "json",
    ]);
    assert_eq!(c, 1);
    let sections: Vec<&str> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    // sections 1–5, then palisade's own node checks (N)
    assert_eq!(sections, ["1", "2", "3", "4", "5", "N"]);
    assert_eq!(v["distribution"], "kubeadm");
    assert!(v["origin"].as_str().unwrap().contains(" + "), "{}", v["origin"]);
    // The human table lists section 5 after the node's.
    let o = palisade(&["bench", "--root", node.to_str().unwrap(), "-f", &bad]);
    assert!(text(&o).contains("5 Kubernetes Policies"), "{}", text(&o));
    // SARIF carries the section-5 rules.
    let o = palisade(&[
        "bench",
        "--root",
        node.to_str().unwrap(),
        "-f",
        &bad,
        "-o",
        "sarif",
    ]);
    assert!(text(&o).contains("\"CIS-5.2.2\""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs cluster"]
fn section_5_from_a_real_api_server() {
    let cp = common::control_plane::ControlPlane::start("bench-s5");
    let dir = temp_dir("bench-s5-cluster");
    let file = dir.join("objects.yaml");
    std::fs::write(&file, INSECURE).unwrap();
    cp.kubectl(&["apply", "-f", file.to_str().unwrap()]);
    let kubeconfig = cp.kubeconfig.to_str().unwrap().to_owned();
    let (c, v) = json_of(&["bench", "--cluster", "--kubeconfig", &kubeconfig, "-o", "json"]);
    assert_eq!(c, 1, "{v}");
    assert!(
        v["origin"].as_str().unwrap().starts_with("cluster "),
        "{}",
        v["origin"]
    );
    // Objects from the API have no positions: the object and the field.
    let c522 = check(&v, "5.2.2");
    assert_eq!(c522["status"], "fail");
    assert!(
        items(c522)
            .iter()
            .any(|i| i.0 == "PSS007" && i.2 == "Pod apps/priv spec.containers[0].securityContext.privileged"),
        "{:?}",
        items(c522)
    );
    let c511 = check(&v, "5.1.1");
    assert_eq!(c511["status"], "fail");
    assert!(items(c511)
        .iter()
        .any(|i| i.0 == "RBAC001" && i.1.starts_with("ClusterRoleBinding ops-admin: ")));
    let c532 = check(&v, "5.3.2");
    assert_eq!(c532["status"], "fail");
    assert!(items(c532).iter().any(|i| i.1.starts_with("Namespace apps: ")));
    for id in ["5.2.3", "5.2.4", "5.2.12"] {
        assert_eq!(check(&v, id)["status"], "pass", "{id}: {}", check(&v, id));
    }
    assert_eq!(check(&v, "5.1.7")["status"], "warn");
    // -n limits the workloads to one namespace (cluster-scoped objects are read in any case).
    let (_, v) = json_of(&[
        "bench",
        "--cluster",
        "--kubeconfig",
        &kubeconfig,
        "-n",
        "default",
        "-o",
        "json",
    ]);
    assert_eq!(check(&v, "5.2.2")["status"], "pass", "{}", check(&v, "5.2.2"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn section_5_honours_the_configuration() {
    let dir = temp_dir("bench-s5-config");
    let bad = write(&dir.join("bad"), INSECURE);
    // An accepted exception for the privileged pod, and the option 5.5.1's rule needs.
    std::fs::write(
        dir.join("bad/.palisade.yaml"),
        "rules:\n  allowed-registries:\n    allowedRegistries: [registry.example.com]\nexceptions:\n  - rules: [PSS007]\n    kind: Pod\n    namespace: apps\n    name: priv\n    reason: a node debugger, reviewed in SEC-1\n    owner: platform-team\n    expires: 2099-01-01\n",
    )
    .unwrap();
    let (_, v) = json_of(&["bench", "-f", &bad, "-o", "json"]);
    // The exception accepts the only finding of 5.2.2.
    assert_eq!(check(&v, "5.2.2")["status"], "pass", "{}", check(&v, "5.2.2"));
    // With the registries given, 5.5.1 is decided: nginx is not from registry.example.com.
    let c551 = check(&v, "5.5.1");
    assert_eq!(c551["status"], "fail", "{c551}");
    assert_eq!(items(c551)[0].0, "HRD006", "{c551}");
    // --no-config: as without the file.
    let (_, v) = json_of(&["bench", "-f", &bad, "-o", "json", "--no-config"]);
    assert_eq!(check(&v, "5.2.2")["status"], "fail");
    assert_eq!(check(&v, "5.5.1")["status"], "warn");
    // A configuration that does not load is an error, as for scan.
    std::fs::write(dir.join("bad/.palisade.yaml"), "nonsense: [\n").unwrap();
    assert_eq!(code(&palisade(&["bench", "-f", &bad, "-o", "json"])), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

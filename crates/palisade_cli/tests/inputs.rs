//! End-to-end tests of what palisade reads: documents that are skipped or invalid, Helm
//! charts and Kustomize directories, encodings, and invalid values in pod templates.

mod common;

use common::{code, palisade, palisade_stdin, text};

const SKIPPED: &str = "Kind: Pod\napiVersion: v1\nmetadata: {name: q}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx}\n";

#[test]
fn skipped_documents_are_named_in_every_output_format() {
    for fmt in ["human", "json", "sarif", "junit"] {
        let out = palisade_stdin(
            &["scan", "-", "--select", "HRD033", "-o", fmt, "--color", "never"],
            SKIPPED,
        );
        let s = text(&out);
        assert_eq!(code(&out), 0, "{fmt}: {s}");
        assert!(
            s.contains("document skipped: not a Kubernetes object (no kind (\\\"Kind\\\" is not \\\"kind\\\"")
                || s.contains("document skipped: not a Kubernetes object (no kind (\"Kind\" is not \"kind\"")
                || s.contains("document skipped: not a Kubernetes object (no kind (&quot;Kind&quot; is not &quot;kind&quot;"),
            "{fmt}: {s}"
        );
        match fmt {
            "human" => assert!(s.contains("<stdin>:1:1"), "{s}"),
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&s).unwrap();
                let e = &v["errors"][0];
                assert_eq!(
                    (e["level"].as_str(), e["line"].as_u64()),
                    (Some("warning"), Some(1)),
                    "{v:#}"
                );
            }
            _ => assert!(s.contains("stdin"), "{s}"),
        }
    }
}

#[test]
fn a_boolean_namespace_or_name_is_an_input_error() {
    let out = palisade_stdin(
        &["scan", "-", "-o", "json"],
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: y\nspec:\n  containers:\n  - {name: c, image: nginx}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: y\n",
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<(u64, &str)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["level"] == "error")
        .map(|e| (e["line"].as_u64().unwrap_or(0), e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(errors[0].0, 5);
    assert!(
        errors[0]
            .1
            .starts_with("metadata.namespace must be a string, not boolean"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, 13);
    assert!(
        errors[1]
            .1
            .starts_with("metadata.name must be a string, not boolean"),
        "{errors:?}"
    );
    assert!(errors[2].1.starts_with("nothing was scanned"), "{errors:?}");
    // Nothing is placed in `default` or named "".
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v:#}");
}

#[test]
fn skipped_documents_are_named_by_psa_rbac_and_netpol_too() {
    let out = palisade_stdin(&["netpol", "matrix", "-f", "-"], SKIPPED);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("<stdin>:1:1") && err.contains("document skipped"),
        "{err}"
    );
    let _ = palisade;
}

const KUSTOMIZE: &str = "crates/palisade_cli/tests/data/kustomize";

#[test]
fn a_kustomize_overlay_is_rendered_and_located_in_its_files() {
    let out = palisade(&[
        "scan",
        &format!("{KUSTOMIZE}/overlays/prod"),
        "--select",
        "PSS007",
        "-o",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    // One finding, on the rendered Deployment (namespace and name prefix applied), located in
    // the base file that defines it; none on the patch fragment.
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["object"]["namespace"], "prod");
    assert_eq!(f[0]["object"]["name"], "prod-web");
    assert_eq!(
        f[0]["location"]["file"],
        format!("{KUSTOMIZE}/base/deployment.yaml")
    );
    assert_eq!(
        (
            f[0]["location"]["line"].as_u64(),
            f[0]["location"]["column"].as_u64()
        ),
        (Some(14), Some(11))
    );
    assert_eq!(v["stats"]["skippedDocuments"], 0);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v:#}");
    // The origin annotation palisade asks Kustomize for is not left on the object.
    assert!(!text(&out).contains("config.kubernetes.io/origin"));
}

#[test]
fn a_walked_kustomize_directory_never_has_its_patch_scanned() {
    // A tree holding Kustomize directories is walked file by file (rendering every
    // kustomization of a large tree would be slow and need their remote bases); the patch
    // fragments they name are not objects: each is named in a warning, with the command that
    // renders its directory, and never gets a finding.
    let (c, v) = common::json(&["scan", KUSTOMIZE]);
    assert_eq!(c, 1, "{v:#}");
    let f = v["findings"].as_array().unwrap();
    assert!(!f.is_empty());
    assert!(
        f.iter()
            .all(|f| f["location"]["file"] == format!("{KUSTOMIZE}/base/deployment.yaml")),
        "{v:#}"
    );
    assert_eq!(v["stats"]["workloads"], 1, "{v:#}");
    let w: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["file"] == format!("{KUSTOMIZE}/overlays/prod/patch.yaml"))
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        w,
        [format!("a patch of the Kustomize directory {KUSTOMIZE}/overlays/prod, not a complete object: not scanned; scan the directory itself to scan what it renders: palisade scan {KUSTOMIZE}/overlays/prod")]
    );
}

#[test]
fn without_kubectl_a_kustomization_is_a_clear_error() {
    let empty = common::temp_dir("nopath");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(["scan", &format!("{KUSTOMIZE}/overlays/prod")])
        .current_dir(common::root())
        .env("PATH", &empty)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let s = text(&out);
    assert!(
        s.contains("neither kubectl nor kustomize is on PATH")
            && s.contains(&format!(
                "kubectl kustomize {KUSTOMIZE}/overlays/prod | palisade scan -"
            )),
        "{s}"
    );
}

#[test]
fn a_helm_chart_is_a_clear_error_naming_the_command() {
    for path in [
        "crates/palisade_cli/tests/data/chart",
        "crates/palisade_cli/tests/data",
    ] {
        let out = palisade(&["scan", path, "--color", "never"]);
        let s = text(&out);
        assert_eq!(code(&out), 2, "{s}");
        assert!(
            s.contains("crates/palisade_cli/tests/data/chart: a Helm chart (it has a Chart.yaml)")
                && s.contains("helm template RELEASE crates/palisade_cli/tests/data/chart | palisade scan -"),
            "{s}"
        );
        assert!(!s.contains("mapping key must be a scalar"), "{s}");
    }
    let out = palisade(&[
        "scan",
        "crates/palisade_cli/tests/data/chart/templates/deployment.yaml",
    ]);
    assert!(
        text(&out).contains("this is a template (Helm or Go `{{ }}`)"),
        "{}",
        text(&out)
    );
}

#[test]
fn rendered_helm_output_names_the_template_in_every_finding() {
    let rendered = "---\n# Source: tiny/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web}\n---\n# Source: tiny/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: rel-web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext: {privileged: true}\n";
    let out = palisade_stdin(&["scan", "-", "--select", "PSS007", "-o", "json"], rendered);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(
        f[0]["location"]["file"],
        "tiny/templates/deployment.yaml in <stdin>"
    );
    assert_eq!(f[0]["location"]["line"], 20);
}

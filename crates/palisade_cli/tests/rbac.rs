//! End-to-end tests of `palisade rbac` on the shipped guestbook example (and the corpus when
//! present): answers, explanations with file:line, JSON shapes and exit codes.

mod common;

use common::{corpus, json, palisade, text};

const GB: &str = "examples/guestbook";

#[test]
fn can_i_answers_yes_with_the_rule_that_allows_it() {
    let out = palisade(&[
        "rbac",
        "can-i",
        "list",
        "secrets",
        "-n",
        "guestbook",
        "--as",
        "system:serviceaccount:guestbook:frontend",
        "-f",
        GB,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.starts_with("yes\n"), "{t}");
    assert!(
        t.contains("RoleBinding guestbook/frontend (examples/guestbook/rbac.yaml:23:1)"),
        "{t}"
    );
    assert!(
        t.contains("Role guestbook/frontend rules[0]") && t.contains("rbac.yaml:16:5"),
        "{t}"
    );
}

#[test]
fn can_i_answers_no_with_exit_1() {
    // A RoleBinding grants nothing outside its namespace, nor cluster-wide.
    for args in [
        &["list", "secrets", "-n", "default"][..],
        &["list", "secrets", "-A"][..],
        &["delete", "secrets", "-n", "guestbook"][..],
    ] {
        let mut a = vec!["rbac", "can-i"];
        a.extend(args);
        a.extend(["--as", "system:serviceaccount:guestbook:frontend", "-f", GB]);
        let out = palisade(&a);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert!(text(&out).starts_with("no\n"));
    }
}

#[test]
fn can_i_json_lists_grants_and_identity() {
    let (code, v) = json(&[
        "rbac",
        "can-i",
        "create",
        "pods/exec",
        "-n",
        "guestbook",
        "--as",
        "system:serviceaccount:guestbook:default",
        "-f",
        GB,
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["allowed"], true);
    let groups = v["user"]["groups"].as_array().unwrap();
    assert!(groups.iter().any(|g| g == "system:serviceaccounts:guestbook"));
    // edit's rules are aggregated: the grant names the role the rule came from.
    let g = &v["grants"][0];
    assert_eq!(g["binding"]["name"], "default-edit");
    assert!(
        g["ruleSource"]
            .as_str()
            .unwrap()
            .contains("system:aggregate-to-edit"),
        "{g}"
    );
    // Without the default roles, `edit` does not exist and the binding grants nothing.
    let (code, v) = json(&[
        "rbac",
        "can-i",
        "create",
        "pods/exec",
        "-n",
        "guestbook",
        "--as",
        "system:serviceaccount:guestbook:default",
        "--no-default-rbac",
        "-f",
        GB,
    ]);
    assert_eq!((code, &v["allowed"]), (1, &serde_json::json!(false)));
}

#[test]
fn can_i_super_user_and_non_resource_urls() {
    let out = palisade(&[
        "rbac",
        "can-i",
        "delete",
        "nodes",
        "--as",
        "carol",
        "--as-group",
        "system:masters",
        "-f",
        GB,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).contains("system:masters"));
    let out = palisade(&[
        "rbac",
        "can-i",
        "get",
        "/healthz",
        "--as",
        "system:anonymous",
        "-f",
        GB,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = palisade(&["rbac", "can-i", "get", "/metrics", "--as", "bob", "-f", GB]);
    assert_eq!(out.status.code(), Some(1));
    // --as is required.
    let out = palisade(&["rbac", "can-i", "get", "pods", "-f", GB]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn who_can_lists_super_users_and_every_grant() {
    let (code, v) = json(&["rbac", "who-can", "get", "secrets", "-n", "guestbook", "-f", GB]);
    assert_eq!(code, 0);
    let subjects: Vec<String> = v["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s["subject"]["kind"].as_str().unwrap(),
                s["subject"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(subjects[0], "Group:system:masters");
    for want in [
        "ServiceAccount:frontend",
        "ServiceAccount:default",
        "ServiceAccount:ci",
        "ServiceAccount:namespace-controller",
    ] {
        assert!(subjects.iter().any(|s| s == want), "{want} in {subjects:?}");
    }
    // messages holds nothing on secrets.
    assert!(!subjects.iter().any(|s| s == "ServiceAccount:messages"));
    let out = palisade(&["rbac", "who-can", "create", "pods", "-f", GB]);
    let t = text(&out);
    assert!(
        t.contains("namespace guestbook") && t.contains("ServiceAccount guestbook/frontend"),
        "{t}"
    );
}

#[test]
fn subject_prints_matrix_rules_and_dangers() {
    let out = palisade(&["rbac", "subject", "sa:guestbook/frontend", "-f", GB]);
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out);
    assert!(t.contains("Namespace guestbook"), "{t}");
    assert!(t.contains("get,list,watch configmaps,secrets [core]"), "{t}");
    assert!(t.contains("RESOURCE") && t.contains("pods/exec"), "{t}");
    assert!(t.contains("! read secrets in guestbook"), "{t}");
    let (_, v) = json(&["rbac", "subject", "sa:guestbook/ci", "-f", GB]);
    assert_eq!(v["risks"][0]["risk"], "cluster-admin");
    let (_, v) = json(&["rbac", "subject", "user:nobody", "-f", GB]);
    assert_eq!(v["risks"].as_array().unwrap().len(), 0);
}

#[test]
fn workload_reports_token_and_permissions() {
    let (code, v) = json(&["rbac", "workload", "guestbook/Deployment/frontend", "-f", GB]);
    assert_eq!(code, 0);
    assert_eq!(v["tokenMounted"], true);
    assert!(v["risks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["risk"] == "secrets-read"));
    let (code, v) = json(&[
        "rbac",
        "workload",
        "guestbook/Deployment/frontend",
        "-f",
        "examples/guestbook-hardened",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["tokenMounted"], false);
    assert_eq!(v["risks"].as_array().unwrap().len(), 0);
    let out = palisade(&["rbac", "workload", "guestbook/Deployment/nope", "-f", GB]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn risks_are_findings_in_every_format() {
    let (code, v) = json(&["rbac", "risks", GB]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.iter().all(|c| c.starts_with("RBAC")), "{codes:?}");
    for c in ["RBAC001", "RBAC004", "RBAC005", "RBAC006", "RBAC015", "RBAC016"] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    for fmt in ["sarif", "junit"] {
        let out = palisade(&["rbac", "risks", GB, "-o", fmt]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out).contains("RBAC001"));
    }
    // The hardened guestbook's RBAC is clean.
    let out = palisade(&["rbac", "risks", "examples/guestbook-hardened"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn bad_input_is_reported_and_the_rest_still_answers() {
    let dir = std::env::temp_dir().join(format!("palisade-rbac-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.yaml"), "kind: [unclosed\n").unwrap();
    std::fs::write(
        dir.join("ok.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]\n",
    )
    .unwrap();
    let out = palisade(&[
        "rbac",
        "can-i",
        "list",
        "pods",
        "--as",
        "bob",
        "-f",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).starts_with("yes"), "the valid file is still evaluated");
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yaml:"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corpus_rbac_commands_answer() {
    let Some(corpus) = corpus() else {
        return; // PALISADE_NO_CORPUS: skipped on request
    };
    let corpus = corpus.join("manifests");
    let c = corpus.to_str().unwrap();
    let (_, v) = json(&["rbac", "who-can", "list", "secrets", "-f", c]);
    assert!(v["subjects"].as_array().unwrap().len() > 50);
    let out = palisade(&[
        "rbac",
        "can-i",
        "create",
        "pods",
        "-n",
        "argocd",
        "--as",
        "system:serviceaccount:argocd:argocd-application-controller",
        "-f",
        c,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.starts_with("yes\n") && t.contains("ClusterRoleBinding argocd-application-controller"),
        "{t}"
    );
    let (_, v) = json(&["rbac", "paths", "--to", "cluster-admin", "-f", c]);
    assert!(v["paths"].as_array().unwrap().len() > 10);
}

#[test]
fn paths_chain_to_cluster_admin_with_evidence() {
    let out = palisade(&["rbac", "paths", "--to", "cluster-admin", "-f", GB]);
    assert_eq!(out.status.code(), Some(1), "paths exist");
    let t = text(&out);
    assert!(
        t.contains("ServiceAccount guestbook/ci is already cluster-admin"),
        "{t}"
    );
    assert!(
        t.contains("Deployment guestbook/frontend → cluster-admin in 3 steps"),
        "{t}"
    );
    assert!(
        t.contains("creates a pod in namespace guestbook running as ServiceAccount guestbook/ci"),
        "{t}"
    );
    assert!(
        t.contains("examples/guestbook/rbac.yaml:19:5"),
        "the rule behind the step: {t}"
    );
    let (code, v) = json(&[
        "rbac",
        "paths",
        "--from",
        "sa:guestbook/frontend",
        "--to",
        "cluster-admin",
        "-f",
        GB,
    ]);
    assert_eq!(code, 1);
    let p = &v["paths"][0];
    assert_eq!(p["target"], "cluster-admin");
    assert_eq!(p["steps"].as_array().unwrap().len(), 2);
    for (fmt, want) in [("dot", "digraph"), ("mermaid", "flowchart LR")] {
        let out = palisade(&[
            "rbac",
            "paths",
            "--from",
            "sa:guestbook/frontend",
            "-f",
            GB,
            "-o",
            fmt,
        ]);
        assert!(text(&out).contains(want), "{fmt}: {}", text(&out));
    }
    // The hardened guestbook has no path anywhere.
    let out = palisade(&["rbac", "paths", "-f", "examples/guestbook-hardened"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A subject no binding names has no path; a bad --from is a usage error.
    assert_eq!(
        palisade(&["rbac", "paths", "--from", "user:bob", "-f", GB])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        palisade(&["rbac", "paths", "--from", "sa:nope", "-f", GB])
            .status
            .code(),
        Some(2)
    );
}

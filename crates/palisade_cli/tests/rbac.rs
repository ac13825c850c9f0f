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
    let dir = common::scratch_root().join("rbac-bad");
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

/// kubectl's `TYPE/NAME`: `secrets/redis-auth` is the Secret named redis-auth, in can-i and
/// who-can alike; subresources come with `--subresource`; a third argument is a usage error.
#[test]
fn type_slash_name_is_a_name_as_in_kubectl() {
    let sa = "system:serviceaccount:guestbook:frontend";
    let (code, v) = json(&[
        "rbac",
        "can-i",
        "get",
        "secrets/redis-auth",
        "-n",
        "guestbook",
        "--as",
        sa,
        "-f",
        GB,
    ]);
    assert_eq!((code, &v["allowed"]), (0, &serde_json::json!(true)), "{v}");
    assert_eq!(v["request"]["resource"], "secrets");
    assert_eq!(v["request"]["name"], "redis-auth");
    assert!(v["request"].get("subresource").is_none(), "{v}");
    let (code, v) = json(&[
        "rbac",
        "can-i",
        "create",
        "pods",
        "--subresource",
        "exec",
        "-n",
        "guestbook",
        "--as",
        sa,
        "-f",
        GB,
    ]);
    assert_eq!(
        (code, &v["request"]["subresource"]),
        (0, &serde_json::json!("exec")),
        "{v}"
    );
    // kubectl: "you must specify two arguments"; a URL takes no --subresource.
    let out = palisade(&[
        "rbac",
        "can-i",
        "get",
        "secrets",
        "redis-auth",
        "--as",
        sa,
        "-f",
        GB,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = palisade(&[
        "rbac",
        "can-i",
        "get",
        "/healthz",
        "--subresource",
        "x",
        "--as",
        sa,
        "-f",
        GB,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--subresource can not be used with NonResourceURL")
    );
    // who-can: every subject that may read that Secret (frontend's Role, default's edit).
    let (code, v) = json(&[
        "rbac",
        "who-can",
        "get",
        "secrets/redis-auth",
        "-n",
        "guestbook",
        "-f",
        GB,
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["request"]["name"], "redis-auth");
    let names: Vec<String> = v["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subject"]["name"].as_str().unwrap().to_owned())
        .collect();
    for want in ["frontend", "default", "ci"] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let (_, v) = json(&[
        "rbac",
        "who-can",
        "create",
        "pods",
        "--subresource",
        "exec",
        "-n",
        "guestbook",
        "-f",
        GB,
    ]);
    assert_eq!(v["request"]["subresource"], "exec");
    assert!(v["subjects"].to_string().contains("\"frontend\""));
}

/// `can-i --list` prints what `kubectl auth can-i --list` prints (checked against kubectl
/// v1.32 and a v1.36.2 API server holding the same objects; that server's fork adds one
/// `/.well-known` binding, left out here).
#[test]
fn can_i_list_prints_what_kubectl_prints() {
    let out = palisade(&[
        "rbac",
        "can-i",
        "--list",
        "-n",
        "guestbook",
        "--as",
        "system:serviceaccount:guestbook:frontend",
        "-f",
        GB,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let want = "\
Resources                                       Non-Resource URLs                      Resource Names   Verbs
selfsubjectreviews.authentication.k8s.io        []                                     []               [create]
selfsubjectaccessreviews.authorization.k8s.io   []                                     []               [create]
selfsubjectrulesreviews.authorization.k8s.io    []                                     []               [create]
pods/exec                                       []                                     []               [get create]
pods                                            []                                     []               [get create]
configmaps                                      []                                     []               [get list watch]
secrets                                         []                                     []               [get list watch]
                                                [/.well-known/openid-configuration/]   []               [get]
                                                [/.well-known/openid-configuration]    []               [get]
                                                [/api/*]                               []               [get]
                                                [/api]                                 []               [get]
                                                [/apis/*]                              []               [get]
                                                [/apis]                                []               [get]
                                                [/healthz]                             []               [get]
                                                [/healthz]                             []               [get]
                                                [/livez]                               []               [get]
                                                [/livez]                               []               [get]
                                                [/openapi/*]                           []               [get]
                                                [/openapi]                             []               [get]
                                                [/openid/v1/jwks/]                     []               [get]
                                                [/openid/v1/jwks]                      []               [get]
                                                [/readyz]                              []               [get]
                                                [/readyz]                              []               [get]
                                                [/version/]                            []               [get]
                                                [/version/]                            []               [get]
                                                [/version]                             []               [get]
                                                [/version]                             []               [get]
";
    assert_eq!(text(&out), want);
    let out = palisade(&[
        "rbac",
        "can-i",
        "--list",
        "--no-headers",
        "-n",
        "guestbook",
        "--as",
        "bob",
        "-f",
        GB,
    ]);
    assert!(
        text(&out).starts_with("selfsubjectreviews.authentication.k8s.io"),
        "{}",
        text(&out)
    );
    // As kubectl: --list takes no arguments, and not -A.
    for bad in [&["get", "pods"][..], &["-A"][..]] {
        let mut a = vec!["rbac", "can-i", "--list", "--as", "bob", "-f", GB];
        a.extend(bad);
        assert_eq!(palisade(&a).status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn who_can_lists_each_identity_once() {
    let dir = common::temp_dir("rbac-identity");
    std::fs::write(
        dir.join("rbac.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: as-user, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: User, apiGroup: rbac.authorization.k8s.io, name: \"system:serviceaccount:shop:app\"}\n- {kind: ServiceAccount, name: app, namespace: shop}\n",
    )
    .unwrap();
    let (code, v) = json(&[
        "rbac",
        "who-can",
        "list",
        "pods",
        "-n",
        "shop",
        "-f",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let rows: Vec<String> = v["subjects"]
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
    // system:masters once (not again for the cluster-admin binding); the User that is the
    // ServiceAccount's user name is that ServiceAccount, listed once per binding.
    assert_eq!(
        rows.iter().filter(|r| *r == "Group:system:masters").count(),
        1,
        "{rows:?}"
    );
    assert_eq!(
        rows.iter().filter(|r| *r == "ServiceAccount:app").count(),
        1,
        "{rows:?}"
    );
    assert!(
        !rows.iter().any(|r| r.starts_with("User:system:serviceaccount:")),
        "{rows:?}"
    );
    let out = palisade(&[
        "rbac",
        "who-can",
        "list",
        "pods",
        "-n",
        "shop",
        "-f",
        dir.to_str().unwrap(),
    ]);
    let t = text(&out);
    assert!(t.contains(&format!(": {} subject(s)", rows.len())), "{t}");
    assert_eq!(t.matches("Group system:masters").count(), 1, "{t}");
}

#[test]
fn unknown_resources_are_kept_as_written() {
    let (code, v) = json(&["rbac", "can-i", "get", "Foobar", "--as", "bob", "-f", GB]);
    assert_eq!(code, 1);
    assert_eq!(v["request"]["resource"], "Foobar");
    assert!(v["warnings"][0].as_str().unwrap().contains("\"Foobar\""), "{v}");
}

#[test]
fn stderr_lines_say_error_or_warning() {
    let dir = common::temp_dir("rbac-prefix");
    std::fs::write(dir.join("broken.yaml"), "kind: [unclosed\n").unwrap();
    std::fs::write(
        dir.join("ok.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: x, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: missing}\nsubjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]\n",
    )
    .unwrap();
    let out = palisade(&["rbac", "who-can", "get", "pods", "-f", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for line in err.lines() {
        assert!(
            line.starts_with("palisade: error: ") || line.starts_with("palisade: warning: "),
            "{line}"
        );
    }
    assert!(
        err.contains("palisade: error: ") && err.contains("broken.yaml:"),
        "{err}"
    );
    assert!(err.contains("which is not in the scanned input"), "{err}");
    // The answer carries the error too (JSON and human).
    let (_, v) = json(&["rbac", "who-can", "get", "pods", "-f", dir.to_str().unwrap()]);
    assert_eq!(v["complete"], false);
    assert!(v["errors"][0].as_str().unwrap().contains("broken.yaml:"), "{v}");
    assert!(text(&out).contains("Incomplete: this answer leaves out what could not be read"));
}

#[test]
fn subject_rule_list_keeps_equivalent_rules() {
    let dir = common::temp_dir("rbac-equivalent");
    std::fs::write(
        dir.join("rbac.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a}\nrules:\n- {apiGroups: [\"*\"], resources: [pods], verbs: [get]}\n- {apiGroups: [\"\", \"*\"], resources: [pods], verbs: [get]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: a}\nsubjects: [{kind: User, name: eve, apiGroup: rbac.authorization.k8s.io}]\n",
    )
    .unwrap();
    let (code, v) = json(&[
        "rbac",
        "subject",
        "user:eve",
        "--no-default-rbac",
        "-f",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["scopes"][0]["rules"].as_array().unwrap().len(), 2, "{v}");
}

/// The recorded responses of a v1.36.2 API server for what `rbac` reads, with `status` for
/// the listed RBAC types (e.g. 403 for rolebindings).
#[cfg(feature = "cluster")]
fn rbac_routes(forbidden: &[&'static str]) -> std::collections::HashMap<&'static str, common::mock::Answer> {
    use common::mock::Answer;
    let mut r = std::collections::HashMap::new();
    for (p, f) in [
        ("/api/v1/namespaces", "namespaces.json"),
        ("/apis/apps/v1/deployments", "deployments-all.json"),
        ("/apis/apps/v1/replicasets", "replicasets-all.json"),
        ("/apis/apps/v1/statefulsets", "statefulsets-all.json"),
        ("/apis/apps/v1/daemonsets", "daemonsets-all.json"),
        ("/apis/batch/v1/jobs", "jobs-all.json"),
        ("/apis/batch/v1/cronjobs", "cronjobs-all.json"),
        ("/api/v1/serviceaccounts", "serviceaccounts-all.json"),
        ("/api/v1/pods", "pods-all.json"),
        ("/apis/rbac.authorization.k8s.io/v1/roles", "roles-all.json"),
        (
            "/apis/rbac.authorization.k8s.io/v1/rolebindings",
            "rolebindings-all.json",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            "clusterrolebindings-all.json",
        ),
        (
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            "crds.json",
        ),
    ] {
        if forbidden.iter().any(|x| p.ends_with(x)) {
            r.insert(p, Answer::File(403, "forbidden-clusterroles-as-sa.json"));
        } else {
            r.insert(p, Answer::File(200, f));
        }
    }
    // The recorded first page of ClusterRoles and the rest of the server's defaults, as one
    // list.
    let dir = common::recorded();
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let mut page = read("clusterroles-page1.json");
    let mut items = page["items"].as_array().unwrap().clone();
    for i in read("../kubernetes-v1.36-default-rbac.json")["items"]
        .as_array()
        .unwrap()
    {
        if i["kind"] == "ClusterRole"
            && !items
                .iter()
                .any(|x| x["metadata"]["name"] == i["metadata"]["name"])
        {
            items.push(i.clone());
        }
    }
    page["items"] = items.into();
    page["metadata"] = serde_json::json!({"resourceVersion": "460"});
    let cr = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    r.insert(
        cr,
        if forbidden.iter().any(|x| cr.ends_with(x)) {
            Answer::File(403, "forbidden-clusterroles-as-sa.json")
        } else {
            Answer::Body(200, page.to_string())
        },
    );
    r
}

/// Runs `palisade args --cluster --kubeconfig KC`: (exit code, stdout, stderr).
#[cfg(feature = "cluster")]
fn on_cluster(kc: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut a = args.to_vec();
    a.extend(["--cluster", "--kubeconfig", kc.to_str().unwrap()]);
    let out = palisade(&a);
    (
        out.status.code(),
        text(&out),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// RoleBindings may not be listed: an answer that depends on them says so and exits 2; a
/// "no" becomes "unknown" (what was not read may allow it), a "yes" stays (RBAC only adds).
#[cfg(feature = "cluster")]
#[test]
fn cluster_answers_say_what_could_not_be_read() {
    let mock = common::mock::serve(rbac_routes(&["/rolebindings"]));
    let kc = common::kubeconfig(mock.port, "rbac-forbidden-rb");
    let frontend = "system:serviceaccount:shop:frontend-sa";
    // The truth is yes (RoleBinding shop/frontend-secret-reader), but it was not read.
    let (code, out, err) = on_cluster(
        &kc,
        &["rbac", "can-i", "get", "secrets", "-n", "shop", "--as", frontend],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.starts_with("unknown\n"), "{out}");
    assert!(
        out.contains("could not read rolebindings.rbac.authorization.k8s.io"),
        "{out}"
    );
    assert!(
        err.contains("palisade: warning: cannot list rolebindings"),
        "{err}"
    );
    let (code, out, _) = on_cluster(
        &kc,
        &[
            "rbac", "can-i", "get", "secrets", "-n", "shop", "--as", frontend, "-o", "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, Some(2));
    assert_eq!(v["allowed"], serde_json::Value::Null, "{v}");
    assert_eq!(v["complete"], false);
    assert_eq!(
        v["unread"],
        serde_json::json!(["rolebindings.rbac.authorization.k8s.io"])
    );
    // alice's ClusterRoleBinding was read: yes is certain, the answer still incomplete.
    let (code, out, _) = on_cluster(&kc, &["rbac", "can-i", "delete", "nodes", "--as", "alice"]);
    assert_eq!(code, Some(2));
    assert!(out.starts_with("yes\n"), "{out}");
    for cmd in [
        &["rbac", "who-can", "get", "secrets", "-n", "shop", "-o", "json"][..],
        &["rbac", "subject", "sa:shop/frontend-sa", "-o", "json"][..],
        &[
            "rbac", "can-i", "--list", "-n", "shop", "--as", frontend, "-o", "json",
        ][..],
        &["rbac", "paths", "-o", "json"][..],
        &["rbac", "workload", "shop/Deployment/frontend", "-o", "json"][..],
    ] {
        let (code, out, err) = on_cluster(&kc, cmd);
        assert_eq!(code, Some(2), "{cmd:?}: {out}{err}");
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{cmd:?}: {e}: {out}{err}"));
        assert_eq!(v["complete"], false, "{cmd:?}: {v}");
        assert!(v["unread"].to_string().contains("rolebindings"), "{cmd:?}: {v}");
    }
    let (_, out, _) = on_cluster(&kc, &["rbac", "paths", "-o", "dot"]);
    assert!(out.starts_with("// incomplete"), "{out}");
}

/// An API server that cannot be reached: no verdict, no table, the reason, exit 2.
#[cfg(feature = "cluster")]
#[test]
fn unreachable_cluster_gives_no_verdict() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let kc = common::kubeconfig(port, "rbac-closed");
    let (code, out, err) = on_cluster(
        &kc,
        &[
            "rbac",
            "can-i",
            "get",
            "pods",
            "--as",
            "bob",
            "--as-group",
            "system:masters",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(!out.contains("yes") && !out.contains("no\n"), "{out}");
    assert!(
        out.starts_with("No answer: nothing it depends on could be read."),
        "{out}"
    );
    assert!(
        err.contains("palisade: error: cannot reach the API server"),
        "{err}"
    );
    let (code, out, _) = on_cluster(&kc, &["rbac", "who-can", "get", "pods", "-o", "json"]);
    assert_eq!(code, Some(2));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v.get("subjects").is_none() && v.get("allowed").is_none(), "{v}");
    assert_eq!(v["complete"], false);
    assert!(
        v["errors"].to_string().contains("cannot reach the API server"),
        "{v}"
    );
    for cmd in [&["rbac", "subject", "user:bob"][..], &["rbac", "paths"][..]] {
        let (code, out, _) = on_cluster(&kc, cmd);
        assert_eq!(code, Some(2), "{cmd:?}");
        assert!(out.starts_with("No answer"), "{cmd:?}: {out}");
    }
}

/// `rbac risks` runs the RBAC rules only: no Pod Security flags, no profile, no other rules
/// (and so no namespace-policy table).
#[test]
fn risks_takes_no_pod_security_flags_or_other_rules() {
    for extra in [
        &["--pss", "baseline"][..],
        &["--pss-version", "v1.30"][..],
        &["--profile", "cis"][..],
        &["--select", "PSS"][..],
        &["--select", "RBAC004,HRD001"][..],
    ] {
        let mut a = vec!["rbac", "risks", GB];
        a.extend(extra);
        let out = palisade(&a);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", text(&out));
        assert!(!text(&out).contains("Namespace policies"), "{extra:?}");
    }
    let (code, v) = json(&["rbac", "risks", GB, "--select", "RBAC004"]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.is_empty() && codes.iter().all(|c| *c == "RBAC004"),
        "{codes:?}"
    );
}

/// `rbac risks --cluster` whose RBAC types could not be read: an error in the report, exit 2.
#[cfg(feature = "cluster")]
#[test]
fn cluster_risks_say_what_could_not_be_read() {
    let mock = common::mock::serve(rbac_routes(&["/rolebindings"]));
    let kc = common::kubeconfig(mock.port, "rbac-risks-forbidden");
    let (code, out, err) = on_cluster(&kc, &["rbac", "risks", "-A", "-o", "json"]);
    assert_eq!(code, Some(2), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["errors"]
            .to_string()
            .contains("could not read rolebindings.rbac.authorization.k8s.io"),
        "{}",
        v["errors"]
    );
}

/// A binding to a role the cluster does not have is reported as missing from the cluster,
/// not from "the scanned input"; with the roles unreadable it is not reported at all.
#[cfg(feature = "cluster")]
#[test]
fn cluster_dangling_binding_names_the_cluster() {
    use common::mock::Answer;
    let mut routes = rbac_routes(&[]);
    let mut crbs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::recorded().join("clusterrolebindings-all.json")).unwrap(),
    )
    .unwrap();
    crbs["items"].as_array_mut().unwrap().push(serde_json::json!({
        "metadata": {"name": "dangling", "uid": "d-1"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "nope"},
        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "dan"}]
    }));
    routes.insert(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        Answer::Body(200, crbs.to_string()),
    );
    let mock = common::mock::serve(routes);
    let kc = common::kubeconfig(mock.port, "rbac-dangling");
    let (code, out, err) = on_cluster(&kc, &["rbac", "can-i", "get", "pods", "--as", "dan", "-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty(), "-q prints nothing: {out}");
    assert!(
        err.contains("ClusterRoleBinding dangling references ClusterRole nope, which is not in the cluster:"),
        "{err}"
    );
    assert!(!err.contains("scanned input"), "{err}");
}

/// Against a real v1.36.2 API server: a user bound to `view` (which may not list RBAC
/// objects) gets no verdict where the truth depends on RBAC objects; `can-i` and `--list`
/// answer as `kubectl auth can-i` does with full access.
#[cfg(feature = "cluster")]
#[test]
#[ignore = "needs cluster"]
fn real_apiserver_can_i_matches_kubectl_and_view_gets_no_verdict() {
    let cp = common::control_plane::ControlPlane::start("rbac-a");
    cp.kubectl(&["create", "namespace", "guestbook"]);
    cp.kubectl(&[
        "apply",
        "-f",
        common::root()
            .join("examples/guestbook/rbac.yaml")
            .to_str()
            .unwrap(),
    ]);
    cp.kubectl(&["-n", "guestbook", "create", "serviceaccount", "frontend"]);
    cp.kubectl(&[
        "create",
        "clusterrolebinding",
        "viewer-view",
        "--clusterrole=view",
        "--user=viewer",
    ]);
    let sa = "system:serviceaccount:guestbook:frontend";
    let run = |kc: &std::path::Path, args: &[&str]| on_cluster(kc, args);
    // The truth, from the server: yes.
    let truth = std::process::Command::new("kubectl")
        .env("KUBECONFIG", &cp.kubeconfig)
        .args([
            "auth",
            "can-i",
            "get",
            "secrets/redis-auth",
            "-n",
            "guestbook",
            "--as",
            sa,
        ])
        .output()
        .unwrap();
    assert_eq!(truth.status.code(), Some(0));
    let (code, out, err) = run(
        &cp.kubeconfig,
        &[
            "rbac",
            "can-i",
            "get",
            "secrets/redis-auth",
            "-n",
            "guestbook",
            "--as",
            sa,
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    // --list, line for line (the cluster's own objects, the fork's /.well-known binding too).
    let kubectl = std::process::Command::new("kubectl")
        .env("KUBECONFIG", &cp.kubeconfig)
        .args(["auth", "can-i", "--list", "-n", "guestbook", "--as", sa])
        .output()
        .unwrap();
    let want = String::from_utf8_lossy(&kubectl.stdout).into_owned();
    let (code, out, _) = run(
        &cp.kubeconfig,
        &["rbac", "can-i", "--list", "-n", "guestbook", "--as", sa],
    );
    assert_eq!(code, Some(0));
    assert_eq!(out, want);
    // `view` may not list RBAC objects: no "no", the unread types named, exit 2.
    let viewer = cp.viewer_kubeconfig();
    let (code, out, err) = run(
        &viewer,
        &[
            "rbac",
            "can-i",
            "get",
            "secrets",
            "-n",
            "guestbook",
            "--as",
            sa,
            "-o",
            "json",
        ],
    );
    assert_eq!(code, Some(2), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["allowed"], serde_json::Value::Null, "{v}");
    for t in ["roles", "rolebindings", "clusterroles", "clusterrolebindings"] {
        assert!(
            v["unread"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u == &format!("{t}.rbac.authorization.k8s.io")),
            "{t}: {v}"
        );
    }
    let (code, out, _) = run(&viewer, &["rbac", "who-can", "get", "secrets", "-n", "guestbook"]);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("could not read rolebindings.rbac.authorization.k8s.io"),
        "{out}"
    );
}

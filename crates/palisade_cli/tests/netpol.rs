//! End-to-end tests of `palisade netpol` on the shipped guestbook examples (and the corpus
//! when present): the matrix in every format, check with explanations, diff, exit codes.

mod common;

use common::{corpus, json, palisade, text};

const OPEN: &str = "examples/guestbook";
const HARD: &str = "examples/guestbook-hardened";

fn connections(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["from"].as_str().unwrap().to_owned(),
                c["to"].as_str().unwrap().to_owned(),
                c["ports"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn insecure_guestbook_is_open_everywhere() {
    let (code, v) = json(&["netpol", "matrix", "-f", OPEN]);
    assert_eq!(code, 0);
    let c = connections(&v);
    let workloads: Vec<&str> = v["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "workload")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(workloads.len(), 4);
    for s in &workloads {
        for d in &workloads {
            assert!(
                c.iter().any(|(f, t, p)| f == s && t == d && p == "all ports"),
                "{s} → {d}"
            );
        }
        assert!(c
            .iter()
            .any(|(f, t, p)| f == s && t == "0.0.0.0/0, ::/0" && p == "all ports"));
    }
}

#[test]
fn hardened_guestbook_allows_only_the_chain() {
    let (code, v) = json(&["netpol", "matrix", "-f", HARD]);
    assert_eq!(code, 0);
    let c = connections(&v);
    let between: Vec<_> = c
        .iter()
        .filter(|(f, t, _)| f.starts_with("guestbook/") && t.starts_with("guestbook/"))
        .cloned()
        .collect();
    assert_eq!(
        between,
        vec![
            (
                "guestbook/Deployment/frontend".into(),
                "guestbook/Deployment/messages".into(),
                "TCP 9090".into()
            ),
            (
                "guestbook/Deployment/messages".into(),
                "guestbook/StatefulSet/redis".into(),
                "TCP 6379".into()
            ),
        ]
    );
    // From outside, only the frontend's HTTP port; out, only badwords' mirror.
    for (f, t, p) in &c {
        if !f.starts_with("guestbook/") {
            assert_eq!(
                (t.as_str(), p.as_str()),
                ("guestbook/Deployment/frontend", "TCP 8080")
            );
        }
        if !t.starts_with("guestbook/") {
            assert_eq!(
                (f.as_str(), t.as_str(), p.as_str()),
                ("guestbook/Deployment/badwords", "203.0.113.0/24", "TCP 443")
            );
        }
    }
    let human = text(&palisade(&["netpol", "matrix", "-f", HARD]));
    assert!(
        human.contains("0.0.0.0/0, ::/0") && human.contains("TCP 8080"),
        "{human}"
    );
}

#[test]
fn matrix_formats() {
    let csv = text(&palisade(&["netpol", "matrix", "-f", HARD, "-o", "csv"]));
    assert!(csv.starts_with("from,to,ports\n"));
    assert!(
        csv.contains("\"guestbook/Deployment/frontend\",\"guestbook/Deployment/messages\",\"TCP 9090\""),
        "{csv}"
    );
    let dot = text(&palisade(&["netpol", "matrix", "-f", HARD, "-o", "dot"]));
    assert!(
        dot.starts_with("digraph connectivity {") && dot.contains("[label=\"TCP 6379\"]"),
        "{dot}"
    );
    let mer = text(&palisade(&["netpol", "matrix", "-f", HARD, "-o", "mermaid"]));
    assert!(
        mer.starts_with("flowchart LR") && mer.contains("-->|\"TCP 9090\"|"),
        "{mer}"
    );
    // Namespace filter and --no-external.
    let (_, v) = json(&["netpol", "matrix", "-f", OPEN, "-n", "elsewhere", "--no-external"]);
    assert!(connections(&v).is_empty());
}

#[test]
fn check_explains_both_sides() {
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "guestbook/frontend",
        "--to",
        "guestbook/redis",
        "--port",
        "6379",
        "-f",
        HARD,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.starts_with("no:"), "{t}");
    assert!(t.contains("egress of Deployment guestbook/frontend: isolated by NetworkPolicy guestbook/default-deny (examples/guestbook-hardened/netpol.yaml:5:1)"), "{t}");
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "guestbook/messages",
        "--to",
        "guestbook/StatefulSet/redis",
        "--port",
        "redis",
        "-f",
        HARD,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).contains("allowed by NetworkPolicy guestbook/redis spec.ingress[0] (examples/guestbook-hardened/netpol.yaml:92:7): TCP 6379"));
    // UDP on the same port is not allowed.
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "guestbook/messages",
        "--to",
        "guestbook/redis",
        "--port",
        "6379",
        "--protocol",
        "UDP",
        "-f",
        HARD,
    ]);
    assert_eq!(out.status.code(), Some(1));
    // From an outside address.
    let (code, v) = json(&[
        "netpol",
        "check",
        "--from",
        "198.51.100.7",
        "--to",
        "guestbook/frontend",
        "--port",
        "8080",
        "-f",
        HARD,
    ]);
    assert_eq!((code, &v["allowed"]), (0, &serde_json::json!(true)));
    assert_eq!(v["explanation"]["ingress"]["isolated"], true);
    // Open everywhere without policies.
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "guestbook/frontend",
        "--to",
        "guestbook/redis",
        "-f",
        OPEN,
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).contains("not isolated (no NetworkPolicy selects it for ingress)"));
    // Unknown workloads and ambiguous names are usage errors.
    assert_eq!(
        palisade(&[
            "netpol",
            "check",
            "--from",
            "guestbook/nope",
            "--to",
            "guestbook/redis",
            "-f",
            HARD
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn diff_lists_what_a_change_opens_and_closes() {
    let out = palisade(&["netpol", "diff", OPEN, HARD]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("- guestbook/Deployment/frontend → guestbook/StatefulSet/redis  all ports"),
        "{t}"
    );
    assert!(!t.contains("+ "), "hardening only closes: {t}");
    let out = palisade(&["netpol", "diff", HARD, OPEN]);
    assert!(text(&out).contains("+ guestbook/Deployment/frontend → guestbook/StatefulSet/redis  all ports"));
    let out = palisade(&["netpol", "diff", HARD, HARD]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out).contains("No connection changes."));
}

#[test]
fn netpol_findings_in_scan() {
    let (code, v) = json(&["scan", "--select", "NET", OPEN]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for c in ["NET001", "NET002", "NET003", "NET007"] {
        assert!(codes.contains(&c), "{c} in {codes:?}");
    }
    let (code, _) = json(&["scan", "--select", "NET", HARD]);
    assert_eq!(code, 0);
}

#[test]
fn corpus_netpol_commands_answer() {
    let Some(corpus) = corpus() else {
        return; // PALISADE_NO_CORPUS: skipped on request
    };
    let corpus = corpus.join("manifests");
    let c = corpus.to_str().unwrap();
    // Argo CD's own policies: the API server reaches redis on its port, not on another.
    let argo = corpus.join("argoproj__argo-cd/manifests/install.yaml");
    let argo = argo.to_str().unwrap();
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "default/argocd-server",
        "--to",
        "default/argocd-redis",
        "--port",
        "6379",
        "-f",
        argo,
    ]);
    assert!(text(&out).starts_with("yes:"), "{}", text(&out));
    assert!(text(&out).contains("isolated by NetworkPolicy default/argocd-redis-network-policy"));
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "default/argocd-server",
        "--to",
        "default/argocd-redis",
        "--port",
        "22",
        "-f",
        argo,
    ]);
    assert!(text(&out).starts_with("no:"), "{}", text(&out));
    // The whole corpus as one cluster still answers (other projects' policies in `default` add flows).
    let out = palisade(&[
        "netpol",
        "check",
        "--from",
        "default/argocd-server",
        "--to",
        "default/Deployment/argocd-redis",
        "--port",
        "6379",
        "-f",
        c,
    ]);
    assert!(text(&out).starts_with("yes:"), "{}", text(&out));
    let (_, v) = json(&["scan", "--select", "NET", c]);
    assert!(v["findings"].as_array().unwrap().len() > 100);
}

#[test]
fn diff_arguments_are_checked_by_clap() {
    // Without --cluster, BEFORE and AFTER are both needed.
    let out = palisade(&["netpol", "diff", OPEN]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<AFTER>"), "{err}");
    // With --cluster, AFTER alone (the cluster is the state before).
    let out = palisade(&["netpol", "diff", OPEN, HARD, "--cluster"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn psa_version_requires_level() {
    let out = palisade(&["psa", "-f", OPEN, "--version", "v1.30"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--level <LEVEL>"), "{err}");
    let out = palisade(&["psa", "-f", OPEN, "--version", "v1.30", "--level", "baseline"]);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn paths_are_positional_everywhere_and_f_still_works() {
    // Positional PATH (like `scan`) and -f give the same answer, for every command that reads
    // manifests; both together read both.
    for args in [
        vec!["psa"],
        vec!["netpol", "matrix"],
        vec![
            "netpol",
            "check",
            "--from",
            "guestbook/frontend",
            "--to",
            "guestbook/redis",
        ],
        vec!["rbac", "who-can", "get", "secrets"],
        vec!["rbac", "subject", "sa:guestbook/frontend"],
        vec!["rbac", "paths"],
    ] {
        let with = |extra: &[&str]| {
            let mut a = args.clone();
            a.extend_from_slice(extra);
            let out = palisade(&a);
            (
                out.status.code(),
                text(&out),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (code_f, out_f, err_f) = with(&["-f", HARD]);
        assert_ne!(code_f, Some(2), "{args:?} -f: {err_f}");
        let (code_p, out_p, err_p) = with(&[HARD]);
        assert_eq!((code_p, &out_p), (code_f, &out_f), "{args:?} positional: {err_p}");
    }
    // rbac can-i VERB RESOURCE [NAME] [PATH…]: a third argument alone is the input (an input
    // is required); with a fourth, it is the NAME.
    let out = palisade(&[
        "rbac",
        "can-i",
        "get",
        "pods",
        HARD,
        "--as",
        "system:serviceaccount:guestbook:frontend",
    ]);
    let f = palisade(&[
        "rbac",
        "can-i",
        "get",
        "pods",
        "-f",
        HARD,
        "--as",
        "system:serviceaccount:guestbook:frontend",
    ]);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!((out.status.code(), text(&out)), (f.status.code(), text(&f)));
    let named = palisade(&[
        "rbac", "can-i", "get", "pods/web", HARD, "--as", "alice", "-o", "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&named.stdout).unwrap();
    assert_eq!(v["request"]["name"], "web", "{v}");
    // Paths and -f together, and no input at all.
    let both = palisade(&["psa", OPEN, "-f", HARD, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&both.stdout).unwrap();
    assert!(v["target"].as_str().unwrap().contains(OPEN), "{v}");
    assert!(v["target"].as_str().unwrap().contains(HARD), "{v}");
    let none = palisade(&["psa"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no input"));
    // Paths and --cluster do not mix.
    let out = palisade(&["netpol", "matrix", HARD, "--cluster"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn kube_version_says_what_latest_means_for_manifests() {
    let dir = common::temp_dir("kube-version");
    let f = dir.join("pods.yaml");
    // The pod's namespace, privileged: `psa` reports what a stricter level would reject.
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n";
    std::fs::write(&f, format!("{namespace}---\n{}", common::SYSCTL_POD)).unwrap();
    let f = f.to_str().unwrap();
    // Default: the newest release palisade knows (v1.37 allows this sysctl), and it says so.
    let (code, v) = json(&["psa", f, "--level", "baseline"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["latest"], format!("v1.{}", 37));
    assert!(v["latestFrom"].as_str().unwrap().contains("newest"), "{v}");
    let human = text(&palisade(&["psa", f, "--level", "baseline"]));
    assert!(human.contains("`latest` is v1.37"), "{human}");
    // As a v1.36 API server answers: rejected.
    for release in ["v1.36", "1.36", "v1.36.2"] {
        let (code, v) = json(&["psa", f, "--level", "baseline", "--kube-version", release]);
        assert_eq!(code, 1, "{release}: {v}");
        assert_eq!(v["latest"], "v1.36");
        assert_eq!(v["namespaces"][0]["changes"][0]["rejected"][0]["pod"], "tuned");
    }
    for bad in ["banana", "v2.1", "v1.", "v1.036"] {
        let out = palisade(&["psa", f, "--kube-version", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--kube-version"),
            "{bad}"
        );
    }
    // Not with --cluster: there, the server says.
    let out = palisade(&["psa", "--cluster", "--kube-version", "v1.36"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn psa_names_a_pod_without_a_string_name_by_what_was_written() {
    let dir = common::temp_dir("psa-unnamed");
    let f = dir.join("pod.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 123\n  namespace: default\nspec:\n  volumes: [{name: h, hostPath: {path: /}}]\n  containers: [{name: c, image: nginx}]\n",
    )
    .unwrap();
    let out = palisade(&["psa", f.to_str().unwrap(), "--level", "baseline"]);
    let t = text(&out);
    assert!(!t.contains("Warning: : "), "{t}");
    // A name that is not a string is an input error where it is written (the API server
    // rejects the object), not a pod with an empty name.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "palisade: error: {}:4:3: metadata.name must be a string, not number",
            f.display()
        )),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn nothing_read_from_files_gives_no_verdict() {
    let dir = common::temp_dir("psa-empty");
    let f = dir.join("empty.yaml");
    std::fs::write(&f, "# nothing\n").unwrap();
    let f = f.to_str().unwrap();
    for args in [vec!["psa", f], vec!["netpol", "matrix", f]] {
        let out = palisade(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out), "", "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("palisade: error: nothing was read"), "{err}");
        let (code, v) = json(&args);
        assert_eq!(code, 2);
        assert!(
            v["errors"][0].as_str().unwrap().contains("nothing was read"),
            "{v}"
        );
        assert!(
            v.get("namespaces").is_none() && v.get("connections").is_none(),
            "{v}"
        );
    }
}

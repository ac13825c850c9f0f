//! Tests of the renderers of `rbac`, `netpol` and `psa` answers: DOT and Mermaid (shared
//! escaping), CSV quoting, the streamed matrix JSON, and the PSA answer's JSON shape.

use palisade_netpol::answer::{Connection, MatrixEndpoint, MatrixHead, MatrixTail};
use palisade_netpol::{PortSet, Proto};
use palisade_rbac::answer::{Completeness, PathsAnswer};
use palisade_rbac::paths::{EdgeKind, Path, Start, Step, Target, Vertex};
use palisade_report::psa::{PsaAnswer, PsaChange, PsaNamespace, Violating};
use palisade_report::{render_answer, render_paths, AnswerFormat, GraphFormat, MatrixFormat, MatrixWriter};

fn user(name: &str) -> Vertex {
    Vertex::User { name: name.into() }
}

/// `al"ice` creates a pod as `ops/root-sa`, which holds cluster-admin; `root` already holds it.
fn paths() -> PathsAnswer {
    let sa = Vertex::ServiceAccount {
        namespace: "ops".into(),
        name: "root-sa".into(),
    };
    let admin = Vertex::Target {
        target: Target::ClusterAdmin,
    };
    let step = |from: &Vertex, to: &Vertex, kind| Step {
        from: from.clone(),
        to: to.clone(),
        kind,
        action: "acts".into(),
        evidence: Vec::new(),
    };
    PathsAnswer {
        paths: vec![
            Path {
                start: Start::User {
                    name: "al\"ice".into(),
                },
                target: Target::ClusterAdmin,
                steps: vec![
                    step(&user("al\"ice"), &sa, EdgeKind::CreatePod),
                    step(&sa, &admin, EdgeKind::Holds),
                ],
                evidence: Vec::new(),
            },
            Path {
                start: Start::User { name: "root".into() },
                target: Target::ClusterAdmin,
                steps: Vec::new(),
                evidence: vec!["ClusterRoleBinding root".into()],
            },
        ],
        to: Some(Target::ClusterAdmin),
        completeness: Completeness::full(),
    }
}

fn render_paths_to(format: GraphFormat) -> String {
    let mut out = Vec::new();
    render_paths(&paths(), format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn paths_dot_draws_each_vertex_and_edge_once_with_escaped_labels() {
    assert_eq!(
        render_paths_to(GraphFormat::Dot),
        "digraph escalation {
  rankdir=LR;
  node [fontname=\"Helvetica\"];
  edge [fontname=\"Helvetica\", fontsize=10];
  n0 [label=\"User al\\\"ice\", shape=ellipse];
  n1 [label=\"ServiceAccount ops/root-sa\", shape=ellipse];
  n2 [label=\"cluster-admin\", shape=doubleoctagon, style=filled, fillcolor=\"#f4cccc\"];
  n3 [label=\"User root\", shape=ellipse];
  n0 -> n1 [label=\"creates pod as\"];
  n1 -> n2 [label=\"holds\"];
  n3 -> n2 [label=\"holds\"];
}
"
    );
}

#[test]
fn paths_mermaid_uses_entity_codes() {
    assert_eq!(
        render_paths_to(GraphFormat::Mermaid),
        "flowchart LR
  n0([\"User al#quot;ice\"])
  n1([\"ServiceAccount ops/root-sa\"])
  n2{{\"cluster-admin\"}}
  n3([\"User root\"])
  n0 -->|\"creates pod as\"| n1
  n1 -->|\"holds\"| n2
  n3 -->|\"holds\"| n2
"
    );
}

#[test]
fn paths_human_and_json() {
    let human = render_paths_to(GraphFormat::Human);
    assert!(
        human.starts_with("User al\"ice → cluster-admin in 2 steps\n  1. acts\n  2. acts\n\n"),
        "{human}"
    );
    assert!(human.contains("User root is already cluster-admin\n    ClusterRoleBinding root\n"));
    assert!(human.ends_with("2 path(s).\n"));
    let json: serde_json::Value = serde_json::from_str(&render_paths_to(GraphFormat::Json)).unwrap();
    assert_eq!(json["paths"][0]["steps"][0]["kind"], "create-pod");
    assert_eq!(json["paths"][1]["evidence"][0], "ClusterRoleBinding root");
}

#[test]
fn no_paths_says_so() {
    let mut out = Vec::new();
    let none = PathsAnswer {
        paths: Vec::new(),
        to: None,
        completeness: Completeness::full(),
    };
    render_paths(&none, GraphFormat::Human, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "No escalation path to cluster-admin, secrets or nodes found.\n"
    );
}

#[test]
fn incomplete_paths_say_what_was_not_read_in_every_format() {
    let none = PathsAnswer {
        paths: Vec::new(),
        to: None,
        completeness: Completeness::new(Vec::new(), vec!["rolebindings.rbac.authorization.k8s.io".into()]),
    };
    let render = |f| {
        let mut out = Vec::new();
        render_paths(&none, f, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let human = render(GraphFormat::Human);
    assert!(
        human.starts_with(
            "No escalation path to cluster-admin, secrets or nodes found among what could be read.\n"
        ),
        "{human}"
    );
    assert!(
        human.contains("could not read rolebindings.rbac.authorization.k8s.io"),
        "{human}"
    );
    let json: serde_json::Value = serde_json::from_str(&render(GraphFormat::Json)).unwrap();
    assert_eq!(json["complete"], false);
    assert_eq!(json["unread"][0], "rolebindings.rbac.authorization.k8s.io");
    assert!(render(GraphFormat::Dot).starts_with("// incomplete: this answer leaves out what could not be read\n// could not read rolebindings.rbac.authorization.k8s.io\ndigraph"));
    assert!(render(GraphFormat::Mermaid).starts_with(
        "%% incomplete: this answer leaves out what could not be read\n%% could not read rolebindings"
    ));
}

fn head() -> MatrixHead {
    MatrixHead {
        endpoints: vec![
            MatrixEndpoint::Workload {
                id: "shop/Deployment/web".into(),
                kind_of: "workload",
                namespace: "shop".into(),
                kind: "Deployment".into(),
                name: "web".into(),
                ingress_isolated: true,
                egress_isolated: false,
                host_network: false,
                location: Some("web.yaml:1:1".into()),
            },
            MatrixEndpoint::External {
                id: "0.0.0.0/0".into(),
                kind_of: "external",
            },
        ],
        workloads: 1,
        external: 1,
        policies: 2,
        invalid: 1,
    }
}

/// The matrix of `head()` with a self connection, one to a workload whose id needs quoting,
/// and one from external ranges.
fn matrix(format: MatrixFormat) -> String {
    matrix_with(format, Vec::new())
}

/// [`matrix`], resting on input `errors`.
fn matrix_with(format: MatrixFormat, errors: Vec<String>) -> String {
    let http = PortSet::range(Proto::Tcp, 80, 80);
    let all = PortSet::all();
    let mut out = Vec::new();
    let mut w = MatrixWriter::begin(format, &head(), &mut out).unwrap();
    let c = |from, to, ports, from_workload, to_workload| Connection {
        from,
        to,
        ports,
        from_workload,
        to_workload,
    };
    w.connection(&c(
        "shop/Deployment/web",
        "shop/Deployment/web",
        &http,
        true,
        true,
    ))
    .unwrap();
    w.connection(&c("shop/Deployment/web", "we\"ird", &all, true, true))
        .unwrap();
    w.connection(&c(
        "10.0.0.0/8, 192.168.0.0/16",
        "shop/Deployment/web",
        &http,
        false,
        true,
    ))
    .unwrap();
    w.finish(&MatrixTail {
        open: vec!["shop/Deployment/web".into()],
        errors,
    })
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn matrix_csv_quotes_every_field_and_doubles_quotes() {
    assert_eq!(
        matrix(MatrixFormat::Csv),
        "from,to,ports
\"shop/Deployment/web\",\"shop/Deployment/web\",\"TCP 80\"
\"shop/Deployment/web\",\"we\"\"ird\",\"all ports\"
\"10.0.0.0/8, 192.168.0.0/16\",\"shop/Deployment/web\",\"TCP 80\"
"
    );
}

#[test]
fn matrix_dot_and_mermaid_leave_out_self_traffic_and_escape_like_paths() {
    assert_eq!(
        matrix(MatrixFormat::Dot),
        "digraph connectivity {
  rankdir=LR;
  node [fontname=\"Helvetica\"];
  edge [fontname=\"Helvetica\", fontsize=10];
  n0 [label=\"shop/Deployment/web\", shape=box];
  n1 [label=\"we\\\"ird\", shape=box];
  n0 -> n1 [label=\"all ports\"];
  n2 [label=\"10.0.0.0/8, 192.168.0.0/16\", shape=ellipse, style=dashed];
  n2 -> n0 [label=\"TCP 80\"];
}
"
    );
    assert_eq!(
        matrix(MatrixFormat::Mermaid),
        "flowchart LR
  n0[\"shop/Deployment/web\"]
  n1[\"we#quot;ird\"]
  n0 -->|\"all ports\"| n1
  n2((\"10.0.0.0/8, 192.168.0.0/16\"))
  n2 -->|\"TCP 80\"| n0
"
    );
}

#[test]
fn matrix_json_is_one_document() {
    let text = matrix(MatrixFormat::Json);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["endpoints"][0]["type"], "workload");
    assert_eq!(v["endpoints"][0]["ingressIsolated"], true);
    assert_eq!(
        v["endpoints"][1],
        serde_json::json!({"id": "0.0.0.0/0", "type": "external"})
    );
    assert_eq!(v["connections"].as_array().unwrap().len(), 3);
    assert_eq!(v["connections"][1]["to"], "we\"ird");
    assert_eq!(v["policies"], 2);
    assert_eq!(v["invalidPolicies"], 1);
    // One endpoint and one connection per line.
    assert!(text.contains("\n    {\"from\":\"shop/Deployment/web\",\"to\":\"we\\\"ird\","));
}

#[test]
fn matrix_carries_the_input_errors_it_rests_on() {
    let errors = vec!["incomplete: could not read networkpolicies.networking.k8s.io".to_owned()];
    let v: serde_json::Value =
        serde_json::from_str(&matrix_with(MatrixFormat::Json, errors.clone())).unwrap();
    assert_eq!(v["errors"], serde_json::json!(errors));
    let v: serde_json::Value = serde_json::from_str(&matrix(MatrixFormat::Json)).unwrap();
    assert_eq!(v["errors"], serde_json::json!([]));
    let text = matrix_with(MatrixFormat::Human, errors.clone());
    assert!(
        text.ends_with(
            "\nThis answer is incomplete or may be wrong:\nerror: incomplete: could not read networkpolicies.networking.k8s.io\n"
        ),
        "{text}"
    );
    // The drawings say it as comments after the graph; a complete one has none.
    for (format, mark) in [(MatrixFormat::Dot, "//"), (MatrixFormat::Mermaid, "%%")] {
        let text = matrix_with(format, errors.clone());
        assert!(
            text.ends_with(&format!(
                "{mark} error: incomplete: could not read networkpolicies.networking.k8s.io\n"
            )),
            "{text}"
        );
        assert!(!matrix(format).contains(&format!("{mark} error")));
    }
}

#[test]
fn no_verdict_is_only_errors() {
    let answer = palisade_report::NoVerdict {
        errors: vec!["cannot reach the API server".into()],
    };
    let mut out = Vec::new();
    render_answer(&answer, AnswerFormat::Human, &mut out).unwrap();
    assert!(out.is_empty());
    render_answer(&answer, AnswerFormat::Json, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v, serde_json::json!({"errors": ["cannot reach the API server"]}));
}

#[test]
fn matrix_human_table() {
    let text = matrix(MatrixFormat::Human);
    assert!(
        text.starts_with(
            "1 workload(s), 1 external range(s), 2 valid NetworkPolicies (1 invalid, left out)\n\n\
         FROM                 TO                   PORTS\n\
         shop/Deployment/web  shop/Deployment/web  TCP 80\n"
        ),
        "{text}"
    );
    assert!(text.ends_with(
        "\n3 allowed connection(s).\n\nNot isolated for ingress (open to every pod): shop/Deployment/web\n"
    ));
}

#[test]
fn psa_json_keeps_label_order_and_human_lists_changes() {
    let update = palisade_pss::NamespaceUpdate {
        invalid: Vec::new(),
        warnings: vec!["existing pods violate".into()],
        checked_against: None,
        skipped: Some("enforce level unchanged"),
        checked: 0,
        total: 1,
        violations: Vec::new(),
    };
    let labels = vec![
        (
            "pod-security.kubernetes.io/enforce".to_owned(),
            "restricted".to_owned(),
        ),
        (
            "pod-security.kubernetes.io/enforce-version".to_owned(),
            "v1.30".to_owned(),
        ),
    ];
    let current = palisade_pss::parse_namespace_labels(None);
    let ns = PsaNamespace::new(
        "shop",
        false,
        false,
        &current,
        1,
        Violating::default(),
        vec![PsaChange::new("shop", labels, &update)],
    );
    let answer = PsaAnswer::new("manifests/".into(), false, vec![ns]);
    let mut out = Vec::new();
    render_answer(&answer, AnswerFormat::Json, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["podsFrom"], "one pod per workload template");
    assert_eq!(v["latest"], "v1.37");
    assert_eq!(v["errors"], serde_json::json!([]));
    let change = &v["namespaces"][0]["changes"][0];
    assert_eq!(
        change["command"],
        "kubectl label --dry-run=server --overwrite ns shop \
         pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=v1.30"
    );
    let keys: Vec<&String> = change["labels"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pod-security.kubernetes.io/enforce",
            "pod-security.kubernetes.io/enforce-version"
        ]
    );
    let mut out = Vec::new();
    render_answer(&answer, AnswerFormat::Human, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with(
        "Pod Security Admission audit of manifests/\n(`latest` is v1.37: the newest release palisade knows)\n(from manifests: each workload counts as one pod, named kind/name)\n\n\
         namespace shop (no Namespace object: cluster defaults): enforce privileged:latest  audit privileged:latest  warn privileged:latest  — 1 pod(s)\n"
    ), "{text}");
    assert!(text.contains(
        "    Warning: existing pods violate\n    existing pods are not checked: enforce level unchanged\n"
    ));
}

//! Benchmark of palisade's NetworkPolicy analysis at scale.
//!
//! Generates (deterministically, in memory) a realistic cluster — by default 5,000 workloads
//! (Deployments, StatefulSets, a few DaemonSets) in 200 labelled namespaces with 1,000
//! NetworkPolicies: default-deny ingress/egress, allow-same-namespace, namespaceSelector and
//! podSelector+namespaceSelector (AND) peers, ipBlock egress with `except`, named and numeric
//! ports, endPort ranges, policies selecting nothing, and namespaces with no policy at all —
//! and measures: decoding, model build, `Analysis::new`, the full `Matrix::compute`, 1,000
//! single checks (`Analysis::explain`) and peak memory. Prints the numbers and a PASS/FAIL
//! table against the targets (exits 1 if one fails), then how the cost grows with workloads
//! (1k/5k/20k) and with policies (250/1k/4k on 5k workloads); each size runs in a child
//! process (this program re-invoked with `--child`) so that its peak RSS is its own.
//!
//! ```text
//! cargo run --release -p palisade_cli --example netpol_bench -- \
//!     [--workloads N] [--policies M] [--namespaces K] [--seed S] [--write FILE] [--no-scaling]
//! ```
//! `--write FILE`: write the generated cluster as one YAML stream, for timing the CLI on it.

use palisade_core::{DiagLevel, Object};
use palisade_netpol::{Analysis, Endpoint, Matrix, Model, Options};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[allow(dead_code)] // each example uses part of the shared support
mod support;
use support::*;

// ---------------------------------------------------------------------------------------------
// Targets (for the default size: 5,000 workloads, 200 namespaces, 1,000 policies).

const TARGET_MATRIX: Duration = Duration::from_secs(2);
const TARGET_CHECK: Duration = Duration::from_millis(50);
const TARGET_PEAK_MB: f64 = 500.0;

// ---------------------------------------------------------------------------------------------
// The generated cluster.

const PCI: &[&str] = &["billing", "payments", "ledger", "fraud"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    Frontend,
    Backend,
    Worker,
    Db,
    Cache,
    Queue,
}

impl Tier {
    fn as_str(self) -> &'static str {
        match self {
            Tier::Frontend => "frontend",
            Tier::Backend => "backend",
            Tier::Worker => "worker",
            Tier::Db => "db",
            Tier::Cache => "cache",
            Tier::Queue => "queue",
        }
    }
}

/// Components, their tier and their weight (in percent of application workloads).
const COMPONENTS: &[(&str, Tier, u32)] = &[
    ("web", Tier::Frontend, 8),
    ("frontend", Tier::Frontend, 6),
    ("gateway", Tier::Frontend, 4),
    ("bff", Tier::Frontend, 3),
    ("api", Tier::Backend, 12),
    ("auth", Tier::Backend, 5),
    ("search", Tier::Backend, 5),
    ("cart", Tier::Backend, 5),
    ("catalog", Tier::Backend, 5),
    ("users", Tier::Backend, 6),
    ("worker", Tier::Worker, 9),
    ("scheduler", Tier::Worker, 5),
    ("consumer", Tier::Worker, 6),
    ("postgres", Tier::Db, 5),
    ("mysql", Tier::Db, 3),
    ("redis", Tier::Cache, 5),
    ("memcached", Tier::Cache, 2),
    ("kafka", Tier::Queue, 3),
    ("rabbitmq", Tier::Queue, 2),
];

/// `(name, port, protocol)`.
type PortDef = (&'static str, u16, &'static str);

struct Wl {
    name: String,
    kind: &'static str,
    labels: Vec<(String, String)>,
    ports: Vec<PortDef>,
    host_network: bool,
}

struct Ns {
    name: String,
    product: &'static str,
    env: &'static str,
    labels: Vec<(String, String)>,
    workloads: Vec<Wl>,
    tier_apps: Vec<(Tier, String)>,
}

#[derive(Default)]
struct Counts {
    namespaces: usize,
    unprotected: usize,
    workloads: usize,
    deployments: usize,
    statefulsets: usize,
    daemonsets: usize,
    services: usize,
    policies: usize,
    by_template: Vec<(&'static str, usize)>,
    ip_blocks: usize,
    named_ports: usize,
    end_ports: usize,
}

impl Counts {
    fn template(&mut self, t: &'static str) {
        match self.by_template.iter_mut().find(|e| e.0 == t) {
            Some(e) => e.1 += 1,
            None => self.by_template.push((t, 1)),
        }
    }
}

struct Generated {
    /// One file per namespace: (file name, YAML).
    files: Vec<(String, String)>,
    counts: Counts,
}

/// A label selector to write.
#[derive(Clone, Default)]
struct Sel {
    labels: Vec<(String, String)>,
    exprs: Vec<(String, &'static str, Vec<String>)>,
}

impl Sel {
    fn all() -> Sel {
        Sel::default()
    }
    fn eq(k: &str, v: &str) -> Sel {
        Sel {
            labels: vec![(k.into(), v.into())],
            exprs: Vec::new(),
        }
    }
    fn and(mut self, k: &str, v: &str) -> Sel {
        self.labels.push((k.into(), v.into()));
        self
    }
    fn expr(mut self, k: &str, op: &'static str, values: &[&str]) -> Sel {
        self.exprs
            .push((k.into(), op, values.iter().map(|s| s.to_string()).collect()));
        self
    }
    /// Writes the value of a `...Selector:` key (the key is already written).
    fn write(&self, out: &mut String, indent: usize) {
        if self.labels.is_empty() && self.exprs.is_empty() {
            out.push_str(" {}\n");
            return;
        }
        out.push('\n');
        let ind = " ".repeat(indent);
        if !self.labels.is_empty() {
            let _ = writeln!(out, "{ind}matchLabels:");
            for (k, v) in &self.labels {
                let _ = writeln!(out, "{ind}  {k}: {v:?}");
            }
        }
        if !self.exprs.is_empty() {
            let _ = writeln!(out, "{ind}matchExpressions:");
            for (k, op, values) in &self.exprs {
                let _ = writeln!(out, "{ind}  - key: {k}\n{ind}    operator: {op}");
                if !values.is_empty() {
                    let q: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                    let _ = writeln!(out, "{ind}    values: [{}]", q.join(", "));
                }
            }
        }
    }
}

enum PeerG {
    Pods(Option<Sel>, Option<Sel>),
    Ip(String, Vec<String>),
}

enum PortV {
    Any,
    Num(u16),
    Name(&'static str),
}

struct PortG {
    proto: Option<&'static str>,
    port: PortV,
    end: Option<u16>,
}

fn named(n: &'static str) -> PortG {
    PortG {
        proto: None,
        port: PortV::Name(n),
        end: None,
    }
}
fn num(proto: Option<&'static str>, p: u16) -> PortG {
    PortG {
        proto,
        port: PortV::Num(p),
        end: None,
    }
}
fn range(p: u16, end: u16) -> PortG {
    PortG {
        proto: Some("TCP"),
        port: PortV::Num(p),
        end: Some(end),
    }
}

#[derive(Default)]
struct RuleG {
    peers: Vec<PeerG>,
    ports: Vec<PortG>,
}

struct PolicyG {
    name: String,
    pod: Sel,
    types: &'static [&'static str],
    ingress: Vec<RuleG>,
    egress: Vec<RuleG>,
}

fn write_policy(out: &mut String, ns: &str, p: &PolicyG, c: &mut Counts) {
    let _ = write!(
        out,
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/managed-by: Helm\nspec:\n  podSelector:",
        p.name
    );
    p.pod.write(out, 4);
    if !p.types.is_empty() {
        let _ = writeln!(out, "  policyTypes: [{}]", p.types.join(", "));
    }
    for (key, peers_key, rules) in [("ingress", "from", &p.ingress), ("egress", "to", &p.egress)] {
        if rules.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {key}:");
        for r in rules {
            if r.peers.is_empty() && r.ports.is_empty() {
                out.push_str("    - {}\n");
                continue;
            }
            let mut first = true;
            let mut lead = |out: &mut String| {
                out.push_str(if first { "    - " } else { "      " });
                first = false;
            };
            if !r.peers.is_empty() {
                lead(out);
                let _ = writeln!(out, "{peers_key}:");
                for peer in &r.peers {
                    match peer {
                        PeerG::Pods(pods, nss) => {
                            let mut lead2 = "        - ";
                            if let Some(s) = nss {
                                let _ = write!(out, "{lead2}namespaceSelector:");
                                s.write(out, 12);
                                lead2 = "          ";
                            }
                            if let Some(s) = pods {
                                let _ = write!(out, "{lead2}podSelector:");
                                s.write(out, 12);
                            }
                        }
                        PeerG::Ip(cidr, except) => {
                            c.ip_blocks += 1;
                            let _ = writeln!(out, "        - ipBlock:\n            cidr: {cidr}");
                            if !except.is_empty() {
                                out.push_str("            except:\n");
                                for e in except {
                                    let _ = writeln!(out, "              - {e}");
                                }
                            }
                        }
                    }
                }
            }
            if !r.ports.is_empty() {
                lead(out);
                out.push_str("ports:\n");
                for pg in &r.ports {
                    let mut lead2 = "        - ";
                    if let Some(proto) = pg.proto {
                        let _ = writeln!(out, "{lead2}protocol: {proto}");
                        lead2 = "          ";
                    }
                    match pg.port {
                        PortV::Any => {}
                        PortV::Num(n) => {
                            let _ = writeln!(out, "{lead2}port: {n}");
                        }
                        PortV::Name(n) => {
                            c.named_ports += 1;
                            let _ = writeln!(out, "{lead2}port: {n}");
                        }
                    }
                    if let Some(e) = pg.end {
                        c.end_ports += 1;
                        let _ = writeln!(out, "          endPort: {e}");
                    }
                }
            }
        }
    }
}

fn write_workload(out: &mut String, ns: &Ns, w: &Wl, rng: &mut Rng) {
    let app = &w.name;
    let _ = write!(
        out,
        "---\napiVersion: apps/v1\nkind: {}\nmetadata:\n  name: {app}\n  namespace: {}\n  labels:\n    app: {app}\n    app.kubernetes.io/part-of: {}\nspec:\n",
        w.kind, ns.name, ns.product
    );
    if w.kind != "DaemonSet" {
        let _ = writeln!(out, "  replicas: {}", 1 + rng.below(4));
    }
    if w.kind == "StatefulSet" {
        let _ = writeln!(out, "  serviceName: {app}");
    }
    let _ = writeln!(
        out,
        "  selector:\n    matchLabels:\n      app: {app}\n  template:\n    metadata:\n      labels:"
    );
    for (k, v) in &w.labels {
        let _ = writeln!(out, "        {k}: {v:?}");
    }
    out.push_str("    spec:\n");
    if w.host_network {
        out.push_str("      hostNetwork: true\n");
    }
    let image = app.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
    let _ = writeln!(
        out,
        "      securityContext:\n        runAsNonRoot: true\n      containers:\n        - name: {image}\n          image: registry.example.com/{}/{image}:1.{}.{}",
        ns.product,
        rng.below(20),
        rng.below(10)
    );
    if !w.ports.is_empty() {
        out.push_str("          ports:\n");
        for (name, port, proto) in &w.ports {
            let _ = writeln!(
                out,
                "            - name: {name}\n              containerPort: {port}"
            );
            if *proto != "TCP" {
                let _ = writeln!(out, "              protocol: {proto}");
            }
        }
    }
    if w.ports.iter().any(|p| p.0 == "http") {
        out.push_str("          readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n");
    }
    out.push_str("          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n            limits:\n              memory: 256Mi\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n");
}

fn write_service(out: &mut String, ns: &str, w: &Wl, svc_type: &str) {
    let Some(&(name, port, proto)) = w.ports.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {}\n  namespace: {ns}\nspec:\n  type: {svc_type}\n  selector:\n    app: {}\n  ports:\n    - name: {name}\n      port: {port}\n      targetPort: {name}\n      protocol: {proto}",
        w.name, w.name
    );
}

fn app_workload(rng: &mut Rng, ns_product: &str, k: usize) -> (Wl, Tier) {
    let weights: Vec<u32> = COMPONENTS.iter().map(|c| c.2).collect();
    let (comp, tier, _) = COMPONENTS[rng.weighted(&weights)];
    let name = format!("{comp}-{k}");
    let mut ports: Vec<PortDef> = Vec::new();
    match tier {
        Tier::Frontend => {
            ports.push(("http", *rng.pick(&[8080, 8080, 3000, 80]), "TCP"));
            ports.push(("metrics", 9102, "TCP"));
        }
        Tier::Backend => {
            ports.push(("http", *rng.pick(&[8080, 8080, 8000]), "TCP"));
            if rng.chance(600) {
                ports.push(("grpc", 9090, "TCP"));
            }
            ports.push(("metrics", 9102, "TCP"));
        }
        Tier::Worker => {
            if rng.chance(300) {
                ports.push(("http", 8081, "TCP"));
            }
            ports.push(("metrics", 9102, "TCP"));
        }
        Tier::Db => match comp {
            "postgres" => ports.extend([("postgres", 5432, "TCP"), ("metrics", 9187, "TCP")]),
            _ => ports.extend([("mysql", 3306, "TCP"), ("metrics", 9104, "TCP")]),
        },
        Tier::Cache => match comp {
            "redis" => ports.extend([("redis", 6379, "TCP"), ("metrics", 9121, "TCP")]),
            _ => ports.extend([("memcache", 11211, "TCP"), ("metrics", 9150, "TCP")]),
        },
        Tier::Queue => match comp {
            "kafka" => ports.extend([("kafka", 9092, "TCP"), ("metrics", 9308, "TCP")]),
            _ => ports.extend([("amqp", 5672, "TCP"), ("metrics", 9419, "TCP")]),
        },
    }
    // A node-local DNS cache sidecar on a few workloads.
    if rng.chance(40) {
        ports.push(("dns", 5353, "UDP"));
        ports.push(("dns-tcp", 5353, "TCP"));
    }
    let mut labels = vec![
        ("app".to_string(), name.clone()),
        ("tier".to_string(), tier.as_str().to_string()),
        ("app.kubernetes.io/part-of".to_string(), ns_product.to_string()),
    ];
    if rng.chance(300) {
        labels.push(("version".into(), rng.pick(&["v1", "v2"]).to_string()));
    }
    if tier == Tier::Frontend && rng.chance(500) {
        labels.push(("exposed".into(), "true".into()));
    }
    let kind = if matches!(tier, Tier::Db | Tier::Cache | Tier::Queue) {
        "StatefulSet"
    } else {
        "Deployment"
    };
    (
        Wl {
            name,
            kind,
            labels,
            ports,
            host_network: false,
        },
        tier,
    )
}

fn system_namespaces() -> Vec<Ns> {
    let wl = |name: &str, kind: &'static str, labels: &[(&str, &str)], ports: &[PortDef], host: bool| Wl {
        name: name.into(),
        kind,
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ports: ports.to_vec(),
        host_network: host,
    };
    let ns = |name: &str, labels: &[(&str, &str)], workloads: Vec<Wl>| Ns {
        name: name.into(),
        product: "platform",
        env: "prod",
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        workloads,
        tier_apps: Vec::new(),
    };
    vec![
        ns(
            "kube-system",
            &[],
            vec![
                wl(
                    "coredns",
                    "Deployment",
                    &[("k8s-app", "kube-dns")],
                    &[
                        ("dns", 53, "UDP"),
                        ("dns-tcp", 53, "TCP"),
                        ("metrics", 9153, "TCP"),
                    ],
                    false,
                ),
                wl("kube-proxy", "DaemonSet", &[("k8s-app", "kube-proxy")], &[], true),
                wl(
                    "metrics-server",
                    "Deployment",
                    &[("k8s-app", "metrics-server")],
                    &[("https", 4443, "TCP")],
                    false,
                ),
            ],
        ),
        ns(
            "monitoring",
            &[("team", "platform"), ("purpose", "monitoring")],
            vec![
                wl(
                    "prometheus",
                    "StatefulSet",
                    &[("app", "prometheus"), ("tier", "backend")],
                    &[("web", 9090, "TCP")],
                    false,
                ),
                wl(
                    "grafana",
                    "Deployment",
                    &[("app", "grafana"), ("tier", "frontend")],
                    &[("http", 3000, "TCP")],
                    false,
                ),
                wl(
                    "alertmanager",
                    "StatefulSet",
                    &[("app", "alertmanager"), ("tier", "backend")],
                    &[("web", 9093, "TCP")],
                    false,
                ),
                wl(
                    "node-exporter",
                    "DaemonSet",
                    &[("app", "node-exporter")],
                    &[("metrics", 9100, "TCP")],
                    true,
                ),
            ],
        ),
        ns(
            "ingress-nginx",
            &[("team", "platform"), ("purpose", "ingress")],
            vec![wl(
                "ingress-nginx-controller",
                "Deployment",
                &[("app.kubernetes.io/name", "ingress-nginx"), ("tier", "frontend")],
                &[
                    ("http", 80, "TCP"),
                    ("https", 443, "TCP"),
                    ("metrics", 10254, "TCP"),
                ],
                false,
            )],
        ),
        ns(
            "logging",
            &[("team", "platform")],
            vec![wl(
                "fluent-bit",
                "DaemonSet",
                &[("app", "fluent-bit")],
                &[("http", 2020, "TCP")],
                false,
            )],
        ),
    ]
}

/// The policies of the system namespaces.
fn system_policies(ns: &str) -> Vec<PolicyG> {
    let deny = PolicyG {
        name: "default-deny-ingress".into(),
        pod: Sel::all(),
        types: &["Ingress"],
        ingress: Vec::new(),
        egress: Vec::new(),
    };
    match ns {
        "kube-system" => vec![
            deny,
            PolicyG {
                name: "allow-dns".into(),
                pod: Sel::eq("k8s-app", "kube-dns"),
                types: &[],
                ingress: vec![RuleG {
                    peers: vec![PeerG::Pods(None, Some(Sel::all()))],
                    ports: vec![named("dns"), named("dns-tcp")],
                }],
                egress: Vec::new(),
            },
        ],
        "monitoring" => vec![
            deny,
            PolicyG {
                name: "allow-grafana-from-ingress".into(),
                pod: Sel::eq("app", "grafana"),
                types: &["Ingress"],
                ingress: vec![RuleG {
                    peers: vec![PeerG::Pods(
                        None,
                        Some(Sel::eq("kubernetes.io/metadata.name", "ingress-nginx")),
                    )],
                    ports: vec![named("http")],
                }],
                egress: Vec::new(),
            },
        ],
        "ingress-nginx" => vec![PolicyG {
            name: "allow-web".into(),
            pod: Sel::eq("app.kubernetes.io/name", "ingress-nginx"),
            types: &["Ingress"],
            ingress: vec![RuleG {
                peers: vec![PeerG::Ip("0.0.0.0/0".into(), Vec::new())],
                ports: vec![num(None, 80), num(None, 443)],
            }],
            egress: Vec::new(),
        }],
        _ => Vec::new(),
    }
}

const PRIVATE: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// The templates of application-namespace policies: (name, weight, only once per namespace).
const TEMPLATES: &[(&str, u32, bool)] = &[
    ("default-deny-ingress", 40, true),
    ("default-deny-egress", 12, true),
    ("default-deny-all", 5, true),
    ("allow-same-namespace", 25, true),
    ("allow-from-ingress-controller", 15, true),
    ("allow-prometheus-scrape", 15, true),
    ("allow-dns-egress", 12, true),
    ("allow-frontend-to-backend", 15, true),
    ("allow-backend-to-data", 12, true),
    ("allow-from-partner-team", 12, false),
    ("allow-from-team-or-app", 5, false),
    ("allow-https-egress", 10, false),
    ("allow-partner-range-egress", 6, false),
    ("allow-nodeport-range", 4, false),
    ("allow-app-to-app", 30, false),
    ("legacy-selects-nothing", 3, false),
    ("allow-staging-prod-nondb", 5, true),
];

fn app_policy(rng: &mut Rng, ns: &Ns, ns_index: usize, t: &'static str, k: usize) -> PolicyG {
    let apps_of = |tier: Tier| -> Vec<&str> {
        ns.tier_apps
            .iter()
            .filter(|(t, _)| *t == tier)
            .map(|(_, a)| a.as_str())
            .collect()
    };
    let mut p = PolicyG {
        name: if k == 0 { t.to_string() } else { format!("{t}-{k}") },
        pod: Sel::all(),
        types: &[],
        ingress: Vec::new(),
        egress: Vec::new(),
    };
    match t {
        "default-deny-ingress" => p.types = &["Ingress"],
        "default-deny-egress" => p.types = &["Egress"],
        "default-deny-all" => p.types = &["Ingress", "Egress"],
        "allow-same-namespace" => {
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(Some(Sel::all()), None)],
                ports: Vec::new(),
            });
        }
        "allow-from-ingress-controller" => {
            p.pod = Sel::eq("tier", "frontend");
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(
                    Some(Sel::eq("app.kubernetes.io/name", "ingress-nginx")),
                    Some(Sel::eq("kubernetes.io/metadata.name", "ingress-nginx")),
                )],
                ports: vec![named("http")],
            });
        }
        "allow-prometheus-scrape" => {
            p.types = &["Ingress"];
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(
                    Some(Sel::eq("app", "prometheus")),
                    Some(Sel::eq("purpose", "monitoring")),
                )],
                ports: vec![named("metrics")],
            });
        }
        "allow-dns-egress" => {
            p.types = &["Egress"];
            p.egress.push(RuleG {
                peers: vec![PeerG::Pods(
                    Some(Sel::eq("k8s-app", "kube-dns")),
                    Some(Sel::eq("kubernetes.io/metadata.name", "kube-system")),
                )],
                ports: if rng.chance(300) {
                    // Any UDP port, TCP 53.
                    vec![
                        PortG {
                            proto: Some("UDP"),
                            port: PortV::Any,
                            end: None,
                        },
                        num(Some("TCP"), 53),
                    ]
                } else {
                    vec![num(Some("UDP"), 53), num(Some("TCP"), 53)]
                },
            });
            // Everything inside the namespace too.
            p.egress.push(RuleG {
                peers: vec![PeerG::Pods(Some(Sel::all()), None)],
                ports: Vec::new(),
            });
        }
        "allow-frontend-to-backend" => {
            p.pod = Sel::eq("tier", "backend");
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(Some(Sel::eq("tier", "frontend")), None)],
                ports: vec![named("http"), named("grpc")],
            });
        }
        "allow-backend-to-data" => {
            p.pod = Sel::default().expr("tier", "In", &["db", "cache", "queue"]);
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(
                    Some(Sel::default().expr("tier", "In", &["backend", "worker"])),
                    None,
                )],
                ports: vec![num(None, 5432), num(None, 3306), named("redis"), num(None, 9092)],
            });
        }
        "allow-from-partner-team" => {
            // podSelector AND namespaceSelector in one peer.
            let other = rng.pick(PRODUCTS);
            p.pod = Sel::eq("tier", "backend");
            p.types = &["Ingress"];
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(
                    Some(Sel::eq("tier", "frontend")),
                    Some(Sel::eq("team", other).and("env", ns.env)),
                )],
                ports: vec![named("grpc"), num(None, 8080)],
            });
        }
        "allow-from-team-or-app" => {
            // Two peers (OR): a whole namespace set, or one app of this namespace.
            let other = rng.pick(PRODUCTS);
            let apps = apps_of(Tier::Frontend);
            let app = if apps.is_empty() {
                "web-0"
            } else {
                *rng.pick(&apps)
            };
            p.pod = Sel::default().expr("tier", "NotIn", &["db"]);
            p.ingress.push(RuleG {
                peers: vec![
                    PeerG::Pods(None, Some(Sel::eq("team", other))),
                    PeerG::Pods(Some(Sel::eq("app", app)), None),
                ],
                ports: vec![named("http")],
            });
        }
        "allow-https-egress" => {
            p.pod = Sel::default().expr("tier", "In", &["backend", "worker"]);
            p.types = &["Egress"];
            let except: Vec<String> = PRIVATE.iter().map(|s| s.to_string()).collect();
            let mut peers = vec![PeerG::Ip("0.0.0.0/0".into(), except)];
            if rng.chance(150) {
                peers.push(PeerG::Ip("::/0".into(), vec!["fd00::/8".into()]));
            }
            p.egress.push(RuleG {
                peers,
                ports: vec![num(None, 443)],
            });
        }
        "allow-partner-range-egress" => {
            let apps = apps_of(Tier::Backend);
            if let Some(app) = apps.first() {
                p.pod = Sel::eq("app", app);
            }
            p.types = &["Egress"];
            let a = (ns_index * 7 + k) % 250;
            let cidr = if rng.chance(500) {
                format!("10.{a}.0.0/16")
            } else {
                format!("198.51.{a}.0/24")
            };
            let except = if cidr.starts_with("10.") && rng.chance(500) {
                vec![format!("10.{a}.{}.0/24", rng.below(256))]
            } else {
                Vec::new()
            };
            p.egress.push(RuleG {
                peers: vec![PeerG::Ip(cidr, except)],
                ports: vec![range(8000, 8999), num(None, 443)],
            });
        }
        "allow-nodeport-range" => {
            p.pod = Sel::eq("tier", "frontend");
            p.types = &["Ingress"];
            let a = ns_index % 250;
            p.ingress.push(RuleG {
                peers: vec![PeerG::Ip("10.0.0.0/8".into(), vec![format!("10.{a}.0.0/16")])],
                ports: vec![range(30000, 32767)],
            });
        }
        "allow-app-to-app" => {
            // One app from another of the same namespace, numeric or named port, sometimes
            // with the matching egress.
            let all: Vec<&str> = ns.tier_apps.iter().map(|(_, a)| a.as_str()).collect();
            let (to, from) = if all.len() >= 2 {
                (*rng.pick(&all), *rng.pick(&all))
            } else {
                ("api-0", "web-0")
            };
            p.pod = Sel::eq("app", to);
            let ports = if rng.chance(500) {
                vec![named("http")]
            } else {
                vec![num(None, *rng.pick(&[8080, 8000, 9090]))]
            };
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(Some(Sel::eq("app", from)), None)],
                ports,
            });
            if rng.chance(300) {
                p.types = &["Ingress", "Egress"];
                p.egress.push(RuleG {
                    peers: vec![PeerG::Pods(Some(Sel::eq("tier", "db")), None)],
                    ports: vec![named("postgres"), named("mysql")],
                });
            }
        }
        "legacy-selects-nothing" => {
            p.pod = Sel::eq("app", "legacy-monolith");
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(Some(Sel::all()), None)],
                ports: vec![num(None, 8080)],
            });
        }
        "allow-staging-prod-nondb" => {
            p.pod = Sel::default().expr("tier", "NotIn", &["db", "cache"]);
            p.ingress.push(RuleG {
                peers: vec![PeerG::Pods(
                    Some(Sel::default().expr("app.kubernetes.io/part-of", "Exists", &[])),
                    Some(Sel::default().expr("env", "In", &["prod", "staging"])),
                )],
                ports: vec![named("http"), named("metrics")],
            });
        }
        other => unreachable!("template {other}"),
    }
    p
}

/// Distributes `total` over `weights` (proportionally, remainder round-robin).
fn distribute(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum::<usize>().max(1);
    let mut out: Vec<usize> = weights.iter().map(|w| total * w / sum).collect();
    let mut left = total - out.iter().sum::<usize>();
    let mut i = 0;
    while left > 0 && !out.is_empty() {
        if weights[i % weights.len()] > 0 {
            out[i % weights.len()] += 1;
            left -= 1;
        }
        i += 1;
    }
    out
}

#[derive(Clone, Copy)]
struct Size {
    workloads: usize,
    namespaces: usize,
    policies: usize,
}

fn generate(size: Size, seed: u64) -> Generated {
    let mut rng = Rng(seed);
    let mut c = Counts::default();
    let mut namespaces = system_namespaces();
    let n_sys = namespaces.len();
    let sys_workloads: usize = namespaces.iter().map(|n| n.workloads.len()).sum();
    let sys_policies: usize = namespaces.iter().map(|n| system_policies(&n.name).len()).sum();
    let n_app = size.namespaces.saturating_sub(n_sys).max(1);
    for i in 0..n_app {
        let product = PRODUCTS[i % PRODUCTS.len()];
        let env = ENVS[(i / PRODUCTS.len()) % ENVS.len()];
        let round = i / (PRODUCTS.len() * ENVS.len());
        let name = if round == 0 {
            format!("{product}-{env}")
        } else {
            format!("{product}-{env}-{round}")
        };
        let mut labels = vec![
            ("team".to_string(), product.to_string()),
            ("env".to_string(), env.to_string()),
        ];
        if PCI.contains(&product) {
            labels.push(("compliance".into(), "pci".into()));
        }
        if rng.chance(400) {
            labels.push(("istio-injection".into(), "enabled".into()));
        }
        namespaces.push(Ns {
            name,
            product,
            env,
            labels,
            workloads: Vec::new(),
            tier_apps: Vec::new(),
        });
    }
    // Workloads: 1 to 3 shares per namespace.
    let shares: Vec<usize> = (0..n_app).map(|_| 1 + rng.below(3)).collect();
    let per_ns = distribute(size.workloads.saturating_sub(sys_workloads), &shares);
    for (j, &count) in per_ns.iter().enumerate() {
        let ns = &mut namespaces[n_sys + j];
        for k in 0..count {
            let (w, tier) = app_workload(&mut rng, ns.product, k);
            ns.tier_apps.push((tier, w.name.clone()));
            ns.workloads.push(w);
        }
    }
    // Policies: ~12% of the application namespaces have none; the others 1 to 4 shares.
    let shares: Vec<usize> = (0..n_app)
        .map(|_| if rng.chance(120) { 0 } else { 1 + rng.below(4) })
        .collect();
    c.unprotected = shares.iter().filter(|&&s| s == 0).count();
    let pol_ns = distribute(size.policies.saturating_sub(sys_policies), &shares);

    let weights: Vec<u32> = TEMPLATES.iter().map(|t| t.1).collect();
    let mut files = Vec::with_capacity(namespaces.len());
    for (j, ns) in namespaces.iter().enumerate() {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {}\n  labels:",
            ns.name
        );
        for (k, v) in &ns.labels {
            let _ = writeln!(out, "    {k}: {v:?}");
        }
        for w in &ns.workloads {
            write_workload(&mut out, ns, w, &mut rng);
            c.workloads += 1;
            match w.kind {
                "Deployment" => c.deployments += 1,
                "StatefulSet" => c.statefulsets += 1,
                _ => c.daemonsets += 1,
            }
            let svc = if w.labels.iter().any(|(k, _)| k == "exposed") {
                Some("LoadBalancer")
            } else if w.kind == "StatefulSet" || w.labels.iter().any(|(_, v)| v == "backend") {
                Some("ClusterIP")
            } else {
                None
            };
            if let Some(t) = svc {
                write_service(&mut out, &ns.name, w, t);
                c.services += 1;
            }
        }
        let policies: Vec<PolicyG> = if j < n_sys {
            system_policies(&ns.name)
        } else {
            let want = pol_ns[j - n_sys];
            let mut used: Vec<&str> = Vec::new();
            let mut v = Vec::with_capacity(want);
            while v.len() < want {
                // Most namespaces with policies start with a default deny.
                let ti = if v.is_empty() && rng.chance(700) {
                    0
                } else {
                    rng.weighted(&weights)
                };
                let (t, _, once) = TEMPLATES[ti];
                let k = used.iter().filter(|u| **u == t).count();
                if once && k > 0 {
                    continue;
                }
                used.push(t);
                v.push(app_policy(&mut rng, ns, j, t, k));
                c.template(t);
            }
            v
        };
        for p in &policies {
            write_policy(&mut out, &ns.name, p, &mut c);
            c.policies += 1;
        }
        files.push((format!("{}.yaml", ns.name), out));
    }
    c.namespaces = namespaces.len();
    c.by_template.sort_by_key(|t| std::cmp::Reverse(t.1));
    Generated { files, counts: c }
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers.

/// Decodes the files on every core, as the CLI does.
fn decode(files: &[(String, String)], threads: usize) -> (Vec<Object>, usize, usize) {
    let chunk = files.len().div_ceil(threads).max(1);
    let decoded: Vec<palisade_source::Loaded> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|files| {
                s.spawn(move || {
                    files
                        .iter()
                        .map(|(name, y)| palisade_source::load_bytes(name.as_str().into(), y.as_bytes()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("decode thread"))
            .collect()
    });
    let mut objects = Vec::new();
    let (mut diags, mut errors) = (0, 0);
    for l in decoded {
        objects.extend(l.objects);
        for d in &l.diagnostics {
            diags += 1;
            if d.level == DiagLevel::Error {
                if errors < 5 {
                    eprintln!("netpol_bench: decode error: {d}");
                }
                errors += 1;
            }
        }
    }
    (objects, diags, errors)
}

/// Compares `samples` random cells of the matrix with `Analysis::allowed`.
/// Compares `samples` random cells of the matrix (every cell when `None`) with
/// `Analysis::allowed`; returns (cells compared, cells that differ).
fn verify(m: &Matrix, a: &Analysis<'_>, rng: &mut Rng, samples: Option<usize>) -> (usize, usize) {
    let (n, x) = (m.workloads, m.ranges);
    let ep = |i: usize| {
        if i < n {
            Endpoint::Workload(i)
        } else {
            Endpoint::External(i - n)
        }
    };
    let width = |s: usize| if s < n { n + x } else { n };
    let pairs: Box<dyn Iterator<Item = (usize, usize)>> = match samples {
        Some(k) => Box::new(
            (0..k)
                .map(|_| {
                    let s = rng.below(n + x);
                    (s, rng.below(width(s)))
                })
                .collect::<Vec<_>>()
                .into_iter(),
        ),
        None => Box::new((0..n + x).flat_map(move |s| (0..width(s)).map(move |d| (s, d)))),
    };
    let (mut seen, mut bad) = (0, 0);
    for (s, d) in pairs {
        seen += 1;
        let want = a.allowed(ep(s), ep(d));
        if *m.cell(s, d) != want {
            if bad < 3 {
                eprintln!(
                    "netpol_bench: matrix cell {} -> {} is {}, Analysis::allowed says {}",
                    a.endpoint_name(ep(s)),
                    a.endpoint_name(ep(d)),
                    m.cell(s, d),
                    want
                );
            }
            bad += 1;
        }
    }
    (seen, bad)
}

// ---------------------------------------------------------------------------------------------
// One size in a child process: generation, then decode + model + analysis + matrix, measured.

struct ChildResult {
    size: Size,
    yaml_mb: f64,
    decode: f64,
    build: f64,
    analysis: f64,
    matrix: f64,
    ranges: usize,
    runs: usize,
    sets: usize,
    pairs: usize,
    check_mean: f64,
    peak: f64,
    base: f64,
    /// RSS after decode, model, analysis, matrix.
    rss: [f64; 4],
    distinct_rows: usize,
}

fn child(size: Size, seed: u64, threads: usize) {
    let g = generate(size, seed);
    let yaml: usize = g.files.iter().map(|f| f.1.len()).sum();
    reset_peak();
    let base = rss_mb();
    let t = Instant::now();
    let (objects, _, _) = decode(&g.files, threads);
    let decode_t = t.elapsed();
    drop(g);
    let rss_objects = rss_mb();
    let t = Instant::now();
    let model = Model::build(&objects, Options::default());
    let build = t.elapsed();
    let rss_model = rss_mb();
    let t = Instant::now();
    let a = Analysis::new(&model);
    let analysis = t.elapsed();
    let rss_analysis = rss_mb();
    let t = Instant::now();
    let m = Matrix::compute(&a);
    let matrix = t.elapsed();
    let rss_matrix = rss_mb();
    let n = model.workloads.len();
    let mut rng = Rng(seed ^ 0xC41D);
    let t = Instant::now();
    for _ in 0..200 {
        let (s, d) = (rng.below(n), rng.below(n));
        black_box(a.explain(Endpoint::Workload(s), Endpoint::Workload(d)));
    }
    let check = t.elapsed() / 200;
    let (_, bad) = verify(&m, &a, &mut rng, Some(2000));
    println!(
        "CHILD workloads={} namespaces={} policies={} yaml_mb={:.2} decode={:.2} build={:.2} analysis={:.2} matrix={:.2} ranges={} runs={} sets={} pairs={} check={:.4} peak={:.1} base={:.1} rss_objects={rss_objects:.1} rss_model={rss_model:.1} rss_analysis={rss_analysis:.1} rss_matrix={rss_matrix:.1} rows={} bad={bad}",
        n,
        model.namespaces.len(),
        model.policies.len(),
        yaml as f64 / 1e6,
        ms(decode_t),
        ms(build),
        ms(analysis),
        ms(matrix),
        a.ranges.len(),
        m.runs(),
        m.cells.len(),
        m.allowed_pairs(),
        ms(check),
        peak_mb(),
        base,
        m.distinct_rows()
    );
    if bad > 0 {
        std::process::exit(1);
    }
}

fn run_child(size: Size, seed: u64) -> Result<ChildResult, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args([
            "--child",
            "--workloads",
            &size.workloads.to_string(),
            "--namespaces",
            &size.namespaces.to_string(),
            "--policies",
            &size.policies.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("CHILD "))
        .ok_or_else(|| format!("child exited with {} and no result", out.status))?;
    let get = |k: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    if !out.status.success() {
        return Err(format!(
            "child exited with {} ({} wrong cells)",
            out.status,
            get("bad")
        ));
    }
    Ok(ChildResult {
        size: Size {
            workloads: get("workloads") as usize,
            namespaces: get("namespaces") as usize,
            policies: get("policies") as usize,
        },
        yaml_mb: get("yaml_mb"),
        decode: get("decode"),
        build: get("build"),
        analysis: get("analysis"),
        matrix: get("matrix"),
        ranges: get("ranges") as usize,
        runs: get("runs") as usize,
        sets: get("sets") as usize,
        pairs: get("pairs") as usize,
        check_mean: get("check"),
        peak: get("peak"),
        base: get("base"),
        rss: [
            get("rss_objects"),
            get("rss_model"),
            get("rss_analysis"),
            get("rss_matrix"),
        ],
        distinct_rows: get("rows") as usize,
    })
}

fn scaling_table(title: &str, sizes: &[Size], seed: u64) {
    println!("\n{title}");
    println!(
        "  {:>9} {:>4} {:>8} {:>6} {:>7} {:>8} {:>7} {:>8} {:>8} {:>8} {:>6} {:>6} {:>7} {:>6} {:>7} {:>7} {:>6}",
        "workloads",
        "ns",
        "policies",
        "ranges",
        "YAML MB",
        "decode",
        "model",
        "analysis",
        "matrix",
        "m+a+m",
        "×time",
        "rows",
        "runs",
        "check",
        "peak MB",
        "Δ MB",
        "×mem"
    );
    let mut prev: Option<ChildResult> = None;
    for &size in sizes {
        match run_child(size, seed) {
            Ok(r) => {
                let total = r.build + r.analysis + r.matrix;
                let delta = r.peak - r.base;
                let (tg, mg) = match &prev {
                    Some(p) => (
                        format!("×{:.1}", total / (p.build + p.analysis + p.matrix)),
                        format!("×{:.1}", delta / (p.peak - p.base)),
                    ),
                    None => ("".into(), "".into()),
                };
                println!(
                    "  {:>9} {:>4} {:>8} {:>6} {:>7.1} {:>6.0}ms {:>5.0}ms {:>6.0}ms {:>6.0}ms {:>6.0}ms {:>6} {:>6} {:>7} {:>4.1}µs {:>7.1} {:>7.1} {:>6}",
                    r.size.workloads,
                    r.size.namespaces,
                    r.size.policies,
                    r.ranges,
                    r.yaml_mb,
                    r.decode,
                    r.build,
                    r.analysis,
                    r.matrix,
                    total,
                    tg,
                    r.distinct_rows,
                    r.runs,
                    r.check_mean * 1e3,
                    r.peak,
                    delta,
                    mg
                );
                let cells = (r.size.workloads + r.ranges) * r.size.workloads + r.size.workloads * r.ranges;
                println!(
                    "  {:>9} {} allowed pairs of {cells} cells ({} distinct port sets); RSS {:.0} MB after generation, {:.0} decoded, {:.0} model, {:.0} analysis, {:.0} matrix",
                    "",
                    r.pairs,
                    r.sets,
                    r.base,
                    r.rss[0],
                    r.rss[1],
                    r.rss[2],
                    r.rss[3]
                );
                prev = Some(r);
            }
            Err(e) => println!(
                "  {:>9} {:>4} {:>8}  failed: {e}",
                size.workloads, size.namespaces, size.policies
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------

struct Args {
    size: Size,
    seed: u64,
    write: Option<String>,
    write_after: Option<String>,
    scaling: bool,
    verify_all: bool,
    child: bool,
}

fn args() -> Args {
    let mut a = Args {
        size: Size {
            workloads: 5_000,
            namespaces: 0,
            policies: 1_000,
        },
        seed: 0x5EED_0E7C,
        write: None,
        write_after: None,
        scaling: true,
        verify_all: false,
        child: false,
    };
    let mut it = std::env::args().skip(1);
    let num = |v: Option<String>, what: &str| -> usize {
        v.and_then(|s| s.replace('_', "").parse().ok())
            .unwrap_or_else(|| {
                eprintln!("netpol_bench: {what} needs a number");
                std::process::exit(2);
            })
    };
    while let Some(x) = it.next() {
        match x.as_str() {
            "--workloads" | "--size" => a.size.workloads = num(it.next(), &x),
            "--policies" => a.size.policies = num(it.next(), &x),
            "--namespaces" => a.size.namespaces = num(it.next(), &x),
            "--seed" => a.seed = num(it.next(), &x) as u64,
            "--write" => a.write = it.next(),
            "--write-after" => a.write_after = it.next(),
            "--no-scaling" => a.scaling = false,
            "--verify-all" => a.verify_all = true,
            "--child" => a.child = true,
            "-h" | "--help" => {
                println!(
                    "usage: netpol_bench [--workloads N] [--policies M] [--namespaces K] [--seed S] [--write FILE] [--write-after FILE] [--no-scaling] [--verify-all]"
                );
                std::process::exit(0);
            }
            other => {
                eprintln!("netpol_bench: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    if a.size.namespaces == 0 {
        // 25 workloads per namespace on average (200 for 5,000).
        a.size.namespaces = (a.size.workloads / 25).max(5);
    }
    a
}

fn main() {
    let a = args();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if a.child {
        child(a.size, a.seed, threads);
        return;
    }
    println!(
        "palisade NetworkPolicy benchmark ({threads} core(s), seed {:#x})",
        a.seed
    );

    // Generation (not measured against a target).
    let t = Instant::now();
    let g = generate(a.size, a.seed);
    let gen_time = t.elapsed();
    let c = &g.counts;
    let total_bytes: usize = g.files.iter().map(|f| f.1.len()).sum();
    println!(
        "\ngenerated in {:.0} ms: {} namespaces ({} application namespaces without any policy), {} workloads ({} Deployments, {} StatefulSets, {} DaemonSets), {} Services, {} NetworkPolicies; {:.1} MB of YAML",
        ms(gen_time),
        c.namespaces,
        c.unprotected,
        c.workloads,
        c.deployments,
        c.statefulsets,
        c.daemonsets,
        c.services,
        c.policies,
        total_bytes as f64 / 1e6
    );
    println!(
        "  policy peers/ports: {} ipBlocks, {} named ports, {} endPort ranges",
        c.ip_blocks, c.named_ports, c.end_ports
    );
    let kinds: Vec<String> = c.by_template.iter().map(|(t, n)| format!("{t} {n}")).collect();
    for line in kinds.chunks(5) {
        println!("  {}", line.join(", "));
    }

    if let Some(path) = &a.write {
        let mut s = String::with_capacity(total_bytes);
        for (_, y) in &g.files {
            s.push_str(y);
        }
        match std::fs::write(path, s) {
            Ok(()) => println!("wrote the cluster to {path} ({:.1} MB)", total_bytes as f64 / 1e6),
            Err(e) => {
                eprintln!("netpol_bench: cannot write {path}: {e}");
                std::process::exit(2);
            }
        }
    }

    if let Some(path) = &a.write_after {
        // The cluster after a change: every 50th NetworkPolicy removed, as in (d).
        let mut s = String::with_capacity(total_bytes);
        let mut k = 0usize;
        for (_, y) in &g.files {
            for doc in y.split_inclusive("---\n").filter(|d| *d != "---\n") {
                if doc.starts_with("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n") {
                    k += 1;
                    if k == 50 {
                        k = 0;
                        continue;
                    }
                }
                s.push_str("---\n");
                s.push_str(doc.strip_suffix("---\n").unwrap_or(doc));
            }
        }
        match std::fs::write(path, s) {
            Ok(()) => println!("wrote the cluster after the change (every 50th policy removed) to {path}"),
            Err(e) => {
                eprintln!("netpol_bench: cannot write {path}: {e}");
                std::process::exit(2);
            }
        }
    }

    let peak_reset = reset_peak();
    let rss_before = rss_mb();

    // (a) Decode, model, analysis.
    println!(
        "\n(a) load ({:.1} MB in {} files)",
        total_bytes as f64 / 1e6,
        g.files.len()
    );
    let t = Instant::now();
    let (objects, diags, errors) = decode(&g.files, threads);
    let decode_t = t.elapsed();
    drop(g);
    let rss_decoded = rss_mb();
    println!(
        "  decode                     {:8.1} ms   ({} objects, {diags} diagnostics, {errors} errors, {threads} threads)",
        ms(decode_t),
        objects.len()
    );
    let t = Instant::now();
    let model = Model::build(&objects, Options::default());
    let build = t.elapsed();
    let rss_model = rss_mb();
    println!(
        "  model build                {:8.1} ms   ({} namespaces, {} workloads, {} valid policies, {} problems, {} exposures)",
        ms(build),
        model.namespaces.len(),
        model.workloads.len(),
        model.policies.len(),
        model.problems.len(),
        model.exposures.len()
    );
    for p in model.problems.iter().take(3) {
        eprintln!("netpol_bench: model problem: {}: {}", p.path, p.message);
    }
    let t = Instant::now();
    let analysis = Analysis::new(&model);
    let analysis_t = t.elapsed();
    let rss_analysis = rss_mb();
    let n = model.workloads.len();
    let iso_in = (0..n)
        .filter(|&w| analysis.isolated(w, palisade_netpol::Direction::Ingress))
        .count();
    let iso_eg = (0..n)
        .filter(|&w| analysis.isolated(w, palisade_netpol::Direction::Egress))
        .count();
    println!(
        "  Analysis::new              {:8.1} ms   ({} rules, {} external ranges; {iso_in} workloads ingress-isolated, {iso_eg} egress-isolated)",
        ms(analysis_t),
        analysis.rules.len(),
        analysis.ranges.len()
    );

    // (b) The matrix.
    let t = Instant::now();
    let matrix = Matrix::compute(&analysis);
    let matrix_t = t.elapsed();
    let rss_matrix = rss_mb();
    let x = analysis.ranges.len();
    let cells = (n + x) * n + n * x;
    let pairs = matrix.allowed_pairs();
    println!("\n(b) Matrix::compute");
    println!(
        "  matrix                     {:8.1} ms   ({} rows, {cells} cells, {pairs} allowed pairs ({:.1}%), {} distinct port sets, {} distinct rows, {} runs stored ({:.1} per distinct row))",
        ms(matrix_t),
        matrix.rows(),
        pairs as f64 * 100.0 / cells as f64,
        matrix.cells.len(),
        matrix.distinct_rows(),
        matrix.runs(),
        matrix.runs() as f64 / matrix.distinct_rows() as f64
    );
    let full = decode_t + build + analysis_t + matrix_t;
    let model_matrix = build + analysis_t + matrix_t;
    println!(
        "  model + analysis + matrix  {:8.1} ms;  with decode {:.1} ms",
        ms(model_matrix),
        ms(full)
    );
    let mut rng = Rng(a.seed ^ 0xC4EC);
    let t = Instant::now();
    let (checked, bad) = verify(
        &matrix,
        &analysis,
        &mut rng,
        if a.verify_all { None } else { Some(20_000) },
    );
    println!(
        "  verified {checked} {} against Analysis::allowed in {:.1} ms: {}",
        if a.verify_all {
            "cells (all)"
        } else {
            "random cells"
        },
        ms(t.elapsed()),
        if bad == 0 {
            "all equal".to_string()
        } else {
            format!("{bad} DIFFER")
        }
    );

    // (c) Single checks.
    let mut times = Vec::with_capacity(1000);
    let (mut allowed, mut rules) = (0usize, 0usize);
    for i in 0..1000 {
        let src = Endpoint::Workload(rng.below(n));
        let dst = if i % 10 == 9 && x > 0 {
            Endpoint::External(rng.below(x))
        } else {
            Endpoint::Workload(rng.below(n))
        };
        let t = Instant::now();
        let e = black_box(analysis.explain(black_box(src), black_box(dst)));
        times.push(t.elapsed());
        if !e.allowed.is_empty() {
            allowed += 1;
        }
        rules += e.egress.rules.len() + e.ingress.rules.len();
    }
    let check = stats(times);
    println!(
        "\n(c) check: 1000 random connections (Analysis::explain, 10% towards external ranges; {allowed} allowed, {rules} allowing rules in all)"
    );
    print_stats("per check", &check);
    let cold = decode_t + build + analysis_t + check.max;
    println!(
        "  from scratch (decode + model + analysis + one explain): {:.1} ms",
        ms(cold)
    );

    // (d) Diff against the same cluster with every 50th policy removed and its workloads'
    // order kept (what `palisade netpol diff` compares for a change under review).
    let mut k = 0usize;
    let after_objects: Vec<&Object> = objects
        .iter()
        .filter(|o| {
            if o.kind != "NetworkPolicy" {
                return true;
            }
            k += 1;
            if k == 50 {
                k = 0;
            }
            k != 0
        })
        .collect();
    let t = Instant::now();
    let after_model = Model::build(after_objects.iter().copied(), Options::default());
    let after = Analysis::new(&after_model);
    let after_t = t.elapsed();
    let t = Instant::now();
    let changes = palisade_netpol::diff(&analysis, &after);
    let diff_t = t.elapsed();
    let added = changes.iter().filter(|c| !c.added.is_empty()).count();
    let removed = changes.iter().filter(|c| !c.removed.is_empty()).count();
    println!(
        "\n(d) diff: {} policies removed (every 50th)",
        model.policies.len() - after_model.policies.len()
    );
    println!(
        "  diff                       {:8.1} ms   ({} changed connections: {added} with ports added, {removed} with ports removed; model + analysis of the second side {:.1} ms)",
        ms(diff_t),
        changes.len(),
        ms(after_t)
    );
    drop(changes);
    drop(after);
    drop(after_model);
    drop(after_objects);

    // (e) Memory.
    let peak = peak_mb();
    println!("\n(e) memory");
    println!(
        "  RSS before loading {rss_before:.1} MB, after decode {rss_decoded:.1} MB, after model {rss_model:.1} MB, after analysis {rss_analysis:.1} MB, after matrix {rss_matrix:.1} MB"
    );
    println!(
        "  peak RSS (VmHWM)           {peak:8.1} MB{}",
        if peak_reset {
            "   (peak reset after generation)"
        } else {
            "   (could not reset the peak: it includes generation)"
        }
    );
    drop(matrix);
    drop(analysis);
    drop(model);
    drop(objects);

    let rows: [(&str, String, String, bool); 4] = [
        (
            "full matrix (model + analysis + matrix)",
            format!("{:.1} ms", ms(model_matrix)),
            "< 2 s".into(),
            model_matrix < TARGET_MATRIX,
        ),
        (
            "single check (max of 1000 explains)",
            format!("{:.3} ms", ms(check.max)),
            "< 50 ms".into(),
            check.max < TARGET_CHECK,
        ),
        (
            "peak memory (VmHWM)",
            format!("{peak:.1} MB"),
            "< 500 MB".into(),
            peak < TARGET_PEAK_MB,
        ),
        (
            "matrix cells equal Analysis::allowed",
            format!("{bad} differ"),
            "0".into(),
            bad == 0,
        ),
    ];
    println!(
        "\n  (decode adds {:.1} ms: {:.1} ms from YAML to matrix)",
        ms(decode_t),
        ms(full)
    );
    print_targets(&rows, 46);

    if a.scaling {
        let s = |workloads: usize, policies: usize, namespaces: usize| Size {
            workloads,
            namespaces,
            policies,
        };
        scaling_table(
            "(f) growth with workloads (25 workloads and 5 policies per namespace; each size in its own process)",
            &[s(1_000, 200, 40), s(5_000, 1_000, 200), s(20_000, 4_000, 800)],
            a.seed,
        );
        scaling_table(
            "(g) growth with policies (5,000 workloads in 200 namespaces)",
            &[s(5_000, 250, 200), s(5_000, 1_000, 200), s(5_000, 4_000, 200)],
            a.seed,
        );
    }
    if rows.iter().any(|r| !r.3) {
        std::process::exit(1);
    }
}

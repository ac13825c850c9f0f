//! Benchmark of palisade's RBAC analysis at scale.
//!
//! Generates (deterministically, in memory) a realistic RBAC set — 200 namespaces, 2,000
//! ServiceAccounts, 10,000 Roles/ClusterRoles, 10,000 RoleBindings/ClusterRoleBindings with
//! 1–3 subjects, a few hundred Deployments — optionally adds the RBAC objects of a real
//! manifest corpus, and measures: decoding, model build + indexes, can-i and who-can query
//! latency, the full risky-grant scan (the RBAC rules of `palisade scan`) and peak memory.
//! Prints the numbers and a PASS/FAIL table against the targets; exits 1 if a target fails.
//!
//! ```text
//! cargo run --release -p palisade_cli --example rbac_bench -- \
//!     [--corpus DIR] [--write FILE] [--seed N]
//! ```
//! `--corpus DIR` (or `PALISADE_BENCH_CORPUS`): also load the RBAC objects (Roles,
//! ClusterRoles, bindings, ServiceAccounts) found under DIR; skipped if DIR does not exist.
//! `--write FILE`: write the whole set (generated + corpus RBAC) as one YAML stream, for
//! timing the CLI on it.

use palisade_core::{Object, Severity};
use palisade_rbac::{Aggregation, Decision, Model, ModelOptions, Request, RiskIndex, User};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[allow(dead_code)] // each example uses part of the shared support
mod support;
use support::*;

// ---------------------------------------------------------------------------------------------
// Targets.

const TARGET_LOAD_INDEX: Duration = Duration::from_secs(1);
const TARGET_QUERY: Duration = Duration::from_millis(10);
const TARGET_SCAN: Duration = Duration::from_secs(2);
const TARGET_PEAK_MB: f64 = 300.0;

// ---------------------------------------------------------------------------------------------
// The generated set.

const SA_NAMES: &[&str] = &[
    "api",
    "web",
    "worker",
    "migrator",
    "cron",
    "operator",
    "ci-deployer",
    "metrics",
    "backup",
    "reader",
];
const ROLE_PURPOSES: &[&str] = &["reader", "manager", "leader-election", "debug"];
const VENDORS: &[&str] = &[
    "acme",
    "cert-manager",
    "istio",
    "prometheus",
    "fluent-bit",
    "argocd",
    "flux",
    "velero",
    "keda",
    "external-dns",
    "vault",
    "datadog",
    "kyverno",
    "crossplane",
    "tekton",
];
const COMPONENTS: &[&str] = &[
    "controller",
    "webhook",
    "agent",
    "operator",
    "exporter",
    "reader",
    "sync",
    "cainjector",
];
const FIRST_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
    "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin",
];
const DEFAULT_NS_ROLES: &[(&str, u32)] = &[("view", 50), ("edit", 30), ("admin", 20)];
const DEFAULT_CLUSTER_ROLES: &[(&str, u32)] = &[
    ("view", 40),
    ("system:auth-delegator", 25),
    ("edit", 12),
    ("admin", 8),
    ("system:heapster", 5),
    ("system:aggregate-to-view", 5),
    ("cluster-admin", 5),
];

/// A rule template: `{app}` in resourceNames is replaced by an application name.
struct RuleT {
    weight: u32,
    groups: &'static [&'static str],
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
    names: &'static [&'static str],
    urls: &'static [&'static str],
}

const fn rt(
    weight: u32,
    groups: &'static [&'static str],
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
) -> RuleT {
    RuleT {
        weight,
        groups,
        resources,
        verbs,
        names: &[],
        urls: &[],
    }
}

const RW: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete"];
const RO: &[&str] = &["get", "list", "watch"];

/// Rules of Roles and ClusterRoles (weights in tenths).
static NAMESPACED_RULES: &[RuleT] = &[
    rt(300, &[""], &["pods", "services", "endpoints", "configmaps"], RO),
    rt(
        120,
        &["apps"],
        &["deployments", "replicasets", "statefulsets", "daemonsets"],
        RO,
    ),
    rt(60, &["apps"], &["deployments", "deployments/scale"], RW),
    RuleT {
        names: &["{app}-tls", "{app}-db-credentials"],
        ..rt(60, &[""], &["secrets"], &["get"])
    },
    rt(40, &[""], &["secrets"], RO),
    rt(30, &[""], &["pods/exec", "pods/attach"], &["create", "get"]),
    rt(60, &[""], &["pods/log"], &["get", "list"]),
    rt(
        80,
        &["", "events.k8s.io"],
        &["events"],
        &["create", "patch", "update"],
    ),
    rt(60, &["coordination.k8s.io"], &["leases"], RW),
    RuleT {
        names: &["{app}-leader", "{app}-config"],
        ..rt(50, &[""], &["configmaps"], &["get", "update", "patch"])
    },
    rt(40, &["batch"], &["jobs", "cronjobs"], &["*"]),
    rt(
        40,
        &["monitoring.coreos.com"],
        &["servicemonitors", "podmonitors", "prometheusrules"],
        RW,
    ),
    rt(20, &["apps"], &["*"], RO),
    rt(10, &[""], &["serviceaccounts/token"], &["create"]),
    rt(30, &[""], &["pods"], &["create", "delete", "get", "list"]),
    rt(
        30,
        &[""],
        &["persistentvolumeclaims"],
        &["get", "list", "watch", "create", "delete"],
    ),
    rt(30, &["networking.k8s.io"], &["ingresses", "networkpolicies"], RO),
    rt(10, &[""], &["pods/ephemeralcontainers"], &["update", "patch"]),
    rt(10, &["*"], &["*"], RO),
    rt(5, &[""], &["serviceaccounts"], &["impersonate"]),
    rt(20, &["rbac.authorization.k8s.io"], &["roles", "rolebindings"], RW),
    rt(
        5,
        &["rbac.authorization.k8s.io"],
        &["roles"],
        &["bind", "escalate"],
    ),
    rt(10, &["policy"], &["poddisruptionbudgets"], RO),
    rt(15, &["autoscaling"], &["horizontalpodautoscalers"], RW),
];

/// Rules only ClusterRoles have (weights in tenths).
static CLUSTER_RULES: &[RuleT] = &[
    rt(80, &[""], &["nodes", "namespaces"], RO),
    RuleT {
        urls: &["/metrics", "/metrics/cadvisor"],
        ..rt(50, &[], &[], &["get"])
    },
    RuleT {
        urls: &["/healthz", "/livez", "/readyz", "/version"],
        ..rt(30, &[], &[], &["get"])
    },
    RuleT {
        urls: &["/api/*", "/apis/*"],
        ..rt(10, &[], &[], &["get"])
    },
    RuleT {
        urls: &["*"],
        ..rt(3, &[], &[], &["*"])
    },
    rt(50, &["apiextensions.k8s.io"], &["customresourcedefinitions"], RO),
    rt(30, &["*"], &["*"], RO),
    rt(3, &["*"], &["*"], &["*"]),
    rt(
        20,
        &["admissionregistration.k8s.io"],
        &["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
        &["get", "list", "watch", "create", "update", "patch"],
    ),
    rt(
        20,
        &[""],
        &["nodes/proxy", "nodes/metrics", "nodes/stats"],
        &["get"],
    ),
    rt(
        10,
        &[""],
        &["persistentvolumes"],
        &["get", "list", "watch", "create", "delete"],
    ),
    rt(10, &[""], &["nodes", "nodes/status"], &["patch", "update"]),
    rt(
        10,
        &["certificates.k8s.io"],
        &[
            "certificatesigningrequests",
            "certificatesigningrequests/approval",
        ],
        &["get", "list", "watch", "update"],
    ),
    RuleT {
        names: &["kubernetes.io/kube-apiserver-client"],
        ..rt(5, &["certificates.k8s.io"], &["signers"], &["approve"])
    },
    rt(
        10,
        &[""],
        &["users", "groups", "serviceaccounts"],
        &["impersonate"],
    ),
    rt(
        10,
        &["rbac.authorization.k8s.io"],
        &["clusterroles", "clusterrolebindings"],
        &["bind", "escalate", "get", "list"],
    ),
    rt(40, &["{vendor}.bench.example.com"], &["*"], &["*"]),
];

#[derive(Default)]
struct Counts {
    namespaces: usize,
    service_accounts: usize,
    roles: usize,
    cluster_roles: usize,
    aggregated: usize,
    role_bindings: usize,
    cluster_role_bindings: usize,
    subjects: usize,
    deployments: usize,
}

struct Generated {
    /// (file name, YAML).
    files: Vec<(String, String)>,
    namespaces: Vec<String>,
    service_accounts: Vec<(String, String)>,
    users: Vec<String>,
    groups: Vec<String>,
    counts: Counts,
}

fn yaml_list(out: &mut String, indent: &str, key: &str, items: &[String]) {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    let _ = writeln!(out, "{indent}{key}: [{}]", quoted.join(", "));
}

fn write_rule(rng: &mut Rng, out: &mut String, cluster: bool, app: &str, vendor: &str) {
    let weights: Vec<u32> = NAMESPACED_RULES
        .iter()
        .chain(if cluster { CLUSTER_RULES } else { &[] })
        .map(|r| r.weight)
        .collect();
    let i = rng.weighted(&weights);
    let t = NAMESPACED_RULES
        .iter()
        .chain(CLUSTER_RULES)
        .nth(i)
        .expect("weighted index in range");
    let subst = |s: &&str| s.replace("{app}", app).replace("{vendor}", vendor);
    // Verbs: usually all of the template's, sometimes a prefix.
    let nverbs = if t.verbs.len() > 1 && rng.chance(300) {
        1 + rng.below(t.verbs.len())
    } else {
        t.verbs.len()
    };
    let verbs: Vec<String> = t.verbs[..nverbs].iter().map(|s| s.to_string()).collect();
    if !t.urls.is_empty() {
        out.push_str("  - nonResourceURLs:\n");
        for u in t.urls {
            let _ = writeln!(out, "      - {u:?}");
        }
        yaml_list(out, "    ", "verbs", &verbs);
        return;
    }
    let groups: Vec<String> = t.groups.iter().map(subst).collect();
    let _ = writeln!(out, "  - apiGroups: [{}]", {
        let q: Vec<String> = groups.iter().map(|g| format!("{g:?}")).collect();
        q.join(", ")
    });
    if rng.chance(500) {
        // Block style, as many charts write it.
        out.push_str("    resources:\n");
        for r in t.resources {
            if r.contains('*') {
                let _ = writeln!(out, "      - \"{r}\"");
            } else {
                let _ = writeln!(out, "      - {r}");
            }
        }
    } else {
        let res: Vec<String> = t.resources.iter().map(|s| s.to_string()).collect();
        yaml_list(out, "    ", "resources", &res);
    }
    if !t.names.is_empty() {
        let names: Vec<String> = t.names.iter().map(subst).collect();
        yaml_list(out, "    ", "resourceNames", &names);
    }
    yaml_list(out, "    ", "verbs", &verbs);
}

fn rule_count(rng: &mut Rng) -> usize {
    1 + rng.weighted(&[25, 30, 20, 12, 8, 5])
}

fn generate(seed: u64) -> Generated {
    let mut rng = Rng(seed);
    let mut c = Counts::default();
    let namespaces: Vec<String> = ENVS
        .iter()
        .flat_map(|e| PRODUCTS.iter().map(move |p| format!("{p}-{e}")))
        .collect();
    let users: Vec<String> = (0..500)
        .map(|i| format!("{}.{i}@example.com", FIRST_NAMES[i % FIRST_NAMES.len()]))
        .collect();
    let mut groups: Vec<String> = PRODUCTS.iter().map(|p| format!("team-{p}")).collect();
    groups.extend(ENVS.iter().map(|e| format!("oncall-{e}")));
    groups.extend(["sre", "platform", "developers", "auditors", "security"].map(String::from));
    let service_accounts: Vec<(String, String)> = namespaces
        .iter()
        .flat_map(|ns| SA_NAMES.iter().map(move |s| (ns.clone(), s.to_string())))
        .collect();

    // ClusterRoles: the first 30 are aggregated (selecting bench labels), ~300 more carry
    // aggregation labels (into those, or into the default view/edit/admin).
    const CLUSTER_ROLES: usize = 2_000;
    const AGGREGATED: usize = 30;
    let cluster_role_names: Vec<String> = (0..CLUSTER_ROLES)
        .map(|i| {
            format!(
                "{}-{}-{i:04}",
                VENDORS[i % VENDORS.len()],
                COMPONENTS[(i / VENDORS.len()) % COMPONENTS.len()]
            )
        })
        .collect();
    let mut cluster = String::new();
    for (i, name) in cluster_role_names.iter().enumerate() {
        let vendor = VENDORS[i % VENDORS.len()];
        // Set for a ClusterRole aggregated into the default view/edit/admin: like the roles
        // operators ship, it grants only its own custom resources.
        let mut crd_to: Option<&str> = None;
        let mut labels: Vec<(String, String)> = vec![
            ("app.kubernetes.io/name".into(), vendor.into()),
            ("app.kubernetes.io/managed-by".into(), "Helm".into()),
        ];
        if i < AGGREGATED {
            // Short chains: aggregated roles 0..5 are themselves aggregated into 5..10.
            if i < 5 {
                labels.push((format!("bench.example.com/aggregate-to-{}", i + 5), "true".into()));
            }
        } else if i < AGGREGATED + 300 {
            if rng.chance(800) {
                labels.push((
                    format!("bench.example.com/aggregate-to-{}", rng.below(AGGREGATED)),
                    "true".into(),
                ));
            } else {
                let to = rng.pick(&["view", "edit", "admin"]);
                crd_to = Some(*to);
                labels.push((
                    format!("rbac.authorization.k8s.io/aggregate-to-{to}"),
                    "true".into(),
                ));
            }
            if rng.chance(300) {
                labels.push((
                    "bench.example.com/tier".into(),
                    rng.pick(&["gold", "silver"]).to_string(),
                ));
            }
        }
        cluster.push_str("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n");
        let _ = writeln!(cluster, "  name: {name}\n  labels:");
        for (k, v) in &labels {
            let _ = writeln!(cluster, "    {k}: {v:?}");
        }
        if i < AGGREGATED {
            c.aggregated += 1;
            cluster.push_str("aggregationRule:\n  clusterRoleSelectors:\n");
            if (25..30).contains(&i) {
                let _ = writeln!(
                    cluster,
                    "    - matchExpressions:\n        - key: bench.example.com/tier\n          operator: In\n          values: [\"gold\"]"
                );
            } else {
                let _ = writeln!(
                    cluster,
                    "    - matchLabels:\n        bench.example.com/aggregate-to-{i}: \"true\""
                );
            }
            cluster.push_str("rules: []\n");
        } else {
            cluster.push_str("rules:\n");
            let app = COMPONENTS[i % COMPONENTS.len()];
            if let Some(to) = crd_to {
                let verbs = if to == "view" { RO } else { RW };
                let kinds = ["widgets", "gadgets", "pipelines", "policies"];
                let n = 1 + rng.below(kinds.len());
                let mut res: Vec<String> = kinds[..n].iter().map(|k| format!("{app}{k}")).collect();
                if to != "view" && rng.chance(500) {
                    res.push(format!("{app}{}/status", kinds[0]));
                }
                yaml_list(
                    &mut cluster,
                    "  - ",
                    "apiGroups",
                    &[format!("{vendor}.bench.example.com")],
                );
                yaml_list(&mut cluster, "    ", "resources", &res);
                let verbs: Vec<String> = verbs.iter().map(|v| v.to_string()).collect();
                yaml_list(&mut cluster, "    ", "verbs", &verbs);
            } else {
                for _ in 0..rule_count(&mut rng) {
                    write_rule(&mut rng, &mut cluster, true, app, vendor);
                }
            }
        }
        c.cluster_roles += 1;
    }

    let subject = |rng: &mut Rng, out: &mut String, ns: Option<&str>, c: &mut Counts| {
        c.subjects += 1;
        let k = rng.weighted(&[650, 200, 150]);
        match k {
            0 => {
                let (sns, sa) = match ns {
                    Some(ns) if rng.chance(850) => (ns.to_owned(), rng.pick(SA_NAMES).to_string()),
                    _ => rng.pick(&service_accounts).clone(),
                };
                if ns == Some(sns.as_str()) && rng.chance(150) {
                    // Namespace omitted: defaults to the RoleBinding's.
                    let _ = writeln!(out, "  - kind: ServiceAccount\n    name: {sa}");
                } else {
                    let _ = writeln!(
                        out,
                        "  - kind: ServiceAccount\n    name: {sa}\n    namespace: {sns}"
                    );
                }
            }
            1 => {
                // A few misconfigured RoleBindings grant to everyone (kept out of
                // ClusterRoleBindings, where one would make the whole set cluster-admin).
                let u = if ns.is_some() && rng.chance(2) {
                    "system:anonymous".to_owned()
                } else {
                    rng.pick(&users).clone()
                };
                let _ = writeln!(
                    out,
                    "  - kind: User\n    name: {u:?}\n    apiGroup: rbac.authorization.k8s.io"
                );
            }
            _ => {
                let g = match rng.below(1000) {
                    0..=4 if ns.is_some() => "system:authenticated".to_owned(),
                    5..=14 => format!("system:serviceaccounts:{}", ns.unwrap_or("default")),
                    _ => rng.pick(&groups).clone(),
                };
                let _ = writeln!(
                    out,
                    "  - kind: Group\n    name: {g:?}\n    apiGroup: rbac.authorization.k8s.io"
                );
            }
        }
    };
    let pick_default = |rng: &mut Rng, table: &[(&str, u32)]| {
        let w: Vec<u32> = table.iter().map(|x| x.1).collect();
        table[rng.weighted(&w)].0.to_owned()
    };

    // ClusterRoleBindings.
    for i in 0..1_500 {
        let role = match rng.below(1000) {
            0..=899 => cluster_role_names[rng.below(CLUSTER_ROLES)].clone(),
            900..=969 => pick_default(&mut rng, DEFAULT_CLUSTER_ROLES),
            _ => format!("removed-clusterrole-{i}"),
        };
        let _ = write!(
            cluster,
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: {role}-{i:04}\n  labels:\n    app.kubernetes.io/managed-by: Helm\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {role:?}\nsubjects:\n"
        );
        for _ in 0..1 + rng.weighted(&[60, 28, 12]) {
            subject(&mut rng, &mut cluster, None, &mut c);
        }
        c.cluster_role_bindings += 1;
    }

    // Namespaced objects, one file per namespace.
    let mut files = Vec::new();
    const ROLES_PER_NS: usize = 40;
    let rb_total = 8_500;
    let dep_total = 400;
    for (ni, ns) in namespaces.iter().enumerate() {
        let mut out = String::new();
        let product = PRODUCTS[ni % PRODUCTS.len()];
        let _ = write!(
            out,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    team: {product}\n"
        );
        c.namespaces += 1;
        for sa in SA_NAMES {
            let _ = write!(
                out,
                "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {sa}\n  namespace: {ns}\n"
            );
            if rng.chance(200) {
                out.push_str("automountServiceAccountToken: false\n");
            }
            c.service_accounts += 1;
        }
        let role_names: Vec<String> = (0..ROLES_PER_NS)
            .map(|k| {
                format!(
                    "{}-{}",
                    SA_NAMES[k % SA_NAMES.len()],
                    ROLE_PURPOSES[k / SA_NAMES.len()]
                )
            })
            .collect();
        for (k, rn) in role_names.iter().enumerate() {
            let _ = write!(
                out,
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {rn}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/part-of: {product}\nrules:\n"
            );
            let app = format!("{product}-{}", SA_NAMES[k % SA_NAMES.len()]);
            for _ in 0..rule_count(&mut rng) {
                write_rule(&mut rng, &mut out, false, &app, product);
            }
            c.roles += 1;
        }
        let rbs = rb_total / namespaces.len() + usize::from(ni < rb_total % namespaces.len());
        for k in 0..rbs {
            let (kind, role) = match rng.below(1000) {
                0..=699 => ("Role", rng.pick(&role_names).clone()),
                700..=919 => (
                    "ClusterRole",
                    cluster_role_names[rng.below(CLUSTER_ROLES)].clone(),
                ),
                920..=989 => ("ClusterRole", pick_default(&mut rng, DEFAULT_NS_ROLES)),
                _ => ("Role", format!("deleted-role-{k}")),
            };
            let _ = write!(
                out,
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {role}-{k:02}\n  namespace: {ns}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: {kind}\n  name: {role:?}\nsubjects:\n"
            );
            for _ in 0..1 + rng.weighted(&[60, 28, 12]) {
                subject(&mut rng, &mut out, Some(ns), &mut c);
            }
            c.role_bindings += 1;
        }
        let deps = dep_total / namespaces.len();
        for k in 0..deps {
            let sa = if rng.chance(800) {
                format!("\n      serviceAccountName: {}", rng.pick(SA_NAMES))
            } else {
                String::new()
            };
            let automount = if rng.chance(150) {
                "\n      automountServiceAccountToken: false"
            } else {
                ""
            };
            let name = format!("{product}-{}", COMPONENTS[k % COMPONENTS.len()]);
            let _ = write!(
                out,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:{sa}{automount}\n      containers:\n        - name: app\n          image: registry.example.com/{product}/{name}:1.{k}.0\n          ports: [{{containerPort: 8080}}]\n          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n"
            );
            c.deployments += 1;
        }
        files.push((format!("generated/{ns}.yaml"), out));
    }
    // Cluster-scoped objects in a few files.
    let docs: Vec<&str> = cluster.split("---\n").filter(|d| !d.is_empty()).collect();
    for (k, chunk) in docs.chunks(docs.len().div_ceil(4)).enumerate() {
        let mut s = String::new();
        for d in chunk {
            s.push_str("---\n");
            s.push_str(d);
        }
        files.push((format!("generated/cluster-{k}.yaml"), s));
    }
    Generated {
        files,
        namespaces,
        service_accounts,
        users,
        groups,
        counts: c,
    }
}

// ---------------------------------------------------------------------------------------------
// Corpus RBAC.

/// The RBAC objects of every file under `dir`, as one YAML stream (JSON documents), and how
/// many files were read.
fn corpus_rbac(dir: &str) -> (String, usize, usize) {
    let (inputs, _) = palisade_source::discover(&[dir.to_owned()]);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = inputs.len().div_ceil(threads).max(1);
    let parts: Vec<(String, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|files| {
                s.spawn(move || {
                    let mut out = String::new();
                    let mut n = 0;
                    for f in files {
                        for o in palisade_source::load_input(f).objects {
                            if palisade_rbac::is_rbac_object(&o) {
                                out.push_str("---\n");
                                out.push_str(&o.root.to_json().to_string());
                                out.push('\n');
                                n += 1;
                            }
                        }
                    }
                    (out, n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("corpus thread"))
            .collect()
    });
    let n = parts.iter().map(|p| p.1).sum();
    (parts.into_iter().map(|p| p.0).collect(), n, inputs.len())
}

// ---------------------------------------------------------------------------------------------
// Queries.

const QUERY_RESOURCES: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "secrets"),
    ("", "configmaps"),
    ("", "services"),
    ("apps", "deployments"),
    ("batch", "jobs"),
    ("", "pods/exec"),
    ("", "pods/log"),
    ("coordination.k8s.io", "leases"),
    ("", "nodes"),
    ("", "namespaces"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
    ("", "serviceaccounts/token"),
    ("monitoring.coreos.com", "servicemonitors"),
    ("networking.k8s.io", "ingresses"),
    ("", "persistentvolumes"),
    ("events.k8s.io", "events"),
];
const QUERY_VERBS: &[&str] = &["get", "list", "watch", "create", "update", "patch", "delete"];

fn random_request(rng: &mut Rng, g: &Generated, namespaced_permille: u32) -> Request {
    if rng.chance(30) {
        const PATHS: [&str; 4] = ["/metrics", "/healthz", "/api/v1", "/logs"];
        let path = rng.pick(&PATHS);
        return Request::non_resource("get", path);
    }
    let (group, res) = *rng.pick(QUERY_RESOURCES);
    let ns = if rng.chance(namespaced_permille) {
        rng.pick(&g.namespaces).as_str()
    } else {
        ""
    };
    let verb = *rng.pick(QUERY_VERBS);
    let req = Request::resource(verb, group, res, ns);
    if rng.chance(100) {
        let app = format!("{}-{}", PRODUCTS[rng.below(PRODUCTS.len())], rng.pick(SA_NAMES));
        req.named(&format!("{app}-{}", rng.pick(&["tls", "config", "leader"])))
    } else {
        req
    }
}

// ---------------------------------------------------------------------------------------------

struct Args {
    corpus: Option<String>,
    write: Option<String>,
    seed: u64,
}

fn args() -> Args {
    let mut a = Args {
        corpus: std::env::var("PALISADE_BENCH_CORPUS")
            .ok()
            .filter(|s| !s.is_empty()),
        write: None,
        seed: 0x5EED_FBAC,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--corpus" => a.corpus = it.next(),
            "--write" => a.write = it.next(),
            "--seed" => a.seed = it.next().and_then(|s| s.parse().ok()).unwrap_or(a.seed),
            "-h" | "--help" => {
                println!("usage: rbac_bench [--corpus DIR] [--write FILE] [--seed N]");
                std::process::exit(0);
            }
            other if !other.starts_with('-') => a.corpus = Some(other.to_owned()),
            other => {
                eprintln!("rbac_bench: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    a
}

fn main() {
    let a = args();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("palisade RBAC benchmark ({threads} core(s), seed {:#x})", a.seed);

    // Generation (not measured against a target).
    let t = Instant::now();
    let mut g = generate(a.seed);
    let gen_time = t.elapsed();
    let c = &g.counts;
    println!(
        "\ngenerated in {:.0} ms: {} namespaces, {} ServiceAccounts, {} Roles + {} ClusterRoles ({} aggregated), {} RoleBindings + {} ClusterRoleBindings ({} subjects), {} Deployments",
        ms(gen_time),
        c.namespaces,
        c.service_accounts,
        c.roles,
        c.cluster_roles,
        c.aggregated,
        c.role_bindings,
        c.cluster_role_bindings,
        c.subjects,
        c.deployments
    );
    println!(
        "  {} users and {} groups as subjects; {} files, {:.1} MB of YAML",
        g.users.len(),
        g.groups.len(),
        g.files.len(),
        g.files.iter().map(|f| f.1.len()).sum::<usize>() as f64 / 1e6
    );

    // Corpus RBAC.
    match a.corpus.as_deref() {
        Some(dir) if std::path::Path::new(dir).is_dir() => {
            let t = Instant::now();
            let (yaml, n, files) = corpus_rbac(dir);
            println!(
                "corpus {dir}: {n} RBAC objects (Roles, ClusterRoles, bindings, ServiceAccounts) from {files} files, extracted in {:.0} ms ({:.1} MB, not part of the measurements below)",
                ms(t.elapsed()),
                yaml.len() as f64 / 1e6
            );
            g.files.push(("corpus-rbac.yaml".into(), yaml));
        }
        Some(dir) => println!("corpus {dir}: not found, skipped"),
        None => println!("corpus: not requested (--corpus DIR), skipped"),
    }
    let total_bytes: usize = g.files.iter().map(|f| f.1.len()).sum();

    if let Some(path) = &a.write {
        let mut s = String::with_capacity(total_bytes + 8 * g.files.len());
        for (_, y) in &g.files {
            if !y.starts_with("---") {
                s.push_str("---\n");
            }
            s.push_str(y);
        }
        match std::fs::write(path, s) {
            Ok(()) => println!(
                "wrote the whole set to {path} ({:.1} MB)",
                total_bytes as f64 / 1e6
            ),
            Err(e) => {
                eprintln!("rbac_bench: cannot write {path}: {e}");
                std::process::exit(2);
            }
        }
    }

    let peak_reset = reset_peak();
    let rss_before = rss_mb();

    // (a) Decode, then model build + indexes.
    println!(
        "\n(a) load and index ({:.1} MB in {} inputs)",
        total_bytes as f64 / 1e6,
        g.files.len()
    );
    let t = Instant::now();
    let chunk = g.files.len().div_ceil(threads).max(1);
    let decoded: Vec<palisade_source::Loaded> = std::thread::scope(|s| {
        let handles: Vec<_> = g
            .files
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
    let mut objects: Vec<Object> = Vec::new();
    let mut diags = Vec::new();
    for l in decoded {
        objects.extend(l.objects);
        diags.extend(l.diagnostics);
    }
    let decode = t.elapsed();
    let rss_decoded = rss_mb();
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.level == palisade_core::DiagLevel::Error)
        .collect();
    for d in errors.iter().take(5) {
        eprintln!("rbac_bench: decode error: {d}");
    }
    let t = Instant::now();
    let model = Model::build(
        &objects,
        ModelOptions {
            defaults: true,
            aggregation: Aggregation::Compute,
        },
    );
    let build = t.elapsed();
    let rss_model = rss_mb();
    let t = Instant::now();
    let risk_index = RiskIndex::new(&model);
    let risk_time = t.elapsed();
    let rss_risks = rss_mb();
    let load_index = decode + build + risk_time;
    let (nr, nb, ns) = model.counts();
    println!(
        "  decode                     {:8.1} ms   ({} objects, {} diagnostics, {} errors, {} threads)",
        ms(decode),
        objects.len(),
        diags.len(),
        errors.len(),
        threads
    );
    println!(
        "  model build + index        {:8.1} ms   ({nr} roles, {nb} bindings, {ns} ServiceAccounts incl. defaults; {} problems)",
        ms(build),
        model.problems.len()
    );
    println!(
        "  risk index (rule risks)    {:8.1} ms   ({} rules classified)",
        ms(risk_time),
        risk_index.effective.iter().map(Vec::len).sum::<usize>()
    );
    println!("  total load + index         {:8.1} ms", ms(load_index));
    let peak_load = peak_mb();

    // (b) can-i.
    let mut rng = Rng(a.seed ^ 0xCA11);
    let mut times = Vec::with_capacity(1000);
    let (mut allowed, mut grants) = (0usize, 0usize);
    for _ in 0..1000 {
        let user = match rng.below(100) {
            0..=69 => {
                let (ns, sa) = rng.pick(&g.service_accounts);
                User::service_account(ns, sa)
            }
            70..=89 => User::new(rng.pick(&g.users[..]).as_str(), &[]),
            _ => {
                let gs = vec![rng.pick(&g.groups).clone(), rng.pick(&g.groups).clone()];
                User::new(rng.pick(&g.users[..]).as_str(), &gs)
            }
        };
        let req = random_request(&mut rng, &g, 850);
        let t = Instant::now();
        let d = black_box(model.authorize(black_box(&user), black_box(&req)));
        times.push(t.elapsed());
        if let Decision::Allowed(v) = &d {
            allowed += 1;
            grants += v.len();
        }
    }
    let can_i = stats(times);
    println!(
        "\n(b) can-i: 1000 random queries (Model::authorize; {allowed} allowed, {grants} grants in all)"
    );
    print_stats("per query", &can_i);

    // (c) who-can.
    let mut times = Vec::with_capacity(200);
    let mut subjects = 0usize;
    for i in 0..200 {
        let req = random_request(&mut rng, &g, if i % 2 == 0 { 0 } else { 1000 });
        let t = Instant::now();
        let r = black_box(model.who_can(black_box(&req)));
        times.push(t.elapsed());
        subjects += r.len();
    }
    let who_can = stats(times);
    println!(
        "\n(c) who-can: 200 queries, half cluster-wide and half namespaced (Model::who_can; {:.1} subjects on average)",
        subjects as f64 / 200.0
    );
    print_stats("per query", &who_can);
    // What `palisade rbac who-can VERB RES` without -n does: cluster-wide plus every namespace.
    let all_ns = model.namespaces();
    let mut times = Vec::with_capacity(20);
    let mut subjects = 0usize;
    for _ in 0..20 {
        let (group, res) = *rng.pick(QUERY_RESOURCES);
        let verb = *rng.pick(QUERY_VERBS);
        let t = Instant::now();
        let mut n = black_box(model.who_can(&Request::resource(verb, group, res, ""))).len();
        for ns in &all_ns {
            n += black_box(model.who_can(&Request::resource(verb, group, res, ns))).len();
        }
        times.push(t.elapsed());
        subjects += n;
    }
    let who_all = stats(times);
    println!(
        "  every namespace ({} + cluster-wide), 20 queries ({:.0} rows on average):",
        all_ns.len(),
        subjects as f64 / 20.0
    );
    print_stats("per query", &who_all);

    // Risks of every ServiceAccount (what `rbac workload` / RBAC015 compute per identity).
    let t = Instant::now();
    let mut held = 0usize;
    for (ns, sa) in &g.service_accounts {
        held += black_box(model.risks_of_indexed(&User::service_account(ns, sa), Some(&risk_index))).len();
    }
    let sa_risks = t.elapsed();
    println!(
        "  risks of all {} ServiceAccounts: {:.1} ms ({held} risky grants held)",
        g.service_accounts.len(),
        ms(sa_risks)
    );
    let peak_queries = peak_mb();
    drop(risk_index);
    drop(model);
    drop(objects);
    // What the allocator keeps of (a)–(c) (glibc keeps the decoding threads' arenas).
    let rss_scan_start = rss_mb();

    // (d) The full risky-grant scan: the RBAC rules of `palisade scan`.
    let rules: Vec<&'static palisade_core::RuleMeta> = palisade_rules::all_rules()
        .iter()
        .copied()
        .filter(|r| r.code.starts_with("RBAC"))
        .collect();
    let opts = palisade_engine::ScanOptions::new(
        palisade_engine::PssMode::Namespaces {
            default: palisade_pss::Policy {
                level: palisade_pss::Level::Privileged,
                version: palisade_pss::Version::Latest,
            },
        },
        rules.clone(),
        Severity::Info,
    );
    let inputs: Vec<(&str, &[u8])> = g.files.iter().map(|(n, y)| (n.as_str(), y.as_bytes())).collect();
    let t = Instant::now();
    let report = palisade_engine::scan_bytes(&inputs, &opts);
    let scan = t.elapsed();
    let peak_scan = peak_mb();
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        *by_code.entry(f.code()).or_default() += 1;
    }
    println!(
        "\n(d) risky-grant scan: palisade_engine::scan_bytes with the {} RBAC rules",
        rules.len()
    );
    println!(
        "  scan (decode + model + rules) {:8.1} ms   {} findings ({} suppressed), {} objects",
        ms(scan),
        report.findings.len(),
        report.suppressed.len(),
        report.stats.objects
    );
    let codes: Vec<String> = by_code.iter().map(|(k, v)| format!("{k} {v}")).collect();
    for line in codes.chunks(6) {
        println!("    {}", line.join(", "));
    }
    drop(report);
    // The same rules on already-decoded objects (the part the RBAC code owns).
    let loaded = {
        let mut l = palisade_engine::Loaded::default();
        let keep = opts.keeps();
        for (name, y) in &inputs {
            let d = palisade_source::load_bytes((*name).into(), y);
            l.objects_seen += d.objects.len();
            l.objects.extend(d.objects.into_iter().filter(|o| keep.wants(o)));
            l.files += 1;
        }
        l
    };
    let t = Instant::now();
    let report = palisade_engine::scan_loaded(loaded, &opts);
    let rules_only = t.elapsed();
    println!(
        "  rules only (objects pre-decoded, scan_loaded) {:8.1} ms   {} findings",
        ms(rules_only),
        report.findings.len()
    );
    drop(report);

    // (e) Peak memory.
    let peak = peak_mb();
    println!("\n(e) memory");
    println!(
        "  RSS before loading {rss_before:.1} MB, after decode {rss_decoded:.1} MB, after model build {rss_model:.1} MB, after risk index {rss_risks:.1} MB"
    );
    println!(
        "  RSS at the start of (d), after dropping the model and objects of (a): {rss_scan_start:.1} MB (freed memory the allocator keeps)"
    );
    println!(
        "  VmHWM after load {peak_load:.1} MB, after queries {peak_queries:.1} MB, after scan_bytes {peak_scan:.1} MB, at the end {peak:.1} MB"
    );
    println!(
        "  peak RSS (VmHWM)           {peak:8.1} MB{}",
        if peak_reset {
            "   (peak reset after generation and corpus extraction)"
        } else {
            "   (could not reset the peak: it includes generation and corpus extraction)"
        }
    );

    // Summary.
    let rows: [(&str, String, String, bool); 5] = [
        (
            "load + index (decode + model + risk index)",
            format!("{:.1} ms", ms(load_index)),
            "< 1 s".into(),
            load_index < TARGET_LOAD_INDEX,
        ),
        (
            "can-i query (max of 1000)",
            format!("{:.3} ms", ms(can_i.max)),
            "< 10 ms".into(),
            can_i.max < TARGET_QUERY,
        ),
        (
            "who-can query (max of 200)",
            format!("{:.3} ms", ms(who_can.max)),
            "< 10 ms".into(),
            who_can.max < TARGET_QUERY,
        ),
        (
            "full risky-grant scan",
            format!("{:.1} ms", ms(scan)),
            "< 2 s".into(),
            scan < TARGET_SCAN,
        ),
        (
            "peak memory (VmHWM)",
            format!("{peak:.1} MB"),
            "< 300 MB".into(),
            peak < TARGET_PEAK_MB,
        ),
    ];
    print_targets(&rows, 44);
    if rows.iter().any(|r| !r.3) {
        std::process::exit(1);
    }
}

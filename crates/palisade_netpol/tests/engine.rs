//! Table-driven checks of the NetworkPolicy engine against the semantics reference
//! (`rbac-netpol-audit.md` §2). Every row builds a model from the fixture cluster below plus
//! the row's policies, asks one question and compares the answer with the spec's. Each test
//! reports all of its failing rows at once.
//!
//! Policies are written on one line as `ns/name: <spec as a YAML flow mapping>` (`name: …`
//! for a policy without a namespace). Endpoints are `ns/name` (a workload of the fixture) or
//! an IP address (the external range that contains it). Expected answers are `PortSet`
//! renderings: `all ports`, `nothing`, `TCP 80`, `TCP 443,8080; UDP 53`, `UDP all`.

use palisade_core::Object;
use palisade_netpol::{
    diff, Analysis, Cidr, Endpoint, HostNetworkMode, Matrix, Model, Options, PodIpMode, PortSet, Proto,
};

/// The cluster every row runs against.
///
/// | workload      | labels                 | named ports                               | IPs               |
/// |---------------|------------------------|-------------------------------------------|-------------------|
/// | a/web         | app=web, tier=front    | http 8080/TCP, dns 53/UDP, metrics 9090    | 10.1.0.1          |
/// | a/api         | app=api                | http 9000, dns 5353/TCP, (init) admin 7000, (sidecar) proxy 15001 | — |
/// | a/nolabels    | —                      | —                                         | —                 |
/// | a/host        | app=host (hostNetwork) | http 10250                                | 10.9.0.1 (node)   |
/// | a/dep         | Deployment, template app=dep (object label app=wrong) | —          | —                 |
/// | a/hostdep     | Deployment, hostNetwork, app=hostdep | —                           | —                 |
/// | b/web         | app=web                | http 8080                                 | 10.1.0.2, fd00::2 |
/// | b/client      | app=client             | —                                         | —                 |
/// | c/web         | app=web, tier=back     | http 80, sctp-port 3868/SCTP              | 10.1.0.3          |
/// | d/x           | app=x (namespace d never defined)   | —                            | —                 |
/// | default/lone  | app=lone (no namespace written)     | —                            | —                 |
///
/// Namespaces: a {team: red, env: prod}, b {team: blue}, c {kubernetes.io/metadata.name: wrong}
/// (the API server overwrites it with `c`), d and default only named by objects.
const CLUSTER: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: red, env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {team: blue}}
---
apiVersion: v1
kind: Namespace
metadata: {name: c, labels: {kubernetes.io/metadata.name: wrong}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web, tier: front}}
spec:
  containers:
  - name: main
    image: web
    ports:
    - {name: http, containerPort: 8080}
    - {name: dns, containerPort: 53, protocol: UDP}
    - {name: metrics, containerPort: 9090, protocol: TCP}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: a, labels: {app: api}}
spec:
  initContainers:
  - name: init
    image: init
    ports: [{name: admin, containerPort: 7000}]
  - name: proxy
    image: proxy
    restartPolicy: Always
    ports: [{name: proxy, containerPort: 15001}]
  containers:
  - name: main
    image: api
    ports:
    - {name: http, containerPort: 9000}
    - {name: dns, containerPort: 5353}
---
apiVersion: v1
kind: Pod
metadata: {name: nolabels, namespace: a}
spec:
  containers: [{name: main, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: a, labels: {app: host}}
spec:
  hostNetwork: true
  containers:
  - name: main
    image: agent
    ports: [{name: http, containerPort: 10250}]
status: {podIP: 10.9.0.1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep, namespace: a, labels: {app: wrong}}
spec:
  selector: {matchLabels: {app: dep}}
  template:
    metadata: {labels: {app: dep}}
    spec:
      containers: [{name: main, image: x}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hostdep, namespace: a}
spec:
  selector: {matchLabels: {app: hostdep}}
  template:
    metadata: {labels: {app: hostdep}}
    spec:
      hostNetwork: true
      containers: [{name: main, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: b, labels: {app: web}}
spec:
  containers:
  - name: main
    image: web
    ports: [{name: http, containerPort: 8080}]
status:
  podIP: 10.1.0.2
  podIPs: [{ip: 10.1.0.2}, {ip: "fd00::2"}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: b, labels: {app: client}}
spec:
  containers: [{name: main, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: c, labels: {app: web, tier: back}}
spec:
  containers:
  - name: main
    image: web
    ports:
    - {name: http, containerPort: 80}
    - {name: sctp-port, containerPort: 3868, protocol: SCTP}
status: {podIP: 10.1.0.3}
---
apiVersion: v1
kind: Pod
metadata: {name: x, namespace: d, labels: {app: x}}
spec:
  containers: [{name: main, image: x}]
---
apiVersion: v1
kind: Pod
metadata: {name: lone, labels: {app: lone}}
spec:
  containers: [{name: main, image: x}]
"#;

/// Analysis options of a row.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// `Options::default()`: ipBlocks ignore pods, hostNetwork pods are node traffic.
    D,
    /// `PodIpMode::Match` with no pod CIDRs (pods of unknown IP may be anywhere).
    M,
    /// `PodIpMode::Match` with pod CIDR 10.0.0.0/8.
    M8,
    /// `HostNetworkMode::Pod` (ipBlocks ignore pods).
    HP,
    /// `HostNetworkMode::Pod` and `PodIpMode::Match`.
    HPM,
}
use Mode::*;

fn options(m: Mode) -> Options {
    let cidrs = |v: &[&str]| v.iter().map(|s| Cidr::parse(s).unwrap()).collect::<Vec<_>>();
    let mut o = Options::default();
    match m {
        D => {}
        M => o.pod_ips = PodIpMode::Match { pod_cidrs: vec![] },
        M8 => {
            o.pod_ips = PodIpMode::Match {
                pod_cidrs: cidrs(&["10.0.0.0/8"]),
            }
        }
        HP => o.host_network = HostNetworkMode::Pod,
        HPM => {
            o.host_network = HostNetworkMode::Pod;
            o.pod_ips = PodIpMode::Match { pod_cidrs: vec![] };
        }
    }
    o
}

/// `ns/name: {spec}` (or `name: {spec}`) as a NetworkPolicy document.
fn policy_doc(p: &str) -> String {
    let (id, spec) = p.split_once(": ").expect("policy is `ns/name: {spec}`");
    let meta = match id.split_once('/') {
        Some((ns, name)) => format!("{{name: {name}, namespace: {ns}}}"),
        None => format!("{{name: {id}}}"),
    };
    format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {meta}\nspec: {spec}\n")
}

fn load(yaml: &str) -> Vec<Object> {
    let l = palisade_source::load_bytes("engine-test.yaml".into(), yaml.as_bytes());
    assert!(
        l.diagnostics.is_empty(),
        "fixture does not load cleanly: {:?}",
        l.diagnostics
    );
    l.objects
}

fn objects_with(policies: &[&str]) -> Vec<Object> {
    let mut yaml = CLUSTER.to_owned();
    for p in policies {
        yaml.push_str("---\n");
        yaml.push_str(&policy_doc(p));
    }
    load(&yaml)
}

fn model(policies: &[&str], mode: Mode) -> Model {
    Model::build(&objects_with(policies), options(mode))
}

/// A workload `ns/name`, or the external range holding an IP.
fn endpoint(a: &Analysis<'_>, s: &str) -> Result<Endpoint, String> {
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return a
            .external_for(ip)
            .map(Endpoint::External)
            .ok_or_else(|| format!("no external range holds {ip}"));
    }
    let (ns, name) = s.split_once('/').ok_or_else(|| format!("bad endpoint {s:?}"))?;
    a.model
        .workloads
        .iter()
        .position(|w| w.namespace() == ns && w.name() == name)
        .map(Endpoint::Workload)
        .ok_or_else(|| format!("no workload {s}"))
}

/// `(row name, options, policies, source, destination, expected ports)`.
type Row = (
    &'static str,
    Mode,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
);

/// Runs a reachability table; every row must also build without model problems, and
/// `explain` must agree with `allowed`, `egress` and `ingress`.
fn run(table: &str, rows: &[Row]) {
    let mut fails = Vec::new();
    for (i, &(name, mode, pols, src, dst, want)) in rows.iter().enumerate() {
        let m = model(pols, mode);
        let tag = format!("[{table} #{i}] {name} ({mode:?}) {src} -> {dst}");
        if !m.problems.is_empty() {
            let msgs: Vec<String> = m
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
            fails.push(format!("{tag}: unexpected model problems {msgs:?}"));
            continue;
        }
        let a = Analysis::new(&m);
        let (s, d) = match (endpoint(&a, src), endpoint(&a, dst)) {
            (Ok(s), Ok(d)) => (s, d),
            (Err(e), _) | (_, Err(e)) => {
                fails.push(format!("{tag}: {e}"));
                continue;
            }
        };
        let got = a.allowed(s, d);
        if got.to_string() != want {
            fails.push(format!("{tag}: got `{got}`, want `{want}`"));
        }
        let x = a.explain(s, d);
        let both = a.egress(s, d).intersect(&a.ingress(s, d));
        if x.allowed != got
            || both != got
            || x.egress.allowed != a.egress(s, d)
            || x.ingress.allowed != a.ingress(s, d)
        {
            fails.push(format!(
                "{tag}: explain/egress/ingress disagree with allowed: explain `{}` (egress `{}`, ingress `{}`), egress∩ingress `{both}`, allowed `{got}`",
                x.allowed, x.egress.allowed, x.ingress.allowed
            ));
        }
    }
    assert!(
        fails.is_empty(),
        "{} of {} rows of `{table}` failed:\n{}",
        fails.len(),
        rows.len(),
        fails.join("\n")
    );
}

// ---------------------------------------------------------------------------------------
// §2.2 isolation, defaults, union, both sides.

const DENY_IN_A: &str = "a/deny-in: {podSelector: {}}";
const DENY_EG_A: &str = "a/deny-eg: {podSelector: {}, policyTypes: [Egress]}";
const DENY_IN_B: &str = "b/deny-in: {podSelector: {}}";
const ALLOW_IN_B: &str = "b/allow-in: {podSelector: {}, ingress: [{}]}";
const ALLOW_EG_A: &str = "a/allow-eg: {podSelector: {}, policyTypes: [Egress], egress: [{}]}";

#[rustfmt::skip]
const ISOLATION: &[Row] = &[
    ("no policy: pod to pod", D, &[], "a/web", "b/web", "all ports"),
    ("no policy: pod to external", D, &[], "a/web", "8.8.8.8", "all ports"),
    ("no policy: external to pod", D, &[], "8.8.8.8", "a/web", "all ports"),
    ("no policy: IPv6 external to pod", D, &[], "2001:db8::1", "a/web", "all ports"),
    ("ingress deny-all: other namespace blocked", D, &[DENY_IN_A], "b/client", "a/web", "nothing"),
    ("ingress deny-all: own namespace blocked", D, &[DENY_IN_A], "a/web", "a/api", "nothing"),
    ("ingress deny-all: external blocked", D, &[DENY_IN_A], "8.8.8.8", "a/web", "nothing"),
    ("ingress deny-all: Deployment pods isolated too", D, &[DENY_IN_A], "b/client", "a/dep", "nothing"),
    ("ingress deny-all: egress of selected pods untouched", D, &[DENY_IN_A], "a/web", "b/client", "all ports"),
    ("ingress deny-all: egress to external untouched", D, &[DENY_IN_A], "a/web", "8.8.8.8", "all ports"),
    ("ingress deny-all: other namespaces untouched", D, &[DENY_IN_A], "b/client", "d/x", "all ports"),
    ("policy selects only its podSelector: selected", D, &["a/p: {podSelector: {matchLabels: {app: api}}}"], "b/client", "a/api", "nothing"),
    ("policy selects only its podSelector: not selected", D, &["a/p: {podSelector: {matchLabels: {app: api}}}"], "b/client", "a/web", "all ports"),
    ("policy selects only in its namespace", D, &["b/p: {podSelector: {matchLabels: {app: web}}}"], "b/client", "a/web", "all ports"),
    ("policy selects only in its namespace (own)", D, &["b/p: {podSelector: {matchLabels: {app: web}}}"], "b/client", "b/web", "nothing"),
    ("pod-template labels are the pod labels", D, &["a/p: {podSelector: {matchLabels: {app: dep}}}"], "b/client", "a/dep", "nothing"),
    ("workload object labels are not pod labels", D, &["a/p: {podSelector: {matchLabels: {app: wrong}}}"], "b/client", "a/dep", "all ports"),
    ("policy without namespace selects in default", D, &["lone-deny: {podSelector: {}}"], "b/client", "default/lone", "nothing"),
    ("policy without namespace leaves others", D, &["lone-deny: {podSelector: {}}"], "b/client", "a/web", "all ports"),
    ("egress deny-all: to other namespace", D, &[DENY_EG_A], "a/web", "b/client", "nothing"),
    ("egress deny-all: to own namespace", D, &[DENY_EG_A], "a/web", "a/api", "nothing"),
    ("egress deny-all: to external", D, &[DENY_EG_A], "a/web", "8.8.8.8", "nothing"),
    ("egress deny-all: ingress untouched", D, &[DENY_EG_A], "b/client", "a/web", "all ports"),
    ("egress deny-all: other namespace's egress untouched", D, &[DENY_EG_A], "b/client", "c/web", "all ports"),
    // policyTypes defaulting.
    ("default types: egress: [] does not isolate egress", D, &["a/p: {podSelector: {}, egress: []}"], "a/web", "b/client", "all ports"),
    ("default types: egress: [] still isolates ingress", D, &["a/p: {podSelector: {}, egress: []}"], "b/client", "a/web", "nothing"),
    ("default types: no egress key leaves egress", D, &["a/p: {podSelector: {}, ingress: [{}]}"], "a/web", "8.8.8.8", "all ports"),
    ("default types: egress rules add Egress (allowed)", D, &["a/p: {podSelector: {}, egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "a/web", "b/client", "all ports"),
    ("default types: egress rules add Egress (denied)", D, &["a/p: {podSelector: {}, egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "a/web", "c/web", "nothing"),
    ("default types: Ingress always, even with only egress rules", D, &["a/p: {podSelector: {}, egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "b/client", "a/web", "nothing"),
    ("policyTypes: [] defaults like a missing list (egress)", D, &["a/p: {podSelector: {}, policyTypes: [], egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "a/web", "c/web", "nothing"),
    ("policyTypes: [] defaults like a missing list (ingress)", D, &["a/p: {podSelector: {}, policyTypes: [], egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "b/client", "a/web", "nothing"),
    ("explicit [Egress] ignores ingress rules", D, &["a/p: {podSelector: {}, policyTypes: [Egress], ingress: [{from: [{podSelector: {matchLabels: {app: none}}}]}]}"], "b/client", "a/web", "all ports"),
    ("explicit [Egress] isolates egress", D, &["a/p: {podSelector: {}, policyTypes: [Egress], ingress: [{from: [{podSelector: {matchLabels: {app: none}}}]}]}"], "a/web", "b/client", "nothing"),
    ("explicit [Ingress] ignores egress rules", D, &["a/p: {podSelector: {}, policyTypes: [Ingress], egress: [{to: [{podSelector: {matchLabels: {app: none}}}]}]}"], "a/web", "8.8.8.8", "all ports"),
    ("explicit [Ingress] isolates ingress", D, &["a/p: {podSelector: {}, policyTypes: [Ingress], egress: [{to: [{podSelector: {}}]}]}"], "b/client", "a/web", "nothing"),
    ("explicit [Ingress, Egress] no rules: ingress", D, &["a/p: {podSelector: {}, policyTypes: [Ingress, Egress]}"], "b/client", "a/web", "nothing"),
    ("explicit [Ingress, Egress] no rules: egress", D, &["a/p: {podSelector: {}, policyTypes: [Ingress, Egress]}"], "a/web", "b/client", "nothing"),
    ("explicit [Egress, Ingress] order irrelevant", D, &["a/p: {podSelector: {}, policyTypes: [Egress, Ingress]}"], "a/web", "8.8.8.8", "nothing"),
    // ingress: [] / missing / [{}].
    ("ingress: [] isolates and allows nothing", D, &["a/p: {podSelector: {}, ingress: []}"], "b/client", "a/web", "nothing"),
    ("ingress: null isolates and allows nothing", D, &["a/p: {podSelector: {}, ingress: null}"], "b/client", "a/web", "nothing"),
    ("ingress: [{}] allows everything", D, &["a/p: {podSelector: {}, ingress: [{}]}"], "b/client", "a/web", "all ports"),
    ("ingress: [{}] allows external too", D, &["a/p: {podSelector: {}, ingress: [{}]}"], "2001:db8::1", "a/web", "all ports"),
    ("egress: [{}] allows everything", D, &[ALLOW_EG_A], "a/web", "8.8.8.8", "all ports"),
    ("egress: [] with explicit Egress denies", D, &["a/p: {podSelector: {}, policyTypes: [Egress], egress: []}"], "a/web", "8.8.8.8", "nothing"),
    // Union.
    ("union: allow-all wins over deny-all", D, &[DENY_IN_A, "a/all: {podSelector: {}, ingress: [{}]}"], "b/client", "a/web", "all ports"),
    ("union: deny-all does not take a rule away", D, &[DENY_IN_A, "a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: 80}]}]}"], "b/client", "a/api", "TCP 80"),
    ("union: deny-all still denies unselected by others", D, &[DENY_IN_A, "a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: 80}]}]}"], "b/client", "a/web", "nothing"),
    ("union of two policies: first", D, &["a/p1: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]}", "a/p2: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}], ports: [{port: 443}]}]}"], "a/web", "a/api", "TCP 80"),
    ("union of two policies: second", D, &["a/p1: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]}", "a/p2: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}], ports: [{port: 443}]}]}"], "b/client", "a/api", "TCP 443"),
    ("union of two policies: neither", D, &["a/p1: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]}", "a/p2: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}], ports: [{port: 443}]}]}"], "c/web", "a/api", "nothing"),
    ("union of two policies: ports add up", D, &["a/p1: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 80}]}]}", "a/p2: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}}], ports: [{port: 443}]}]}"], "a/web", "a/api", "TCP 80,443"),
    ("union of two rules of one policy", D, &["a/p: {podSelector: {}, ingress: [{ports: [{port: 80}]}, {ports: [{port: 53, protocol: UDP}]}]}"], "b/client", "a/web", "TCP 80; UDP 53"),
    ("union: policy order does not matter", D, &["a/all: {podSelector: {}, ingress: [{}]}", DENY_IN_A], "b/client", "a/web", "all ports"),
    // Both sides.
    ("both sides: intersection of egress and ingress ports", D, &["a/eg: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{port: 80, endPort: 90}]}]}", "b/in: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 85, endPort: 100}]}]}"], "a/web", "b/web", "TCP 85-90"),
    ("both sides: unisolated destination takes egress", D, &["a/eg: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{port: 80, endPort: 90}]}]}", "b/in: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 85, endPort: 100}]}]}"], "a/web", "c/web", "TCP 80-90"),
    ("both sides: unisolated source takes ingress", D, &["a/eg: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{port: 80, endPort: 90}]}]}", "b/in: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 85, endPort: 100}]}]}"], "b/client", "b/web", "TCP 85-100"),
    ("both sides: egress deny blocks despite ingress allow", D, &[DENY_EG_A, ALLOW_IN_B], "a/web", "b/web", "nothing"),
    ("both sides: ingress deny blocks despite egress allow", D, &[ALLOW_EG_A, DENY_IN_B], "a/web", "b/web", "nothing"),
    ("both sides: egress allow + unisolated destination", D, &[ALLOW_EG_A, DENY_IN_B], "a/web", "c/web", "all ports"),
    ("external source: only the pod's ingress counts", D, &[DENY_IN_B], "8.8.8.8", "b/web", "nothing"),
    ("external destination: only the pod's egress counts", D, &[DENY_IN_B], "b/web", "8.8.8.8", "all ports"),
];

#[test]
fn isolation_defaults_union_and_both_sides() {
    run("isolation", ISOLATION);
}

// ---------------------------------------------------------------------------------------
// §2.3 / §2.4 peers and label selectors.

#[rustfmt::skip]
const PEERS: &[Row] = &[
    // from/to missing or empty: every pod and every IP.
    ("from missing: any pod", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: 80}]}]}"], "d/x", "a/api", "TCP 80"),
    ("from missing: any IP", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: 80}]}]}"], "8.8.8.8", "a/api", "TCP 80"),
    ("from missing: any IPv6", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: 80}]}]}"], "2001:db8::1", "a/api", "TCP 80"),
    ("from: [] any pod", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [], ports: [{port: 80}]}]}"], "d/x", "a/api", "TCP 80"),
    ("from: [] any IP", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [], ports: [{port: 80}]}]}"], "8.8.8.8", "a/api", "TCP 80"),
    ("to missing: any pod", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: 443}]}]}"], "a/web", "d/x", "TCP 443"),
    ("to missing: any IP", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: 443}]}]}"], "a/web", "8.8.8.8", "TCP 443"),
    ("to: [] any IP", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [], ports: [{port: 443}]}]}"], "a/web", "2001:db8::1", "TCP 443"),
    // podSelector only: own namespace.
    ("podSelector only: match in own namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}"], "a/web", "a/api", "all ports"),
    ("podSelector only: same labels elsewhere excluded", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}"], "b/web", "a/api", "nothing"),
    ("podSelector only: external excluded", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}"], "8.8.8.8", "a/api", "nothing"),
    ("podSelector {}: every pod of own namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}}]}]}"], "a/nolabels", "a/api", "all ports"),
    ("podSelector {}: other namespace excluded", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}}]}]}"], "b/client", "a/api", "nothing"),
    ("podSelector {}: external excluded", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}}]}]}"], "8.8.8.8", "a/api", "nothing"),
    ("egress podSelector only: own namespace", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: api}}}]}]}"], "a/web", "a/api", "all ports"),
    ("egress podSelector only: other namespace excluded", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]}"], "a/web", "b/web", "nothing"),
    // namespaceSelector only: all pods of the namespaces.
    ("namespaceSelector only: pods of matching namespace (1)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "b/web", "a/api", "all ports"),
    ("namespaceSelector only: pods of matching namespace (2)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "b/client", "a/api", "all ports"),
    ("namespaceSelector only: own namespace not implied", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "a/web", "a/api", "nothing"),
    ("namespaceSelector only: external excluded", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "8.8.8.8", "a/api", "nothing"),
    ("namespaceSelector {}: undefined namespace included", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "d/x", "a/api", "all ports"),
    ("namespaceSelector {}: default namespace included", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "default/lone", "a/api", "all ports"),
    ("namespaceSelector {}: own namespace included", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "a/nolabels", "a/api", "all ports"),
    ("namespaceSelector {}: external excluded", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "8.8.8.8", "a/api", "nothing"),
    ("egress namespaceSelector only: matching namespace", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "a/web", "b/client", "all ports"),
    ("egress namespaceSelector only: own namespace not implied", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}}]}]}"], "a/web", "a/api", "nothing"),
    ("egress namespaceSelector {}: no external", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}]}]}"], "a/web", "8.8.8.8", "nothing"),
    // The YAML trap: one entry (AND) vs two entries (OR).
    ("AND: both match", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: web}}}]}]}"], "b/web", "a/api", "all ports"),
    ("AND: namespace only is not enough", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: web}}}]}]}"], "b/client", "a/api", "nothing"),
    ("AND: pod labels only is not enough", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: web}}}]}]}"], "a/web", "a/api", "nothing"),
    ("AND: pod labels in a third namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: web}}}]}]}"], "c/web", "a/api", "nothing"),
    ("OR: namespace entry", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {app: web}}}]}]}"], "b/client", "a/api", "all ports"),
    ("OR: pod entry (own namespace)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {app: web}}}]}]}"], "a/web", "a/api", "all ports"),
    ("OR: both entries", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {app: web}}}]}]}"], "b/web", "a/api", "all ports"),
    ("OR: neither (pod labels in a third namespace)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}, {podSelector: {matchLabels: {app: web}}}]}]}"], "c/web", "a/api", "nothing"),
    ("egress AND", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: client}}}]}]}"], "a/web", "b/web", "nothing"),
    ("egress AND (match)", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {team: blue}}, podSelector: {matchLabels: {app: client}}}]}]}"], "a/web", "b/client", "all ports"),
    // podSelector {} + namespaceSelector {}: every pod, no IPs.
    ("all pods: undefined namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}"], "d/x", "a/api", "all ports"),
    ("all pods: other namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}"], "c/web", "a/api", "all ports"),
    ("all pods: no external IPv4", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}"], "8.8.8.8", "a/api", "nothing"),
    ("all pods: no external in the pod range", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}"], "10.1.0.2", "a/api", "nothing"),
    ("all pods: no external IPv6", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}"], "2001:db8::1", "a/api", "nothing"),
    ("egress all pods: no external", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {}, namespaceSelector: {}}]}]}"], "a/web", "8.8.8.8", "nothing"),
    ("egress all pods: pods", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {}, namespaceSelector: {}}]}]}"], "a/web", "default/lone", "all ports"),
    // matchExpressions on pods (peers from every namespace).
    ("In: value in list", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: In, values: [front]}]}}]}]}"], "a/web", "a/api", "all ports"),
    ("In: value not in list", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: In, values: [front]}]}}]}]}"], "c/web", "a/api", "nothing"),
    ("In: key absent", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: In, values: [front]}]}}]}]}"], "b/web", "a/api", "nothing"),
    ("In: several values", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: In, values: [front, back]}]}}]}]}"], "c/web", "a/api", "all ports"),
    ("NotIn: value in list", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}}]}]}"], "a/web", "a/api", "nothing"),
    ("NotIn: other value", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}}]}]}"], "c/web", "a/api", "all ports"),
    ("NotIn: absent key matches", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}}]}]}"], "b/web", "a/api", "all ports"),
    ("NotIn: unlabelled pod matches", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [front]}]}}]}]}"], "a/nolabels", "a/api", "all ports"),
    ("Exists: present", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: Exists}]}}]}]}"], "c/web", "a/api", "all ports"),
    ("Exists: absent", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: Exists}]}}]}]}"], "b/web", "a/api", "nothing"),
    ("DoesNotExist: absent", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}}]}]}"], "b/web", "a/api", "all ports"),
    ("DoesNotExist: present", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}}]}]}"], "a/web", "a/api", "nothing"),
    ("matchLabels AND NotIn: both hold", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: NotIn, values: [back]}]}}]}]}"], "b/web", "a/api", "all ports"),
    ("matchLabels AND NotIn: expression fails", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: NotIn, values: [back]}]}}]}]}"], "c/web", "a/api", "nothing"),
    ("matchLabels AND NotIn: labels fail", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: NotIn, values: [back]}]}}]}]}"], "b/client", "a/api", "nothing"),
    ("two expressions AND: both hold", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: Exists}, {key: app, operator: In, values: [web]}]}}]}]}"], "c/web", "a/api", "all ports"),
    ("two expressions AND: one fails", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchExpressions: [{key: tier, operator: Exists}, {key: app, operator: In, values: [web]}]}}]}]}"], "b/web", "a/api", "nothing"),
    ("matchLabels with two keys: one missing", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web, tier: front}}}]}]}"], "b/web", "a/api", "nothing"),
    // Expressions in spec.podSelector (which pods are isolated).
    ("spec.podSelector NotIn: selected", D, &["a/p: {podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}}"], "b/client", "a/api", "nothing"),
    ("spec.podSelector NotIn: absent key selected", D, &["a/p: {podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}}"], "b/client", "a/nolabels", "nothing"),
    ("spec.podSelector NotIn: excluded", D, &["a/p: {podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}}"], "b/client", "a/web", "all ports"),
    ("spec.podSelector Exists: unlabelled pod not selected", D, &["a/p: {podSelector: {matchExpressions: [{key: app, operator: Exists}]}}"], "b/client", "a/nolabels", "all ports"),
    // matchExpressions on namespaces.
    ("ns NotIn: other team", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: NotIn, values: [red]}]}}]}]}"], "b/client", "a/api", "all ports"),
    ("ns NotIn: namespace without the label", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: NotIn, values: [red]}]}}]}]}"], "d/x", "a/api", "all ports"),
    ("ns NotIn: listed team", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: NotIn, values: [red]}]}}]}]}"], "a/web", "a/api", "nothing"),
    ("ns In: listed", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: In, values: [red, blue]}]}}]}]}"], "b/web", "a/api", "all ports"),
    ("ns In: label absent", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: In, values: [red, blue]}]}}]}]}"], "c/web", "a/api", "nothing"),
    ("ns DoesNotExist: defined without the label", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}}]}]}"], "c/web", "a/api", "all ports"),
    ("ns DoesNotExist: undefined namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}}]}]}"], "d/x", "a/api", "all ports"),
    ("ns DoesNotExist: label present", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist}]}}]}]}"], "b/web", "a/api", "nothing"),
    ("ns Exists", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: env, operator: Exists}]}}]}]}"], "a/web", "a/api", "all ports"),
    ("ns Exists: absent", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: env, operator: Exists}]}}]}]}"], "b/web", "a/api", "nothing"),
    ("ns matchLabels two keys", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: red, env: prod}}}]}]}"], "a/web", "a/api", "all ports"),
    // kubernetes.io/metadata.name.
    ("name label: defined namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]}"], "b/client", "a/api", "all ports"),
    ("name label: other namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]}"], "a/web", "a/api", "nothing"),
    ("name label: namespace only named by a pod", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: d}}}]}]}"], "d/x", "a/api", "all ports"),
    ("name label: implicit default namespace", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: default}}}]}]}"], "default/lone", "a/api", "all ports"),
    ("name label: wrong value in manifest is overwritten (name)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: c}}}]}]}"], "c/web", "a/api", "all ports"),
    ("name label: wrong value in manifest is overwritten (old)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: wrong}}}]}]}"], "c/web", "a/api", "nothing"),
    ("name label: In over names", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [b, d]}]}}]}]}"], "d/x", "a/api", "all ports"),
    ("name label: In over names (excluded)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [b, d]}]}}]}]}"], "c/web", "a/api", "nothing"),
    ("name label: with podSelector (AND)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}, podSelector: {matchLabels: {app: client}}}]}]}"], "b/client", "a/api", "all ports"),
    ("name label: egress to undefined namespace", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: d}}}]}]}"], "a/web", "d/x", "all ports"),
];

#[test]
fn peers_and_selectors() {
    run("peers", PEERS);
}

// ---------------------------------------------------------------------------------------
// §2.4 ipBlock against external ranges and (optionally) pod IPs.

#[rustfmt::skip]
const IPBLOCKS: &[Row] = &[
    ("except: inside cidr, outside except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "10.2.3.4", "all ports"),
    ("except: first address of cidr", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "10.0.0.0", "all ports"),
    ("except: last address of cidr", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "10.255.255.255", "all ports"),
    ("except: inside except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "10.1.2.3", "nothing"),
    ("except: first address of except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "10.1.0.0", "nothing"),
    ("except: last address of except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "10.1.255.255", "nothing"),
    ("except: just after except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "10.2.0.0", "all ports"),
    ("except: outside cidr", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "11.0.0.0", "nothing"),
    ("except: just before cidr", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "9.255.255.255", "nothing"),
    ("except: other family", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]}"], "a/web", "2001:db8::1", "nothing"),
    ("two excepts: in second", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.0.0/16]}}]}]}"], "a/web", "10.2.5.5", "nothing"),
    ("two excepts: between", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.0.0/16]}}]}]}"], "a/web", "10.3.0.0", "all ports"),
    ("/32 block: the address", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 1.2.3.4/32}}]}]}"], "a/web", "1.2.3.4", "all ports"),
    ("/32 block: the next address", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 1.2.3.4/32}}]}]}"], "a/web", "1.2.3.5", "nothing"),
    ("0.0.0.0/0: any IPv4", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}"], "a/web", "8.8.8.8", "all ports"),
    ("0.0.0.0/0: not IPv6", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}"], "a/web", "2001:db8::1", "nothing"),
    ("::/0: any IPv6", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: '::/0'}}]}]}"], "a/web", "2001:db8::1", "all ports"),
    ("::/0: not IPv4", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: '::/0'}}]}]}"], "a/web", "8.8.8.8", "nothing"),
    ("IPv6 except: inside except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: '2001:db8::/32', except: ['2001:db8:1::/48']}}]}]}"], "a/web", "2001:db8:1::5", "nothing"),
    ("IPv6 except: outside except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: '2001:db8::/32', except: ['2001:db8:1::/48']}}]}]}"], "a/web", "2001:db8:2::1", "all ports"),
    ("ipBlock with ports", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 8.8.8.0/24}}], ports: [{port: 53, protocol: UDP}]}]}"], "a/web", "8.8.8.8", "UDP 53"),
    ("ipBlock with ports: outside", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 8.8.8.0/24}}], ports: [{port: 53, protocol: UDP}]}]}"], "a/web", "8.8.4.4", "nothing"),
    ("two ipBlocks OR", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 8.8.8.0/24}}, {ipBlock: {cidr: 1.1.1.0/24}}]}]}"], "a/web", "1.1.1.1", "all ports"),
    ("overlapping blocks in two rules: ports add up", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 80}]}, {to: [{ipBlock: {cidr: 10.1.0.0/16}}], ports: [{port: 443}]}]}"], "a/web", "10.1.0.7", "TCP 80,443"),
    ("overlapping blocks in two rules: outer only", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 80}]}, {to: [{ipBlock: {cidr: 10.1.0.0/16}}], ports: [{port: 443}]}]}"], "a/web", "10.2.0.7", "TCP 80"),
    ("except in one block, other block covers it", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}, {ipBlock: {cidr: 10.1.2.0/24}}]}]}"], "a/web", "10.1.2.3", "all ports"),
    ("ingress ipBlock: inside", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]}]}"], "192.168.2.1", "a/web", "all ports"),
    ("ingress ipBlock: in except", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]}]}"], "192.168.1.1", "a/web", "nothing"),
    ("ingress ipBlock + selector entries: IP", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 1.2.3.0/24}}, {podSelector: {}}]}]}"], "1.2.3.4", "a/web", "all ports"),
    ("ingress ipBlock + selector entries: pod", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 1.2.3.0/24}}, {podSelector: {}}]}]}"], "a/api", "a/web", "all ports"),
    ("ingress ipBlock + selector entries: neither", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 1.2.3.0/24}}, {podSelector: {}}]}]}"], "5.6.7.8", "a/web", "nothing"),
    // Default (PodIpMode::Ignore): an ipBlock never matches a pod.
    ("default: ipBlock does not match a pod with that IP", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "a/web", "b/web", "nothing"),
    ("default: 0.0.0.0/0 does not match pods", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}"], "a/web", "b/client", "nothing"),
    ("default: 0.0.0.0/0 + ::/0 do not match pods", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: '::/0'}}]}]}"], "a/web", "c/web", "nothing"),
    ("default: ingress ipBlock does not match a pod source", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "b/web", "a/web", "nothing"),
    ("default: the external range itself still matches", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "a/web", "10.1.0.2", "all ports"),
    // PodIpMode::Match: the e2e conformance expectation.
    ("match: egress <podIP>/32 allows that pod", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "a/web", "b/web", "all ports"),
    ("match: egress <podIP>/32 not another pod", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "a/web", "c/web", "nothing"),
    ("match: egress <podIP>/32 not a pod of unknown IP", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "a/web", "b/client", "nothing"),
    ("match: egress except <podIP>/32 blocks that pod", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.0.2/32]}}]}]}"], "a/web", "b/web", "nothing"),
    ("match: egress except <podIP>/32 allows others", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.0.2/32]}}]}]}"], "a/web", "c/web", "all ports"),
    ("match: egress except: external address excluded too", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.0.2/32]}}]}]}"], "a/web", "10.1.0.2", "nothing"),
    ("match: ports apply to the pod", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.2/32}}], ports: [{port: 8080}]}]}"], "a/web", "b/web", "TCP 8080"),
    ("match: any of the pod's IPs (IPv6 of dual stack)", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 'fd00::/64'}}]}]}"], "a/web", "b/web", "all ports"),
    ("match: ingress ipBlock <podIP>/32 from that pod", M, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "b/web", "a/web", "all ports"),
    ("match: ingress ipBlock <podIP>/32 not from another", M, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 10.1.0.2/32}}]}]}"], "c/web", "a/web", "nothing"),
    ("match: unknown IP is somewhere: 0.0.0.0/0 matches", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}"], "a/web", "b/client", "all ports"),
    ("match: unknown IP is somewhere: 10/8 does not", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}"], "a/web", "b/client", "nothing"),
    ("match: known IP inside 10/8", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}"], "a/web", "c/web", "all ports"),
    ("match with pod CIDR: block covering it", M8, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}"], "a/web", "b/client", "all ports"),
    ("match with pod CIDR: block inside it", M8, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.0/16}}]}]}"], "a/web", "b/client", "nothing"),
    ("match with pod CIDR: except overlapping it", M8, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.5.0.0/16]}}]}]}"], "a/web", "b/client", "nothing"),
    ("match with pod CIDR: except elsewhere", M8, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [192.168.0.0/16]}}]}]}"], "a/web", "b/client", "all ports"),
    ("match with pod CIDR: known IP still decides", M8, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.0/16, except: [10.1.0.2/32]}}]}]}"], "a/web", "b/web", "nothing"),
];

#[test]
fn ip_blocks() {
    run("ipblocks", IPBLOCKS);
}

// ---------------------------------------------------------------------------------------
// §2.5 ports.

#[rustfmt::skip]
const PORTS: &[Row] = &[
    ("numeric port, TCP by default", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80}]}]}"], "b/client", "a/web", "TCP 80"),
    ("UDP port: TCP 80 is not UDP 80", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80, protocol: UDP}]}]}"], "b/client", "a/web", "UDP 80"),
    ("explicit TCP", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80, protocol: TCP}]}]}"], "b/client", "a/web", "TCP 80"),
    ("SCTP port", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 3868, protocol: SCTP}]}]}"], "b/client", "a/web", "SCTP 3868"),
    ("several entries OR", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80}, {port: 53, protocol: UDP}, {port: 443}]}]}"], "b/client", "a/web", "TCP 80,443; UDP 53"),
    ("protocol without port: every port of it", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{protocol: UDP}]}]}"], "b/client", "a/web", "UDP all"),
    ("empty port entry: every TCP port", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{}]}]}"], "b/client", "a/web", "TCP all"),
    ("endPort range", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 8000, endPort: 8100}]}]}"], "b/client", "a/web", "TCP 8000-8100"),
    ("endPort == port", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80, endPort: 80}]}]}"], "b/client", "a/web", "TCP 80"),
    ("endPort range UDP", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 30000, endPort: 32767, protocol: UDP}]}]}"], "b/client", "a/web", "UDP 30000-32767"),
    ("endPort whole range", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 1, endPort: 65535, protocol: SCTP}]}]}"], "b/client", "a/web", "SCTP all"),
    ("ports: [] means all ports", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {}}], ports: []}]}"], "b/client", "a/web", "all ports"),
    ("ports missing means all ports", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "b/client", "a/web", "all ports"),
    ("ports: [] with ipBlock", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: []}]}"], "8.8.8.8", "a/web", "all ports"),
    // Named ports, ingress: resolved on the selected destination pod.
    ("named ingress: resolved on the pod", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}]}]}"], "b/client", "a/web", "TCP 8080"),
    ("named ingress: per pod (a/web)", D, &["a/p: {podSelector: {}, ingress: [{ports: [{port: http}]}]}"], "b/client", "a/web", "TCP 8080"),
    ("named ingress: per pod (a/api)", D, &["a/p: {podSelector: {}, ingress: [{ports: [{port: http}]}]}"], "b/client", "a/api", "TCP 9000"),
    ("named ingress: pod without the name", D, &["a/p: {podSelector: {}, ingress: [{ports: [{port: http}]}]}"], "b/client", "a/nolabels", "nothing"),
    ("named ingress: other namespace pod", D, &["c/p: {podSelector: {}, ingress: [{ports: [{port: http}]}]}"], "b/client", "c/web", "TCP 80"),
    ("named ingress: name exists only as UDP", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: dns}]}]}"], "b/client", "a/web", "nothing"),
    ("named ingress: name and protocol match", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: dns, protocol: UDP}]}]}"], "b/client", "a/web", "UDP 53"),
    ("named ingress: name exists only as TCP", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: dns, protocol: UDP}]}]}"], "b/client", "a/api", "nothing"),
    ("named ingress: TCP name", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: dns}]}]}"], "b/client", "a/api", "TCP 5353"),
    ("named ingress: explicit TCP on a TCP-by-default container port", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: metrics, protocol: TCP}]}]}"], "b/client", "a/web", "TCP 9090"),
    ("named ingress: SCTP name", D, &["c/p: {podSelector: {}, ingress: [{ports: [{port: sctp-port, protocol: SCTP}]}]}"], "b/client", "c/web", "SCTP 3868"),
    ("named ingress: unknown name", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: nope}]}]}"], "b/client", "a/web", "nothing"),
    ("named + numeric", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}, {port: 443}]}]}"], "b/client", "a/web", "TCP 443,8080"),
    ("named ingress from an external source", D, &["a/p: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}]}]}"], "8.8.8.8", "a/web", "TCP 8080"),
    ("named ingress: sidecar init container port", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: proxy}]}]}"], "b/client", "a/api", "TCP 15001"),
    ("named ingress: plain init container port (not running)", D, &["a/p: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: admin}]}]}"], "b/client", "a/api", "nothing"),
    // Named ports, egress: resolved on the destination pod.
    ("named egress: destination b/web", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}"], "a/web", "b/web", "TCP 8080"),
    ("named egress: destination c/web", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}"], "a/web", "c/web", "TCP 80"),
    ("named egress: destination a/api", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}"], "a/web", "a/api", "TCP 9000"),
    ("named egress: destination without the name", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}"], "a/web", "b/client", "nothing"),
    ("named egress: not the source's own port", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: metrics}]}]}"], "a/web", "b/web", "nothing"),
    ("named egress: external destination matches nothing", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}"], "a/web", "8.8.8.8", "nothing"),
    ("named egress to ipBlock: nothing", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}]}]}"], "a/web", "8.8.8.8", "nothing"),
    ("named + numeric egress to ipBlock: numeric only", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: http}, {port: 443}]}]}"], "a/web", "8.8.8.8", "TCP 443"),
    ("named egress with selector peer", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{port: sctp-port, protocol: SCTP}]}]}"], "a/web", "c/web", "SCTP 3868"),
    ("named egress with selector peer: no such port", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{port: sctp-port, protocol: SCTP}]}]}"], "a/web", "b/web", "nothing"),
    ("named egress to a pod via ipBlock (match mode)", M, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.1.0.2/32}}], ports: [{port: http}]}]}"], "a/web", "b/web", "TCP 8080"),
    ("named egress and numeric ingress: agree", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}", "c/p: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}"], "a/web", "c/web", "TCP 80"),
    ("named egress and numeric ingress: disagree", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: http}]}]}", "c/p: {podSelector: {}, ingress: [{ports: [{port: 81}]}]}"], "a/web", "c/web", "nothing"),
];

#[test]
fn ports() {
    run("ports", PORTS);
}

// ---------------------------------------------------------------------------------------
// §2.6 hostNetwork pods.

#[rustfmt::skip]
const HOST_NETWORK: &[Row] = &[
    // Node mode (default): ignored by selectors, never isolated, node-IP traffic.
    ("node: not isolated by a policy selecting all", D, &[DENY_IN_A], "b/client", "a/host", "all ports"),
    ("node: Deployment not isolated either", D, &[DENY_IN_A], "b/client", "a/hostdep", "all ports"),
    ("node: ordinary pods still isolated", D, &[DENY_IN_A], "b/client", "a/web", "nothing"),
    ("node: not isolated by a policy selecting it by label (ingress)", D, &["a/p: {podSelector: {matchLabels: {app: host}}, policyTypes: [Ingress, Egress]}"], "b/client", "a/host", "all ports"),
    ("node: not isolated by a policy selecting it by label (egress)", D, &["a/p: {podSelector: {matchLabels: {app: host}}, policyTypes: [Ingress, Egress]}"], "a/host", "b/web", "all ports"),
    ("node: egress deny-all does not apply", D, &[DENY_EG_A], "a/host", "8.8.8.8", "all ports"),
    ("node: not matched by namespaceSelector", D, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "a/host", "b/web", "nothing"),
    ("node: ordinary pod matched by namespaceSelector", D, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "a/web", "b/web", "all ports"),
    ("node: Deployment not matched by namespaceSelector", D, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "a/hostdep", "b/web", "nothing"),
    ("node: not matched by podSelector", D, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: red}}, podSelector: {matchLabels: {app: host}}}]}]}"], "a/host", "b/web", "nothing"),
    ("node: egress podSelector {} does not reach it", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}]}"], "a/web", "a/host", "nothing"),
    ("node: egress podSelector {} reaches ordinary pods", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}]}"], "a/web", "a/api", "all ports"),
    ("node: matched by an ipBlock on its node IP (ingress)", D, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.1/32}}]}]}"], "a/host", "b/web", "all ports"),
    ("node: ipBlock on the node IP does not match pods", D, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.1/32}}]}]}"], "a/web", "b/web", "nothing"),
    ("node: ipBlock on another IP", D, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.2/32}}]}]}"], "a/host", "b/web", "nothing"),
    ("node: except on the node IP", D, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.0/16, except: [10.9.0.1/32]}}]}]}"], "a/host", "b/web", "nothing"),
    ("node: matched by an ipBlock on its node IP (egress)", D, &["a/p: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.9.0.1/32}}]}]}"], "a/web", "a/host", "all ports"),
    ("node: unknown node IP is inside 0.0.0.0/0", D, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}"], "a/hostdep", "b/web", "all ports"),
    ("node: unknown node IP is not known to be in 10.9/16", D, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.0/16}}]}]}"], "a/hostdep", "b/web", "nothing"),
    ("node: with PodIpMode::Match too", M, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.1/32}}]}]}"], "a/host", "b/web", "all ports"),
    ("node: Match mode, selectors still ignore it", M, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "a/host", "b/web", "nothing"),
    // Pod mode: like any other pod.
    ("pod: isolated by a policy selecting all", HP, &[DENY_IN_A], "b/client", "a/host", "nothing"),
    ("pod: egress isolated", HP, &[DENY_EG_A], "a/host", "8.8.8.8", "nothing"),
    ("pod: matched by namespaceSelector", HP, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "a/host", "b/web", "all ports"),
    ("pod: matched by podSelector", HP, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: red}}, podSelector: {matchLabels: {app: host}}}]}]}"], "a/host", "b/web", "all ports"),
    ("pod: Deployment matched by namespaceSelector", HP, &["b/p: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}"], "a/hostdep", "b/web", "all ports"),
    ("pod: ipBlock ignores it by default", HP, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.1/32}}]}]}"], "a/host", "b/web", "nothing"),
    ("pod: ipBlock matches its IP in Match mode", HPM, &["b/p: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.9.0.1/32}}]}]}"], "a/host", "b/web", "all ports"),
    ("pod: named port resolved on it", HP, &["a/p: {podSelector: {matchLabels: {app: host}}, ingress: [{ports: [{port: http}]}]}"], "b/client", "a/host", "TCP 10250"),
];

#[test]
fn host_network() {
    run("hostNetwork", HOST_NETWORK);
}

// ---------------------------------------------------------------------------------------
// §2.8 validation: every invalid policy is reported and takes no part in the analysis.

/// `(row name, policy (named a/bad), expected problem path prefix, expected message substring)`.
/// Every policy selects all pods of `a` with both types, so if it were kept, `a` would be
/// isolated.
type Invalid = (&'static str, &'static str, &'static str, &'static str);

#[rustfmt::skip]
const INVALID: &[Invalid] = &[
    ("cidr prefix too long", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]}", "spec.ingress[0].from[0].ipBlock.cidr", "cidr"),
    ("IPv6 cidr prefix too long", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 'fd00::/129'}}]}]}", "spec.ingress[0].from[0].ipBlock.cidr", "cidr"),
    ("cidr without prefix", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0}}]}]}", "spec.ingress[0].from[0].ipBlock.cidr", "cidr"),
    ("cidr not an address", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{ipBlock: {cidr: example.com/8}}]}]}", "spec.egress[0].to[0].ipBlock.cidr", "cidr"),
    ("cidr octet out of range", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{ipBlock: {cidr: 300.0.0.0/8}}]}]}", "spec.egress[0].to[0].ipBlock.cidr", "cidr"),
    ("cidr missing", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{ipBlock: {except: [10.0.0.0/16]}}]}]}", "spec.egress[0].to[0].ipBlock", "cidr"),
    ("except outside cidr", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "subset"),
    ("except equal to cidr (not strict)", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "strict subset"),
    ("except wider than cidr", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/8]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "subset"),
    ("except of the other family", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: ['fd00::/64']}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "subset"),
    ("second except outside", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 12.0.0.0/16]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[1]", "subset"),
    ("except shown as written, not as its network", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/4]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "except 10.0.0.0/4 must be a strict subset of cidr 10.0.0.0/8"),
    ("cidr shown as written", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.1.2.3/8, except: [11.0.0.0/16]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "of cidr 10.1.2.3/8"),
    ("except not a CIDR", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0]}}]}]}", "spec.ingress[0].from[0].ipBlock.except[0]", "except"),
    ("ipBlock + podSelector", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]}", "spec.ingress[0].from[0]", "ipBlock"),
    ("ipBlock + namespaceSelector", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}, namespaceSelector: {}}]}]}", "spec.egress[0].to[0]", "ipBlock"),
    ("ipBlock + both selectors", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}, namespaceSelector: {}, podSelector: {}}]}]}", "spec.egress[0].to[0]", "ipBlock"),
    ("empty peer in from", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{}]}]}", "spec.ingress[0].from[0]", "peer"),
    ("empty peer in to", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{podSelector: {}}, {}]}]}", "spec.egress[0].to[1]", "peer"),
    ("endPort with a named port", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: http, endPort: 9000}]}]}", "spec.ingress[0].ports[0].endPort", "endPort"),
    ("endPort without port", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{endPort: 9000}]}]}", "spec.ingress[0].ports[0].endPort", "endPort"),
    ("endPort without port (UDP)", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{ports: [{protocol: UDP, endPort: 9000}]}]}", "spec.egress[0].ports[0].endPort", "endPort"),
    ("endPort < port", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: 90, endPort: 80}]}]}", "spec.ingress[0].ports[0].endPort", "endPort"),
    ("endPort > 65535", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: 90, endPort: 70000}]}]}", "spec.ingress[0].ports[0].endPort", "endPort"),
    ("port 0", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: 0}]}]}", "spec.ingress[0].ports[0].port", "port"),
    ("port 65536", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: 65536}]}]}", "spec.ingress[0].ports[0].port", "port"),
    ("port name upper-case", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: HTTP}]}]}", "spec.ingress[0].ports[0].port", "port name"),
    ("port name all digits (a string)", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: '80'}]}]}", "spec.ingress[0].ports[0].port", "port name"),
    ("port name with --", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: a--b}]}]}", "spec.ingress[0].ports[0].port", "port name"),
    ("port name too long", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: abcdefghijklmnop}]}]}", "spec.ingress[0].ports[0].port", "port name"),
    ("bad protocol", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{ports: [{port: 80, protocol: ICMP}]}]}", "spec.ingress[0].ports[0].protocol", "protocol"),
    ("lower-case protocol", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{ports: [{port: 80, protocol: tcp}]}]}", "spec.egress[0].ports[0].protocol", "protocol"),
    ("bad operator in peer podSelector", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: Equals, values: [web]}]}}]}]}", "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator", "operator"),
    ("bad operator in namespaceSelector", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{namespaceSelector: {matchExpressions: [{key: team, operator: in, values: [red]}]}}]}]}", "spec.egress[0].to[0].namespaceSelector.matchExpressions[0].operator", "operator"),
    ("bad operator in spec.podSelector", "a/bad: {podSelector: {matchExpressions: [{key: app, operator: Missing}]}, policyTypes: [Ingress, Egress]}", "spec.podSelector.matchExpressions[0].operator", "operator"),
    ("In without values", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: []}]}}]}]}", "spec.ingress[0].from[0].podSelector.matchExpressions[0].values", "values"),
    ("NotIn without values", "a/bad: {podSelector: {matchExpressions: [{key: app, operator: NotIn}]}, policyTypes: [Ingress, Egress]}", "spec.podSelector.matchExpressions[0].values", "values"),
    ("Exists with values", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {matchExpressions: [{key: app, operator: Exists, values: [web]}]}}]}]}", "spec.ingress[0].from[0].podSelector.matchExpressions[0].values", "values"),
    ("invalid label key in spec.podSelector", "a/bad: {podSelector: {matchLabels: {'bad key': x}}, policyTypes: [Ingress, Egress]}", "spec.podSelector.matchLabels", "label key"),
    ("invalid label key prefix", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{namespaceSelector: {matchLabels: {'Bad_Prefix/x': v}}}]}]}", "spec.ingress[0].from[0].namespaceSelector.matchLabels", "label key"),
    ("label key name too long", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {matchLabels: {aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: x}}}]}]}", "spec.ingress[0].from[0].podSelector.matchLabels", "label key"),
    ("invalid expression key", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {matchExpressions: [{key: '-app', operator: Exists}]}}]}]}", "spec.ingress[0].from[0].podSelector.matchExpressions[0].key", "label key"),
    ("invalid label value", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{namespaceSelector: {matchLabels: {team: '-red'}}}]}]}", "spec.ingress[0].from[0].namespaceSelector.matchLabels", "label value"),
    ("label value too long", "a/bad: {podSelector: {matchLabels: {app: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}, policyTypes: [Ingress, Egress]}", "spec.podSelector.matchLabels", "label value"),
    ("invalid expression value", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], egress: [{to: [{podSelector: {matchExpressions: [{key: app, operator: In, values: ['web server']}]}}]}]}", "spec.egress[0].to[0].podSelector.matchExpressions[0].values", "label value"),
    ("unknown policy type", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress, Both]}", "spec.policyTypes", "policy"),
    ("policy type wrong case", "a/bad: {podSelector: {}, policyTypes: [ingress, Egress]}", "spec.policyTypes[0]", "policy type"),
    ("ingress not a list", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: {from: []}}", "spec.ingress", "list"),
    ("invalid rule after a valid one", "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{}], egress: [{to: [{ipBlock: {cidr: 1.2.3.4/40}}]}]}", "spec.egress[0].to[0].ipBlock.cidr", "cidr"),
];

#[test]
fn invalid_policies_are_reported_and_left_out() {
    let mut fails = Vec::new();
    for (i, &(name, pol, path, msg)) in INVALID.iter().enumerate() {
        let tag = format!("[invalid #{i}] {name}");
        let m = model(&[pol], D);
        if m.problems.is_empty() {
            fails.push(format!("{tag}: no problem reported"));
        } else if !m.problems.iter().any(|p| {
            p.path.to_string().starts_with(path) && p.message.to_lowercase().contains(&msg.to_lowercase())
        }) {
            let got: Vec<String> = m
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
            fails.push(format!(
                "{tag}: want a problem at `{path}` mentioning `{msg}`, got {got:?}"
            ));
        }
        if m.problems.iter().any(|p| p.reference.name != "bad") {
            fails.push(format!("{tag}: problem attributed to another object"));
        }
        if m.policies.iter().any(|p| p.name == "bad") {
            fails.push(format!("{tag}: the invalid policy is part of the model"));
        }
        let a = Analysis::new(&m);
        for (s, d) in [
            ("b/client", "a/web"),
            ("a/web", "b/client"),
            ("8.8.8.8", "a/api"),
            ("a/web", "a/api"),
            ("a/api", "1.2.3.4"),
        ] {
            let (Ok(se), Ok(de)) = (endpoint(&a, s), endpoint(&a, d)) else {
                fails.push(format!("{tag}: endpoint {s} or {d} missing"));
                continue;
            };
            let got = a.allowed(se, de);
            if !got.is_all() {
                fails.push(format!(
                    "{tag}: {s} -> {d} is `{got}`, the invalid policy must not restrict it"
                ));
            }
        }
    }
    assert!(
        fails.is_empty(),
        "{} failures over {} rows:\n{}",
        fails.len(),
        INVALID.len(),
        fails.join("\n")
    );
}

#[test]
fn an_invalid_policy_does_not_take_valid_ones_with_it() {
    let m = model(
        &[
            "a/bad: {podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{}]}]}",
            "a/good: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: 80}]}]}",
        ],
        D,
    );
    assert_eq!(m.problems.len(), 1, "{:?}", m.problems);
    assert_eq!(m.policies.len(), 1);
    let a = Analysis::new(&m);
    let e = |s: &str| endpoint(&a, s).unwrap();
    assert_eq!(a.allowed(e("b/client"), e("a/api")).to_string(), "TCP 80");
    assert!(a.allowed(e("b/client"), e("a/web")).is_all());
    assert!(a.allowed(e("a/api"), e("b/client")).is_all());
}

/// Two policies with one namespace/name: a problem; the API server (like `kubectl apply`)
/// keeps one object per name, and the model keeps the later one.
#[test]
fn duplicate_policy_names() {
    let m = model(
        &[
            "a/dup: {podSelector: {}, policyTypes: [Ingress, Egress]}",
            "a/dup: {podSelector: {matchLabels: {app: api}}, ingress: [{ports: [{port: 80}]}]}",
            "b/dup: {podSelector: {matchLabels: {app: web}}}",
        ],
        D,
    );
    let dups: Vec<_> = m.problems.iter().filter(|p| p.message.contains("dup")).collect();
    assert_eq!(
        dups.len(),
        1,
        "one problem for a/dup (b/dup is another namespace): {:?}",
        m.problems
    );
    assert_eq!(dups[0].path.to_string(), "metadata.name");
    assert_eq!(
        m.policies.iter().filter(|p| p.name == "dup").count(),
        2,
        "one per namespace"
    );
    let a = Analysis::new(&m);
    let e = |s: &str| endpoint(&a, s).unwrap();
    // The earlier a/dup (deny everything in `a`) is gone; the later one applies.
    assert!(a.allowed(e("b/client"), e("a/web")).is_all());
    assert!(a.allowed(e("a/web"), e("b/client")).is_all());
    assert_eq!(a.allowed(e("b/client"), e("a/api")).to_string(), "TCP 80");
    assert_eq!(a.allowed(e("a/web"), e("b/web")).to_string(), "nothing");
}

/// Namespaces: the name label is synthesised for defined namespaces, for ones only named by
/// workloads or policies, and for `default` when objects carry no namespace.
#[test]
fn namespace_name_label() {
    let m = model(&["e/p: {podSelector: {}}", "q: {podSelector: {}}"], D);
    let mut fails = Vec::new();
    for (ns, key, want) in [
        ("a", "kubernetes.io/metadata.name", Some("a")),
        ("a", "team", Some("red")),
        ("c", "kubernetes.io/metadata.name", Some("c")),
        ("d", "kubernetes.io/metadata.name", Some("d")),
        ("e", "kubernetes.io/metadata.name", Some("e")),
        ("default", "kubernetes.io/metadata.name", Some("default")),
        ("d", "team", None),
    ] {
        match m.namespace(ns) {
            None => fails.push(format!("namespace {ns} missing")),
            Some(n) => {
                if n.labels.get(key).map(String::as_str) != want {
                    fails.push(format!(
                        "{ns}: label {key} is {:?}, want {want:?}",
                        n.labels.get(key)
                    ));
                }
            }
        }
    }
    assert!(fails.is_empty(), "{}", fails.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Matrix and diff.

const MATRIX_POLICIES: &[&str] = &[
    "a/deny: {podSelector: {}}",
    "a/web: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: blue}}}], ports: [{port: http}, {port: 53, protocol: UDP}]}, {from: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}}]}]}",
    "a/api: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 9000, endPort: 9100}]}], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}, {to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: c}}}], ports: [{port: http}]}]}",
    "b/eg: {podSelector: {matchLabels: {app: client}}, egress: [{to: [{podSelector: {}, namespaceSelector: {}}], ports: [{port: http}]}, {to: [{ipBlock: {cidr: '::/0'}}], ports: [{protocol: UDP}]}]}",
    "c/in: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: NotIn, values: [blue]}]}}]}]}",
];

#[test]
fn matrix_agrees_with_allowed_on_every_cell() {
    let mut fails = Vec::new();
    for mode in [D, M, M8, HP, HPM] {
        let m = model(MATRIX_POLICIES, mode);
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        let a = Analysis::new(&m);
        let mx = Matrix::compute(&a);
        let (n, x) = (m.workloads.len(), a.ranges.len());
        assert_eq!((mx.workloads, mx.ranges), (n, x));
        let ep = |i: usize| {
            if i < n {
                Endpoint::Workload(i)
            } else {
                Endpoint::External(i - n)
            }
        };
        let mut pairs = 0;
        let mut non_trivial = 0;
        for s in 0..n + x {
            // External ranges only talk to workloads.
            let cols = if s < n { n + x } else { n };
            for d in 0..cols {
                let want = a.allowed(ep(s), ep(d));
                let got = mx.cell(s, d);
                if *got != want {
                    fails.push(format!(
                        "{mode:?}: {} -> {}: matrix `{got}`, allowed `{want}`",
                        a.endpoint_name(ep(s)),
                        a.endpoint_name(ep(d))
                    ));
                }
                pairs += usize::from(!want.is_empty());
                non_trivial += usize::from(!want.is_empty() && !want.is_all());
            }
        }
        if mx.allowed_pairs() != pairs {
            fails.push(format!(
                "{mode:?}: allowed_pairs {} != {pairs}",
                mx.allowed_pairs()
            ));
        }
        if non_trivial == 0 {
            fails.push(format!("{mode:?}: the model should have partially allowed cells"));
        }
    }
    assert!(
        fails.is_empty(),
        "{} cells disagree:\n{}",
        fails.len(),
        fails.join("\n")
    );
}

#[test]
fn diff_reports_added_and_removed_ports() {
    let before = model(&["a/api: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}, {port: 8000, endPort: 8010}]}]}"], D);
    let after = model(&["a/api: {podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 443}, {port: 8005, endPort: 8020}]}]}"], D);
    let (ab, aa) = (Analysis::new(&before), Analysis::new(&after));
    let changes = diff(&ab, &aa);
    assert_eq!(changes.len(), 1, "only a/web -> a/api changes: {changes:?}");
    let c = &changes[0];
    assert_eq!((c.from.as_str(), c.to.as_str()), ("a/Pod/web", "a/Pod/api"));
    assert_eq!(c.added.to_string(), "TCP 443,8011-8020");
    assert_eq!(c.removed.to_string(), "TCP 80,8000-8004");
    assert!(diff(&ab, &ab).is_empty(), "no change against itself");

    // Reversed: added and removed swap.
    let back = diff(&aa, &ab);
    assert_eq!(back.len(), 1);
    assert_eq!(
        (back[0].added.clone(), back[0].removed.clone()),
        (c.removed.clone(), c.added.clone())
    );

    // A deny-all removes everything from every pair into `b`, and from external ranges.
    let none = model(&[], D);
    let deny = model(&["b/deny: {podSelector: {}}"], D);
    let (an, ad) = (Analysis::new(&none), Analysis::new(&deny));
    let changes = diff(&an, &ad);
    let mut fails = Vec::new();
    for c in &changes {
        if !c.to.starts_with("b/") {
            fails.push(format!("unexpected change {} -> {}", c.from, c.to));
        }
        if !c.added.is_empty() || !c.removed.is_all() {
            fails.push(format!(
                "{} -> {}: added `{}`, removed `{}`",
                c.from, c.to, c.added, c.removed
            ));
        }
    }
    let n = none.workloads.len();
    let into_b_from_workloads = changes.iter().filter(|c| !c.from.starts_with("ip:")).count();
    if into_b_from_workloads != 2 * n {
        fails.push(format!(
            "{into_b_from_workloads} workload changes, want {}",
            2 * n
        ));
    }
    if !changes.iter().any(|c| c.from.starts_with("ip:")) {
        fails.push("no change from external ranges".into());
    }
    assert!(fails.is_empty(), "{}", fails.join("\n"));

    // Egress to an ipBlock: external destinations appear as `ip:` ranges.
    let eg = model(&["a/eg: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 443}]}]}"], D);
    let ae = Analysis::new(&eg);
    let changes = diff(&an, &ae);
    let to_ip: Vec<_> = changes
        .iter()
        .filter(|c| c.from == "a/Pod/web" && c.to.starts_with("ip:"))
        .collect();
    assert!(!to_ip.is_empty(), "{changes:?}");
    for c in &to_ip {
        let inside = c.to == "ip:10.0.0.0/8";
        let want_removed = if inside {
            PortSet::all().minus(&PortSet::range(Proto::Tcp, 443, 443))
        } else {
            PortSet::all()
        };
        assert_eq!(c.removed, want_removed, "{}", c.to);
        assert!(c.added.is_empty());
    }
    assert!(to_ip.iter().any(|c| c.to == "ip:10.0.0.0/8"), "{to_ip:?}");
}

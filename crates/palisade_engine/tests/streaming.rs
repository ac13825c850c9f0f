//! Streaming scans: `scan_streaming` hands the findings on in batches, in the report's order,
//! each batch ending at an object boundary and coming no earlier than its objects' admission
//! verdicts; what it hands on is exactly the findings `scan` keeps, and the counts agree.

mod common;

use common::options_for;
use palisade_core::{AdmissionVerdict, Finding, FindingSink};
use palisade_engine::{scan, scan_streaming};
use palisade_pss::Level;
use std::collections::{BTreeSet, HashMap};

/// More workloads than one evaluation step (2048) holds, over two files given in an order
/// that is not the order of their names, with a labelled Namespace, a NetworkPolicy, a
/// ServiceAccount and a RoleBinding (the cross-object rules' inputs, which come after the
/// workloads that need them).
fn inputs() -> Vec<(String, String)> {
    let mut b = String::new();
    for i in 0..2500 {
        b.push_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\n  namespace: ns{}\nspec:\n  selector:\n    matchLabels: {{app: d{i}}}\n  template:\n    metadata:\n      labels: {{app: d{i}}}\n    spec:\n      serviceAccountName: sa\n      containers:\n      - name: app\n        image: app:{i}\n        securityContext: {{privileged: {}}}\n---\n",
            i % 3,
            i % 2 == 0
        ));
    }
    let mut a = String::new();
    for i in 0..2500 {
        a.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: ns{}\nspec:\n  hostNetwork: {}\n  containers:\n  - name: c\n    image: busybox\n---\n",
            i % 3,
            i % 5 == 0
        ));
    }
    a.push_str("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns1\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n---\n");
    a.push_str("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny\n  namespace: ns2\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\n");
    a.push_str("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  namespace: ns0\nautomountServiceAccountToken: false\n---\n");
    a.push_str("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: admin\n  namespace: ns0\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: sa\n  namespace: ns0\n");
    // `z/b.yaml` is read first but sorts after `z-a.yaml` ('-' < '/').
    vec![("z/b.yaml".to_owned(), b), ("z-a.yaml".to_owned(), a)]
}

fn source(inputs: &[(String, String)]) -> palisade_source::Bytes<'_> {
    palisade_source::Bytes {
        inputs: inputs.iter().map(|(n, t)| (n.as_str(), t.as_bytes())).collect(),
    }
}

#[derive(Default)]
struct Recorder {
    batches: Vec<Vec<Finding>>,
    verdicts_seen: BTreeSet<String>,
}

impl FindingSink for Recorder {
    fn accept(&mut self, findings: Vec<Finding>, verdicts: &[AdmissionVerdict]) {
        for v in verdicts {
            self.verdicts_seen.insert(v.object.to_string());
        }
        self.batches.push(findings);
    }
}

fn key(f: &Finding) -> String {
    format!(
        "{} {} {:?} {} {}",
        f.code(),
        f.object,
        f.location.as_ref().map(ToString::to_string),
        f.path,
        f.message()
    )
}

#[test]
fn streamed_findings_are_the_scan_s_findings_in_order_and_whole_per_object() {
    let inputs = inputs();
    let source = source(&inputs);
    let opts = options_for(palisade_rules::all_rules().to_vec(), Level::Restricted);
    let whole = scan(&source, &opts);
    let mut rec = Recorder::default();
    let streamed = scan_streaming(&source, &opts, &mut rec);

    assert!(
        streamed.findings.is_empty(),
        "a streamed report keeps no findings"
    );
    assert!(
        rec.batches.len() >= 2,
        "one batch per step of 2048 objects: {} batches",
        rec.batches.len()
    );
    let all: Vec<String> = rec.batches.iter().flatten().map(key).collect();
    let expected: Vec<String> = whole.findings.iter().map(key).collect();
    assert!(expected.len() > 10_000, "{} findings", expected.len());
    assert_eq!(all, expected, "the same findings in the same order");
    // The findings are in file-name order, whatever order the files were read in.
    let first = &rec.batches.iter().flatten().next().unwrap();
    assert_eq!(&*first.location.as_ref().unwrap().file, "z-a.yaml");
    // Counts of what was handed on.
    let counted: usize = streamed.stats.findings_by_severity.values().sum();
    assert_eq!(counted, all.len());
    assert_eq!(
        streamed.stats.findings_by_severity,
        whole.stats.findings_by_severity
    );
    assert_eq!(streamed.failing_counted(), whole.failing_findings());
    // Everything else of the report is the same.
    assert_eq!(streamed.admission, whole.admission);
    assert_eq!(streamed.suppressed.len(), whole.suppressed.len());
    assert_eq!(streamed.errors.len(), whole.errors.len());
    assert_eq!(streamed.stats.workloads, 5000);

    // No object's findings are split over two batches.
    let mut batch_of: HashMap<String, usize> = HashMap::new();
    for (i, b) in rec.batches.iter().enumerate() {
        for f in b {
            let o = format!("{} {:?}", f.object, f.location.as_ref().map(|l| l.file.clone()));
            let at = *batch_of.entry(o.clone()).or_insert(i);
            assert_eq!(at, i, "{o} has findings in batches {at} and {i}");
        }
    }
    // Cross-object rules whose inputs come after the workloads still see them: the
    // RoleBinding gives `sa` cluster-admin, which workloads of ns0 mount.
    assert!(rec
        .batches
        .iter()
        .flatten()
        .any(|f| f.object.namespace.as_deref() == Some("ns0") && f.code().starts_with("RBAC")));
    // ns1 is labelled enforce=baseline: its pods get verdicts, handed on with their findings.
    let ns1_rejects = streamed
        .admission
        .iter()
        .filter(|v| v.object.namespace.as_deref() == Some("ns1"))
        .count();
    assert!(ns1_rejects > 0);
    assert!(!rec.verdicts_seen.is_empty());
}

#[test]
fn verdicts_arrive_with_or_before_their_objects_findings() {
    let inputs = inputs();
    let source = source(&inputs);
    let opts = options_for(palisade_rules::all_rules().to_vec(), Level::Restricted);
    struct Check {
        seen: BTreeSet<String>,
        with_verdict: BTreeSet<String>,
        missing: Vec<String>,
    }
    impl FindingSink for Check {
        fn accept(&mut self, findings: Vec<Finding>, verdicts: &[AdmissionVerdict]) {
            for v in verdicts {
                self.seen.insert(v.object.to_string());
            }
            for f in &findings {
                let o = f.object.to_string();
                if self.with_verdict.contains(&o) && !self.seen.contains(&o) {
                    self.missing.push(o);
                }
            }
        }
    }
    let whole = scan(&source, &opts);
    let mut c = Check {
        seen: BTreeSet::new(),
        with_verdict: whole.admission.iter().map(|v| v.object.to_string()).collect(),
        missing: Vec::new(),
    };
    assert!(!c.with_verdict.is_empty());
    scan_streaming(&source, &opts, &mut c);
    assert!(
        c.missing.is_empty(),
        "findings before their verdicts: {:?}",
        &c.missing[..c.missing.len().min(5)]
    );
}

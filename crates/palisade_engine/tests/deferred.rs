//! Inventory hits made at their workload's turn (`InvHit::later`, NET003): the same findings,
//! paths, messages and suppressions as hits made at once, for every pod template of an object.

mod common;

use common::{options_for, rule};
use palisade_engine::scan_bytes;
use palisade_pss::Level;

const INPUT: &str = "\
apiVersion: example.com/v1
kind: TwoPods
metadata: {name: job, namespace: shop}
spec:
  driver:
    template:
      metadata:
        labels: {role: driver}
      spec:
        containers: [{name: a, image: a, ports: [{containerPort: 80}, {containerPort: 53, protocol: UDP}]}]
  executor:
    template:
      metadata:
        labels: {role: executor}
      spec:
        initContainers: [{name: s, image: s, restartPolicy: Always, ports: [{containerPort: 9090}]}]
        containers: [{name: b, image: b}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: driver, namespace: shop}
spec:
  podSelector: {matchLabels: {role: driver}}
  policyTypes: [Ingress]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reviewed
  annotations:
    palisade.dev/ignore: \"NET003: reached only through the node port\"
spec:
  template:
    spec:
      containers: [{name: c, image: c}]
---
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: shop}
spec:
  hostNetwork: true
  containers: [{name: c, image: c}]
---
apiVersion: v1
kind: Pod
metadata: {name: bare}
spec:
  containers: [{name: c, image: c}]
";

#[test]
fn deferred_hits_are_the_findings_of_each_unprotected_template() {
    let report = scan_bytes(
        &[("in.yaml", INPUT.as_bytes())],
        &options_for(vec![rule("NET003")], Level::Restricted),
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let found: Vec<(String, u32, u32, String)> = report
        .findings
        .iter()
        .map(|f| {
            let l = f.location.as_ref().unwrap();
            (f.path.to_string(), l.line, l.column, f.message.to_string())
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "spec.executor.template.metadata.labels".to_owned(),
                14,
                9,
                "no NetworkPolicy of type Ingress selects TwoPods shop/job (container ports 9090/TCP): every pod of every namespace can connect to it on every port".to_owned()
            ),
            (
                "metadata".to_owned(),
                46,
                1,
                "no NetworkPolicy of type Ingress selects Pod default/bare: every pod of every namespace can connect to it on every port".to_owned()
            ),
        ]
    );
    // The annotation accepts the Deployment's finding: suppressed, not lost.
    assert_eq!(report.suppressed.len(), 1, "{:?}", report.suppressed);
    let s = &report.suppressed[0];
    assert_eq!(s.object.name, "reviewed");
    assert_eq!(s.path.to_string(), "spec.template.metadata");
    assert_eq!(s.location.as_ref().map(|l| (l.line, l.column)), Some((33, 3)));
    assert!(s.message.contains("Deployment default/reviewed"), "{}", s.message);
}

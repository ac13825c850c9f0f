//! The worked example of docs/adding-a-rule.md, checked: a rule that reads a kind no shipped
//! rule reads (`policy/PodDisruptionBudget`) sees it because it declares it, and only then.
//!
//! The rule is declared here, not in the registry (palisade does not ship it): the same
//! constants and check function as the doc's rule file, with the `RuleMeta` that
//! `declare_rule!` would expand to (the macro is private to `palisade_rules`). It runs through
//! the public engine API (`scan_bytes`) on the doc's fixture, whose `# expect:` marks are read
//! and compared as a (line, code) multiset by the same helpers as the per-rule harness.
//! `doc_shows_this_code` fails when the doc's code and this file's drift apart.

mod common;

use palisade_core::{
    labels_of, Check, FieldPath, Finding, GroupKind, InvCtx, InvHit, LabelSelector, Node, Object, Reads,
    Reference, RuleMeta, Severity,
};
use palisade_pss::Level;

// ---- shared with docs/adding-a-rule.md: the rule file below its `declare_rule!` ----

/// The kinds this rule reads. Naming them in `check:` is what makes the engine keep them for
/// the rule, and what `--cluster` asks the API server for.
const PDB: GroupKind = GroupKind::new("policy", "PodDisruptionBudget");
const DEPLOYMENT: GroupKind = GroupKind::new("apps", "Deployment");

fn check(ctx: &InvCtx<'_>, hits: &mut Vec<InvHit>) {
    let objects = &ctx.inv.objects;
    for (i, pdb) in objects.iter().enumerate().filter(|(_, o)| PDB.matches(o)) {
        let Some(spec) = pdb.root.get("spec") else {
            continue;
        };
        // policy/v1: a budget without a selector selects no pod.
        let Some(selector) = spec.get("selector") else {
            continue;
        };
        let (selector, problems) =
            LabelSelector::parse(selector, &FieldPath::root().key("spec").key("selector"));
        if !problems.is_empty() {
            continue;
        }
        let selected = objects.iter().find(|d| {
            DEPLOYMENT.matches(d)
                && namespace(d) == namespace(pdb)
                && d.pod_templates()
                    .first()
                    .is_some_and(|t| selector.matches(&labels_of(t.metadata)))
        });
        let Some(deployment) = selected else {
            continue;
        };
        let replicas = deployment
            .root
            .at(&["spec", "replicas"])
            .map_or(Some(1), Node::as_i64)
            .unwrap_or(1);
        if replicas < 1 {
            continue;
        }
        let Some((field, why)) = blocking(spec, replicas) else {
            continue;
        };
        hits.push(InvHit::new(
            i,
            FieldPath::root().key("spec").key(field),
            format!(
                "PodDisruptionBudget {:?} allows no voluntary disruption of Deployment {:?} ({why}): \
                 kubectl drain on its nodes never finishes, so they are not patched",
                pdb.name, deployment.name
            ),
        ));
    }
}

/// The field of the budget that leaves no pod of `replicas` evictable, and why.
fn blocking(spec: &Node, replicas: i64) -> Option<(&'static str, String)> {
    if let Some(v) = spec.get("maxUnavailable") {
        return match (v.as_i64(), v.as_str()) {
            (Some(0), _) | (_, Some("0%")) => Some(("maxUnavailable", "maxUnavailable: 0".to_owned())),
            _ => None,
        };
    }
    let v = spec.get("minAvailable")?;
    match (v.as_i64(), v.as_str()) {
        (Some(n), _) if n >= replicas => Some((
            "minAvailable",
            format!("minAvailable: {n} of {replicas} replica(s)"),
        )),
        (_, Some("100%")) => Some(("minAvailable", "minAvailable: 100%".to_owned())),
        _ => None,
    }
}

fn namespace(o: &Object) -> &str {
    o.namespace.as_deref().unwrap_or("default")
}
// ---- end of the shared code ----

/// What `declare_rule!` in the doc's rule file expands to.
static PDB_BLOCKS_DRAIN: RuleMeta = RuleMeta {
    code: "HRD036",
    name: "pdb-blocks-drain",
    severity: Severity::Low,
    group: "hardening",
    summary: "PodDisruptionBudget allows no voluntary disruption: node drains never finish",
    remediation: "Allow at least one disruption (maxUnavailable: 1, or minAvailable below the replicas).",
    docs: "## What it does\nFlags PodDisruptionBudgets that allow no voluntary disruption of the Deployment they select.\n",
    references: &[Reference::Url(
        "https://kubernetes.io/docs/concepts/workloads/pods/disruptions/",
    )],
    requires_option: None,
    scope: palisade_core::Scope::Cluster,
    check: Check::Inventory {
        reads: Reads::kinds(&[DEPLOYMENT, PDB]),
        check,
    },
};

/// The same check, declaring only Deployments: the counter-example. The engine drops the
/// budgets before the check runs, so it finds nothing.
static UNDECLARED: RuleMeta = RuleMeta {
    code: "HRD036",
    name: "pdb-blocks-drain",
    severity: Severity::Low,
    group: "hardening",
    summary: "",
    remediation: "",
    docs: "",
    references: &[],
    requires_option: None,
    scope: palisade_core::Scope::Object,
    check: Check::Inventory {
        reads: Reads::kinds(&[DEPLOYMENT]),
        check,
    },
};

/// The doc's fixture (`crates/palisade_rules/fixtures/hardening/pdb-blocks-drain.yaml`).
const FIXTURE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: registry.example.com/web:1.4.2}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  maxUnavailable: 0    # expect: pdb-blocks-drain
  selector: {matchLabels: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-min, namespace: shop}
spec:
  minAvailable: 2      # expect: pdb-blocks-drain
  selector: {matchLabels: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-ok, namespace: shop}
spec:
  minAvailable: 1      # one of two pods may go: fine
  selector: {matchLabels: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: other}
spec:
  maxUnavailable: 0    # selects no Deployment in its namespace
  selector: {matchLabels: {app: web}}
";

const FIXTURE_NAME: &str = "hardening/pdb-blocks-drain.yaml";

fn run(rule: &'static RuleMeta) -> palisade_core::Report {
    let opts = common::options_for(vec![rule], Level::Restricted);
    palisade_engine::scan_bytes(&[(FIXTURE_NAME, FIXTURE.as_bytes())], &opts)
}

#[test]
fn the_rule_sees_the_kind_it_declares() {
    let report = run(&PDB_BLOCKS_DRAIN);
    let errors = common::input_errors(&report);
    assert!(errors.is_empty(), "input errors: {errors:?}");
    let expected = common::expected(FIXTURE, &PDB_BLOCKS_DRAIN).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expected.len(), 2, "the fixture marks two lines");
    let findings: Vec<&Finding> = report.findings.iter().collect();
    common::assert_no_failures(&common::compare(
        &PDB_BLOCKS_DRAIN,
        FIXTURE_NAME,
        &expected,
        &findings,
    ));
    // The findings are on the budgets: the engine kept them for the rule.
    insta::assert_snapshot!("pdb-blocks-drain", common::render(&findings));
    for f in &findings {
        assert_eq!(f.object.kind, "PodDisruptionBudget");
        assert_eq!(f.object.api_version, "policy/v1");
    }
}

#[test]
fn an_undeclared_kind_is_not_kept() {
    let report = run(&UNDECLARED);
    assert!(common::input_errors(&report).is_empty());
    // Every object was decoded and counted…
    assert_eq!(report.stats.objects, 5);
    // …but the budgets were dropped before inventory rules ran: the check saw none.
    assert!(
        report.findings.is_empty(),
        "the budgets reached a rule that does not read them:\n{}",
        common::render(&report.findings.iter().collect::<Vec<_>>())
    );
}

#[test]
fn reads_name_the_new_kind_for_the_cluster_reader() {
    let opts = common::options_for(vec![&PDB_BLOCKS_DRAIN], Level::Restricted);
    // What `--cluster` derives its resource types from (palisade_cli's `wanted`).
    let reads = opts.reads();
    assert!(reads.contains("policy", "PodDisruptionBudget"));
    assert_eq!(reads.kinds(), &[DEPLOYMENT, PDB]);
    assert!(
        !reads.pod_templates(),
        "the rule reads Deployments by kind, not every workload"
    );
    // What the engine keeps after decoding (an inventory rule keeps what it reads).
    assert_eq!(opts.keeps(), reads);

    let without = common::options_for(vec![&UNDECLARED], Level::Restricted);
    assert!(!without.reads().contains("policy", "PodDisruptionBudget"));
}

/// Every ```rust block of docs/adding-a-rule.md that starts with the marker line
/// `// shared with crates/palisade_engine/tests/new_kind.rs` appears, below the marker, in
/// this file verbatim.
#[test]
fn doc_shows_this_code() {
    const DOC: &str = include_str!("../../../docs/adding-a-rule.md");
    const ME: &str = include_str!("new_kind.rs");
    const MARKER: &str = "// shared with crates/palisade_engine/tests/new_kind.rs\n";
    let mut shared = 0;
    for block in DOC.split("```rust\n").skip(1) {
        let code = block.split("```").next().unwrap_or("");
        if let Some(code) = code.strip_prefix(MARKER) {
            shared += 1;
            assert!(
                ME.contains(code),
                "docs/adding-a-rule.md shows code that is not in {}:\n{code}",
                file!()
            );
        }
    }
    assert!(
        shared >= 1,
        "docs/adding-a-rule.md shows none of the code of {}",
        file!()
    );
    // The rule file's `check:` declares the same reads as `PDB_BLOCKS_DRAIN` above.
    assert!(
        DOC.contains("reads: Reads::kinds(&[DEPLOYMENT, PDB]),"),
        "docs/adding-a-rule.md does not declare the reads of {}",
        file!()
    );
    // The fixture is shown as YAML.
    assert!(
        DOC.contains(FIXTURE),
        "docs/adding-a-rule.md does not show the fixture of {}",
        file!()
    );
}

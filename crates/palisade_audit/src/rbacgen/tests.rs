//! RBAC from use on the recorded log and audit2rbac's demo log.

use super::*;
use crate::dedup::Dedup;
use crate::read::{read, Input, ReadOptions};
use std::path::PathBuf;

fn corpus(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/audit")
        .join(p)
}

fn generate(log: &str, s: Subject, opts: Option<Options>) -> Generated {
    let opts = opts.unwrap_or_else(|| Options::for_subject(&s));
    let mut c = Collector::new(s, opts);
    let mut d = Dedup::default();
    let sum = read(
        &[Input::Path(corpus(log))],
        &ReadOptions::default(),
        &mut |l, e| d.push(l, e, &mut |l, e| c.push(l, &e)),
    );
    assert!(sum.errors.is_empty(), "{:?}", sum.errors);
    d.finish(&mut |l, e| c.push(l, &e));
    c.finish()
}

fn rule(groups: &[&str], res: &[&str], names: &[&str], verbs: &[&str]) -> PolicyRule {
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
    PolicyRule {
        api_groups: v(groups),
        resources: v(res),
        resource_names: v(names),
        non_resource_urls: Vec::new(),
        verbs: v(verbs),
    }
}

#[test]
fn frontend_sa_needs_secrets_list_and_the_exec_it_was_refused() {
    let g = generate(
        "palisade-recorded/audit.log",
        Subject::ServiceAccount {
            namespace: "shop".into(),
            name: "frontend-sa".into(),
        },
        None,
    );
    // It also tried to list clusterroles (refused, cluster-scoped); its `kubectl auth can-i`
    // (selfsubjectaccessreviews) and discovery are left to the default roles.
    assert_eq!(
        g.cluster_rules,
        [rule(
            &["rbac.authorization.k8s.io"],
            &["clusterroles"],
            &[],
            &["get", "list", "watch"]
        )]
    );
    assert_eq!(g.namespaced.keys().collect::<Vec<_>>(), ["shop"]);
    let rules = &g.namespaced["shop"];
    assert!(
        rules.contains(&rule(&[""], &["secrets"], &[], &["get", "list", "watch"])),
        "{rules:#?}"
    );
    assert!(
        rules
            .iter()
            .any(|r| r.resources == ["pods/exec"] && r.verbs.contains(&"create".to_owned())),
        "{rules:#?}"
    );
    assert!(
        g.denied >= 1 && g.requests > g.denied,
        "{} {}",
        g.requests,
        g.denied
    );
    // every distinct request is located
    assert!(g.seen.values().all(|(l, id)| l.line > 0 && !id.is_empty()));
    let y = yaml::render(&g);
    assert!(
        y.contains("kind: Role\n") && y.contains("kind: RoleBinding\n"),
        "{y}"
    );
    assert!(
        y.contains("- kind: ServiceAccount\n  name: \"frontend-sa\"\n  namespace: \"shop\""),
        "{y}"
    );
    assert!(y.contains("kind: ClusterRoleBinding\n"), "{y}");
}

#[test]
fn audit2rbac_demo_bob() {
    // audit2rbac's documented example (`audit2rbac -f demo.log --user bob`): bob, acting
    // through impersonation by system:admin, listed pods in default (allowed once, refused
    // twice) and in ns1 (refused), listed nodes (refused) and read discovery.
    let g = generate(
        "liggitt__audit2rbac/testdata/demo.log",
        Subject::User("bob".into()),
        None,
    );
    assert_eq!(
        g.cluster_rules,
        [rule(&[""], &["nodes"], &[], &["get", "list", "watch"])]
    );
    assert_eq!(g.namespaced.keys().collect::<Vec<_>>(), ["default", "ns1"]);
    for ns in ["default", "ns1"] {
        assert_eq!(
            g.namespaced[ns],
            [rule(&[""], &["pods"], &[], &["get", "list", "watch"])]
        );
    }
    // discovery is left to system:discovery unless asked for
    let mut o = Options::for_subject(&Subject::User("bob".into()));
    o.include_discovery = true;
    o.expand_read_verbs = false;
    o.max_namespaces = Some(1);
    let g = generate(
        "liggitt__audit2rbac/testdata/demo.log",
        Subject::User("bob".into()),
        Some(o),
    );
    // pods list in two namespaces → all namespaces
    assert!(g.namespaced.is_empty(), "{:?}", g.namespaced);
    assert!(g.cluster_rules.contains(&rule(&[""], &["nodes"], &[], &["list"])));
    assert!(g.cluster_rules.contains(&rule(&[""], &["pods"], &[], &["list"])));
    let urls = g
        .cluster_rules
        .iter()
        .find(|r| !r.non_resource_urls.is_empty())
        .unwrap();
    assert_eq!(urls.verbs, ["get"]);
    assert!(urls.non_resource_urls.contains(&"/apis/apps/v1beta1".to_owned()));
    assert_eq!(urls.non_resource_urls.len(), 23);
    // the service account of the demo: namespaced, cluster-wide list of pods and nodes
    let g = generate(
        "liggitt__audit2rbac/testdata/demo.log",
        Subject::ServiceAccount {
            namespace: "ns1".into(),
            name: "sa1".into(),
        },
        None,
    );
    assert_eq!(
        g.cluster_rules,
        [rule(&[""], &["nodes", "pods"], &[], &["get", "list", "watch"])]
    );
    assert_eq!(
        g.namespaced["default"],
        [rule(&[""], &["pods"], &[], &["get", "list", "watch"])]
    );
    // the real user of those requests is system:admin: nothing was done *as* system:admin
    let g = generate(
        "liggitt__audit2rbac/testdata/demo.log",
        Subject::User("system:admin".into()),
        None,
    );
    assert_eq!(g.requests, 0);
    assert_eq!(yaml::render(&g).matches("rules:").count(), 0);
}

#[test]
fn names_collapse_past_the_limit_and_creates_have_no_name() {
    let mut c = Collector::new(
        Subject::User("u".into()),
        Options::for_subject(&Subject::User("u".into())),
    );
    let loc = Loc {
        file: "f".into(),
        line: 1,
        item: None,
    };
    let line = |verb: &str, res: &str, name: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{verb}{res}{name}","stage":"ResponseComplete","requestURI":"/x","verb":"{verb}","user":{{"username":"u"}},"objectRef":{{"resource":"{res}","namespace":"a","name":"{name}","apiVersion":"v1"}},"responseStatus":{{"code":200}}}}"#
        )
    };
    for (v, r, n) in [
        ("get", "configmaps", "one"),
        ("update", "configmaps", "one"),
        ("delete", "secrets", "s1"),
        ("delete", "secrets", "s2"),
        ("create", "services", "web"),
    ] {
        crate::decode::decode(&line(v, r, n), &mut |_, e| c.push(&loc, &e)).unwrap();
    }
    let g = c.finish();
    let rules = &g.namespaced["a"];
    // one name: kept (get expanded to list/watch); two names: all names; create: no name
    assert_eq!(
        rules,
        &[
            rule(
                &[""],
                &["configmaps"],
                &["one"],
                &["get", "list", "update", "watch"]
            ),
            rule(&[""], &["secrets"], &[], &["delete"]),
            rule(&[""], &["services"], &[], &["create"]),
        ],
        "{rules:#?}"
    );
}

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

mod unused {
    use super::super::unused::{Analysis, Options as UOptions, Report};
    use super::*;
    use palisade_rbac::{Model, ModelOptions};
    use std::sync::Arc;

    /// The log's time range (stageTimestamp of its first and last request).
    const FIRST: &str = "2026-11-22T13:02:53.901211Z";
    const LAST: &str = "2026-11-22T13:03:20.572854Z";

    /// The RBAC objects of the recorded scenario, as created at audit.log lines 710, 713, 716.
    const SCENARIO: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: shop}
rules:
- apiGroups: [\"\"]
  resources: [\"secrets\"]
  verbs: [\"get\", \"list\"]
- apiGroups: [\"\"]
  resources: [\"pods\", \"pods/exec\"]
  verbs: [\"get\", \"create\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: frontend-secret-reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects:
- {kind: ServiceAccount, name: frontend-sa, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
";

    fn model(yaml: &str) -> Model {
        let l = palisade_source::load_bytes(Arc::from("rbac.yaml"), yaml.as_bytes());
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        Model::build(&l.objects, ModelOptions::default())
    }

    fn analyse(m: &Model, opts: UOptions) -> Report {
        let mut a = Analysis::new(m, opts);
        let mut d = Dedup::default();
        let sum = read(
            &[Input::Path(corpus("palisade-recorded/audit.log"))],
            &ReadOptions::default(),
            &mut |l, e| d.push(l, e, &mut |l, e| a.push(l, &e)),
        );
        assert!(sum.errors.is_empty(), "{:?}", sum.errors);
        d.finish(&mut |l, e| a.push(l, &e));
        a.finish()
    }

    fn frontend() -> Subject {
        Subject::ServiceAccount {
            namespace: "shop".into(),
            name: "frontend-sa".into(),
        }
    }

    #[test]
    fn frontend_sa_never_got_secrets_nor_created_pods() {
        let m = model(SCENARIO);
        let r = analyse(
            &m,
            UOptions {
                only: Some(frontend()),
                ..UOptions::default()
            },
        );
        assert_eq!(r.subjects.len(), 1);
        let s = &r.subjects[0];
        assert_eq!(s.display, "ServiceAccount shop/frontend-sa");
        assert!(s.groups.contains("system:serviceaccounts:shop"), "{:?}", s.groups);
        assert_eq!(s.bindings.len(), 1, "{:?}", s.bindings);
        let b = &s.bindings[0];
        assert_eq!(b.display, "RoleBinding shop/frontend-secret-reader");
        assert_eq!(b.role, "Role shop/secret-reader");
        assert_eq!(b.rules.len(), 2);
        // rules[0] secrets get/list: used by the list at line 931, never for get.
        let r0 = &b.rules[0];
        assert_eq!(
            r0.location.as_ref().map(|l| l.to_string()).as_deref(),
            Some("rbac.yaml:5:3")
        );
        assert_eq!(r0.uses, 1);
        assert_eq!(r0.first.as_ref().map(|s| s.loc.line), Some(931));
        let unused: Vec<String> = r0.unused_cells().map(|c| c.describe()).collect();
        assert_eq!(unused, ["get secrets"]);
        // rules[1] pods, pods/exec get/create: get pods (933), get and create pods/exec
        // (934/935 and 936/937, two stages each: authorized, then 400); never a pod created.
        let r1 = &b.rules[1];
        assert_eq!(
            r1.location.as_ref().map(|l| l.to_string()).as_deref(),
            Some("rbac.yaml:8:3")
        );
        assert_eq!(r1.uses, 3);
        let unused: Vec<String> = r1.unused_cells().map(|c| c.describe()).collect();
        assert_eq!(unused, ["create pods"]);
        assert!(s.has_unused());
        // The clusterroles list it was refused (line 1053) is not granted by RBAC.
        let ng: Vec<(&str, u64)> = s
            .not_granted
            .iter()
            .map(|n| (n.request.as_str(), n.first.loc.line))
            .collect();
        assert_eq!(
            ng,
            [("list clusterroles.rbac.authorization.k8s.io (cluster-wide)", 1053)]
        );
        // Discovery and self-reviews: allowed by the default bindings only.
        assert!(s.by_unreported >= 3, "{}", s.by_unreported);
        // What would have sufficed: what the Role allowed and was used, nothing more.
        assert!(
            s.suggested.cluster_rules.is_empty(),
            "{:?}",
            s.suggested.cluster_rules
        );
        assert_eq!(
            s.suggested.namespaced["shop"],
            [
                rule(&[""], &["pods"], &["adservice-748f6f68d4-9gnfs"], &["get"]),
                rule(
                    &[""],
                    &["pods/exec"],
                    &["adservice-748f6f68d4-9gnfs"],
                    &["create", "get"]
                ),
                rule(&[""], &["secrets"], &[], &["list"]),
            ]
        );
        // The log's range, over every request.
        assert_eq!(r.requests, 1052); // 1,054 events, two requests with two stages
        assert_eq!(
            (r.first.map(|t| t.to_string()), r.last.map(|t| t.to_string())),
            (Some(FIRST.into()), Some(LAST.into()))
        );
    }

    #[test]
    fn every_subject_without_system_ones() {
        let m = model(SCENARIO);
        let r = analyse(&m, UOptions::default());
        let names: Vec<&str> = r.subjects.iter().map(|s| s.display.as_str()).collect();
        // kubernetes-admin (system:masters), alice, bob and frontend-sa; no system:* users.
        assert!(names.contains(&"User alice"), "{names:?}");
        assert!(names.contains(&"User bob"), "{names:?}");
        assert!(names.contains(&"ServiceAccount shop/frontend-sa"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("system:")), "{names:?}");
        let admin = r
            .subjects
            .iter()
            .find(|s| s.display == "User kubernetes-admin")
            .unwrap();
        assert!(admin.super_user > 0 && admin.bindings.is_empty());
        // alice holds cluster-admin through alice-admin; she used its resource rule.
        let alice = r.subjects.iter().find(|s| s.display == "User alice").unwrap();
        assert_eq!(alice.bindings.len(), 1);
        assert_eq!(alice.bindings[0].display, "ClusterRoleBinding alice-admin");
        assert!(alice.bindings[0].rules[0].uses > 0);
        // bob has no binding of his own; his secrets list is not granted.
        let bob = r.subjects.iter().find(|s| s.display == "User bob").unwrap();
        assert!(bob.bindings.is_empty());
        assert!(bob
            .not_granted
            .iter()
            .any(|n| n.request == "list secrets in namespace shop"));
        // With --include-system the default bindings of frontend-sa's groups appear.
        let r = analyse(
            &m,
            UOptions {
                only: Some(frontend()),
                include_system: true,
                ..UOptions::default()
            },
        );
        let b: Vec<&str> = r.subjects[0]
            .bindings
            .iter()
            .map(|b| b.display.as_str())
            .collect();
        assert!(b.contains(&"ClusterRoleBinding system:basic-user"), "{b:?}");
        assert!(b.contains(&"ClusterRoleBinding system:discovery"), "{b:?}");
        assert_eq!(r.subjects[0].by_unreported, 0);
    }

    #[test]
    fn suggestions_never_grant_more_than_was_held() {
        // The get/list/watch expansion and all-names generalisation are cut back to what the
        // Role allowed: it never granted watch, and the pods rule is not widened.
        let m = model(SCENARIO);
        let mut gen = Options::for_subject(&frontend());
        gen.expand_read_verbs = true;
        gen.max_names = 0;
        let r = analyse(
            &m,
            UOptions {
                only: Some(frontend()),
                generate: Some(gen),
                ..UOptions::default()
            },
        );
        assert_eq!(
            r.subjects[0].suggested.namespaced["shop"],
            [
                rule(&[""], &["pods"], &[], &["get"]),
                rule(&[""], &["pods/exec"], &[], &["create", "get"]),
                rule(&[""], &["secrets"], &[], &["get", "list"]),
            ]
        );
    }

    #[test]
    fn a_subject_never_seen_used_nothing() {
        let m = model(SCENARIO);
        let r = analyse(
            &m,
            UOptions {
                only: Some(Subject::ServiceAccount {
                    namespace: "shop".into(),
                    name: "frontend-sa-2".into(),
                }),
                ..UOptions::default()
            },
        );
        assert_eq!(r.subjects.len(), 1);
        assert_eq!(r.subjects[0].requests, 0);
        assert!(r.subjects[0].bindings.is_empty());
        assert!(!r.has_unused());
        // A user bound to view who made no request: every rule of view is unused, and
        // nothing would have sufficed.
        let m = model(&format!(
            "{SCENARIO}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n\
metadata: {{name: carol-view, namespace: shop}}\n\
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}\n\
subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}}]\n"
        ));
        let r = analyse(
            &m,
            UOptions {
                only: Some(Subject::User("carol".into())),
                ..UOptions::default()
            },
        );
        let s = &r.subjects[0];
        assert_eq!(s.bindings.len(), 1);
        assert_eq!(s.bindings[0].role, "ClusterRole view");
        assert!(s.bindings[0].rules.len() > 5);
        assert!(s.bindings[0].rules.iter().all(|r| r.unused()));
        // view is aggregated: its rules are located at the roles they came from
        assert!(s.bindings[0]
            .rules
            .iter()
            .any(|r| r.place.starts_with("ClusterRole system:aggregate-to-view")));
        assert!(r.has_unused());
        assert!(s.suggested.namespaced.is_empty() && s.suggested.cluster_rules.is_empty());
    }
}

//! The generated roles as Kubernetes YAML (`kubectl apply -f -`): a ClusterRole and
//! ClusterRoleBinding when cluster rules were needed, a Role and RoleBinding per namespace.
//! Every string is written as a JSON (YAML double-quoted) scalar, so no name can change the
//! document's structure.

use super::{Generated, PolicyRule, Subject};
use std::fmt::Write;

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn rules(out: &mut String, rules: &[PolicyRule]) {
    out.push_str("rules:\n");
    for r in rules {
        let mut first = true;
        let mut field = |out: &mut String, key: &str, items: &[String]| {
            if items.is_empty() {
                return;
            }
            let lead = if first { "- " } else { "  " };
            first = false;
            let _ = writeln!(out, "{lead}{key}:");
            for i in items {
                let _ = writeln!(out, "  - {}", q(i));
            }
        };
        field(out, "apiGroups", &r.api_groups);
        field(out, "resources", &r.resources);
        field(out, "resourceNames", &r.resource_names);
        field(out, "nonResourceURLs", &r.non_resource_urls);
        field(out, "verbs", &r.verbs);
    }
}

fn metadata(out: &mut String, g: &Generated, namespace: Option<&str>) {
    out.push_str("metadata:\n");
    let _ = writeln!(out, "  name: {}", q(&g.name));
    if let Some(ns) = namespace {
        let _ = writeln!(out, "  namespace: {}", q(ns));
    }
    out.push_str("  labels:\n    palisade.dev/generated: \"true\"\n");
    out.push_str("  annotations:\n");
    let range = match (g.first, g.last) {
        (Some(a), Some(b)) => format!("{a} .. {b}"),
        _ => "unknown".into(),
    };
    let _ = writeln!(
        out,
        "    palisade.dev/from-audit: {}",
        q(&format!(
            "{} requests ({} refused) from {range}",
            g.requests, g.denied
        ))
    );
}

fn subject(out: &mut String, s: &Subject) {
    out.push_str("subjects:\n");
    match s {
        Subject::User(n) => {
            let _ = writeln!(
                out,
                "- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: {}",
                q(n)
            );
        }
        Subject::Group(n) => {
            let _ = writeln!(
                out,
                "- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: {}",
                q(n)
            );
        }
        Subject::ServiceAccount { namespace, name } => {
            let _ = writeln!(
                out,
                "- kind: ServiceAccount\n  name: {}\n  namespace: {}",
                q(name),
                q(namespace)
            );
        }
    }
}

/// The objects, `---`-separated; empty when nothing was observed.
pub fn render(g: &Generated) -> String {
    let mut docs: Vec<String> = Vec::new();
    let Some(s) = &g.subject else {
        return String::new();
    };
    if !g.cluster_rules.is_empty() {
        let mut d = String::from("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n");
        metadata(&mut d, g, None);
        rules(&mut d, &g.cluster_rules);
        docs.push(d);
        let mut d = String::from("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n");
        metadata(&mut d, g, None);
        let _ = writeln!(
            d,
            "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {}",
            q(&g.name)
        );
        subject(&mut d, s);
        docs.push(d);
    }
    for (ns, rs) in &g.namespaced {
        let mut d = String::from("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n");
        metadata(&mut d, g, Some(ns));
        rules(&mut d, rs);
        docs.push(d);
        let mut d = String::from("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n");
        metadata(&mut d, g, Some(ns));
        let _ = writeln!(
            d,
            "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {}",
            q(&g.name)
        );
        subject(&mut d, s);
        docs.push(d);
    }
    docs.join("---\n")
}

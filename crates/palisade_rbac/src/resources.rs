//! The API resources of a Kubernetes v1.36 API server (compiled in from its discovery
//! responses), plus CustomResourceDefinitions found in the input: how kubectl turns a
//! resource argument (`pods`, `po`, `deployments.apps`, `pods/exec`) into request attributes,
//! and the resource universe of permission matrices. No I/O.

use palisade_core::{Node, Object};

/// One API resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiResource {
    pub group: String,
    pub resource: String,
    pub kind: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    /// Subresources and their verbs.
    pub subresources: Vec<(String, Vec<String>)>,
}

/// The resources the model knows: built in, and CRDs of the input.
#[derive(Clone, Debug)]
pub struct Resources {
    pub list: Vec<ApiResource>,
}

fn split(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Resources {
    /// The resources of a v1.36 API server.
    pub fn builtin() -> Resources {
        let text = include_str!("../data/resources-v1.36.tsv");
        let mut list = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 7 {
                continue;
            }
            list.push(ApiResource {
                group: f[0].into(),
                resource: f[1].into(),
                kind: f[2].into(),
                namespaced: f[3] == "1",
                verbs: split(f[4], ','),
                short_names: split(f[5], ','),
                subresources: f[6]
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        let (n, v) = s.split_once(':').unwrap_or((s, ""));
                        (n.to_owned(), split(v, '|'))
                    })
                    .collect(),
            });
        }
        Resources { list }
    }

    /// Built-in resources plus the CustomResourceDefinitions among `objects`.
    pub fn with_crds<'a>(objects: impl IntoIterator<Item = &'a Object>) -> Resources {
        let mut r = Resources::builtin();
        for o in objects {
            if o.kind != "CustomResourceDefinition" || o.group() != "apiextensions.k8s.io" {
                continue;
            }
            let spec = o.root.get("spec");
            let s = |k: &[&str]| {
                spec.and_then(|n| n.at(k))
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let group = s(&["group"]);
            let plural = s(&["names", "plural"]);
            if group.is_empty() || plural.is_empty() || r.find(&group, &plural).is_some() {
                continue;
            }
            let short_names = spec
                .and_then(|n| n.at(&["names", "shortNames"]))
                .and_then(Node::as_seq)
                .map(|v| v.iter().filter_map(Node::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            let mut subresources = Vec::new();
            if let Some(vs) = spec.and_then(|n| n.get("versions")).and_then(Node::as_seq) {
                for v in vs {
                    if v.at(&["subresources", "status"]).is_some()
                        && !subresources
                            .iter()
                            .any(|(n, _): &(String, Vec<String>)| n == "status")
                    {
                        subresources.push(("status".into(), split("get,patch,update", ',')));
                    }
                    if v.at(&["subresources", "scale"]).is_some()
                        && !subresources
                            .iter()
                            .any(|(n, _): &(String, Vec<String>)| n == "scale")
                    {
                        subresources.push(("scale".into(), split("get,patch,update", ',')));
                    }
                }
            }
            r.list.push(ApiResource {
                group,
                resource: plural,
                kind: s(&["names", "kind"]),
                namespaced: s(&["scope"]) != "Cluster",
                verbs: split("create,delete,deletecollection,get,list,patch,update,watch", ','),
                short_names,
                subresources,
            });
        }
        r
    }

    pub fn find(&self, group: &str, resource: &str) -> Option<&ApiResource> {
        self.list
            .iter()
            .find(|r| r.group == group && r.resource == resource)
    }

    /// Resolves a resource argument the way `kubectl auth can-i` does: `resource`,
    /// `resource.group`, `resource.version.group`, singular names, short names and kinds,
    /// case-insensitively; core before other groups. An unknown name is kept as written
    /// (split at its first dot into resource and group, case kept as kubectl keeps it), as if
    /// a CRD served it.
    pub fn resolve(&self, written: &str) -> Resolved {
        let arg = written.to_ascii_lowercase();
        let matches_name = |r: &ApiResource, n: &str| {
            r.resource == n
                || r.kind.eq_ignore_ascii_case(n)
                || r.short_names.iter().any(|s| s == n)
                || singular(&r.resource) == n
        };
        // resource.group (or resource.version.group) first when it resolves.
        if let Some((name, rest)) = arg.split_once('.') {
            let group = match rest.split_once('.') {
                Some((v, g)) if is_version(v) => g,
                _ => rest,
            };
            if let Some(r) = self
                .list
                .iter()
                .find(|r| r.group == group && matches_name(r, name))
            {
                return Resolved::known(r);
            }
        }
        let mut found: Vec<&ApiResource> = self.list.iter().filter(|r| matches_name(r, &arg)).collect();
        // Prefer the resource name over a short name or kind, then the core group.
        found.sort_by_key(|r| (r.resource != arg, !r.group.is_empty(), r.group.clone()));
        if let Some(r) = found.first() {
            return Resolved::known(r);
        }
        let (resource, group) = written.split_once('.').unwrap_or((written, ""));
        Resolved {
            group: group.to_owned(),
            resource: resource.to_owned(),
            namespaced: None,
        }
    }

    /// Every `(group, resource[/subresource])` with the verbs it serves, for matrices.
    pub fn universe(&self) -> Vec<(String, String, Vec<String>, bool)> {
        let mut out = Vec::new();
        for r in &self.list {
            out.push((r.group.clone(), r.resource.clone(), r.verbs.clone(), r.namespaced));
            for (s, v) in &r.subresources {
                out.push((
                    r.group.clone(),
                    format!("{}/{s}", r.resource),
                    v.clone(),
                    r.namespaced,
                ));
            }
        }
        out
    }
}

/// A resolved resource argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub group: String,
    pub resource: String,
    /// `None` when the resource is unknown.
    pub namespaced: Option<bool>,
}

impl Resolved {
    fn known(r: &ApiResource) -> Resolved {
        Resolved {
            group: r.group.clone(),
            resource: r.resource.clone(),
            namespaced: Some(r.namespaced),
        }
    }
}

fn is_version(s: &str) -> bool {
    s.strip_prefix('v')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

fn singular(plural: &str) -> String {
    if let Some(s) = plural.strip_suffix("ies") {
        format!("{s}y")
    } else if let Some(s) = plural.strip_suffix("sses") {
        format!("{s}ss")
    } else if let Some(s) = plural
        .strip_suffix("ches")
        .or_else(|| plural.strip_suffix("shes"))
    {
        format!("{s}{}", &plural[s.len()..s.len() + 2])
    } else if let Some(s) = plural.strip_suffix("ses") {
        format!("{s}s")
    } else {
        plural.strip_suffix('s').unwrap_or(plural).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_kubectl() {
        let r = Resources::builtin();
        let g = |a: &str| {
            let x = r.resolve(a);
            (x.group, x.resource, x.namespaced)
        };
        assert_eq!(g("pods"), ("".into(), "pods".into(), Some(true)));
        assert_eq!(g("po"), ("".into(), "pods".into(), Some(true)));
        assert_eq!(g("pod"), ("".into(), "pods".into(), Some(true)));
        assert_eq!(g("Deployment"), ("apps".into(), "deployments".into(), Some(true)));
        assert_eq!(g("deploy"), ("apps".into(), "deployments".into(), Some(true)));
        assert_eq!(
            g("deployments.apps"),
            ("apps".into(), "deployments".into(), Some(true))
        );
        assert_eq!(
            g("deployments.v1.apps"),
            ("apps".into(), "deployments".into(), Some(true))
        );
        assert_eq!(g("nodes"), ("".into(), "nodes".into(), Some(false)));
        assert_eq!(
            g("clusterroles"),
            (
                "rbac.authorization.k8s.io".into(),
                "clusterroles".into(),
                Some(false)
            )
        );
        assert_eq!(
            g("networkpolicies"),
            ("networking.k8s.io".into(), "networkpolicies".into(), Some(true))
        );
        assert_eq!(
            g("netpol"),
            ("networking.k8s.io".into(), "networkpolicies".into(), Some(true))
        );
        assert_eq!(g("users"), ("".into(), "users".into(), Some(false)));
        assert_eq!(
            g("signers"),
            ("certificates.k8s.io".into(), "signers".into(), Some(false))
        );
        assert_eq!(
            g("widgets.example.com"),
            ("example.com".into(), "widgets".into(), None)
        );
        assert_eq!(g("*"), ("".into(), "*".into(), None));
        // Unknown: kept as written, like kubectl (which lowercases only to look it up).
        assert_eq!(g("Foobar"), ("".into(), "Foobar".into(), None));
        assert_eq!(
            g("Widgets.Example.com"),
            ("Example.com".into(), "Widgets".into(), None)
        );
        assert!(r
            .find("", "pods")
            .unwrap()
            .subresources
            .iter()
            .any(|(s, _)| s == "exec"));
        assert!(r
            .find("", "serviceaccounts")
            .unwrap()
            .subresources
            .iter()
            .any(|(s, _)| s == "token"));
    }
}

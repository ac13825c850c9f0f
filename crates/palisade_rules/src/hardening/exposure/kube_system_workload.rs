//! HRD068: workloads in `kube-system` that are not known system components.

use super::common::meta_path;
use palisade_core::{pod_templates, Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags workloads (Pods and every pod-template owner) whose `metadata.namespace` is
    /// explicitly `kube-system` and that do not look like a Kubernetes system component.
    ///
    /// A workload is a system component when any of these holds:
    /// * its object name starts with a well-known component name: kube-proxy, coredns,
    ///   kube-dns, etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
    ///   metrics-server, cluster-autoscaler, konnectivity, node-local-dns, dns-autoscaler,
    ///   kube-state-metrics, CNI plugins (calico, cilium, flannel, weave, canal, antrea,
    ///   kube-router, aws-node, azure-cni, kube-ovn, multus), cloud agents
    ///   (aws-load-balancer-controller, cloud-node-manager, ip-masq-agent, kube-vip,
    ///   nvidia-device-plugin), contains `cloud-controller-manager`, or has a
    ///   dash-separated word `csi` or `cni` (CSI controller and node plugins, CNI
    ///   installers such as `istio-cni-node`);
    /// * its pod uses `priorityClassName` `system-node-critical` or
    ///   `system-cluster-critical`.
    ///
    /// Labels and annotations are not looked at: anyone who writes the manifest sets them,
    /// and a marker such as `addonmanager.kubernetes.io/mode`, `tier: control-plane`,
    /// `kubernetes.io/cluster-service` or `k8s-app: kube-dns` on an implant is exactly the
    /// masquerading this rule is about.
    ///
    /// Option `allowedNames` (list of strings) adds name prefixes treated as system
    /// components. Workloads without a namespace are not flagged.
    ///
    /// ## Why is this bad?
    /// `kube-system` holds the most powerful ServiceAccounts and Secrets of the cluster
    /// (controller-manager and CNI identities, bootstrap tokens) and is usually exempt from
    /// Pod Security Admission and NetworkPolicies. An application running there sits next
    /// to those credentials, and whoever compromises it or may deploy into the namespace
    /// can mount them; attackers also hide implants among system pods that nobody reviews
    /// — MITRE ATT&CK T1036.005 "Masquerading: Match Legitimate Name or Location" and T1078
    /// "Valid Accounts".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: billing
    ///   namespace: kube-system
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: billing
    ///   namespace: billing
    /// ```
    /// Run applications, and third-party tools that are not cluster infrastructure, in
    /// namespaces of their own.
    pub static KUBE_SYSTEM_WORKLOAD = {
        code: "HRD068",
        name: "kube-system-workload",
        severity: Low,
        group: "hardening",
        summary: "Workload in kube-system is not a known system component",
        remediation: "Move the workload to a namespace of its own; kube-system is for cluster components.",
        references: [
            Reference::Nsa("Pod security: keep workloads out of kube-system and default"),
            Reference::Mitre("T1036.005"),
            Reference::Mitre("T1078"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

/// Name prefixes of well-known system components.
const SYSTEM_PREFIXES: &[&str] = &[
    "kube-proxy",
    "coredns",
    "kube-dns",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "metrics-server",
    "cluster-autoscaler",
    "konnectivity",
    "node-local-dns",
    "nodelocaldns",
    "dns-autoscaler",
    "kube-state-metrics",
    "calico",
    "cilium",
    "flannel",
    "kube-flannel",
    "weave",
    "canal",
    "antrea",
    "kube-router",
    "aws-node",
    "azure-cni",
    "azure-ip-masq-agent",
    "kube-ovn",
    "multus",
    "aws-load-balancer-controller",
    "cloud-node-manager",
    "ip-masq-agent",
    "kube-vip",
    "nvidia-device-plugin",
];

/// Substrings of the names of system components named by product
/// (`hcloud-cloud-controller-manager`).
const SYSTEM_SUBSTRINGS: &[&str] = &["cloud-controller-manager"];

/// Dash-separated words marking storage and network plugins (`ebs-csi-node`,
/// `csi-azuredisk-controller`, `istio-cni-node`).
const SYSTEM_WORDS: &[&str] = &["csi", "cni"];

fn is_system_name(name: &str, extra: &[String]) -> bool {
    let n = name.to_ascii_lowercase();
    SYSTEM_PREFIXES.iter().any(|p| n.starts_with(p))
        || SYSTEM_SUBSTRINGS.iter().any(|s| n.contains(s))
        || n.split(['-', '.', '_']).any(|w| SYSTEM_WORDS.contains(&w))
        || extra
            .iter()
            .any(|p| !p.is_empty() && n.starts_with(&p.to_ascii_lowercase()))
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    if obj.namespace.as_deref() != Some("kube-system") {
        return;
    }
    // One finding per object: a custom resource may carry several pod templates.
    let templates = pod_templates(obj);
    if templates
        .first()
        .is_some_and(|t| t.spec_path != ctx.tpl.spec_path)
    {
        return;
    }
    let extra = ctx.opts.strings("allowedNames").unwrap_or_default();
    if is_system_name(&obj.name, &extra) {
        return;
    }
    let system_priority = templates.iter().any(|t| {
        matches!(
            t.spec.get("priorityClassName").and_then(Node::as_str),
            Some("system-node-critical" | "system-cluster-critical")
        )
    });
    if system_priority {
        return;
    }
    hits.push(Hit::new(
        meta_path(&["namespace"]),
        format!(
            "{} {:?} runs in kube-system but is not a known system component: it shares the namespace of \
             the cluster's most privileged credentials",
            obj.kind, obj.name
        ),
    ));
}

//! HRD062: Services with `spec.externalIPs` (CVE-2020-8554).

use super::common::{is_core, quoted, strs};
use palisade_core::kinds::known;
use palisade_core::{Check, FieldPath, Hit, ObjCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags core `Service` objects whose `spec.externalIPs` lists at least one address (of
    /// any Service type). An empty list, null or a missing field is fine.
    ///
    /// ## Why is this bad?
    /// kube-proxy (and most CNI service implementations) captures traffic to an external IP
    /// on every node, for every pod, without checking that the Service owner owns that
    /// address. Anyone allowed to create or edit a Service can therefore claim the address
    /// of another service, a database, a cloud endpoint or a public site and receive the
    /// traffic that pods in the cluster send to it — CVE-2020-8554, an
    /// adversary-in-the-middle position (MITRE ATT&CK T1557) that cannot be patched, only
    /// blocked by admission control (the `DenyServiceExternalIPs` admission plugin, or a
    /// policy that allows only approved addresses).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: api}
    /// spec:
    ///   externalIPs: [198.51.100.20]
    ///   ports: [{port: 443}]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: api}
    /// spec:
    ///   type: LoadBalancer
    ///   loadBalancerSourceRanges: [203.0.113.0/24]
    ///   ports: [{port: 443}]
    /// ```
    /// Expose the service through a LoadBalancer or an Ingress, and enable
    /// `DenyServiceExternalIPs` on the API server.
    pub static SERVICE_EXTERNAL_IPS = {
        code: "HRD062",
        name: "service-external-ips",
        severity: Medium,
        group: "hardening",
        summary: "Service sets externalIPs, which can intercept cluster traffic (CVE-2020-8554)",
        remediation: "Remove spec.externalIPs and expose the service through a LoadBalancer or Ingress; enable the \
                      DenyServiceExternalIPs admission plugin.",
        references: [
            Reference::Nsa("Network separation and hardening"),
            Reference::Mitre("T1557"),
            Reference::Url("https://github.com/kubernetes/kubernetes/issues/97076"),
        ],
        check: Check::Object { kinds: &[known::SERVICE], check },
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    if !is_core(ctx.obj) {
        return;
    }
    let ips: Vec<&str> = strs(ctx.obj.root.at(&["spec", "externalIPs"]))
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect();
    if ips.is_empty() {
        return;
    }
    hits.push(Hit::new(
        FieldPath::root().key("spec").key("externalIPs"),
        format!(
            "Service {:?} claims external IP{} {}: every node redirects cluster traffic for {} to this \
             service (CVE-2020-8554)",
            ctx.obj.name,
            if ips.len() == 1 { "" } else { "s" },
            quoted(&ips),
            if ips.len() == 1 { "it" } else { "them" },
        ),
    ));
}

//! HRD033: pods that override host name resolution with hostAliases.

use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pods (templates) with a non-empty `spec.hostAliases` list, naming the entries.
    /// The field exists only at pod level.
    ///
    /// ## Why is this bad?
    /// `hostAliases` writes entries into the pod's `/etc/hosts`, overriding DNS for those
    /// names. It hard-codes IP addresses that go stale, and it is an easy place to hide a
    /// redirection: a manifest change (or a compromised chart) that points `api.bank.example`
    /// or a package registry at an attacker's address sends the pod's requests, and the
    /// credentials in them, there without any DNS record or DNS log showing it — MITRE
    /// ATT&CK T1557 "Adversary-in-the-Middle", T1565.002 "Transmitted Data Manipulation".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostAliases:
    ///     - ip: 203.0.113.7
    ///       hostnames: [api.payments.example.com]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   dnsConfig:
    ///     searches: [payments.svc.cluster.local]
    /// ```
    /// Publish the names in DNS (a Service, an ExternalName Service or your DNS zone)
    /// instead of pinning them in the pod.
    pub static HOST_ALIASES = {
        code: "HRD033",
        name: "host-aliases",
        severity: Low,
        group: "hardening",
        summary: "Pod overrides name resolution with hostAliases",
        remediation: "Remove spec.hostAliases and publish the names in DNS (Service, ExternalName or your zone).",
        references: [
            Reference::Mitre("T1557"),
            Reference::Mitre("T1565.002"),
            Reference::Trivy("KSV007"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let Some(aliases) = ctx.spec().get("hostAliases").and_then(Node::as_seq) else {
        return;
    };
    let entries: Vec<String> = aliases
        .iter()
        .map(|a| {
            let ip = a.get("ip").and_then(Node::as_str).unwrap_or("?");
            let names: Vec<&str> = a
                .get("hostnames")
                .and_then(Node::as_seq)
                .map(|n| n.iter().filter_map(Node::as_str).collect())
                .unwrap_or_default();
            format!("{} → {ip}", names.join(", "))
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    hits.push(Hit::new(
        ctx.spec_path(&["hostAliases"]),
        format!(
            "pod overrides name resolution with hostAliases: {}",
            entries.join("; ")
        ),
    ));
}

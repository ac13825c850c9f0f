//! HRD063: Ingresses that serve some or all of their hosts over plain HTTP.

use super::common::{annotation, quoted, strs};
use palisade_core::kinds::known;
use palisade_core::{Check, FieldPath, Hit, Node, ObjCtx, Object, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `Ingress` objects (`networking.k8s.io` and the legacy `extensions/v1beta1`)
    /// that serve traffic without TLS:
    /// * no `spec.tls` at all (missing, null or empty): reported on `spec.tls`, naming the
    ///   hosts of `spec.rules`;
    /// * otherwise, each `spec.rules[*].host` that no `spec.tls[*].hosts` entry covers
    ///   (exact match, or a `*.example.com` wildcard covering one label), reported on that
    ///   rule's `host`. A `tls` entry without `hosts` covers every host (the controller's
    ///   default certificate); rules without a host are not checked once `tls` exists.
    ///
    /// Not flagged: Ingresses whose TLS is terminated by a cloud load balancer configured
    /// through annotations (`alb.ingress.kubernetes.io/certificate-arn`,
    /// `ingress.gcp.kubernetes.io/pre-shared-cert`, `networking.gke.io/managed-certificates`,
    /// `appgw.ingress.kubernetes.io/appgw-ssl-certificate`,
    /// `traefik.ingress.kubernetes.io/router.tls: "true"`), Ingresses with
    /// `kubernetes.io/ingress.allow-http: "false"`, and the temporary HTTP-01 solver
    /// Ingresses of cert-manager (label `acme.cert-manager.io/http01-solver`), which must be
    /// plain HTTP.
    ///
    /// ## Why is this bad?
    /// Without TLS, credentials, session cookies and API tokens cross the network in clear
    /// text: anyone on the path (shared Wi-Fi, a compromised router, another tenant of the
    /// network) can read them — MITRE ATT&CK T1040 "Network Sniffing" — or alter the
    /// responses (T1557 "Adversary-in-the-Middle").
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata: {name: shop}
    /// spec:
    ///   rules:
    ///     - host: shop.example.com
    ///       http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: shop
    ///   annotations: {cert-manager.io/cluster-issuer: letsencrypt}
    /// spec:
    ///   tls:
    ///     - hosts: [shop.example.com]
    ///       secretName: shop-tls
    ///   rules:
    ///     - host: shop.example.com
    ///       http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
    /// ```
    /// Add a `tls` entry covering every host (cert-manager can issue the certificate).
    pub static INGRESS_WITHOUT_TLS = {
        code: "HRD063",
        name: "ingress-without-tls",
        severity: Medium,
        group: "hardening",
        summary: "Ingress serves hosts over plain HTTP (no TLS)",
        remediation: "Add spec.tls entries (hosts and secretName) covering every host of the Ingress.",
        references: [
            Reference::Nsa("Network separation and hardening: encrypt traffic"),
            Reference::Mitre("T1040"),
            Reference::Mitre("T1557"),
        ],
        check: Check::Object {
            kinds: &[known::INGRESS, known::INGRESS_EXTENSIONS],
            check,
        },
    }
}

/// Annotations that configure TLS outside `spec.tls` (value `None`: any non-empty value).
const EXTERNAL_TLS: &[(&str, Option<&str>)] = &[
    ("alb.ingress.kubernetes.io/certificate-arn", None),
    ("ingress.gcp.kubernetes.io/pre-shared-cert", None),
    ("networking.gke.io/managed-certificates", None),
    ("appgw.ingress.kubernetes.io/appgw-ssl-certificate", None),
    ("traefik.ingress.kubernetes.io/router.tls", Some("true")),
    ("kubernetes.io/ingress.allow-http", Some("false")),
];

fn tls_elsewhere(obj: &Object) -> bool {
    EXTERNAL_TLS.iter().any(|(key, want)| {
        annotation(obj, key).is_some_and(|v| match want {
            Some(w) => v.trim().eq_ignore_ascii_case(w),
            None => !v.trim().is_empty(),
        })
    })
}

/// Whether TLS host `pattern` (possibly `*.suffix`) covers rule host `host`.
fn covers(pattern: &str, host: &str) -> bool {
    let (p, h) = (
        pattern.trim().to_ascii_lowercase(),
        host.trim().to_ascii_lowercase(),
    );
    if p == h {
        return true;
    }
    match p.strip_prefix("*.") {
        Some(suffix) => h
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && label != "*" && rest == suffix),
        None => false,
    }
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    if obj
        .labels()
        .and_then(|l| l.get("acme.cert-manager.io/http01-solver"))
        .is_some()
        || tls_elsewhere(obj)
    {
        return;
    }
    let name = &obj.name;
    let rules = obj
        .root
        .at(&["spec", "rules"])
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    let tls: Vec<&Node> = obj
        .root
        .at(&["spec", "tls"])
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter(|t| t.as_map().is_some())
        .collect();
    if tls.is_empty() {
        let hosts: Vec<&str> = rules
            .iter()
            .filter_map(|r| r.get("host").and_then(Node::as_str))
            .filter(|h| !h.is_empty())
            .collect();
        let what = if hosts.is_empty() {
            "all its traffic".to_owned()
        } else {
            format!(
                "host{} {}",
                if hosts.len() == 1 { "" } else { "s" },
                quoted(&hosts)
            )
        };
        hits.push(Hit::new(
            FieldPath::root().key("spec").key("tls"),
            format!("Ingress {name:?} has no spec.tls: it serves {what} over plain HTTP"),
        ));
        return;
    }
    if tls.iter().any(|t| strs(t.get("hosts")).is_empty()) {
        // A tls entry without hosts: the controller's default certificate covers every host.
        return;
    }
    let patterns: Vec<&str> = tls.iter().flat_map(|t| strs(t.get("hosts"))).collect();
    for (i, r) in rules.iter().enumerate() {
        let Some(host) = r.get("host").and_then(Node::as_str).filter(|h| !h.is_empty()) else {
            continue;
        };
        if !patterns.iter().any(|p| covers(p, host)) {
            hits.push(Hit::new(
                FieldPath::root().key("spec").key("rules").idx(i).key("host"),
                format!("Ingress {name:?} serves host {host:?} without TLS: no spec.tls entry lists it"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn wildcard_covers_one_label() {
        assert!(covers("*.example.com", "shop.example.com"));
        assert!(covers("Shop.Example.com", "shop.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("shop.example.com", "*.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
    }
}

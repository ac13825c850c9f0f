//! HRD061: LoadBalancer Services reachable from any source address.

use super::common::{annotation, is_core, quoted, strs};
use palisade_core::kinds::known;
use palisade_core::{Check, FieldPath, Hit, Node, ObjCtx, Object, Reference};

declare_rule! {
    /// ## What it does
    /// Flags core `Service` objects of `type: LoadBalancer` that do not restrict who may
    /// connect:
    /// * no `spec.loadBalancerSourceRanges` (missing, null or empty) and no source-range
    ///   annotation (`service.beta.kubernetes.io/load-balancer-source-ranges`, Azure's
    ///   `service.beta.kubernetes.io/azure-allowed-ip-ranges`), or
    /// * a source range (in the field or an annotation) that admits every address:
    ///   `0.0.0.0/0` or `::/0`.
    ///
    /// The field wins over the annotations when both are set. Custom AWS security groups
    /// (`service.beta.kubernetes.io/aws-load-balancer-security-groups`, which replace the
    /// open default group) and Azure `azure-allowed-service-tags` also count as a
    /// restriction.
    ///
    /// Load balancers that a cloud annotation makes internal (private address only) are
    /// not flagged: AWS `service.beta.kubernetes.io/aws-load-balancer-internal` /
    /// `aws-load-balancer-scheme: internal`, GKE `cloud.google.com/load-balancer-type` /
    /// `networking.gke.io/load-balancer-type: Internal`, Azure
    /// `service.beta.kubernetes.io/azure-load-balancer-internal`, OpenStack
    /// `openstack-internal-load-balancer`, Oracle `oci-load-balancer-internal`, IBM
    /// `ibm-load-balancer-cloud-provider-ip-type: private` and Alibaba
    /// `alibaba-cloud-loadbalancer-address-type: intranet`. They remain reachable from the
    /// whole private network, a lower risk that this rule does not report.
    ///
    /// ## Why is this bad?
    /// A LoadBalancer Service asks the cloud for a public address forwarding to the pods.
    /// Without source ranges the cloud firewall admits the whole internet, so an admin
    /// panel, a database or a metrics endpoint meant for a few offices is open to every
    /// scanner: initial access through MITRE ATT&CK T1133 "External Remote Services" and
    /// T1190 "Exploit Public-Facing Application".
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: admin}
    /// spec:
    ///   type: LoadBalancer
    ///   ports: [{port: 443}]
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata: {name: admin}
    /// spec:
    ///   type: LoadBalancer
    ///   loadBalancerSourceRanges: [203.0.113.0/24]
    ///   ports: [{port: 443}]
    /// ```
    /// List the client networks that need the service, or make the load balancer internal.
    pub static SERVICE_LOADBALANCER_UNRESTRICTED = {
        code: "HRD061",
        name: "service-loadbalancer-unrestricted",
        severity: Medium,
        group: "hardening",
        summary: "LoadBalancer Service accepts traffic from any source address",
        remediation: "Set spec.loadBalancerSourceRanges to the client networks that need the service, or use an \
                      internal load balancer.",
        references: [
            Reference::Nsa("Network separation and hardening"),
            Reference::Mitre("T1133"),
            Reference::Mitre("T1190"),
        ],
        check: Check::Object { kinds: &[known::SERVICE], check },
    }
}

/// Annotations listing allowed source CIDRs (comma-separated): the generic one, and Azure's.
const RANGE_ANNOTATIONS: &[&str] = &[
    "service.beta.kubernetes.io/load-balancer-source-ranges",
    "service.beta.kubernetes.io/azure-allowed-ip-ranges",
];

/// Annotations that restrict sources by other means: AWS security groups replacing the
/// open default group, Azure service tags.
const RESTRICTING: &[&str] = &[
    "service.beta.kubernetes.io/aws-load-balancer-security-groups",
    "service.beta.kubernetes.io/azure-allowed-service-tags",
];

/// Cloud annotations that make a LoadBalancer internal, with the values meaning "internal"
/// (`None`: any value other than `false`).
const INTERNAL: &[(&str, Option<&str>)] = &[
    ("service.beta.kubernetes.io/aws-load-balancer-internal", None),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        Some("internal"),
    ),
    ("cloud.google.com/load-balancer-type", Some("internal")),
    ("networking.gke.io/load-balancer-type", Some("internal")),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        Some("true"),
    ),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        Some("true"),
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        Some("true"),
    ),
    (
        "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type",
        Some("private"),
    ),
    (
        "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type",
        Some("intranet"),
    ),
];

fn is_internal(obj: &Object) -> bool {
    INTERNAL.iter().any(|(key, want)| {
        annotation(obj, key).is_some_and(|v| {
            let v = v.trim();
            match want {
                Some(w) => v.eq_ignore_ascii_case(w),
                None => !v.is_empty() && !v.eq_ignore_ascii_case("false"),
            }
        })
    })
}

fn is_open(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0" | "0::0/0")
}

fn check(ctx: &ObjCtx<'_>, hits: &mut Vec<Hit>) {
    let obj = ctx.obj;
    if !is_core(obj) || obj.root.at(&["spec", "type"]).and_then(Node::as_str) != Some("LoadBalancer") {
        return;
    }
    if is_internal(obj) {
        return;
    }
    let name = &obj.name;
    let spec_ranges = strs(obj.root.at(&["spec", "loadBalancerSourceRanges"]));
    // The field wins over the annotations when both are set.
    if !spec_ranges.is_empty() {
        let open: Vec<&str> = spec_ranges.iter().copied().filter(|c| is_open(c)).collect();
        if !open.is_empty() {
            hits.push(Hit::new(
                FieldPath::root().key("spec").key("loadBalancerSourceRanges"),
                format!(
                    "LoadBalancer Service {name:?} allows source range {}: open to every address",
                    quoted(&open)
                ),
            ));
        }
        return;
    }
    let mut restricted = false;
    for key in RANGE_ANNOTATIONS {
        let ranges: Vec<&str> = annotation(obj, key)
            .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if ranges.is_empty() {
            continue;
        }
        restricted = true;
        let open: Vec<&str> = ranges.into_iter().filter(|c| is_open(c)).collect();
        if !open.is_empty() {
            hits.push(Hit::new(
                FieldPath::root().key("metadata").key("annotations").key(key),
                format!(
                    "LoadBalancer Service {name:?} allows source range {} (annotation {key}): open to every \
                     address",
                    quoted(&open)
                ),
            ));
        }
    }
    if restricted
        || RESTRICTING
            .iter()
            .any(|k| annotation(obj, k).is_some_and(|v| !v.trim().is_empty()))
    {
        return;
    }
    hits.push(Hit::new(
        FieldPath::root().key("spec").key("loadBalancerSourceRanges"),
        format!(
            "LoadBalancer Service {name:?} sets no loadBalancerSourceRanges: its load balancer accepts \
             traffic from any address"
        ),
    ));
}

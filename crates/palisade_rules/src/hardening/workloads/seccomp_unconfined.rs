//! HRD028: containers without a seccomp profile, or explicitly Unconfined.

use super::common::{container_msg, effective_profile, is_fragment, is_windows, report_unconfined};
use palisade_core::msg::quoted;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Works out the seccomp profile of every container (init and ephemeral included) the
    /// way the API server does when it creates the pod: the container's
    /// `securityContext.seccompProfile.type`, else the container's legacy annotation
    /// `container.seccomp.security.alpha.kubernetes.io/<container>`, else the pod's
    /// `spec.securityContext.seccompProfile.type`, else the legacy pod annotation
    /// `seccomp.security.alpha.kubernetes.io/pod` (annotations are read from the pod
    /// template's metadata; the API server still copies them into the fields of new pods,
    /// so they count — `deprecated-security-annotations` asks to move them). Flags:
    ///
    /// - an effective profile of `Unconfined` (annotation `unconfined`), reported on the
    ///   setting that supplies it — once for a pod-level setting, naming the containers
    ///   that inherit it;
    /// - containers with no profile at all: reported once on the pod's
    ///   `securityContext.seccompProfile` when no container has one, else on each such
    ///   container.
    ///
    /// Containers without an `image` (fragments such as kustomize patches or operator
    /// overrides) are not reported as missing a profile. `RuntimeDefault`, `Localhost` and
    /// the annotation values `runtime/default`,
    /// `docker/default` and `localhost/<file>` pass. Pods with `spec.os.name: windows` are
    /// skipped. Unlike `pss-seccomp-restricted` this rule applies whatever the namespace's
    /// Pod Security level.
    ///
    /// ## Why is this bad?
    /// Without a profile the container runs `Unconfined` unless every node's kubelet sets
    /// `seccompDefault: true` (off by default). Unconfined processes can make every system
    /// call, including the rarely needed ones most kernel exploits go through (`unshare`
    /// of user namespaces, `keyctl`, `bpf`, `userfaultfd`, `io_uring`). An attacker with
    /// code execution in the container reaches a kernel bug such as CVE-2022-0185 or
    /// CVE-2022-0492 and becomes root on the node: MITRE ATT&CK T1068 "Exploitation for
    /// Privilege Escalation", T1611 "Escape to Host".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///       securityContext:
    ///         seccompProfile:
    ///           type: Unconfined
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    /// ```
    /// Set `RuntimeDefault` at the pod level (or a `Localhost` profile tailored to the
    /// application), and never `Unconfined`.
    pub static SECCOMP_UNCONFINED = {
        code: "HRD028",
        name: "seccomp-unconfined",
        severity: Medium,
        group: "hardening",
        summary: "Container runs without a seccomp profile (Unconfined)",
        remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault (or Localhost), and remove Unconfined settings.",
        references: [
            Reference::Cis("5.6.2"),
            Reference::Nsa("Pod security: confine processes with seccomp, AppArmor or SELinux"),
            Reference::Mitre("T1068"),
            Reference::Mitre("T1611"),
            Reference::Checkov("CKV_K8S_31"),
            Reference::Trivy("KSV030"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    if is_windows(ctx) {
        return;
    }
    let containers = ctx.containers();
    let sources: Vec<_> = containers
        .iter()
        .map(|c| {
            let src = effective_profile(
                ctx,
                c,
                "seccompProfile",
                "container.seccomp.security.alpha.kubernetes.io/",
                Some("seccomp.security.alpha.kubernetes.io/pod"),
            );
            (*c, src)
        })
        .collect();
    report_unconfined(hits, &sources, "seccomp confinement");
    let real = containers.iter().filter(|c| !is_fragment(c)).count();
    let missing: Vec<_> = sources
        .iter()
        .filter(|(c, s)| s.is_none() && !is_fragment(c))
        .map(|(c, _)| c)
        .collect();
    if missing.is_empty() {
        return;
    }
    if missing.len() == real {
        let names: Vec<_> = missing.iter().map(|c| quoted(c.name())).collect();
        hits.push(Hit::new(
            ctx.spec_path(&["securityContext", "seccompProfile"]),
            format!(
                "no seccomp profile is set for the pod or its container{} {}: they run Unconfined unless the kubelet enables seccompDefault",
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        ));
    } else {
        for c in missing {
            hits.push(
                Hit::new(
                    ctx.container_path(c, &["securityContext", "seccompProfile"]),
                    container_msg(c).s(
                        " has no seccomp profile and the pod sets none: it runs Unconfined unless the kubelet enables seccompDefault",
                    ),
                )
                .container(c.name()),
            );
        }
    }
}

//! HRD029: containers whose AppArmor profile is unconfined.

use super::common::{effective_profile, is_windows, report_unconfined};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Works out the AppArmor profile of every container (init and ephemeral included) the
    /// way the API server does: the container's `securityContext.appArmorProfile.type`,
    /// else the legacy annotation `container.apparmor.security.beta.kubernetes.io/<container>`
    /// on the pod template, else the pod's `spec.securityContext.appArmorProfile.type`. Flags
    /// an effective `Unconfined` type or `unconfined` annotation value, reported on the
    /// setting that supplies it (once for the pod-level field, naming the containers that
    /// inherit it). Annotations for containers that do not exist have no effect and are
    /// ignored here (`pss-apparmor-profile` flags them all).
    ///
    /// A missing profile is not flagged: on nodes with AppArmor enabled the runtime applies
    /// its default profile to containers that set none. Pods with `spec.os.name: windows`
    /// are skipped.
    ///
    /// ## Why is this bad?
    /// The runtime's default AppArmor profile denies `mount`, writes to `/proc/sys`,
    /// `/proc/sysrq-trigger` and most of `/sys`, and access to other kernel interfaces.
    /// `unconfined` removes that layer: an attacker with code execution in the container and
    /// a capability such as `SYS_ADMIN` mounts cgroupfs and abuses `release_agent`
    /// (CVE-2022-0492), or remounts host filesystems, and runs commands as root on the node —
    /// MITRE ATT&CK T1611 "Escape to Host", T1562.001 "Impair Defenses: Disable or Modify
    /// Tools".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///       securityContext:
    ///         appArmorProfile:
    ///           type: Unconfined
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: registry.example.com/app:1.4.2
    ///       securityContext:
    ///         appArmorProfile:
    ///           type: RuntimeDefault
    /// ```
    /// Use `RuntimeDefault` (or a `Localhost` profile loaded on the nodes), or omit it.
    pub static APPARMOR_UNCONFINED = {
        code: "HRD029",
        name: "apparmor-unconfined",
        severity: Medium,
        group: "hardening",
        summary: "Container runs with the AppArmor profile unconfined",
        remediation: "Set appArmorProfile.type to RuntimeDefault or Localhost (or omit it) instead of Unconfined.",
        references: [
            Reference::Nsa("Pod security: confine processes with seccomp, AppArmor or SELinux"),
            Reference::Mitre("T1611"),
            Reference::Mitre("T1562.001"),
            Reference::Trivy("KSV002"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    if is_windows(ctx) {
        return;
    }
    let sources: Vec<_> = ctx
        .containers()
        .iter()
        .map(|&c| {
            let src = effective_profile(
                ctx,
                &c,
                "appArmorProfile",
                "container.apparmor.security.beta.kubernetes.io/",
                None,
            );
            (c, src)
        })
        .collect();
    report_unconfined(hits, &sources, "AppArmor confinement");
}

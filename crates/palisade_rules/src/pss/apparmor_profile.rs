//! PSS001: the Pod Security Standards "AppArmor" control (PSA check `appArmorProfile`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags forbidden AppArmor profiles, from two sources:
    ///
    /// - **Fields**: `spec.securityContext.appArmorProfile.type` and
    ///   `securityContext.appArmorProfile.type` of every container (init and ephemeral
    ///   containers included). When an `appArmorProfile` object is present its `type` must be
    ///   exactly `RuntimeDefault` or `Localhost`; `Unconfined`, an empty or missing type and
    ///   unknown strings are flagged. An absent object is fine, and `localhostProfile` is not
    ///   examined.
    /// - **Legacy annotations**: every `metadata.annotations` key starting with
    ///   `container.apparmor.security.beta.kubernetes.io/` (whether or not the suffix names an
    ///   existing container). Allowed values are `""`, `runtime/default` and anything starting
    ///   with `localhost/`; everything else, `unconfined` included, is flagged.
    ///
    /// Pod Security Admission check `appArmorProfile`, baseline level (so it also runs at
    /// restricted). It has a single implementation that applies at every policy version from
    /// v1.0: the field part was added in Kubernetes 1.30 without a new policy version, so it
    /// applies at v1.0 too.
    ///
    /// ## Why is this bad?
    /// The runtime's default AppArmor profile is what denies a container `mount`, writes to
    /// `/proc/sys`, `/proc/sysrq-trigger` and `/sys`, and similar kernel interfaces. With
    /// `Unconfined` that layer is gone: an attacker who gets code execution in the container
    /// (a vulnerable web app, a malicious image) and holds a capability such as `SYS_ADMIN`
    /// can mount cgroupfs and abuse `release_agent` (CVE-2022-0492), or remount host
    /// filesystems, and run commands as root on the node: MITRE ATT&CK T1611 "Escape to
    /// Host". Several published container escapes were stopped only by the default profile.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     container.apparmor.security.beta.kubernetes.io/app: unconfined
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
    /// Use `RuntimeDefault` (or a `Localhost` profile loaded on the nodes), or omit the
    /// profile, and drop legacy `unconfined` annotations.
    pub static APPARMOR_PROFILE = {
        code: "PSS001",
        name: "pss-apparmor-profile",
        severity: Medium,
        group: "pss",
        summary: "AppArmor profiles other than RuntimeDefault or Localhost are forbidden (baseline)",
        remediation: "Set appArmorProfile.type to RuntimeDefault or Localhost (or omit it), and remove \
                      container.apparmor.security.beta.kubernetes.io annotations whose value is not \
                      runtime/default or localhost/<profile>.",
        references: [
            Reference::Pss("AppArmor"),
            Reference::Nsa("Pod security: confine processes with seccomp, AppArmor or SELinux"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::app_armor_profile::INFO),
    }
}

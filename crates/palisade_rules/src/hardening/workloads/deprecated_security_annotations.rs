//! HRD030: deprecated seccomp and AppArmor annotations.

use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags pod (template) annotations that configure seccomp or AppArmor the pre-GA way,
    /// one finding per annotation, with the field to use instead:
    ///
    /// - `seccomp.security.alpha.kubernetes.io/pod` → `spec.securityContext.seccompProfile`;
    /// - `container.seccomp.security.alpha.kubernetes.io/<container>` → the container's
    ///   `securityContext.seccompProfile`;
    /// - `container.apparmor.security.beta.kubernetes.io/<container>` → the container's
    ///   `securityContext.appArmorProfile`.
    ///
    /// Only the annotations of the pod (template) metadata are read: the same keys on a
    /// Deployment's own metadata do nothing, and are left alone. Whether the value is safe
    /// is judged by `seccomp-unconfined` and `apparmor-unconfined`.
    ///
    /// ## Why is this bad?
    /// The seccomp annotations were deprecated when the field went GA (Kubernetes 1.19) and
    /// the AppArmor ones when its field did (1.30), and support for them is being removed:
    /// the API server translates them into the fields only when a pod is created, and
    /// policies and tools that read the fields do not see them. A workload that relies on
    /// them can lose its confinement on an upgrade without anyone noticing, exposing it to
    /// the kernel attacks the profile blocked — MITRE ATT&CK T1562.001 "Impair Defenses:
    /// Disable or Modify Tools".
    ///
    /// ## Example
    /// ```yaml
    /// template:
    ///   metadata:
    ///     annotations:
    ///       seccomp.security.alpha.kubernetes.io/pod: runtime/default
    ///       container.apparmor.security.beta.kubernetes.io/app: runtime/default
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// template:
    ///   spec:
    ///     securityContext:
    ///       seccompProfile:
    ///         type: RuntimeDefault
    ///       appArmorProfile:
    ///         type: RuntimeDefault
    /// ```
    /// Move each setting to its field (`runtime/default` → `RuntimeDefault`,
    /// `localhost/<p>` → `Localhost` with `localhostProfile: <p>`) and delete the annotation.
    pub static DEPRECATED_SECURITY_ANNOTATIONS = {
        code: "HRD030",
        name: "deprecated-security-annotations",
        severity: Info,
        group: "hardening",
        summary: "Seccomp or AppArmor is configured with deprecated annotations",
        remediation: "Replace the annotation with securityContext.seccompProfile or securityContext.appArmorProfile.",
        references: [
            Reference::Nsa("Pod security: confine processes with seccomp, AppArmor or SELinux"),
            Reference::Mitre("T1562.001"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_CONTAINER: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The field form of an annotation value.
fn field_value(v: &str) -> String {
    match v {
        "runtime/default" | "docker/default" => "type: RuntimeDefault".to_owned(),
        "unconfined" => "type: RuntimeDefault, or Unconfined if it is truly needed".to_owned(),
        _ => match v.strip_prefix("localhost/") {
            Some(p) => format!("type: Localhost, localhostProfile: {p}"),
            None => format!("the type matching {v:?}"),
        },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    let Some(entries) = ctx.annotations().and_then(Node::as_map) else {
        return;
    };
    for e in entries {
        let key = &*e.key;
        let field = if key == SECCOMP_POD {
            "spec.securityContext.seccompProfile".to_owned()
        } else if let Some(c) = key.strip_prefix(SECCOMP_CONTAINER) {
            format!("securityContext.seccompProfile of container {c:?}")
        } else if let Some(c) = key.strip_prefix(APPARMOR_CONTAINER) {
            format!("securityContext.appArmorProfile of container {c:?}")
        } else {
            continue;
        };
        let value = e.value.as_str().unwrap_or("");
        hits.push(Hit::new(
            ctx.tpl.metadata_path.with_room(2).key("annotations").key(key),
            format!(
                "annotation {key:?} is deprecated: set {field} ({}) instead",
                field_value(value)
            ),
        ));
    }
}

//! PSS006: the Pod Security Standards "Host Probes / Lifecycle Hooks" control (PSA check
//! `hostProbesAndHostLifecycle`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags containers (including init and ephemeral containers) whose `livenessProbe`,
    /// `readinessProbe` or `startupProbe`, or whose `lifecycle.postStart` or
    /// `lifecycle.preStop` hook, sets `httpGet.host` or `tcpSocket.host` to a non-empty value.
    /// Any host is flagged, `localhost`, `127.0.0.1` and `::1` included; unset or `""` is
    /// fine. `grpc` and `exec` handlers have no host and are ignored.
    ///
    /// Pod Security Admission check `hostProbesAndHostLifecycle`, baseline level, from
    /// policy version v1.34. It is absent at v1.0–v1.33 (and when the API server emulates a
    /// version older than 1.34).
    ///
    /// ## Why is this bad?
    /// Probes and lifecycle hooks are executed by the kubelet, from the node's network, not
    /// from the pod. A `host` field makes the kubelet connect wherever the pod author asks:
    /// to services bound to the node's `localhost`, to the cloud metadata endpoint
    /// (`169.254.169.254`), or to pods in other namespaces, past NetworkPolicy. It is a blind
    /// server-side request forgery, and the probe's success or failure (visible in the pod's
    /// status and events) tells the attacker which addresses and ports are open: MITRE
    /// ATT&CK T1046 "Network Service Discovery". The impact is limited because responses are
    /// not returned, hence the low severity.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     livenessProbe:
    ///       httpGet:
    ///         host: 169.254.169.254
    ///         path: /latest/meta-data/
    ///         port: 80
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     livenessProbe:
    ///       httpGet:
    ///         path: /healthz
    ///         port: 8080
    /// ```
    /// Remove `host` so the kubelet probes the pod's own IP; if the check needs another
    /// address, use an `exec` probe that runs inside the container.
    pub static HOST_PROBES_LIFECYCLE = {
        code: "PSS006",
        name: "pss-host-probes-lifecycle",
        severity: Low,
        group: "pss",
        summary: "Probes and lifecycle hooks must not set a host (baseline)",
        remediation: "Remove httpGet.host and tcpSocket.host from probes and lifecycle hooks so that the \
                      kubelet targets the pod's own IP.",
        references: [Reference::Pss("Host Probes / Lifecycle Hooks"), Reference::Mitre("T1046")],
        check: Check::Pss(&palisade_pss::checks::host_probes_and_host_lifecycle::INFO),
    }
}

//! HRD031: long-running containers without a livenessProbe.

use super::common::check_probe;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags regular containers (`spec.containers`) without a `livenessProbe` (absent, null or
    /// not a mapping) in workloads that run continuously. Skipped, because probes do not
    /// apply or have no purpose there: init and ephemeral containers (native sidecars in
    /// `initContainers` included); Jobs and CronJobs; Pods owned by a Job; and any pod
    /// template with `restartPolicy: Never` or `OnFailure` (run-to-completion pods, such as
    /// Argo or Tekton steps); containers without an `image` (fragments such as kustomize
    /// patches or operator overrides); and custom resources other than the long-running
    /// Deployment replacements (Argo `Rollout`, OpenShift `DeploymentConfig`, OpenKruise
    /// `CloneSet`/`StatefulSet`/`DaemonSet`, Spot `SpotDeployment`), because many run to
    /// completion (training jobs, KEDA `ScaledJob`) or have their operator or Knative add
    /// probes.
    ///
    /// ## Why is this bad?
    /// Without a liveness probe the kubelet restarts a container only when its main process
    /// exits. A deadlocked or wedged process — including one an attacker stalled on purpose
    /// with slow requests or a poison message — keeps its place and keeps receiving
    /// traffic, so the service stays down until a person notices: MITRE ATT&CK T1499
    /// "Endpoint Denial of Service". A liveness probe turns such hangs into automatic
    /// restarts.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/api:2.3.0
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: registry.example.com/api:2.3.0
    ///     livenessProbe:
    ///       httpGet: {path: /healthz, port: 8080}
    ///       periodSeconds: 10
    /// ```
    /// Probe an endpoint that reflects the process's real health.
    pub static MISSING_LIVENESS_PROBE = {
        code: "HRD031",
        name: "missing-liveness-probe",
        severity: Low,
        group: "hardening",
        summary: "Container has no liveness probe",
        remediation: "Add a livenessProbe (httpGet, tcpSocket, grpc or exec) to the container.",
        references: [
            Reference::Mitre("T1499"),
            Reference::Checkov("CKV_K8S_8"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_probe(ctx, hits, "livenessProbe", "a hung process is never restarted");
}

//! HRD032: long-running containers without a readinessProbe.

use super::common::check_probe;
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags regular containers (`spec.containers`) without a `readinessProbe` (absent, null or
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
    /// Without a readiness probe a container receives Service traffic as soon as it
    /// starts, and keeps receiving it while overloaded or half-broken. Requests fail during
    /// every rollout and restart, and an attacker who overloads one replica (MITRE ATT&CK
    /// T1499 "Endpoint Denial of Service") keeps getting traffic routed to it instead of
    /// the load being shed to healthy replicas.
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
    ///     readinessProbe:
    ///       httpGet: {path: /ready, port: 8080}
    ///       periodSeconds: 5
    /// ```
    /// Probe an endpoint that reflects the process's real health.
    pub static MISSING_READINESS_PROBE = {
        code: "HRD032",
        name: "missing-readiness-probe",
        severity: Low,
        group: "hardening",
        summary: "Container has no readiness probe",
        remediation: "Add a readinessProbe (httpGet, tcpSocket, grpc or exec) to the container.",
        references: [
            Reference::Mitre("T1499"),
            Reference::Checkov("CKV_K8S_9"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    check_probe(
        ctx,
        hits,
        "readinessProbe",
        "it receives traffic before it is ready and while it is failing",
    );
}

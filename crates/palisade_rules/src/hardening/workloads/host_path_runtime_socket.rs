//! HRD025: hostPath volumes exposing a container runtime socket.

use super::common::{host_path_allowed, host_path_volumes, runtime_pipe, runtime_socket};
use palisade_core::{Check, Hit, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags `spec.volumes[].hostPath.path` values that expose a container runtime API:
    /// the Docker (`/var/run/docker.sock`), containerd (`/run/containerd/containerd.sock`),
    /// CRI-O (`/var/run/crio/crio.sock`), Podman (`/run/podman/podman.sock`), dockershim,
    /// cri-dockerd, k3s and MicroK8s sockets; a file of one of these names in any directory
    /// (`/run/host-containerd/containerd.sock`); anything in their directories
    /// (`/run/containerd`, `/var/run/crio`, `/run/podman`, `/var/run/docker`, ...);
    /// directories of two or more components that contain them (`/run/k3s`); and the
    /// Windows named pipes `\\.\pipe\docker_engine` and `\\.\pipe\containerd-containerd`. Paths are
    /// normalized first (repeated and trailing slashes, `.` and `..`), and `/var/run` is
    /// the same directory as `/run`. Mounting `/`, `/run` or `/var/run` whole is reported by
    /// `host-path-sensitive`. `readOnly: true` does not help (a read-only mount of a socket
    /// still accepts connections), so the rule flags the volume whatever its mounts say.
    ///
    /// Option `allowedHostPaths`: a list of path prefixes (compared component-wise after
    /// normalization) that are exempt, for the reviewed agents that need the socket.
    ///
    /// ## Why is this bad?
    /// The runtime socket is the node's root shell. Whoever can talk to it starts a new
    /// privileged container with the host's filesystem mounted (`docker run --privileged
    /// -v /:/host`), execs into any other pod, reads every container's environment and
    /// secrets, and does all of it outside Kubernetes admission and audit: MITRE ATT&CK
    /// T1610 "Deploy Container", T1611 "Escape to Host". A compromise of the pod that mounts
    /// it — a CI runner, a log agent — is a compromise of the node.
    ///
    /// ## Example
    /// ```yaml
    /// volumes:
    ///   - name: docker
    ///     hostPath:
    ///       path: /var/run/docker.sock
    ///       type: Socket
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// volumes:
    ///   - name: workspace
    ///     emptyDir: {}
    /// ```
    /// Build images with a daemonless builder (BuildKit rootless, kaniko, buildah) and read
    /// container metadata from the Kubernetes API or the kubelet instead of the runtime.
    pub static HOST_PATH_RUNTIME_SOCKET = {
        code: "HRD025",
        name: "host-path-runtime-socket",
        severity: Critical,
        group: "hardening",
        summary: "hostPath volume exposes the container runtime socket",
        remediation: "Remove the hostPath volume of the runtime socket; use a daemonless image builder or the Kubernetes API instead.",
        references: [
            Reference::Cis("5.2.11"),
            Reference::Nsa("Pod security: avoid hostPath mounts"),
            Reference::Mitre("T1610"),
            Reference::Mitre("T1611"),
            Reference::Checkov("CKV_K8S_27"),
            Reference::Trivy("KSV006"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    for v in host_path_volumes(ctx) {
        let what = match v.canonical.as_deref() {
            Some(p) if host_path_allowed(ctx.opts, p) => continue,
            Some(p) => runtime_socket(p),
            None => runtime_pipe(v.path),
        };
        let Some(what) = what else { continue };
        hits.push(Hit::new(
            ctx.spec_path(&["volumes"]).idx(v.index).key("hostPath").key("path"),
            format!(
                "hostPath volume {:?} mounts {:?}, {what}: whoever reaches it controls every container on the node",
                v.name, v.path
            ),
        ));
    }
}

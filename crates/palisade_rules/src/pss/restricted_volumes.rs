//! PSS016: the Pod Security Standards "Volume Types" control (PSA check
//! `restrictedVolumes`).

use palisade_core::{Check, Reference};

declare_rule! {
    /// ## What it does
    /// Flags every entry of `spec.volumes` (which any container, init and ephemeral
    /// included, can mount) whose source is not one of `configMap`, `csi`, `downwardAPI`,
    /// `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected` or `secret`.
    /// Flagged sources include `hostPath`, `gcePersistentDisk`, `awsElasticBlockStore`,
    /// `gitRepo`, `nfs`, `iscsi`, `glusterfs`, `rbd`, `flexVolume`, `cinder`, `cephfs`,
    /// `flocker`, `fc`, `azureFile`, `vsphereVolume`, `quobyte`, `azureDisk`,
    /// `photonPersistentDisk`, `portworxVolume`, `scaleIO`, `storageos`, and unknown sources.
    /// A volume with no source at all is treated as `emptyDir`, as the API server defaults it.
    ///
    /// Pod Security Admission check `restrictedVolumes`, restricted level, every policy
    /// version from v1.0. It replaces `hostPathVolumes` (PSS004) at the restricted level,
    /// so hostPath volumes are reported here. `image` volumes are allowed at every version
    /// (since the Kubernetes 1.33 library).
    ///
    /// ## Why is this bad?
    /// Inline volume sources bypass the storage controls administrators put on
    /// PersistentVolumes and StorageClasses. `hostPath` hands the container the node's files
    /// (credentials, the runtime socket); `gitRepo` makes the kubelet run `git` as root on the
    /// node, and a crafted repository ran arbitrary commands there (CVE-2024-10220); `nfs`,
    /// `iscsi`, `rbd` or `cephfs` let a pod mount any storage the node can reach. An attacker
    /// who controls a pod spec uses them to take over the node: MITRE ATT&CK T1611 "Escape
    /// to Host".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   volumes:
    ///     - name: shared
    ///       nfs:
    ///         server: 10.0.0.5
    ///         path: /exports
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// spec:
    ///   volumes:
    ///     - name: shared
    ///       persistentVolumeClaim:
    ///         claimName: shared-data
    /// ```
    /// Mount storage through a PersistentVolumeClaim (or a CSI driver), and use `configMap`,
    /// `secret`, `projected`, `downwardAPI` or `emptyDir` for everything else.
    pub static RESTRICTED_VOLUMES = {
        code: "PSS016",
        name: "pss-restricted-volumes",
        severity: Medium,
        group: "pss",
        summary: "Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, image, \
                  persistentVolumeClaim, projected and secret are forbidden (restricted)",
        remediation: "Replace hostPath and other inline volume sources with a persistentVolumeClaim, or \
                      with configMap, secret, projected, downwardAPI, emptyDir, ephemeral, csi or image \
                      volumes.",
        references: [
            Reference::Pss("Volume Types"),
            Reference::Cis("5.2.11"),
            Reference::Nsa("Pod security: avoid hostPath mounts and hostPorts"),
            Reference::Mitre("T1611"),
        ],
        check: Check::Pss(&palisade_pss::checks::restricted_volumes::INFO),
    }
}

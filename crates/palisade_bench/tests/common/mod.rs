//! Node fixtures for the bench tests, built by the tests themselves: a kubeadm control-plane
//! node and a worker node (hardened and insecure), a k3s server and an RKE2 server — static-pod
//! manifests, kubelet config with drop-ins, systemd units, PKI files, with modes (and, in
//! tarballs, owners) set by the test. Written to a directory (modes set with chmod; owners are
//! the test's uid, which the fixture's /etc/passwd names `root`) or to a tar.gz (exact owners).
#![allow(dead_code)]

pub mod pki;

use std::io::Write;
use std::path::Path;

/// One file or directory of a fixture node.
#[derive(Clone, Debug)]
pub struct Entry {
    pub path: String,
    pub mode: u32,
    /// Owner names, used in tarballs (uid/gid 0 for root, 990 for etcd).
    pub owner: (&'static str, &'static str),
    /// `None`: a directory.
    pub content: Option<String>,
}

pub fn file(path: &str, mode: u32, content: &str) -> Entry {
    Entry {
        path: path.into(),
        mode,
        owner: ("root", "root"),
        content: Some(content.into()),
    }
}

pub fn dir(path: &str, mode: u32) -> Entry {
    Entry {
        path: path.into(),
        mode,
        owner: ("root", "root"),
        content: None,
    }
}

fn uid_of(name: &str) -> u64 {
    match name {
        "root" => 0,
        "etcd" => 990,
        _ => 1000,
    }
}

#[cfg(unix)]
fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // the owner of a file this process creates
    let dir = std::env::temp_dir().join(format!("palisade-uid-{}", std::process::id()));
    let _ = std::fs::write(&dir, b"");
    let uid = std::fs::metadata(&dir).map(|m| m.uid()).unwrap_or(0);
    let _ = std::fs::remove_file(&dir);
    uid
}

/// A path given twice is the later entry (a test replacing a fixture's file).
fn dedup_last(all: &mut Vec<Entry>) {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<Entry> = all
        .drain(..)
        .rev()
        .filter(|e| seen.insert(e.path.clone()))
        .collect();
    kept.reverse();
    *all = kept;
}

/// Writes the entries under `root` with their modes; /etc/passwd and /etc/group name the
/// test's uid and gid `root` so that owners read as root:root whoever runs the test.
#[cfg(unix)]
pub fn write_dir(root: &Path, entries: &[Entry]) {
    use std::os::unix::fs::PermissionsExt;
    let uid = current_uid();
    let mut all = entries.to_vec();
    if uid != 0 {
        all.push(file(
            "/etc/passwd",
            0o644,
            &format!("root:x:{uid}:{uid}:root:/root:/bin/sh\n"),
        ));
        all.push(file("/etc/group", 0o644, &format!("root:x:{uid}:\n")));
    }
    dedup_last(&mut all);
    for e in &all {
        let p = root.join(e.path.trim_start_matches('/'));
        match &e.content {
            Some(c) => {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, c).unwrap();
            }
            None => std::fs::create_dir_all(&p).unwrap(),
        }
    }
    // modes last (a 0o700 directory must not stop its children being written first)
    for e in all.iter().rev() {
        let p = root.join(e.path.trim_start_matches('/'));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(e.mode)).unwrap();
    }
}

/// Writes the entries as a gzip tarball with exact modes, uids, gids and owner names (plus
/// `proc/PID/cmdline` records for `procs`).
pub fn write_tarball(path: &Path, entries: &[Entry], procs: &[(u32, Vec<&str>)]) {
    let f = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    let mut all = entries.to_vec();
    for (pid, argv) in procs {
        let mut s = argv.join("\0");
        s.push('\0');
        all.push(file(&format!("/proc/{pid}/cmdline"), 0o444, &s));
    }
    dedup_last(&mut all);
    for e in &all {
        let mut h = tar::Header::new_gnu();
        let name = e.path.trim_start_matches('/');
        h.set_mode(e.mode);
        h.set_uid(uid_of(e.owner.0));
        h.set_gid(uid_of(e.owner.1));
        h.set_username(e.owner.0).unwrap();
        h.set_groupname(e.owner.1).unwrap();
        match &e.content {
            Some(c) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(c.len() as u64);
                h.set_cksum();
                b.append_data(&mut h, name, c.as_bytes()).unwrap();
            }
            None => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, format!("{name}/"), std::io::empty())
                    .unwrap();
            }
        }
    }
    let gz = b.into_inner().unwrap();
    gz.finish().unwrap().flush().unwrap();
}

/// A static Pod manifest for `name` with these command words.
pub fn static_pod(name: &str, image: &str, command: &[&str]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    component: {name}\n    tier: control-plane\n  name: {name}\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n"
    );
    for c in command {
        s.push_str(&format!("    - {c}\n"));
    }
    s.push_str(&format!(
        "    image: {image}\n    name: {name}\n    volumeMounts:\n    - mountPath: /etc/kubernetes/pki\n      name: k8s-certs\n      readOnly: true\n  hostNetwork: true\n  priorityClassName: system-node-critical\n  volumes:\n  - hostPath:\n      path: /etc/kubernetes/pki\n      type: DirectoryOrCreate\n    name: k8s-certs\n"
    ));
    s
}

/// The 1-based line and column of the first occurrence of `needle` in `text`.
pub fn pos(text: &str, needle: &str) -> (u32, u32) {
    for (i, l) in text.lines().enumerate() {
        if let Some(c) = l.find(needle) {
            return (i as u32 + 1, c as u32 + 1);
        }
    }
    panic!("{needle:?} not in fixture text")
}

pub const APISERVER_HARDENED: &[&str] = &[
    "kube-apiserver",
    "--advertise-address=10.0.0.10",
    "--allow-privileged=true",
    "--anonymous-auth=false",
    "--audit-log-maxage=30",
    "--audit-log-maxbackup=10",
    "--audit-log-maxsize=100",
    "--audit-log-path=/var/log/kubernetes/audit/audit.log",
    "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
    "--authorization-mode=Node,RBAC",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    "--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs",
    "--admission-control-config-file=/etc/kubernetes/admission.yaml",
    "--enable-bootstrap-token-auth=true",
    "--encryption-provider-config=/etc/kubernetes/enc/encryption.yaml",
    "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
    "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
    "--etcd-servers=https://127.0.0.1:2379",
    "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
    "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "--profiling=false",
    "--request-timeout=60s",
    "--secure-port=6443",
    "--service-account-extend-token-expiration=false",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--service-account-lookup=true",
    "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
    "--service-cluster-ip-range=10.96.0.0/12",
    "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
    "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
];

/// What kubeadm writes by default, plus the classic mistakes.
pub const APISERVER_INSECURE: &[&str] = &[
    "kube-apiserver",
    "--advertise-address=10.0.0.10",
    "--allow-privileged=true",
    "--authorization-mode=AlwaysAllow",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    "--enable-admission-plugins=NodeRestriction",
    "--enable-admission-plugins=AlwaysAdmit",
    "--disable-admission-plugins=ServiceAccount",
    "--etcd-servers=https://127.0.0.1:2379",
    "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "--audit-log-maxage=7",
    "--audit-log-maxsize=30d",
    "--token-auth-file=/etc/kubernetes/tokens.csv",
    "--encryption-provider-config=/etc/kubernetes/enc/encryption.yaml",
    "--secure-port=6443",
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--service-account-lookup=false",
    "--service-cluster-ip-range=10.96.0.0/12",
    "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
    "--tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
];

pub const CM_HARDENED: &[&str] = &[
    "kube-controller-manager",
    "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--bind-address=127.0.0.1",
    "--kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--profiling=false",
    "--root-ca-file=/etc/kubernetes/pki/ca.crt",
    "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
    "--terminated-pod-gc-threshold=10",
    "--use-service-account-credentials=true",
    "--feature-gates=RotateKubeletServerCertificate=true",
];

pub const CM_INSECURE: &[&str] = &[
    "kube-controller-manager",
    "--bind-address=0.0.0.0",
    "--kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--use-service-account-credentials=false",
    "--feature-gates=RotateKubeletServerCertificate=false",
];

pub const SCHEDULER_HARDENED: &[&str] = &[
    "kube-scheduler",
    "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
    "--bind-address=127.0.0.1",
    "--kubeconfig=/etc/kubernetes/scheduler.conf",
    "--profiling=false",
];

pub const SCHEDULER_INSECURE: &[&str] = &[
    "kube-scheduler",
    "--bind-address=0.0.0.0",
    "--kubeconfig=/etc/kubernetes/scheduler.conf",
];

pub const ETCD_HARDENED: &[&str] = &[
    "etcd",
    "--advertise-client-urls=https://10.0.0.10:2379",
    "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
    "--client-cert-auth=true",
    "--data-dir=/var/lib/etcd",
    "--key-file=/etc/kubernetes/pki/etcd/server.key",
    "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
    "--peer-client-cert-auth=true",
    "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
    "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
    "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
];

pub const ETCD_INSECURE: &[&str] = &[
    "etcd",
    "--data-dir=/var/lib/etcd",
    "--auto-tls=true",
    "--peer-auto-tls=true",
    "--client-cert-auth=false",
];

pub const KUBELET_CONFIG_HARDENED: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
readOnlyPort: 0
rotateCertificates: true
streamingConnectionIdleTimeout: 4h0m0s
makeIPTablesUtilChains: true
eventRecordQPS: 5
tlsCertFile: /var/lib/kubelet/pki/kubelet.crt
tlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key
tlsCipherSuites:
- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
- TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
podPidsLimit: 4096
featureGates:
  RotateKubeletServerCertificate: true
staticPodPath: /etc/kubernetes/manifests
";

/// A kubeadm-style config that relies on defaults (no readOnlyPort, no anonymous), and a
/// drop-in that turns anonymous auth on and sets a weak cipher.
pub const KUBELET_CONFIG_INSECURE: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  webhook:
    enabled: true
authorization:
  mode: AlwaysAllow
cgroupDriver: systemd
readOnlyPort: 10255
streamingConnectionIdleTimeout: 0
makeIPTablesUtilChains: false
rotateCertificates: false
eventRecordQPS: 0
staticPodPath: /etc/kubernetes/manifests
";

pub const KUBELET_DROPIN_INSECURE: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: true
tlsCipherSuites:
- TLS_RSA_WITH_AES_128_GCM_SHA256
featureGates:
  RotateKubeletServerCertificate: false
";

/// The hardened drop-in: overrides nothing unsafe, adds seccompDefault.
pub const KUBELET_DROPIN_HARDENED: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
seccompDefault: true
";

pub const KUBELET_UNIT: &str = "[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/

[Service]
ExecStart=/usr/bin/kubelet
Restart=always

[Install]
WantedBy=multi-user.target
";

pub const KUBEADM_DROPIN: &str = "# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"
Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml --config-dir=/etc/kubernetes/kubelet.conf.d\"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
";

pub const ENCRYPTION_AESCBC: &str = "apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources:
  - secrets
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
  - identity: {}
";

pub const ENCRYPTION_IDENTITY: &str = "apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources:
  - secrets
  providers:
  - identity: {}
  - aesgcm:
      keys:
      - name: key1
        secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
";

/// An audit policy logging secrets, configmaps and tokenreviews at Metadata first.
pub const AUDIT_POLICY_METADATA: &str = "apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
- RequestReceived
rules:
- level: None
  users: [\"system:kube-proxy\"]
  verbs: [watch]
  resources:
  - group: \"\"
    resources: [endpoints, services]
- level: Metadata
  resources:
  - group: \"\"
    resources: [secrets, configmaps]
  - group: authentication.k8s.io
    resources: [tokenreviews]
- level: RequestResponse
  resources:
  - group: \"\"
  - group: apps
- level: Metadata
";

/// The admission configuration with EventRateLimit's limits.
pub const ADMISSION_CONFIG: &str = "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: EventRateLimit
  configuration:
    apiVersion: eventratelimit.admission.k8s.io/v1alpha1
    kind: Configuration
    limits:
    - type: Server
      qps: 50
      burst: 100
";

const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n";

/// The kubelet part of a kubeadm node (control plane or worker).
pub fn kubeadm_kubelet(hardened: bool) -> Vec<Entry> {
    let m = |h: u32, i: u32| if hardened { h } else { i };
    let mut v = vec![
        dir("/etc/systemd/system/kubelet.service.d", 0o755),
        file("/lib/systemd/system/kubelet.service", 0o644, KUBELET_UNIT),
        file(
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            m(0o600, 0o644),
            KUBEADM_DROPIN,
        ),
        file(
            "/var/lib/kubelet/kubeadm-flags.env",
            0o644,
            if hardened {
                "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n"
            } else {
                "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --hostname-override=node-1 --make-iptables-util-chains=true\"\n"
            },
        ),
        file(
            "/var/lib/kubelet/config.yaml",
            m(0o600, 0o644),
            if hardened {
                KUBELET_CONFIG_HARDENED
            } else {
                KUBELET_CONFIG_INSECURE
            },
        ),
        dir("/etc/kubernetes/kubelet.conf.d", 0o755),
        file(
            "/etc/kubernetes/kubelet.conf.d/50-palisade.conf",
            0o600,
            if hardened {
                KUBELET_DROPIN_HARDENED
            } else {
                KUBELET_DROPIN_INSECURE
            },
        ),
        file("/etc/kubernetes/kubelet.conf", m(0o600, 0o644), KUBECONFIG),
        dir("/etc/kubernetes/pki", 0o755),
        file(
            "/etc/kubernetes/pki/ca.crt",
            m(0o644, 0o666),
            &pki::ca("kubernetes").pem,
        ),
    ];
    if !hardened {
        v.push(file(
            "/etc/default/kubelet",
            0o644,
            "KUBELET_EXTRA_ARGS=--read-only-port=10255 --anonymous-auth=true\n",
        ));
    }
    v
}

/// A kubeadm control-plane node.
pub fn kubeadm_control_plane(hardened: bool) -> Vec<Entry> {
    let m = |h: u32, i: u32| if hardened { h } else { i };
    let img = |c: &str| format!("registry.k8s.io/{c}:v1.32.3");
    let mut v = vec![
        dir("/etc/kubernetes", 0o755),
        dir("/etc/kubernetes/manifests", 0o755),
        file(
            "/etc/kubernetes/manifests/kube-apiserver.yaml",
            m(0o600, 0o644),
            &static_pod(
                "kube-apiserver",
                &img("kube-apiserver"),
                if hardened {
                    APISERVER_HARDENED
                } else {
                    APISERVER_INSECURE
                },
            ),
        ),
        file(
            "/etc/kubernetes/manifests/kube-controller-manager.yaml",
            m(0o600, 0o640),
            &static_pod(
                "kube-controller-manager",
                &img("kube-controller-manager"),
                if hardened { CM_HARDENED } else { CM_INSECURE },
            ),
        ),
        file(
            "/etc/kubernetes/manifests/kube-scheduler.yaml",
            m(0o400, 0o644),
            &static_pod(
                "kube-scheduler",
                &img("kube-scheduler"),
                if hardened {
                    SCHEDULER_HARDENED
                } else {
                    SCHEDULER_INSECURE
                },
            ),
        ),
        file(
            "/etc/kubernetes/manifests/etcd.yaml",
            m(0o600, 0o644),
            &static_pod(
                "etcd",
                "registry.k8s.io/etcd:3.5.16-0",
                if hardened { ETCD_HARDENED } else { ETCD_INSECURE },
            ),
        ),
        file("/etc/kubernetes/admin.conf", m(0o600, 0o644), KUBECONFIG),
        file("/etc/kubernetes/super-admin.conf", 0o600, KUBECONFIG),
        file("/etc/kubernetes/scheduler.conf", m(0o600, 0o644), KUBECONFIG),
        file(
            "/etc/kubernetes/controller-manager.conf",
            m(0o600, 0o644),
            KUBECONFIG,
        ),
        dir("/etc/kubernetes/enc", 0o700),
        file(
            "/etc/kubernetes/enc/encryption.yaml",
            0o600,
            if hardened {
                ENCRYPTION_AESCBC
            } else {
                ENCRYPTION_IDENTITY
            },
        ),
        file("/etc/kubernetes/audit-policy.yaml", 0o600, AUDIT_POLICY_METADATA),
        file("/etc/kubernetes/admission.yaml", 0o600, ADMISSION_CONFIG),
        dir("/var/lib/etcd", m(0o700, 0o755)),
        dir("/var/lib/etcd/member", 0o700),
        dir("/var/lib/cni/networks/k8s-pod-network", 0o755),
        file(
            "/var/lib/cni/networks/k8s-pod-network/10.244.0.5",
            m(0o600, 0o644),
            "abc\n",
        ),
    ];
    // the PKI generated for the test (rcgen): the kubelet's CA is the cluster CA
    v.extend(pki::kubeadm_pki(&if hardened {
        pki::Knobs::hardened()
    } else {
        pki::Knobs::insecure()
    }));
    let kubelet = kubeadm_kubelet(hardened);
    let ca_mode = kubelet
        .iter()
        .find(|e| e.path == "/etc/kubernetes/pki/ca.crt")
        .map_or(0o644, |e| e.mode);
    v.extend(
        kubelet
            .into_iter()
            .filter(|e| !e.path.starts_with("/etc/kubernetes/pki")),
    );
    for e in v.iter_mut() {
        if e.path == "/etc/kubernetes/pki/ca.crt" {
            e.mode = ca_mode;
        }
    }
    v
}

/// Tarball owners: the etcd data dir owned by etcd:etcd (hardened).
pub fn with_etcd_owner(mut v: Vec<Entry>) -> Vec<Entry> {
    for e in v.iter_mut() {
        if e.path.starts_with("/var/lib/etcd") {
            e.owner = ("etcd", "etcd");
        }
    }
    v
}

/// A kubeadm worker node: kubelet only, kube-proxy's config.
pub fn kubeadm_worker(hardened: bool) -> Vec<Entry> {
    let mut v = kubeadm_kubelet(hardened);
    v.push(dir("/var/lib/kube-proxy", 0o755));
    v.push(file(
        "/var/lib/kube-proxy/config.conf",
        0o644,
        if hardened {
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 127.0.0.1:10249\n"
        } else {
            "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 0.0.0.0:10249\n"
        },
    ));
    v
}

/// A k3s server: config.yaml with component args, the kubelet defaults drop-in.
pub fn k3s_server(hardened: bool) -> Vec<Entry> {
    let args = if hardened {
        "kube-apiserver-arg:\n- profiling=false\n- anonymous-auth=false\n- audit-log-path=/var/lib/rancher/k3s/server/logs/audit.log\nkube-controller-manager-arg:\n- profiling=false\nkubelet-arg:\n- read-only-port=0\n"
    } else {
        "kube-apiserver-arg:\n- profiling=true\n- anonymous-auth=true\nkubelet-arg:\n- read-only-port=10255\n- anonymous-auth=true\n"
    };
    let server_ca = pki::ca("k3s-server-ca");
    vec![
        dir("/etc/rancher/k3s", 0o755),
        file("/etc/rancher/k3s/config.yaml", 0o600, args),
        file("/etc/systemd/system/k3s.service", if hardened { 0o600 } else { 0o644 }, "[Service]\nExecStart=/usr/local/bin/k3s server\n"),
        dir("/var/lib/rancher/k3s/server/tls", 0o700),
        file("/var/lib/rancher/k3s/server/tls/server-ca.crt", 0o644, &server_ca.pem),
        file("/var/lib/rancher/k3s/server/tls/server-ca.key", if hardened { 0o600 } else { 0o644 }, &server_ca.key.serialize_pem()),
        dir("/var/lib/rancher/k3s/server/cred", 0o700),
        file("/var/lib/rancher/k3s/server/cred/admin.kubeconfig", 0o600, KUBECONFIG),
        file("/var/lib/rancher/k3s/server/cred/scheduler.kubeconfig", 0o600, KUBECONFIG),
        file("/var/lib/rancher/k3s/server/cred/controller.kubeconfig", 0o600, KUBECONFIG),
        dir("/var/lib/rancher/k3s/agent/etc/kubelet.conf.d", 0o755),
        file(
            "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/00-k3s-defaults.conf",
            0o600,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /var/lib/rancher/k3s/agent/client-ca.crt\nauthorization:\n  mode: Webhook\ntlsCertFile: /var/lib/rancher/k3s/agent/serving-kubelet.crt\ntlsPrivateKeyFile: /var/lib/rancher/k3s/agent/serving-kubelet.key\n",
        ),
        file("/var/lib/rancher/k3s/agent/kubelet.kubeconfig", 0o600, KUBECONFIG),
        file("/var/lib/rancher/k3s/agent/client-ca.crt", 0o644, &pki::ca("k3s-client-ca").pem),
    ]
}

/// An RKE2 server: static pods under /var/lib/rancher/rke2/agent/pod-manifests.
pub fn rke2_server(hardened: bool) -> Vec<Entry> {
    let img = "index.docker.io/rancher/hardened-kubernetes:v1.33.1-rke2r1-build20250515";
    let api: Vec<&str> = if hardened {
        vec![
            "kube-apiserver",
            "--profiling=false",
            "--anonymous-auth=false",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
        ]
    } else {
        vec![
            "kube-apiserver",
            "--profiling=true",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
        ]
    };
    let mode = if hardened { 0o600 } else { 0o644 };
    vec![
        dir("/etc/rancher/rke2", 0o755),
        file("/etc/rancher/rke2/config.yaml", 0o600, "profile: cis\n"),
        dir("/var/lib/rancher/rke2/agent/pod-manifests", 0o700),
        file(
            "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml",
            mode,
            &static_pod("kube-apiserver", img, &api),
        ),
        file(
            "/var/lib/rancher/rke2/agent/pod-manifests/etcd.yaml",
            mode,
            &static_pod(
                "etcd",
                "index.docker.io/rancher/hardened-etcd:v3.5.21-k3s1",
                &[
                    "etcd",
                    "--config-file=/var/lib/rancher/rke2/server/db/etcd/config",
                ],
            ),
        ),
        dir("/var/lib/rancher/rke2/server/db/etcd", 0o700),
        file(
            "/var/lib/rancher/rke2/server/db/etcd/config",
            0o600,
            if hardened {
                "data-dir: /var/lib/rancher/rke2/server/db/etcd\nclient-transport-security:\n  cert-file: /var/lib/rancher/rke2/server/tls/etcd/server-client.crt\n  key-file: /var/lib/rancher/rke2/server/tls/etcd/server-client.key\n  client-cert-auth: true\n  trusted-ca-file: /var/lib/rancher/rke2/server/tls/etcd/server-ca.crt\npeer-transport-security:\n  cert-file: /var/lib/rancher/rke2/server/tls/etcd/peer-server-client.crt\n  key-file: /var/lib/rancher/rke2/server/tls/etcd/peer-server-client.key\n  client-cert-auth: true\n"
            } else {
                "data-dir: /var/lib/rancher/rke2/server/db/etcd\nclient-transport-security:\n  auto-tls: true\npeer-transport-security:\n  auto-tls: true\n"
            },
        ),
        dir("/var/lib/rancher/rke2/server/tls", 0o700),
        file(
            "/var/lib/rancher/rke2/server/tls/server-ca.crt",
            0o644,
            &pki::ca("rke2-server-ca").pem,
        ),
    ]
}

/// The result of check `id` in `r`.
pub fn check<'a>(r: &'a palisade_bench::BenchReport, id: &str) -> &'a palisade_bench::CheckResult {
    r.results
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

/// Asserts a check's status and location (`file:line:col`, `file`, …).
pub fn expect(r: &palisade_bench::BenchReport, id: &str, status: palisade_bench::Status, at: &str) {
    let c = check(r, id);
    assert_eq!(c.status, status, "{id}: {c:#?}");
    assert_eq!(
        c.location.as_ref().map(|l| l.to_string()).as_deref(),
        Some(at),
        "{id} location: {c:#?}"
    );
}

/// `bench` on a node directory written from `entries` (gathered with the layout `opts`
/// forces, if any).
pub fn bench_dir(entries: &[Entry], opts: &palisade_bench::Options) -> palisade_bench::BenchReport {
    let t = tempfile::tempdir().unwrap();
    write_dir(t.path(), entries);
    let g = palisade_bench::gather::GatherOptions {
        distribution: opts.distribution,
        overrides: opts.overrides.clone(),
        ..Default::default()
    };
    let facts =
        palisade_bench::gather::gather(&palisade_bench::gather::Input::Dir(t.path().to_path_buf()), &g);
    palisade_bench::bench(&facts, opts).unwrap()
}

/// `bench` on a tarball of `entries`, with the default options.
pub fn bench_tar(entries: &[Entry]) -> palisade_bench::BenchReport {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("node.tar.gz");
    write_tarball(&p, entries, &[]);
    let facts = palisade_bench::gather::gather(
        &palisade_bench::gather::Input::Tarball(p),
        &palisade_bench::gather::GatherOptions::default(),
    );
    palisade_bench::bench(&facts, &palisade_bench::Options::default()).unwrap()
}

/// The errors of a report, as text.
pub fn errors(r: &palisade_bench::BenchReport) -> Vec<String> {
    r.problems
        .iter()
        .filter(|p| p.level == palisade_bench::Level::Error)
        .map(|p| p.to_string())
        .collect()
}

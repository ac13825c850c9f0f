//! Path layouts of the distributions palisade knows (kubeadm, k3s, RKE2, microk8s): where each
//! kind of file is, how the layout of a node is detected, and the user's overrides per path
//! kind (`--kubelet-config PATH` …). Data and pure lookups; no I/O.

use crate::facts::NodeFacts;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    Kubeadm,
    K3s,
    Rke2,
    Microk8s,
}

impl Distribution {
    pub const ALL: [Distribution; 4] = [
        Distribution::Kubeadm,
        Distribution::K3s,
        Distribution::Rke2,
        Distribution::Microk8s,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Kubeadm => "kubeadm",
            Distribution::K3s => "k3s",
            Distribution::Rke2 => "rke2",
            Distribution::Microk8s => "microk8s",
        }
    }
    pub fn parse(s: &str) -> Option<Distribution> {
        Distribution::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s))
    }
}

/// A kind of path a user can override; the name is the command-line flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PathKind {
    ApiserverManifest,
    ControllerManagerManifest,
    SchedulerManifest,
    EtcdManifest,
    AdminKubeconfig,
    SchedulerKubeconfig,
    ControllerManagerKubeconfig,
    PkiDir,
    EtcdDataDir,
    KubeletService,
    KubeletConfig,
    KubeletConfigDir,
    KubeletKubeconfig,
    KubeletClientCa,
    ProxyKubeconfig,
    ProxyConfig,
    CniNetworksDir,
}

impl PathKind {
    pub const ALL: [PathKind; 17] = [
        PathKind::ApiserverManifest,
        PathKind::ControllerManagerManifest,
        PathKind::SchedulerManifest,
        PathKind::EtcdManifest,
        PathKind::AdminKubeconfig,
        PathKind::SchedulerKubeconfig,
        PathKind::ControllerManagerKubeconfig,
        PathKind::PkiDir,
        PathKind::EtcdDataDir,
        PathKind::KubeletService,
        PathKind::KubeletConfig,
        PathKind::KubeletConfigDir,
        PathKind::KubeletKubeconfig,
        PathKind::KubeletClientCa,
        PathKind::ProxyKubeconfig,
        PathKind::ProxyConfig,
        PathKind::CniNetworksDir,
    ];
    /// The override flag's name (without `--`).
    pub fn flag(self) -> &'static str {
        match self {
            PathKind::ApiserverManifest => "apiserver-manifest",
            PathKind::ControllerManagerManifest => "controller-manager-manifest",
            PathKind::SchedulerManifest => "scheduler-manifest",
            PathKind::EtcdManifest => "etcd-manifest",
            PathKind::AdminKubeconfig => "admin-kubeconfig",
            PathKind::SchedulerKubeconfig => "scheduler-kubeconfig",
            PathKind::ControllerManagerKubeconfig => "controller-manager-kubeconfig",
            PathKind::PkiDir => "pki-dir",
            PathKind::EtcdDataDir => "etcd-data-dir",
            PathKind::KubeletService => "kubelet-service",
            PathKind::KubeletConfig => "kubelet-config",
            PathKind::KubeletConfigDir => "kubelet-config-dir",
            PathKind::KubeletKubeconfig => "kubelet-kubeconfig",
            PathKind::KubeletClientCa => "kubelet-client-ca",
            PathKind::ProxyKubeconfig => "proxy-kubeconfig",
            PathKind::ProxyConfig => "proxy-config",
            PathKind::CniNetworksDir => "cni-networks-dir",
        }
    }
}

/// Where the files of one distribution are. `None`: the distribution has no such file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Layout {
    pub distribution: Distribution,
    pub apiserver_manifest: Option<String>,
    pub controller_manager_manifest: Option<String>,
    pub scheduler_manifest: Option<String>,
    pub etcd_manifest: Option<String>,
    /// microk8s: the manifests are `args/<component>` files of flags.
    pub manifests_are_args_files: bool,
    pub admin_kubeconfigs: Vec<String>,
    pub scheduler_kubeconfig: String,
    pub controller_manager_kubeconfig: String,
    pub pki_dir: String,
    pub etcd_data_dir: String,
    /// The etcd configuration file when the distribution writes one (k3s, RKE2).
    pub etcd_config_file: Option<String>,
    /// Candidates for the kubelet service file of 4.1.1 (the first that exists; else the first).
    pub kubelet_service: Vec<String>,
    /// The kubelet's unit: base unit candidates, and the drop-in directories.
    pub kubelet_units: Vec<String>,
    pub kubelet_unit_dropin_dirs: Vec<String>,
    pub kubelet_config: Option<String>,
    pub kubelet_config_dir: Option<String>,
    pub kubelet_kubeconfig: String,
    pub kubelet_client_ca: String,
    pub proxy_kubeconfig: String,
    pub proxy_config: Option<String>,
    pub proxy_manifest: Option<String>,
    pub cni_networks_dir: String,
    /// k3s/RKE2 `config.yaml` (`kube-apiserver-arg` …) and its drop-in directory.
    pub distro_config: Option<String>,
    /// etcd's systemd unit candidates (a package-installed etcd).
    pub etcd_units: Vec<String>,
    /// Directories gathered recursively from a node directory (besides the paths above).
    pub gather_dirs: Vec<String>,
}

fn s(v: &str) -> String {
    v.to_owned()
}

impl Layout {
    pub fn of(d: Distribution) -> Layout {
        let systemd_dirs = |unit: &str| -> Vec<String> {
            [
                "/etc/systemd/system",
                "/run/systemd/system",
                "/usr/local/lib/systemd/system",
                "/usr/lib/systemd/system",
                "/lib/systemd/system",
            ]
            .iter()
            .map(|d| format!("{d}/{unit}"))
            .collect()
        };
        let etcd_units = {
            let mut v = systemd_dirs("etcd.service");
            v.push(s("/etc/etcd/etcd.conf"));
            v
        };
        match d {
            Distribution::Kubeadm => Layout {
                distribution: d,
                apiserver_manifest: Some(s("/etc/kubernetes/manifests/kube-apiserver.yaml")),
                controller_manager_manifest: Some(s(
                    "/etc/kubernetes/manifests/kube-controller-manager.yaml",
                )),
                scheduler_manifest: Some(s("/etc/kubernetes/manifests/kube-scheduler.yaml")),
                etcd_manifest: Some(s("/etc/kubernetes/manifests/etcd.yaml")),
                manifests_are_args_files: false,
                admin_kubeconfigs: vec![
                    s("/etc/kubernetes/admin.conf"),
                    s("/etc/kubernetes/super-admin.conf"),
                ],
                scheduler_kubeconfig: s("/etc/kubernetes/scheduler.conf"),
                controller_manager_kubeconfig: s("/etc/kubernetes/controller-manager.conf"),
                pki_dir: s("/etc/kubernetes/pki"),
                etcd_data_dir: s("/var/lib/etcd/default.etcd"),
                etcd_config_file: None,
                kubelet_service: vec![
                    s("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"),
                    s("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"),
                    s("/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"),
                    s("/etc/systemd/system/kubelet.service"),
                    s("/usr/lib/systemd/system/kubelet.service"),
                    s("/lib/systemd/system/kubelet.service"),
                ],
                kubelet_units: systemd_dirs("kubelet.service"),
                kubelet_unit_dropin_dirs: systemd_dirs("kubelet.service.d"),
                kubelet_config: Some(s("/var/lib/kubelet/config.yaml")),
                kubelet_config_dir: None,
                kubelet_kubeconfig: s("/etc/kubernetes/kubelet.conf"),
                kubelet_client_ca: s("/etc/kubernetes/pki/ca.crt"),
                proxy_kubeconfig: s("/etc/kubernetes/proxy.conf"),
                proxy_config: Some(s("/var/lib/kube-proxy/config.conf")),
                proxy_manifest: None,
                cni_networks_dir: s("/var/lib/cni/networks"),
                distro_config: None,
                etcd_units,
                gather_dirs: vec![
                    s("/etc/kubernetes"),
                    s("/var/lib/kube-proxy"),
                    s("/etc/default/kubelet"),
                    s("/etc/sysconfig/kubelet"),
                ],
            },
            Distribution::K3s | Distribution::Rke2 => {
                let n = if d == Distribution::K3s { "k3s" } else { "rke2" };
                let manifests = d == Distribution::Rke2;
                let m = |c: &str| {
                    manifests.then(|| format!("/var/lib/rancher/rke2/agent/pod-manifests/{c}.yaml"))
                };
                let mut units = systemd_dirs(&format!("{n}.service"));
                units.extend(systemd_dirs(&format!("{n}-server.service")));
                units.extend(systemd_dirs(&format!("{n}-agent.service")));
                Layout {
                    distribution: d,
                    apiserver_manifest: m("kube-apiserver"),
                    controller_manager_manifest: m("kube-controller-manager"),
                    scheduler_manifest: m("kube-scheduler"),
                    etcd_manifest: m("etcd"),
                    manifests_are_args_files: false,
                    admin_kubeconfigs: vec![format!("/var/lib/rancher/{n}/server/cred/admin.kubeconfig")],
                    scheduler_kubeconfig: format!("/var/lib/rancher/{n}/server/cred/scheduler.kubeconfig"),
                    controller_manager_kubeconfig: format!(
                        "/var/lib/rancher/{n}/server/cred/controller.kubeconfig"
                    ),
                    pki_dir: format!("/var/lib/rancher/{n}/server/tls"),
                    etcd_data_dir: format!("/var/lib/rancher/{n}/server/db/etcd"),
                    etcd_config_file: Some(format!("/var/lib/rancher/{n}/server/db/etcd/config")),
                    kubelet_service: units.clone(),
                    kubelet_units: units,
                    kubelet_unit_dropin_dirs: Vec::new(),
                    kubelet_config: Some(format!(
                        "/var/lib/rancher/{n}/agent/etc/kubelet.conf.d/00-{n}-defaults.conf"
                    )),
                    kubelet_config_dir: Some(format!("/var/lib/rancher/{n}/agent/etc/kubelet.conf.d")),
                    kubelet_kubeconfig: format!("/var/lib/rancher/{n}/agent/kubelet.kubeconfig"),
                    kubelet_client_ca: format!("/var/lib/rancher/{n}/agent/client-ca.crt"),
                    proxy_kubeconfig: format!("/var/lib/rancher/{n}/agent/kubeproxy.kubeconfig"),
                    proxy_config: None,
                    proxy_manifest: m("kube-proxy"),
                    cni_networks_dir: s("/var/lib/cni/networks"),
                    distro_config: Some(format!("/etc/rancher/{n}/config.yaml")),
                    etcd_units: Vec::new(),
                    gather_dirs: vec![
                        format!("/etc/rancher/{n}"),
                        format!("/var/lib/rancher/{n}/server/cred"),
                        format!("/var/lib/rancher/{n}/server/tls"),
                        format!("/var/lib/rancher/{n}/agent/etc"),
                        format!("/var/lib/rancher/{n}/agent/pod-manifests"),
                    ],
                }
            }
            Distribution::Microk8s => {
                let a = |c: &str| Some(format!("/var/snap/microk8s/current/args/{c}"));
                Layout {
                    distribution: d,
                    apiserver_manifest: a("kube-apiserver"),
                    controller_manager_manifest: a("kube-controller-manager"),
                    scheduler_manifest: a("kube-scheduler"),
                    etcd_manifest: a("etcd"),
                    manifests_are_args_files: true,
                    admin_kubeconfigs: vec![s("/var/snap/microk8s/current/credentials/client.config")],
                    scheduler_kubeconfig: s("/var/snap/microk8s/current/credentials/scheduler.config"),
                    controller_manager_kubeconfig: s(
                        "/var/snap/microk8s/current/credentials/controller.config",
                    ),
                    pki_dir: s("/var/snap/microk8s/current/certs"),
                    etcd_data_dir: s("/var/snap/microk8s/current/var/run/etcd"),
                    etcd_config_file: None,
                    kubelet_service: vec![
                        s("/etc/systemd/system/snap.microk8s.daemon-kubelite.service"),
                        s("/etc/systemd/system/snap.microk8s.daemon-kubelet.service"),
                    ],
                    kubelet_units: Vec::new(),
                    kubelet_unit_dropin_dirs: Vec::new(),
                    kubelet_config: None,
                    kubelet_config_dir: None,
                    kubelet_kubeconfig: s("/var/snap/microk8s/current/credentials/kubelet.config"),
                    kubelet_client_ca: s("/var/snap/microk8s/current/certs/ca.crt"),
                    proxy_kubeconfig: s("/var/snap/microk8s/current/credentials/proxy.config"),
                    proxy_config: None,
                    proxy_manifest: None,
                    cni_networks_dir: s("/var/lib/cni/networks"),
                    distro_config: None,
                    etcd_units: Vec::new(),
                    gather_dirs: vec![
                        s("/var/snap/microk8s/current/args"),
                        s("/var/snap/microk8s/current/credentials"),
                        s("/var/snap/microk8s/current/certs"),
                        s("/etc/systemd/system"),
                    ],
                }
            }
        }
    }

    /// The microk8s args file of a component (`kubelet`, `kube-proxy`).
    pub fn args_file(&self, component: &str) -> Option<String> {
        self.manifests_are_args_files
            .then(|| format!("/var/snap/microk8s/current/args/{component}"))
    }

    /// Applies the user's overrides.
    pub fn apply(&mut self, overrides: &[(PathKind, String)]) {
        for (k, v) in overrides {
            let v = crate::facts::normalize(v);
            match k {
                PathKind::ApiserverManifest => self.apiserver_manifest = Some(v),
                PathKind::ControllerManagerManifest => self.controller_manager_manifest = Some(v),
                PathKind::SchedulerManifest => self.scheduler_manifest = Some(v),
                PathKind::EtcdManifest => self.etcd_manifest = Some(v),
                PathKind::AdminKubeconfig => self.admin_kubeconfigs = vec![v],
                PathKind::SchedulerKubeconfig => self.scheduler_kubeconfig = v,
                PathKind::ControllerManagerKubeconfig => self.controller_manager_kubeconfig = v,
                PathKind::PkiDir => self.pki_dir = v,
                PathKind::EtcdDataDir => self.etcd_data_dir = v,
                PathKind::KubeletService => self.kubelet_service = vec![v],
                PathKind::KubeletConfig => self.kubelet_config = Some(v),
                PathKind::KubeletConfigDir => self.kubelet_config_dir = Some(v),
                PathKind::KubeletKubeconfig => self.kubelet_kubeconfig = v,
                PathKind::KubeletClientCa => self.kubelet_client_ca = v,
                PathKind::ProxyKubeconfig => self.proxy_kubeconfig = v,
                PathKind::ProxyConfig => self.proxy_config = Some(v),
                PathKind::CniNetworksDir => self.cni_networks_dir = v,
            }
        }
    }

    /// Every path of the layout a gatherer should read (files, and directories to walk).
    pub fn paths(&self) -> Vec<String> {
        let mut v: Vec<String> = [
            &self.apiserver_manifest,
            &self.controller_manager_manifest,
            &self.scheduler_manifest,
            &self.etcd_manifest,
            &self.kubelet_config,
            &self.kubelet_config_dir,
            &self.proxy_config,
            &self.proxy_manifest,
            &self.distro_config,
            &self.etcd_config_file,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        v.extend(self.admin_kubeconfigs.iter().cloned());
        v.extend([
            self.scheduler_kubeconfig.clone(),
            self.controller_manager_kubeconfig.clone(),
            self.pki_dir.clone(),
            self.etcd_data_dir.clone(),
            self.kubelet_kubeconfig.clone(),
            self.kubelet_client_ca.clone(),
            self.proxy_kubeconfig.clone(),
            self.cni_networks_dir.clone(),
        ]);
        v.extend(self.kubelet_service.iter().cloned());
        v.extend(self.kubelet_units.iter().cloned());
        v.extend(self.kubelet_unit_dropin_dirs.iter().cloned());
        v.extend(self.etcd_units.iter().cloned());
        v.extend(self.gather_dirs.iter().cloned());
        if let Some(c) = &self.distro_config {
            v.push(format!("{c}.d"));
        }
        v.extend(["/etc/passwd", "/etc/group", "/etc/kubernetes/manifests"].map(String::from));
        v
    }
}

/// Detects the distribution of a node from its files and processes: RKE2, k3s, microk8s,
/// else kubeadm. Returns the distribution and why.
pub fn detect(facts: &NodeFacts) -> (Distribution, String) {
    let has = |p: &str| facts.get(p).is_some() || !facts.children(p).is_empty();
    for p in &facts.processes {
        let base = p
            .argv
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or(a))
            .unwrap_or("");
        match base {
            "rke2" => return (Distribution::Rke2, format!("process {} is rke2", p.pid)),
            "k3s" | "k3s-server" | "k3s-agent" => {
                return (Distribution::K3s, format!("process {} is k3s", p.pid))
            }
            _ => {}
        }
    }
    for (d, marker) in [
        (Distribution::Rke2, "/var/lib/rancher/rke2"),
        (Distribution::Rke2, "/etc/rancher/rke2"),
        (Distribution::K3s, "/var/lib/rancher/k3s"),
        (Distribution::K3s, "/etc/rancher/k3s"),
        (Distribution::Microk8s, "/var/snap/microk8s"),
    ] {
        if has(marker) {
            return (d, format!("{marker} exists"));
        }
    }
    (
        Distribution::Kubeadm,
        "no k3s, RKE2 or microk8s directory: the kubeadm layout".into(),
    )
}

//! The k3s and RKE2 layouts (detected from their directories), collected process command
//! lines in a tarball (`proc/PID/cmdline`), and forced layouts and path overrides.

mod common;
use common::*;
use palisade_bench::gather::{gather, GatherOptions, Input};
use palisade_bench::{bench, Distribution, Options, PathKind, Status};

const K3S_CONFIG: &str = "/etc/rancher/k3s/config.yaml";

#[test]
fn k3s_server_flags_from_config_yaml() {
    let good = bench_dir(&k3s_server(true), &Options::default());
    let bad = bench_dir(&k3s_server(false), &Options::default());
    assert_eq!(good.distribution, Distribution::K3s);
    assert!(good.problems.is_empty(), "{:?}", good.problems);
    expect(&good, "1.2.15", Status::Pass, &format!("{K3S_CONFIG}:2:3"));
    expect(&bad, "1.2.15", Status::Fail, &format!("{K3S_CONFIG}:2:3"));
    expect(&good, "1.3.2", Status::Pass, &format!("{K3S_CONFIG}:6:3"));
    // kubelet: the config.yaml flag over the k3s defaults drop-in
    expect(&bad, "4.2.1", Status::Fail, &format!("{K3S_CONFIG}:6:3"));
    expect(
        &good,
        "4.2.1",
        Status::Pass,
        "/var/lib/rancher/k3s/agent/etc/kubelet.conf.d/00-k3s-defaults.conf:5:5",
    );
    // no static-pod manifests in k3s: not applicable, said why
    let c = check(&good, "1.1.1");
    assert_eq!(c.status, Status::NotApplicable);
    assert!(
        c.reason
            .as_deref()
            .unwrap()
            .contains("without static-pod manifests"),
        "{c:?}"
    );
    // the PKI of k3s
    expect(
        &bad,
        "1.1.21",
        Status::Warn,
        "/var/lib/rancher/k3s/server/tls/server-ca.key",
    );
    expect(
        &good,
        "1.1.21",
        Status::Pass,
        "/var/lib/rancher/k3s/server/tls/server-ca.key",
    );
    expect(&good, "4.1.1", Status::Pass, "/etc/systemd/system/k3s.service");
    expect(&bad, "4.1.1", Status::Fail, "/etc/systemd/system/k3s.service");
}

#[test]
fn k3s_process_in_a_tarball() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("k3s.tgz");
    write_tarball(
        &p,
        &k3s_server(true),
        &[(
            812,
            vec![
                "/usr/local/bin/k3s",
                "server",
                "--kube-apiserver-arg=audit-log-maxage=30",
                "--kube-apiserver-arg",
                "profiling=true",
            ],
        )],
    );
    let facts = gather(&Input::Tarball(p), &GatherOptions::default());
    assert_eq!(facts.processes.len(), 1);
    let r = bench(&facts, &Options::default()).unwrap();
    // the process's flag comes after config.yaml's: it wins
    expect(&r, "1.2.15", Status::Fail, "process 812 argument 4");
    expect(&r, "1.2.17", Status::Pass, "process 812 argument 2");
    expect(&r, "1.2.1", Status::Pass, &format!("{K3S_CONFIG}:3:3"));
}

const RKE2: &str = "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml";
const RKE2_ETCD: &str = "/var/lib/rancher/rke2/server/db/etcd/config";

#[test]
fn rke2_static_pods_and_etcd_config_file() {
    let good = bench_dir(&rke2_server(true), &Options::default());
    let bad = bench_dir(&rke2_server(false), &Options::default());
    assert_eq!(good.distribution, Distribution::Rke2);
    assert_eq!(
        good.kubernetes_version.as_ref().unwrap().version,
        "v1.33.1-rke2r1-build20250515"
    );
    assert_eq!(good.benchmark.benchmark, "cis-1.12");
    let api = static_pod("kube-apiserver", "x", &["kube-apiserver", "--profiling=false"]);
    let (l, c) = pos(&api, "--profiling");
    expect(&good, "1.2.15", Status::Pass, &format!("{RKE2}:{l}:{c}"));
    expect(&bad, "1.2.15", Status::Fail, &format!("{RKE2}:{l}:{c}"));
    expect(&good, "1.1.1", Status::Pass, RKE2);
    expect(&bad, "1.1.1", Status::Fail, RKE2);
    // etcd --config-file is authoritative: the TLS settings are read there
    expect(&good, "2.1", Status::Pass, &format!("{RKE2_ETCD}:3:3"));
    expect(&good, "2.2", Status::Pass, &format!("{RKE2_ETCD}:5:3"));
    expect(&bad, "2.3", Status::Fail, &format!("{RKE2_ETCD}:3:3"));
    expect(&bad, "2.6", Status::Fail, &format!("{RKE2_ETCD}:5:3"));
    // the data dir named by the config file
    expect(
        &good,
        "1.1.11",
        Status::Pass,
        "/var/lib/rancher/rke2/server/db/etcd",
    );
}

#[test]
fn forced_distribution_and_path_overrides() {
    // A kubeadm node whose kubelet config lives elsewhere: --kubelet-config overrides --config.
    let mut entries = kubeadm_worker(true);
    entries.push(file(
        "/srv/kubelet.yaml",
        0o644,
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n",
    ));
    let opts = Options {
        distribution: Some(Distribution::Kubeadm),
        overrides: vec![(PathKind::KubeletConfig, "/srv/kubelet.yaml".into())],
        ..Options::default()
    };
    let r = bench_dir(&entries, &opts);
    expect(&r, "4.1.9", Status::Fail, "/srv/kubelet.yaml");
    expect(&r, "4.2.4", Status::Warn, "/srv/kubelet.yaml:3:1");
    // Forcing k3s on a kubeadm node: the kubeadm files are not where k3s keeps them.
    let r = bench_dir(
        &kubeadm_control_plane(true),
        &Options {
            distribution: Some(Distribution::K3s),
            ..Options::default()
        },
    );
    assert_eq!(r.distribution, Distribution::K3s);
    assert_eq!(check(&r, "1.2.15").status, Status::NotApplicable);
}

#[test]
fn benchmark_selection_from_version_and_flag() {
    let mut entries = kubeadm_control_plane(true);
    for e in entries.iter_mut() {
        if let Some(c) = &mut e.content {
            *c = c.replace(":v1.32.3", ":v1.35.0");
        }
    }
    let r = bench_dir(&entries, &Options::default());
    assert_eq!(r.benchmark.benchmark, "cis-2.0");
    let r = bench_dir(
        &entries,
        &Options {
            benchmark: Some("cis-1.12".into()),
            ..Options::default()
        },
    );
    assert_eq!(r.benchmark.benchmark, "cis-1.12");
    assert_eq!(r.benchmark.reason, "--benchmark");
    let r = bench_dir(
        &entries,
        &Options {
            kube_version: Some("v1.30.2".into()),
            ..Options::default()
        },
    );
    assert_eq!(r.benchmark.wanted.as_deref(), Some("cis-1.11"));
    assert!(r.problems.iter().any(|p| p.message.contains("cis-1.11")));
}

#[test]
fn microk8s_args_files() {
    let args = "/var/snap/microk8s/current/args/kube-apiserver";
    let text = "--cert-dir=${SNAP_DATA}/certs\n--client-ca-file=${SNAP_DATA}/certs/ca.crt\n# profiling off\n--profiling=false --authorization-mode=RBAC,Node\n";
    let entries = vec![
        dir("/var/snap/microk8s/current/args", 0o755),
        file(args, 0o660, text),
        file(
            "/var/snap/microk8s/current/args/kubelet",
            0o660,
            "--anonymous-auth=false\n--read-only-port 10255\n",
        ),
        dir("/var/snap/microk8s/current/certs", 0o755),
        file(
            "/var/snap/microk8s/current/certs/ca.crt",
            0o644,
            &common::pki::ca("microk8s").pem,
        ),
    ];
    let r = bench_dir(&entries, &Options::default());
    assert_eq!(r.distribution, Distribution::Microk8s);
    expect(&r, "1.2.15", Status::Pass, &format!("{args}:4:1"));
    expect(&r, "1.2.8", Status::Pass, &format!("{args}:4:19"));
    expect(&r, "1.2.25", Status::Pass, &format!("{args}:2:1"));
    assert_eq!(
        check(&r, "1.2.25").items[0].value.as_deref(),
        Some("/var/snap/microk8s/current/certs/ca.crt")
    );
    // the args file is the "manifest" of 1.1.1: 660 fails
    expect(&r, "1.1.1", Status::Fail, args);
    // kubelet flags from args/kubelet, `--f v` form
    let k = "/var/snap/microk8s/current/args/kubelet";
    expect(&r, "4.2.1", Status::Pass, &format!("{k}:1:1"));
    expect(&r, "4.2.4", Status::Warn, &format!("{k}:2:1"));
}

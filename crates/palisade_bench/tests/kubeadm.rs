//! kubeadm control-plane and worker fixtures (hardened and insecure), built by the test in a
//! temp dir (modes set with chmod) or a tarball (exact owners), checked end to end through
//! the library: every check kind passes on one and fails on the other, at the expected place.

mod common;
use common::*;
use palisade_bench::{bench, BenchReport, Options, Source, Status};

fn run_dir(entries: &[Entry]) -> BenchReport {
    bench_dir(entries, &Options::default())
}

const API: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";
const CM: &str = "/etc/kubernetes/manifests/kube-controller-manager.yaml";
const ETCD: &str = "/etc/kubernetes/manifests/etcd.yaml";
const KCFG: &str = "/var/lib/kubelet/config.yaml";
const DROPIN: &str = "/etc/kubernetes/kubelet.conf.d/50-palisade.conf";

fn at(file: &str, text: &str, needle: &str) -> String {
    let (l, c) = pos(text, needle);
    format!("{file}:{l}:{c}")
}

fn manifest(name: &str, cmd: &[&str]) -> String {
    let img = if name == "etcd" {
        "registry.k8s.io/etcd:3.5.16-0".to_owned()
    } else {
        format!("registry.k8s.io/{name}:v1.32.3")
    };
    static_pod(name, &img, cmd)
}

#[test]
fn hardened_control_plane_fails_only_the_kubeadm_etcd_owner() {
    let r = run_dir(&kubeadm_control_plane(true));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.benchmark.benchmark, "cis-1.12");
    assert_eq!(r.kubernetes_version.as_ref().unwrap().version, "v1.32.3");
    let failed: Vec<&str> = r
        .results
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.id.as_str())
        .collect();
    // kubeadm makes /var/lib/etcd root:root; the benchmark wants etcd:etcd.
    assert_eq!(failed, ["1.1.12"]);
    expect(&r, "1.1.12", Status::Fail, "/var/lib/etcd");
    assert_eq!(check(&r, "1.1.12").actual, "/var/lib/etcd: root:root");
    let warned: Vec<&str> = r
        .results
        .iter()
        .filter(|c| c.status == Status::Warn)
        .map(|c| c.id.as_str())
        .collect();
    // the manual checks, and kube-proxy's kubeconfig, which is not on a kubeadm host (kube-proxy
    // runs as a DaemonSet): unscored, so warn, as kube-bench says; and palisade's NODE302:
    // aescbc encrypts Secrets, but is the weak provider
    assert_eq!(
        warned,
        ["1.2.20", "3.1.1", "3.1.2", "3.1.3", "3.2.2", "4.1.3", "4.1.4", "NODE302"]
    );
    assert_eq!(
        check(&r, "4.1.3").location.as_ref().unwrap().to_string(),
        "/etc/kubernetes/proxy.conf"
    );
    // no --metrics-bind-address anywhere: passes
    expect(&r, "4.3.1", Status::Pass, "/var/lib/kube-proxy/config.conf");
    let na: Vec<&str> = r
        .results
        .iter()
        .filter(|c| c.status == Status::NotApplicable)
        .map(|c| c.id.as_str())
        .collect();
    // palisade's own checks with nothing to read here: users in the kubeconfigs (the fixture's
    // have none), CoreDNS (kubeadm keeps no Corefile on disk)
    assert_eq!(na, ["NODE201", "NODE202", "NODE203", "NODE601"]);
    assert_eq!(r.results.len(), 97 + palisade_bench::extra::checks().len());
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn hardened_control_plane_tarball_with_etcd_owner_passes() {
    let r = bench_tar(&with_etcd_owner(kubeadm_control_plane(true)));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    expect(&r, "1.1.12", Status::Pass, "/var/lib/etcd");
    assert_eq!(r.counts(None).fail, 0);
    assert_eq!(r.exit_code(), 0);
    assert_eq!(r.counts(Some("1")).pass, 59);
}

#[test]
fn file_checks_modes_owners_and_lists() {
    let good = run_dir(&kubeadm_control_plane(true));
    let bad = run_dir(&kubeadm_control_plane(false));
    // bitmask: 600 passes, 644 fails; 400 (stricter) passes
    expect(&good, "1.1.1", Status::Pass, API);
    expect(&bad, "1.1.1", Status::Fail, API);
    assert_eq!(check(&bad, "1.1.1").actual, format!("{API}: 644"));
    expect(
        &good,
        "1.1.5",
        Status::Pass,
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
    );
    expect(&bad, "1.1.3", Status::Fail, CM); // 640 has a group bit outside 600
                                             // the data dir: etcd's --data-dir, 700
    expect(&good, "1.1.11", Status::Pass, "/var/lib/etcd");
    expect(&bad, "1.1.11", Status::Fail, "/var/lib/etcd");
    // every line must pass: the first failing file is the location; unscored → warn
    expect(&bad, "1.1.21", Status::Warn, "/etc/kubernetes/pki/apiserver.key");
    // the first key of the PKI: apiserver-etcd-client.key sorts before apiserver.key
    expect(
        &good,
        "1.1.21",
        Status::Pass,
        "/etc/kubernetes/pki/apiserver-etcd-client.key",
    );
    expect(&bad, "1.1.20", Status::Warn, "/etc/kubernetes/pki/ca.crt");
    // admin.conf and super-admin.conf, each
    expect(&bad, "1.1.13", Status::Fail, "/etc/kubernetes/admin.conf");
    // CNI files under /var/lib/cni/networks
    expect(
        &bad,
        "1.1.9",
        Status::Warn,
        "/var/lib/cni/networks/k8s-pod-network/10.244.0.5",
    );
    // owner checks: root:root through the node's /etc/passwd
    expect(&good, "1.1.2", Status::Pass, API);
    expect(&good, "1.1.19", Status::Pass, "/etc/kubernetes/pki");
    // kubelet files: 10-kubeadm.conf, kubelet.conf, the client CA (644), config.yaml
    expect(
        &good,
        "4.1.1",
        Status::Pass,
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    );
    expect(
        &bad,
        "4.1.1",
        Status::Fail,
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    );
    expect(&bad, "4.1.7", Status::Warn, "/etc/kubernetes/pki/ca.crt");
    expect(&bad, "4.1.9", Status::Fail, KCFG);
    expect(&good, "4.1.9", Status::Pass, KCFG);
}

#[test]
fn owners_from_tarball_headers() {
    let mut bad = kubeadm_control_plane(false);
    for e in bad.iter_mut() {
        if e.path == "/etc/kubernetes/admin.conf" || e.path == "/etc/kubernetes/manifests/kube-apiserver.yaml"
        {
            e.owner = ("kube", "kube");
        }
    }
    let bad = bench_tar(&bad);
    let good = bench_tar(&with_etcd_owner(kubeadm_control_plane(true)));
    // output contains root:root
    expect(&bad, "1.1.2", Status::Fail, API);
    assert_eq!(check(&bad, "1.1.2").actual, format!("{API}: kube:kube"));
    expect(&good, "1.1.2", Status::Pass, API);
    // ownership == root:root, every file
    expect(&bad, "1.1.14", Status::Fail, "/etc/kubernetes/admin.conf");
    expect(&good, "1.1.14", Status::Pass, "/etc/kubernetes/admin.conf");
    // etcd:etcd
    expect(&bad, "1.1.12", Status::Fail, "/var/lib/etcd");
    expect(&good, "1.1.12", Status::Pass, "/var/lib/etcd");
}

#[test]
fn kubelet_service_missing_passes_4_1_2_only() {
    let entries: Vec<Entry> = kubeadm_worker(true)
        .into_iter()
        .filter(|e| !e.path.contains("kubelet.service"))
        .collect();
    let r = run_dir(&entries);
    let c = check(&r, "4.1.2");
    assert_eq!(c.status, Status::Pass, "{c:#?}");
    assert_eq!(c.actual, "File not found");
    assert_eq!(check(&r, "4.1.1").status, Status::Fail);
    assert_eq!(
        check(&r, "4.1.1").actual,
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf: not found"
    );
}

#[test]
fn apiserver_flag_checks() {
    let good = run_dir(&kubeadm_control_plane(true));
    let bad = run_dir(&kubeadm_control_plane(false));
    let g = manifest("kube-apiserver", APISERVER_HARDENED);
    let b = manifest("kube-apiserver", APISERVER_INSECURE);
    let anchor = at(API, &b, "- kube-apiserver").replace(":5", ":7");
    let anchor = anchor.as_str();
    // eq
    expect(&good, "1.2.15", Status::Pass, &at(API, &g, "--profiling"));
    expect(&bad, "1.2.15", Status::Fail, anchor); // absent: where it must be added
    assert_eq!(check(&bad, "1.2.15").actual, "--profiling not set");
    // set: false
    expect(
        &good,
        "1.2.2",
        Status::Pass,
        &at(API, &g, "- kube-apiserver").replace(":5", ":7"),
    );
    expect(&bad, "1.2.2", Status::Fail, &at(API, &b, "--token-auth-file"));
    // present (and): one of two missing fails
    expect(
        &good,
        "1.2.4",
        Status::Pass,
        &at(API, &g, "--kubelet-client-certificate"),
    );
    expect(
        &bad,
        "1.2.4",
        Status::Fail,
        &at(API, &b, "--kubelet-client-certificate"),
    );
    // has / nothave
    expect(&good, "1.2.7", Status::Pass, &at(API, &g, "--authorization-mode"));
    expect(&bad, "1.2.6", Status::Fail, &at(API, &b, "--authorization-mode"));
    // a repeated list flag appends: AlwaysAdmit in the second occurrence is seen
    expect(
        &bad,
        "1.2.10",
        Status::Fail,
        &at(API, &b, "--enable-admission-plugins"),
    );
    assert_eq!(
        check(&bad, "1.2.10").actual,
        "--enable-admission-plugins=NodeRestriction,AlwaysAdmit"
    );
    expect(
        &good,
        "1.2.10",
        Status::Pass,
        &at(API, &g, "--enable-admission-plugins"),
    );
    expect(
        &bad,
        "1.2.12",
        Status::Fail,
        &at(API, &b, "--disable-admission-plugins"),
    );
    expect(
        &bad,
        "1.2.13",
        Status::Pass,
        &at(API, &b, "--disable-admission-plugins"),
    );
    // gte: integers only ("30d" fails)
    expect(&good, "1.2.17", Status::Pass, &at(API, &g, "--audit-log-maxage"));
    expect(&bad, "1.2.17", Status::Fail, &at(API, &b, "--audit-log-maxage"));
    expect(&bad, "1.2.19", Status::Fail, &at(API, &b, "--audit-log-maxsize"));
    // or: absent or true
    expect(
        &good,
        "1.2.21",
        Status::Pass,
        &at(API, &g, "--service-account-lookup"),
    );
    expect(
        &bad,
        "1.2.21",
        Status::Fail,
        &at(API, &b, "--service-account-lookup"),
    );
    // valid_elements (unscored: warn)
    expect(&good, "1.2.29", Status::Pass, &at(API, &g, "--tls-cipher-suites"));
    expect(&bad, "1.2.29", Status::Warn, &at(API, &b, "--tls-cipher-suites"));
    // the EncryptionConfiguration's first provider of the last resources entry
    expect(
        &good,
        "1.2.28",
        Status::Pass,
        &at("/etc/kubernetes/enc/encryption.yaml", ENCRYPTION_AESCBC, "aescbc"),
    );
    expect(
        &bad,
        "1.2.28",
        Status::Warn,
        &at(
            "/etc/kubernetes/enc/encryption.yaml",
            ENCRYPTION_IDENTITY,
            "identity",
        ),
    );
    assert_eq!(check(&bad, "1.2.28").actual, "provider=identity");
    // section 3 reads the apiserver too
    expect(&good, "3.2.1", Status::Pass, &at(API, &g, "--audit-policy-file"));
    expect(&bad, "3.2.1", Status::Warn, anchor);
}

#[test]
fn controller_manager_scheduler_and_etcd_flags() {
    let good = run_dir(&kubeadm_control_plane(true));
    let bad = run_dir(&kubeadm_control_plane(false));
    let g = manifest("kube-controller-manager", CM_HARDENED);
    let b = manifest("kube-controller-manager", CM_INSECURE);
    // noteq
    expect(
        &good,
        "1.3.3",
        Status::Pass,
        &at(CM, &g, "--use-service-account-credentials"),
    );
    expect(
        &bad,
        "1.3.3",
        Status::Fail,
        &at(CM, &b, "--use-service-account-credentials"),
    );
    // nothave over a feature-gates value
    expect(&good, "1.3.6", Status::Pass, &at(CM, &g, "--feature-gates"));
    expect(&bad, "1.3.6", Status::Fail, &at(CM, &b, "--feature-gates"));
    expect(&bad, "1.3.7", Status::Fail, &at(CM, &b, "--bind-address"));
    let ge = manifest("etcd", ETCD_HARDENED);
    let be = manifest("etcd", ETCD_INSECURE);
    expect(&good, "2.2", Status::Pass, &at(ETCD, &ge, "--client-cert-auth"));
    expect(&bad, "2.2", Status::Fail, &at(ETCD, &be, "--client-cert-auth"));
    expect(&bad, "2.3", Status::Fail, &at(ETCD, &be, "--auto-tls"));
    expect(
        &good,
        "2.6",
        Status::Pass,
        &at(ETCD, &ge, "- etcd").replace(":5", ":7"),
    );
}

#[test]
fn etcd_environment_when_the_flag_is_absent() {
    let mut entries = kubeadm_control_plane(true);
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:3.5.16-0\n    command:\n    - etcd\n    - --data-dir=/var/lib/etcd\n    - --client-cert-auth=true\n    env:\n    - name: ETCD_CERT_FILE\n      value: /etc/kubernetes/pki/etcd/server.crt\n    - name: ETCD_KEY_FILE\n      value: /etc/kubernetes/pki/etcd/server.key\n    - name: ETCD_CLIENT_CERT_AUTH\n      value: \"false\"\n";
    for e in entries.iter_mut() {
        if e.path == ETCD {
            e.content = Some(text.into());
        }
    }
    let r = run_dir(&entries);
    let c = check(&r, "2.1");
    assert_eq!(c.status, Status::Pass, "{c:#?}");
    assert_eq!(c.items[0].source, Some(Source::Env));
    assert_eq!(c.location.as_ref().unwrap().to_string(), format!("{ETCD}:15:14"));
    // the flag wins over the environment
    expect(&r, "2.2", Status::Pass, &format!("{ETCD}:12:7"));
}

#[test]
fn kubelet_precedence_flags_dropins_config_defaults() {
    let good = run_dir(&kubeadm_worker(true));
    let bad = run_dir(&kubeadm_worker(false));
    // config file value
    expect(
        &good,
        "4.2.1",
        Status::Pass,
        &at(KCFG, KUBELET_CONFIG_HARDENED, "enabled: false"),
    );
    assert_eq!(check(&good, "4.2.1").items[0].source, Some(Source::Config));
    // a flag (KUBELET_EXTRA_ARGS in /etc/default/kubelet) overrides the drop-in and the file
    let extra = "KUBELET_EXTRA_ARGS=--read-only-port=10255 --anonymous-auth=true\n";
    expect(
        &bad,
        "4.2.1",
        Status::Fail,
        &at("/etc/default/kubelet", extra, "--anonymous-auth"),
    );
    assert_eq!(check(&bad, "4.2.1").items[0].source, Some(Source::Flag));
    expect(
        &bad,
        "4.2.4",
        Status::Warn,
        &at("/etc/default/kubelet", extra, "--read-only-port"),
    );
    // drop-in over the config file (lists replaced whole)
    expect(
        &bad,
        "4.2.12",
        Status::Warn,
        &at(DROPIN, KUBELET_DROPIN_INSECURE, "tlsCipherSuites"),
    );
    assert_eq!(check(&bad, "4.2.12").items[0].source, Some(Source::Dropin));
    expect(
        &good,
        "4.2.14",
        Status::Pass,
        &at(DROPIN, KUBELET_DROPIN_HARDENED, "seccompDefault"),
    );
    // feature gate from the drop-in (token checks read featureGates)
    expect(
        &bad,
        "4.2.11",
        Status::Warn,
        &at(DROPIN, KUBELET_DROPIN_INSECURE, "RotateKubeletServerCertificate"),
    );
    expect(
        &good,
        "4.2.11",
        Status::Pass,
        &at(KCFG, KUBELET_CONFIG_HARDENED, "RotateKubeletServerCertificate"),
    );
    // config value AlwaysAllow
    expect(
        &bad,
        "4.2.2",
        Status::Fail,
        &at(KCFG, KUBELET_CONFIG_INSECURE, "mode: AlwaysAllow"),
    );
    // flag from kubeadm-flags.env passes 4.2.6 over the config's false
    let flags_env = "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --hostname-override=node-1 --make-iptables-util-chains=true\"\n";
    expect(
        &bad,
        "4.2.6",
        Status::Pass,
        &at(
            "/var/lib/kubelet/kubeadm-flags.env",
            flags_env,
            "--make-iptables-util-chains",
        ),
    );
    expect(
        &bad,
        "4.2.7",
        Status::Warn,
        &at(
            "/var/lib/kubelet/kubeadm-flags.env",
            flags_env,
            "--hostname-override",
        ),
    );
    // 0 (not "0s") fails 4.2.5; a missing value is located at the config file
    expect(
        &bad,
        "4.2.5",
        Status::Warn,
        &at(KCFG, KUBELET_CONFIG_INSECURE, "streamingConnectionIdleTimeout"),
    );
    expect(&bad, "4.2.3", Status::Fail, KCFG);
    expect(
        &bad,
        "4.2.10",
        Status::Fail,
        &at(KCFG, KUBELET_CONFIG_INSECURE, "rotateCertificates"),
    );
    // kube-proxy's KubeProxyConfiguration
    expect(
        &good,
        "4.3.1",
        Status::Pass,
        "/var/lib/kube-proxy/config.conf:3:1",
    );
    expect(&bad, "4.3.1", Status::Fail, "/var/lib/kube-proxy/config.conf:3:1");
    // a worker: the control-plane sections do not apply
    for id in ["1.1.1", "1.2.1", "1.3.2", "1.4.1", "2.1", "3.1.1", "3.2.1"] {
        let c = check(&good, id);
        assert_eq!(c.status, Status::NotApplicable, "{id}");
        assert!(
            c.reason.as_deref().unwrap().contains("not on this node"),
            "{id}: {:?}",
            c.reason
        );
    }
}

#[test]
fn kubelet_defaults_depend_on_the_config_file() {
    // A config file that leaves anonymous auth, authorization and the read-only port unset:
    // the v1beta1 defaults are safe.
    let cfg =
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n";
    let mut with_file = kubeadm_worker(true);
    for e in with_file.iter_mut() {
        if e.path == KCFG {
            e.content = Some(cfg.into());
        }
    }
    let r = run_dir(&with_file);
    let c = check(&r, "4.2.1");
    assert_eq!(c.status, Status::Pass, "{c:#?}");
    assert_eq!(c.items[0].source, Some(Source::Default));
    assert_eq!(c.actual, "--anonymous-auth not set (default false)");
    assert_eq!(
        c.location.as_ref().unwrap().to_string(),
        "kubelet default (KubeletConfiguration v1beta1)"
    );
    assert_eq!(check(&r, "4.2.2").status, Status::Pass);
    assert_eq!(check(&r, "4.2.4").status, Status::Pass);

    // No config file at all: the flag defaults are anonymous on, AlwaysAllow, port 10255.
    let unit = "[Service]\nExecStart=/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf\n";
    let no_file = vec![
        file("/lib/systemd/system/kubelet.service", 0o644, unit),
        file(
            "/etc/kubernetes/kubelet.conf",
            0o600,
            "apiVersion: v1\nkind: Config\n",
        ),
    ];
    let r = run_dir(&no_file);
    let c = check(&r, "4.2.1");
    assert_eq!(c.status, Status::Fail, "{c:#?}");
    assert_eq!(c.actual, "--anonymous-auth not set (default true)");
    assert_eq!(check(&r, "4.2.2").status, Status::Fail);
    assert_eq!(check(&r, "4.2.4").status, Status::Warn);
    assert_eq!(
        check(&r, "4.2.4").actual,
        "--read-only-port not set (default 10255)"
    );
    // 4.1.9: the layout's config file, which is not there
    assert_eq!(check(&r, "4.1.9").status, Status::Fail);
    assert_eq!(
        check(&r, "4.1.9").actual,
        "/var/lib/kubelet/config.yaml: not found"
    );
}

/// The embedded checks file is the spec's, byte for byte (when ../shared is beside the
/// checkout; the build never needs it).
#[test]
fn embedded_checks_file_is_the_spec() {
    let spec =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/cis-1.12-checks.json");
    let Ok(text) = std::fs::read_to_string(&spec) else {
        // CI always has shared/ beside the checkout: there the comparison must happen.
        assert!(
            std::env::var_os("CI").is_none(),
            "{} missing in CI",
            spec.display()
        );
        eprintln!("{} not present: nothing to compare", spec.display());
        return;
    };
    assert_eq!(
        text,
        palisade_bench::catalogue::CHECKS_JSON,
        "data/cis-1.12-checks.json differs from the spec"
    );
}

/// Facts built by hand (as `bench collect` will): an etcd process whose TLS files come from
/// its environment; the flag wins over the environment.
#[test]
fn process_environment_from_facts() {
    use palisade_bench::{NodeFacts, Process, ProcessOrigin};
    let mut facts = NodeFacts {
        origin: "collected".into(),
        ..NodeFacts::default()
    };
    facts.processes.push(Process {
        pid: 77,
        argv: [
            "/usr/local/bin/etcd",
            "--data-dir",
            "/var/lib/etcd",
            "--client-cert-auth=true",
        ]
        .map(String::from)
        .to_vec(),
        env: Some(vec![
            ("ETCD_CERT_FILE".into(), "/etc/etcd/server.crt".into()),
            ("ETCD_KEY_FILE".into(), "/etc/etcd/server.key".into()),
            ("ETCD_CLIENT_CERT_AUTH".into(), "false".into()),
        ]),
        origin: ProcessOrigin::Collected,
    });
    let r = bench(&facts, &Options::default()).unwrap();
    expect(&r, "2.1", Status::Pass, "process 77 environment ETCD_CERT_FILE");
    assert_eq!(
        check(&r, "2.1").items[1].location.as_ref().unwrap().to_string(),
        "process 77 environment ETCD_KEY_FILE"
    );
    expect(&r, "2.2", Status::Pass, "process 77 argument 3");
    expect(&r, "2.4", Status::Fail, "process 77 argument 0");
}

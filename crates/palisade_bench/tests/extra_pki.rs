//! palisade's PKI checks (NODE101–NODE106) on a kubeadm control plane whose PKI the test
//! generates with rcgen: hardened, insecure (an expired certificate, a 1024-bit RSA key, etcd
//! signed by the cluster CA, an extra system:masters client certificate, a key with mode 644),
//! and one mistake at a time; each check passes on one and fails on the other, at the expected
//! certificate or file. Certificates that do not parse are located errors.

mod common;
use common::pki::{kubeadm_pki, Knobs, PKI};
use common::*;
use palisade_bench::extra::ExtraOptions;
use palisade_bench::gather::{gather, GatherOptions, Input};
use palisade_bench::{bench, BenchReport, Options, Status};

/// 2098-12-15T00:00:00Z: 17 days before the fixtures' certificates expire.
const DEC_2098: i64 = 4_069_440_000;

fn run(entries: &[Entry], extra: ExtraOptions) -> BenchReport {
    bench_dir(
        entries,
        &Options {
            extra,
            ..Options::default()
        },
    )
}

/// The hardened control plane with its PKI replaced by one made with these knobs.
fn with_pki(k: &Knobs) -> Vec<Entry> {
    let mut v: Vec<Entry> = kubeadm_control_plane(true)
        .into_iter()
        .filter(|e| !e.path.starts_with(PKI))
        .collect();
    v.extend(kubeadm_pki(k));
    v
}

#[test]
fn hardened_pki_passes_every_check() {
    let r = run(&kubeadm_control_plane(true), ExtraOptions::default());
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // the first certificate of the PKI, in path order
    let first = format!("{PKI}/apiserver-etcd-client.crt:1:1");
    expect(&r, "NODE101", Status::Pass, &first);
    expect(&r, "NODE102", Status::Pass, &first);
    assert_eq!(
        check(&r, "NODE102").items[0].value.as_deref(),
        Some("ECDSA P-256")
    );
    // sa.pub is judged too
    assert!(check(&r, "NODE102")
        .items
        .iter()
        .any(|i| i.item == format!("{PKI}/sa.pub")));
    expect(&r, "NODE103", Status::Pass, &format!("{PKI}/apiserver.crt:1:1"));
    assert_eq!(check(&r, "NODE103").items.len(), 2, "apiserver and etcd");
    expect(&r, "NODE104", Status::Pass, &format!("{PKI}/etcd/ca.crt:1:1"));
    // the client certificates, none in system:masters
    let c = check(&r, "NODE105");
    assert_eq!(c.status, Status::Pass);
    assert!(c
        .items
        .iter()
        .any(|i| i.value.as_deref() == Some("CN=kube-apiserver-kubelet-client O=kubeadm:cluster-admins")));
    expect(
        &r,
        "NODE106",
        Status::Pass,
        &format!("{PKI}/apiserver-etcd-client.key"),
    );
    assert_eq!(
        check(&r, "NODE106").items.len(),
        11,
        "{:#?}",
        check(&r, "NODE106")
    );
}

#[test]
fn insecure_pki_fails_at_each_mistake() {
    let r = run(&kubeadm_control_plane(false), ExtraOptions::default());
    assert!(errors(&r).is_empty(), "{:?}", r.problems);
    expect(&r, "NODE101", Status::Fail, &format!("{PKI}/apiserver.crt:1:1"));
    assert_eq!(
        check(&r, "NODE101").actual,
        format!("{PKI}/apiserver.crt: expired 2021-01-01")
    );
    expect(
        &r,
        "NODE102",
        Status::Fail,
        &format!("{PKI}/front-proxy-client.crt:1:1"),
    );
    assert_eq!(
        check(&r, "NODE102").actual,
        format!("{PKI}/front-proxy-client.crt: RSA 1024 bits")
    );
    // etcd's server and peer certificates verify with the cluster CA's key
    expect(&r, "NODE104", Status::Fail, &format!("{PKI}/etcd/server.crt:1:1"));
    let failing: Vec<&str> = check(&r, "NODE104")
        .items
        .iter()
        .filter(|i| !i.passed)
        .map(|i| i.item.as_str())
        .collect();
    assert_eq!(
        failing,
        [format!("{PKI}/etcd/server.crt"), format!("{PKI}/etcd/peer.crt")]
    );
    expect(
        &r,
        "NODE105",
        Status::Fail,
        &format!("{PKI}/backup-admin.crt:1:1"),
    );
    assert_eq!(
        check(&r, "NODE105").actual,
        format!("{PKI}/backup-admin.crt: CN=backup-admin O=system:masters")
    );
    expect(&r, "NODE106", Status::Fail, &format!("{PKI}/apiserver.key"));
    assert_eq!(
        check(&r, "NODE106").actual,
        format!("{PKI}/apiserver.key: 644 root:root")
    );
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn expiry_warning_period_is_configurable() {
    let soon = ExtraOptions {
        now: Some(DEC_2098),
        ..ExtraOptions::default()
    };
    let r = run(&kubeadm_control_plane(true), soon);
    let c = check(&r, "NODE101");
    assert_eq!(c.status, Status::Warn, "{c:#?}");
    assert!(
        c.actual.contains("expires 2099-01-01 (in 17 days)"),
        "{}",
        c.actual
    );
    let r = run(
        &kubeadm_control_plane(true),
        ExtraOptions {
            now: Some(DEC_2098),
            cert_warn_days: Some(10),
            ..ExtraOptions::default()
        },
    );
    assert_eq!(check(&r, "NODE101").status, Status::Pass);
}

#[test]
fn serving_certificates_must_name_what_they_serve() {
    let k = Knobs {
        apiserver_sans: vec!["kubernetes", "10.96.0.1", "10.0.0.10"],
        etcd_sans: vec!["localhost", "127.0.0.1"],
        ..Knobs::hardened()
    };
    let r = run(&with_pki(&k), ExtraOptions::default());
    expect(&r, "NODE103", Status::Fail, &format!("{PKI}/apiserver.crt:1:1"));
    let c = check(&r, "NODE103");
    assert!(
        c.items[0]
            .value
            .as_deref()
            .unwrap()
            .ends_with("do not cover kubernetes.default.svc"),
        "{c:#?}"
    );
    // etcd's --advertise-client-urls=https://10.0.0.10:2379 is not among its SANs
    assert_eq!(c.items[1].item, format!("{PKI}/etcd/server.crt"));
    assert!(c.items[1]
        .value
        .as_deref()
        .unwrap()
        .ends_with("do not cover 10.0.0.10"));
    assert!(!c.items[1].passed);
}

#[test]
fn etcd_ca_that_is_the_cluster_ca_fails() {
    let k = Knobs {
        same_etcd_ca: true,
        ..Knobs::hardened()
    };
    let r = run(&with_pki(&k), ExtraOptions::default());
    expect(&r, "NODE104", Status::Fail, &format!("{PKI}/etcd/ca.crt:1:1"));
    assert!(
        check(&r, "NODE104")
            .actual
            .contains(&format!("same CA as {PKI}/ca.crt")),
        "{}",
        check(&r, "NODE104").actual
    );
    // a node without etcd and without an etcd CA: not applicable
    let worker = run(&kubeadm_worker(true), ExtraOptions::default());
    assert_eq!(check(&worker, "NODE104").status, Status::NotApplicable);
}

#[test]
fn private_key_owner_comes_from_the_tarball() {
    let mut v = with_etcd_owner(kubeadm_control_plane(true));
    for e in v.iter_mut() {
        if e.path == format!("{PKI}/sa.key") {
            e.owner = ("nobody", "nogroup");
        }
    }
    let r = bench_tar(&v);
    expect(&r, "NODE106", Status::Fail, &format!("{PKI}/sa.key"));
    assert_eq!(
        check(&r, "NODE106").actual,
        format!("{PKI}/sa.key: 600 nobody:nogroup")
    );
}

#[test]
fn certificates_that_do_not_parse_are_located_errors() {
    let mut v = kubeadm_control_plane(true);
    for e in v.iter_mut() {
        if e.path == format!("{PKI}/apiserver.crt") {
            // a truncated file
            e.content = Some("-----BEGIN CERTIFICATE-----\nMIIB\n".into());
        }
        if e.path == format!("{PKI}/front-proxy-client.crt") {
            // valid PEM and base64, not X.509, after two comment lines
            e.content = Some(
                "# issued by hand\n\n-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n"
                    .into(),
            );
        }
    }
    let r = run(&v, ExtraOptions::default());
    let errs = errors(&r);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].starts_with(&format!(
            "{PKI}/apiserver.crt:1:1: certificate does not parse: PEM block CERTIFICATE has no END line"
        )),
        "{errs:?}"
    );
    assert!(
        errs[1].starts_with(&format!(
            "{PKI}/front-proxy-client.crt:3:1: certificate does not parse: X.509"
        )),
        "{errs:?}"
    );
    assert_eq!(r.exit_code(), 2);
    // the rest is still checked: the other certificates, and the benchmark
    assert_eq!(check(&r, "NODE101").status, Status::Pass);
    assert!(!check(&r, "NODE101")
        .items
        .iter()
        .any(|i| i.item.ends_with("apiserver.crt")));
    assert_eq!(check(&r, "1.2.15").status, Status::Pass);
    // the API server's serving certificate could not be read: NODE103 says so
    let c = check(&r, "NODE103");
    assert_eq!(c.status, Status::Warn);
    assert_eq!(c.reason.as_deref(), Some("its certificate could not be read"));
}

#[test]
fn check_selection_by_code_and_group() {
    let t = tempfile::tempdir().unwrap();
    write_dir(t.path(), &kubeadm_control_plane(false));
    let facts = gather(&Input::Dir(t.path().to_path_buf()), &GatherOptions::default());
    let only = |sel: &[&str]| -> Vec<String> {
        bench(
            &facts,
            &Options {
                checks: sel.iter().map(|s| (*s).to_owned()).collect(),
                ..Options::default()
            },
        )
        .unwrap()
        .results
        .iter()
        .map(|c| c.id.clone())
        .collect()
    };
    assert_eq!(only(&["NODE104"]), ["NODE104"]);
    assert_eq!(
        only(&["N.1"]),
        ["NODE101", "NODE102", "NODE103", "NODE104", "NODE105", "NODE106"]
    );
    assert_eq!(only(&["1.2.15", "node501"]), ["1.2.15", "NODE501"]);
    assert_eq!(only(&["N"]).len(), palisade_bench::extra::checks().len());
    assert!(bench(
        &facts,
        &Options {
            checks: vec!["NODE999".into()],
            ..Options::default()
        }
    )
    .is_err());
}

#[test]
fn k3s_pki_paths() {
    const TLS: &str = "/var/lib/rancher/k3s/server/tls";
    let server_ca = common::pki::ca("k3s-server-ca");
    let (crt, key) = common::pki::Leaf::server(
        "kube-apiserver",
        &[
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "10.43.0.1",
        ],
    )
    .issue(&server_ca);
    let mut v = k3s_server(true);
    v.push(file(&format!("{TLS}/serving-kube-apiserver.crt"), 0o644, &crt));
    v.push(file(&format!("{TLS}/serving-kube-apiserver.key"), 0o600, &key));
    let r = run(&v, ExtraOptions::default());
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // no --tls-cert-file in config.yaml: k3s's own serving certificate
    expect(
        &r,
        "NODE103",
        Status::Pass,
        &format!("{TLS}/serving-kube-apiserver.crt:1:1"),
    );
    expect(&r, "NODE106", Status::Pass, &format!("{TLS}/server-ca.key"));
    // insecure k3s: the CA key is 644; no serving certificate on the node to judge
    let r = run(&k3s_server(false), ExtraOptions::default());
    expect(&r, "NODE106", Status::Fail, &format!("{TLS}/server-ca.key"));
    let c = check(&r, "NODE103");
    assert_eq!(c.status, Status::Warn);
    assert_eq!(
        c.location.as_ref().unwrap().to_string(),
        format!("{TLS}/serving-kube-apiserver.crt")
    );
}

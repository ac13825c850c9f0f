//! `bench collect`: a fixture node written to a temp dir (with private keys, kubeconfigs with
//! embedded keys and tokens, a k3s token, collected process records with secrets in their
//! environment and command line) is collected into a tarball; the tarball must give the same
//! report as the directory, and must hold none of the secrets.

mod common;
use common::*;
use palisade_bench::collect::{self, WithheldKind};
use palisade_bench::gather::{gather, GatherOptions, Input};
use palisade_bench::{bench, BenchReport, NodeFacts, Options};
use std::io::Read;
use std::path::Path;

const EC_KEY_B64: &str = "MBICAQEEAVWgCgYIKoZIzj0DAQc=";

fn ec_key() -> String {
    format!("-----BEGIN EC PRIVATE KEY-----\n{EC_KEY_B64}\n-----END EC PRIVATE KEY-----\n")
}

/// Secrets a node holds, added to a fixture.
fn secrets() -> Vec<Entry> {
    use base64::Engine;
    let key_data = base64::engine::general_purpose::STANDARD.encode(ec_key());
    vec![
        file("/etc/kubernetes/pki/ca.key", 0o600, &ec_key()),
        file("/etc/kubernetes/pki/etcd/peer.key", 0o644, &ec_key()),
        file(
            "/etc/kubernetes/admin.conf",
            0o600,
            &format!(
                "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-certificate-data: Q0VSVElGSUNBVEU=\n    client-key-data: {key_data}\n    token: SECRETTOKEN123\n"
            ),
        ),
        file("/etc/kubernetes/tokens.csv", 0o600, "SECRETTOKEN456,admin,1\n"),
        file(
            "/etc/kubernetes/enc/encryption.yaml",
            0o600,
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys:\n      - name: key1\n        secret: U0VDUkVUQUVTS0VZ\n  - identity: {}\n",
        ),
        // A collected etcd process: an environment with a secret, the checked variables.
        file(
            "/proc/4242/cmdline",
            0o444,
            "etcd\0--data-dir=/var/lib/etcd\0--client-cert-auth=true\0--token\0SECRETTOKEN789\0",
        ),
        file(
            "/proc/4242/environ",
            0o400,
            "ETCD_AUTO_TLS=true\0AWS_SECRET_ACCESS_KEY=SECRETAWS\0HOME=/root\0",
        ),
    ]
}

fn collect_to(root: &Path, tarball: &Path) -> (NodeFacts, collect::Written) {
    let opts = GatherOptions::default();
    let facts = gather(&Input::Dir(root.to_path_buf()), &opts);
    let file = std::fs::File::create(tarball).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let (gz, written) = collect::write_tar(&facts, root, &opts, gz).unwrap();
    gz.finish().unwrap();
    (facts, written)
}

fn same_report(mut a: BenchReport, mut b: BenchReport) {
    a.origin.clear();
    b.origin.clear();
    // The tarball's reader names withheld files in nothing the checks use; results, components,
    // problems and the selection are the same.
    assert_eq!(a.results.len(), b.results.len());
    for (x, y) in a.results.iter().zip(&b.results) {
        assert_eq!(x, y, "check {}", x.id);
    }
    assert_eq!(a.components, b.components);
    assert_eq!(a.problems, b.problems);
    assert_eq!(a, b);
}

fn tar_bytes(p: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(p).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn roundtrip(entries: Vec<Entry>) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("node");
    write_dir(&root, &entries);
    let from_dir = bench(
        &gather(&Input::Dir(root.clone()), &GatherOptions::default()),
        &Options::default(),
    )
    .unwrap();
    let tarball = t.path().join("node.tar.gz");
    let (_, written) = collect_to(&root, &tarball);
    assert!(written.files > 0);
    let from_tar = bench(
        &gather(&Input::Tarball(tarball.clone()), &GatherOptions::default()),
        &Options::default(),
    )
    .unwrap();
    same_report(from_dir, from_tar);
}

#[test]
fn kubeadm_control_plane_tarball_reports_as_the_directory() {
    let mut v = kubeadm_control_plane(false);
    v.extend(kubeadm_kubelet(false));
    v.extend(secrets());
    roundtrip(v);
    let mut v = kubeadm_control_plane(true);
    v.extend(kubeadm_kubelet(true));
    roundtrip(v);
}

#[test]
fn worker_k3s_and_rke2_tarballs_report_as_their_directories() {
    roundtrip(kubeadm_worker(false));
    roundtrip(kubeadm_worker(true));
    let mut k3s = k3s_server(false);
    k3s.push(file(
        "/var/lib/rancher/k3s/server/cred/passwd",
        0o600,
        "SECRETPASSWD,admin,admin\n",
    ));
    roundtrip(k3s);
    roundtrip(rke2_server(true));
}

#[test]
fn secrets_are_summarised_not_copied() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("node");
    let mut v = kubeadm_control_plane(false);
    v.extend(secrets());
    write_dir(&root, &v);
    let tarball = t.path().join("node.tar.gz");
    let (facts, written) = collect_to(&root, &tarball);
    // The gathered facts did hold them: the test can fail.
    assert!(facts.get("/etc/kubernetes/pki/ca.key").unwrap().content.is_some());
    let raw = tar_bytes(&tarball);
    let text = String::from_utf8_lossy(&raw);
    for secret in [
        EC_KEY_B64,
        "PRIVATE KEY",
        "SECRETTOKEN123",
        "SECRETTOKEN456",
        "SECRETTOKEN789",
        "U0VDUkVUQUVTS0VZ",
        "SECRETAWS",
        "HOME=/root",
        "LS0tLS1CRUdJTi",
    ] {
        assert!(!text.contains(secret), "{secret} is in the tarball");
    }
    // What is kept: the certificate data, the checked variable, the provider name.
    for kept in [
        "Q0VSVElGSUNBVEU=",
        "ETCD_AUTO_TLS=true",
        "aescbc",
        "--client-cert-auth=true",
    ] {
        assert!(text.contains(kept), "{kept} is not in the tarball");
    }
    let w = |p: &str| {
        written
            .withheld
            .iter()
            .find(|w| w.path == p)
            .unwrap_or_else(|| panic!("{p} not withheld: {:?}", written.withheld))
    };
    let ca = w("/etc/kubernetes/pki/ca.key");
    assert_eq!(
        (ca.kind.clone(), ca.whole, ca.mode.as_str()),
        (WithheldKind::PrivateKey, true, "600")
    );
    assert_eq!(collect::describe(ca), "private key: EC P-256");
    assert_eq!(w("/etc/kubernetes/pki/etcd/peer.key").mode, "644");
    let admin = w("/etc/kubernetes/admin.conf");
    assert_eq!(admin.kind, WithheldKind::Values);
    assert_eq!(admin.values, ["client-key-data@7", "token@8"]);
    assert_eq!(admin.keys.len(), 1);
    assert_eq!(admin.keys[0].curve.as_deref(), Some("P-256"));
    assert_eq!(w("/etc/kubernetes/enc/encryption.yaml").values, ["secret@9"]);
    // Read back: the key's entry keeps mode and owner, its content is marked withheld.
    let back = gather(&Input::Tarball(tarball), &GatherOptions::default());
    let key = back.get("/etc/kubernetes/pki/ca.key").unwrap();
    assert_eq!((key.mode, key.content.is_none()), (0o600, true));
    assert!(key
        .read_error
        .as_deref()
        .unwrap()
        .contains("private key: EC P-256"));
    assert_eq!(back.owner(key), "root:root");
    assert!(back.withheld.contains_key("/etc/kubernetes/admin.conf"));
    // The version found (the static pods' image tag) is recorded.
    assert_eq!(back.versions.len(), 1);
    assert_eq!(back.versions[0].version, "v1.32.3");
    let etcd = back.processes.iter().find(|p| p.pid == 4242).unwrap();
    assert_eq!(
        etcd.env.as_deref().unwrap(),
        [("ETCD_AUTO_TLS".to_owned(), "true".to_owned())]
    );
    assert_eq!(etcd.argv[4], "redactedxxxxxx");
}

#[test]
fn problems_met_while_collecting_travel_with_the_tarball() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("node");
    let mut v = kubeadm_worker(true);
    // A unit naming a required environment file that is missing: an error of the gathering.
    v.push(file(
        "/etc/systemd/system/kubelet.service.d/20-extra.conf",
        0o644,
        "[Service]\nEnvironmentFile=/etc/missing.env\n",
    ));
    write_dir(&root, &v);
    let tarball = t.path().join("node.tar.gz");
    collect_to(&root, &tarball);
    let dir = bench(
        &gather(&Input::Dir(root), &GatherOptions::default()),
        &Options::default(),
    )
    .unwrap();
    let tar = bench(
        &gather(&Input::Tarball(tarball), &GatherOptions::default()),
        &Options::default(),
    )
    .unwrap();
    assert!(dir.has_errors());
    same_report(dir, tar);
}

//! Malformed input: unreadable files, truncated manifests, a kubelet config of the wrong
//! kind, a broken tarball, a missing EnvironmentFile — each a located error, the rest of the
//! node still checked (and the run exits 2).

mod common;
use common::*;
use palisade_bench::gather::{gather, GatherOptions, Input};
use palisade_bench::{bench, BenchReport, Options, Status};

fn run_dir(entries: &[Entry], extra: impl FnOnce(&std::path::Path)) -> BenchReport {
    let t = tempfile::tempdir().unwrap();
    write_dir(t.path(), entries);
    extra(t.path());
    let facts = gather(&Input::Dir(t.path().to_path_buf()), &GatherOptions::default());
    bench(&facts, &Options::default()).unwrap()
}

fn status(r: &BenchReport, id: &str) -> Status {
    r.results.iter().find(|c| c.id == id).unwrap().status
}

#[test]
fn truncated_manifest_is_located_and_the_rest_is_checked() {
    let mut entries = kubeadm_control_plane(true);
    for e in entries.iter_mut() {
        if e.path == "/etc/kubernetes/manifests/kube-scheduler.yaml" {
            // cut inside a flow sequence
            e.content = Some("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-scheduler\n    command: [kube-scheduler, --profiling=false,\n".into());
        }
    }
    let r = run_dir(&entries, |_| {});
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("/etc/kubernetes/manifests/kube-scheduler.yaml:7:1: YAML:"),
        "{errs:?}"
    );
    assert_eq!(r.exit_code(), 2);
    // the others are still checked
    assert_eq!(status(&r, "1.2.15"), Status::Pass);
    assert_eq!(status(&r, "1.3.2"), Status::Pass);
    assert_eq!(status(&r, "4.2.1"), Status::Pass);
    // the scheduler is known to be meant here: its file checks still run, and its flag
    // checks say why they cannot pass
    assert_eq!(status(&r, "1.1.5"), Status::Pass);
    let c = r.results.iter().find(|c| c.id == "1.4.1").unwrap();
    assert_eq!(c.status, Status::Fail);
    assert!(
        c.reason.as_deref().unwrap().contains("could not be read"),
        "{c:?}"
    );
}

#[test]
fn kubelet_config_of_the_wrong_kind() {
    let mut entries = kubeadm_worker(true);
    for e in entries.iter_mut() {
        if e.path == "/var/lib/kubelet/config.yaml" {
            e.content = Some("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nreadOnlyPort: 10255\n".into());
        }
    }
    let r = run_dir(&entries, |_| {});
    let errs = errors(&r);
    assert_eq!(
        errs,
        ["/var/lib/kubelet/config.yaml:2:7: expected kind KubeletConfiguration, found kind \"KubeProxyConfiguration\": the file is not used"]
    );
    assert_eq!(r.exit_code(), 2);
    // its values are not used (readOnlyPort 10255 is not seen); the drop-in still is
    assert_eq!(status(&r, "4.2.4"), Status::Pass);
    assert_eq!(status(&r, "4.2.14"), Status::Pass);
    assert_eq!(
        status(&r, "4.1.9"),
        Status::Pass,
        "the file's mode (600) is still checked"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_located_errors() {
    let r = run_dir(&kubeadm_control_plane(true), |root| {
        // a symlink loop cannot be read, even by root
        let p = root.join("etc/kubernetes/manifests/kube-controller-manager.yaml");
        std::fs::remove_file(&p).unwrap();
        std::os::unix::fs::symlink("kube-controller-manager.yaml", &p).unwrap();
    });
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("/etc/kubernetes/manifests/kube-controller-manager.yaml: cannot read:"),
        "{errs:?}"
    );
    assert_eq!(r.exit_code(), 2);
    assert_eq!(status(&r, "1.2.15"), Status::Pass);
    // stat does not follow the link: mode 777 fails 1.1.3
    assert_eq!(status(&r, "1.1.3"), Status::Fail);
}

#[test]
fn broken_tarball_keeps_the_entries_before() {
    let t = tempfile::tempdir().unwrap();
    let good = t.path().join("node.tar.gz");
    write_tarball(&good, &kubeadm_control_plane(true), &[]);
    // decompress, cut the tar in the middle, recompress
    let mut raw = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&good).unwrap()),
        &mut raw,
    )
    .unwrap();
    let cut = &raw[..raw.len() / 2 + 100];
    let bad = t.path().join("cut.tar");
    std::fs::write(&bad, cut).unwrap();
    let facts = gather(&Input::Tarball(bad.clone()), &GatherOptions::default());
    let r = bench(&facts, &Options::default()).unwrap();
    let errs = errors(&r);
    let tar_errs: Vec<&String> = errs
        .iter()
        .filter(|e| e.starts_with(&format!("{}: entry ", bad.display())))
        .collect();
    assert_eq!(tar_errs.len(), 1, "{errs:?}");
    // the entry cut in the middle is kept as far as it goes: a truncated certificate is a
    // located error of its own (palisade's PKI checks)
    for e in errs.iter().filter(|e| !e.starts_with(&bad.display().to_string())) {
        assert!(
            e.contains(":1:1: certificate does not parse: PEM block CERTIFICATE has no END line"),
            "{errs:?}"
        );
    }
    assert_eq!(r.exit_code(), 2);
    // the manifests come first in the archive and are checked
    assert_eq!(status(&r, "1.2.15"), Status::Pass);
}

#[test]
fn missing_required_environment_file() {
    let mut entries = kubeadm_worker(true);
    for e in entries.iter_mut() {
        if e.path.ends_with("10-kubeadm.conf") {
            e.content = Some(KUBEADM_DROPIN.replace(
                "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env",
                "EnvironmentFile=/var/lib/kubelet/missing.env",
            ));
        }
    }
    let r = run_dir(&entries, |_| {});
    assert_eq!(
        errors(&r),
        ["/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:5:17: EnvironmentFile /var/lib/kubelet/missing.env does not exist (systemd would not start the unit)"]
    );
    assert_eq!(status(&r, "4.2.1"), Status::Pass);
}

#[test]
fn nothing_to_check_is_an_error() {
    let r = run_dir(&[dir("/etc", 0o755)], |_| {});
    let errs = errors(&r);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("nothing to check: no Kubernetes component found"),
        "{errs:?}"
    );
    assert_eq!(r.exit_code(), 2);
    assert!(r.results.iter().all(|c| c.status == Status::NotApplicable));
}

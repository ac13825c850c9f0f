//! palisade's checks of the control plane's configuration files: kubeconfigs (NODE201–203),
//! the EncryptionConfiguration (NODE301–302), the audit policy (NODE401–402), the admission
//! plugins (NODE501–504) and CoreDNS (NODE601) — each passing on one input and failing on
//! another at the expected file:line:column, and malformed files as located errors with the
//! rest still checked.

mod common;
use common::pki::{ca, kubeconfig};
use common::*;
use palisade_bench::extra::ExtraOptions;
use palisade_bench::{BenchReport, Options, Status};

const API: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";
const ENC: &str = "/etc/kubernetes/enc/encryption.yaml";
const AUDIT: &str = "/etc/kubernetes/audit-policy.yaml";

fn run_opts(entries: &[Entry], extra: ExtraOptions) -> BenchReport {
    bench_dir(
        entries,
        &Options {
            extra,
            ..Options::default()
        },
    )
}

fn run(entries: &[Entry]) -> BenchReport {
    run_opts(entries, ExtraOptions::default())
}

/// Where a flag missing from a static pod is added: the command's first word.
fn cmd_at(manifest: &str) -> String {
    let (l, c) = pos(manifest, "- kube-apiserver");
    format!("{API}:{l}:{}", c + 2)
}

fn at(file: &str, text: &str, needle: &str) -> String {
    let (l, c) = pos(text, needle);
    format!("{file}:{l}:{c}")
}

/// Replaces (or adds) a file of the fixture.
fn set(entries: &mut Vec<Entry>, path: &str, content: &str) {
    entries.retain(|e| e.path != path);
    entries.push(file(path, 0o600, content));
}

/// The hardened control plane with the API server run with these flags instead.
fn with_apiserver(flags: &[&str]) -> Vec<Entry> {
    let mut v = kubeadm_control_plane(true);
    let m = static_pod("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.3", flags);
    set(&mut v, API, &m);
    v
}

fn hardened_flags_with(replace: &[(&str, Option<&str>)], add: &[&str]) -> Vec<&'static str> {
    let mut f: Vec<&'static str> = APISERVER_HARDENED
        .iter()
        .copied()
        .filter(|a| !replace.iter().any(|(p, _)| a.starts_with(p)))
        .collect();
    for (_, with) in replace {
        if let Some(w) = with {
            f.push(Box::leak((*w).to_owned().into_boxed_str()));
        }
    }
    for a in add {
        f.push(Box::leak((*a).to_owned().into_boxed_str()));
    }
    f
}

// ---- kubeconfigs ----

#[test]
fn kubeconfig_credentials_masters_and_tls_verification() {
    let ca = ca("kubernetes");
    let admin = kubeconfig(&ca, "kubernetes-admin", &["kubeadm:cluster-admins"], true, "", "");
    let super_admin = kubeconfig(&ca, "kubernetes-super-admin", &["system:masters"], true, "", "");
    let kubelet = kubeconfig(&ca, "system:node:cp-1", &["system:nodes"], false, "", "");
    let scheduler = kubeconfig(&ca, "system:kube-scheduler", &[], true, "", "");
    let mut good = kubeadm_control_plane(true);
    set(&mut good, "/etc/kubernetes/admin.conf", &admin);
    set(&mut good, "/etc/kubernetes/super-admin.conf", &super_admin);
    set(&mut good, "/etc/kubernetes/kubelet.conf", &kubelet);
    set(&mut good, "/etc/kubernetes/scheduler.conf", &scheduler);
    let r = run(&good);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    expect(
        &r,
        "NODE201",
        Status::Pass,
        &at("/etc/kubernetes/admin.conf", &admin, "client-key-data"),
    );
    let c = check(&r, "NODE201");
    // kubelet.conf references its rotated key
    assert!(c
        .items
        .iter()
        .any(|i| i.item.starts_with("/etc/kubernetes/kubelet.conf")
            && i.value.as_deref() == Some("client-key file reference")));
    expect(
        &r,
        "NODE202",
        Status::Pass,
        &at("/etc/kubernetes/admin.conf", &admin, "client-certificate-data"),
    );
    let sa = check(&r, "NODE202")
        .items
        .iter()
        .find(|i| i.item.starts_with("/etc/kubernetes/super-admin.conf"))
        .unwrap();
    assert_eq!(sa.value.as_deref(), Some("O=system:masters"));
    assert!(sa.passed);
    expect(
        &r,
        "NODE203",
        Status::Pass,
        &at("/etc/kubernetes/admin.conf", &admin, "certificate-authority-data"),
    );

    // the mistakes
    let admin_masters = kubeconfig(&ca, "kubernetes-admin", &["system:masters"], true, "", "");
    let kubelet_masters = kubeconfig(&ca, "system:node:cp-1", &["system:masters"], true, "", "");
    let scheduler_token = kubeconfig(
        &ca,
        "system:kube-scheduler",
        &[],
        true,
        "    token: abcdef.0123456789abcdef\n",
        "",
    );
    let cm_skip = kubeconfig(
        &ca,
        "system:kube-controller-manager",
        &[],
        true,
        "",
        "    insecure-skip-tls-verify: true\n",
    );
    let mut bad = kubeadm_control_plane(true);
    set(&mut bad, "/etc/kubernetes/admin.conf", &admin_masters);
    set(&mut bad, "/etc/kubernetes/kubelet.conf", &kubelet_masters);
    set(&mut bad, "/etc/kubernetes/scheduler.conf", &scheduler_token);
    set(&mut bad, "/etc/kubernetes/controller-manager.conf", &cm_skip);
    let r = run(&bad);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    expect(
        &r,
        "NODE201",
        Status::Fail,
        &at("/etc/kubernetes/scheduler.conf", &scheduler_token, "token:"),
    );
    let kubelet_item = check(&r, "NODE201")
        .items
        .iter()
        .find(|i| i.item.starts_with("/etc/kubernetes/kubelet.conf"))
        .unwrap();
    assert_eq!(kubelet_item.value.as_deref(), Some("client-key-data embedded"));
    assert!(!kubelet_item.passed);
    expect(
        &r,
        "NODE202",
        Status::Fail,
        &at(
            "/etc/kubernetes/kubelet.conf",
            &kubelet_masters,
            "client-certificate-data",
        ),
    );
    let admin_item = check(&r, "NODE202")
        .items
        .iter()
        .find(|i| i.item.starts_with("/etc/kubernetes/admin.conf"))
        .unwrap();
    assert!(!admin_item.passed, "admin.conf in system:masters warns");
    expect(
        &r,
        "NODE203",
        Status::Fail,
        &at(
            "/etc/kubernetes/controller-manager.conf",
            &cm_skip,
            "insecure-skip-tls-verify",
        ),
    );
    // admin.conf alone in system:masters is a warning
    let mut warn = kubeadm_control_plane(true);
    set(&mut warn, "/etc/kubernetes/admin.conf", &admin_masters);
    let r = run(&warn);
    expect(
        &r,
        "NODE202",
        Status::Warn,
        &at(
            "/etc/kubernetes/admin.conf",
            &admin_masters,
            "client-certificate-data",
        ),
    );
}

#[test]
fn malformed_kubeconfigs_are_located_errors() {
    let ca = ca("kubernetes");
    let kubelet_masters = kubeconfig(&ca, "system:node:cp-1", &["system:masters"], true, "", "");
    let mut v = kubeadm_control_plane(true);
    set(
        &mut v,
        "/etc/kubernetes/admin.conf",
        "apiVersion: v1\nkind: Config\nusers: [\n",
    );
    set(
        &mut v,
        "/etc/kubernetes/scheduler.conf",
        "apiVersion: v1\nkind: Pod\n",
    );
    set(&mut v, "/etc/kubernetes/kubelet.conf", &kubelet_masters);
    // an embedded certificate that is not one
    let broken =
        "apiVersion: v1\nkind: Config\nusers:\n- name: x\n  user:\n    client-certificate-data: aGVsbG8=\n";
    set(&mut v, "/etc/kubernetes/controller-manager.conf", broken);
    let r = run(&v);
    let errs = errors(&r);
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(
        errs.iter()
            .any(|e| e.starts_with("/etc/kubernetes/admin.conf:") && e.contains("YAML")),
        "{errs:?}"
    );
    assert!(
        errs.contains(
            &"/etc/kubernetes/scheduler.conf:2:7: expected kind Config, found kind \"Pod\"".to_owned()
        ),
        "{errs:?}"
    );
    assert!(
        errs.contains(&format!(
            "{}: client certificate: no PEM CERTIFICATE block",
            at(
                "/etc/kubernetes/controller-manager.conf",
                broken,
                "client-certificate-data"
            )
        )),
        "{errs:?}"
    );
    assert_eq!(r.exit_code(), 2);
    // the readable one is still checked
    expect(
        &r,
        "NODE202",
        Status::Fail,
        &at(
            "/etc/kubernetes/kubelet.conf",
            &kubelet_masters,
            "client-certificate-data",
        ),
    );
}

// ---- encryption at rest ----

#[test]
fn encryption_identity_first_aescbc_kms() {
    // hardened: aescbc first — encrypted (pass), but the weak provider (warn)
    let r = run(&kubeadm_control_plane(true));
    expect(&r, "NODE301", Status::Pass, &at(ENC, ENCRYPTION_AESCBC, "aescbc"));
    expect(&r, "NODE302", Status::Warn, &at(ENC, ENCRYPTION_AESCBC, "aescbc"));
    // insecure: identity first for secrets
    let r = run(&kubeadm_control_plane(false));
    expect(
        &r,
        "NODE301",
        Status::Fail,
        &at(ENC, ENCRYPTION_IDENTITY, "identity"),
    );
    assert_eq!(
        check(&r, "NODE301").actual,
        "secrets: identity first: written unencrypted"
    );
    // identity for secrets is NODE301's: nothing else to judge
    assert_eq!(check(&r, "NODE302").status, Status::NotApplicable);

    let kms = "apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources:
  - secrets
  providers:
  - kms:
      apiVersion: v2
      name: vault
      endpoint: unix:///var/run/kms.sock
  - identity: {}
- resources:
  - configmaps
  providers:
  - identity: {}
- resources:
  - '*.apps'
  providers:
  - kms:
      name: old
      endpoint: unix:///var/run/kms-v1.sock
";
    let mut v = kubeadm_control_plane(true);
    set(&mut v, ENC, kms);
    let r = run(&v);
    expect(&r, "NODE301", Status::Pass, &at(ENC, kms, "kms:"));
    assert_eq!(check(&r, "NODE301").actual, "secrets: kms v2");
    // kms without apiVersion is v1: deprecated, a warning at its line
    let (l, c) = {
        let line = kms.lines().position(|x| x.contains("name: old")).unwrap() as u32;
        (line, 5)
    };
    expect(&r, "NODE302", Status::Warn, &format!("{ENC}:{l}:{c}"));
    let items: Vec<(&str, &str)> = check(&r, "NODE302")
        .items
        .iter()
        .map(|i| (i.item.as_str(), i.value.as_deref().unwrap()))
        .collect();
    assert_eq!(
        items,
        [
            ("secrets", "kms v2"),
            ("configmaps", "identity (not encrypted; reported)"),
            ("*.apps", "kms v1")
        ]
    );

    // secretbox for everything (`*.*`, after a configmaps entry): secrets are covered by the
    // first entry that names them
    let secretbox = "apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [configmaps]
  providers:
  - identity: {}
- resources: ['*.*']
  providers:
  - secretbox:
      keys:
      - name: k
        secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
";
    let mut v = kubeadm_control_plane(true);
    set(&mut v, ENC, secretbox);
    let r = run(&v);
    expect(&r, "NODE301", Status::Pass, &at(ENC, secretbox, "secretbox"));
    assert_eq!(check(&r, "NODE302").status, Status::Pass);
}

#[test]
fn encryption_absent_uncovered_or_malformed() {
    // no flag: fails at the API server's command
    let flags = hardened_flags_with(&[("--encryption-provider-config", None)], &[]);
    let r = run(&with_apiserver(&flags));
    let m = static_pod("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.3", &flags);
    expect(&r, "NODE301", Status::Fail, &cmd_at(&m));
    assert_eq!(check(&r, "NODE302").status, Status::NotApplicable);
    // an entry for configmaps only: secrets are not covered
    let cm_only = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [configmaps]\n  providers:\n  - aesgcm:\n      keys: []\n";
    let mut v = kubeadm_control_plane(true);
    set(&mut v, ENC, cm_only);
    let r = run(&v);
    expect(&r, "NODE301", Status::Fail, &format!("{ENC}:4:1"));
    assert_eq!(
        check(&r, "NODE301").actual,
        "secrets: no resources entry covers secrets"
    );
    expect(&r, "NODE302", Status::Warn, &at(ENC, cm_only, "aesgcm"));
    // the wrong kind: a located error, the check fails, the rest is checked
    let wrong = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfig\nresources: []\n";
    let mut v = kubeadm_control_plane(true);
    set(&mut v, ENC, wrong);
    let r = run(&v);
    assert_eq!(
        errors(&r),
        [format!(
            "{ENC}:2:7: expected kind EncryptionConfiguration, found kind \"EncryptionConfig\""
        )]
    );
    expect(&r, "NODE301", Status::Fail, ENC);
    assert_eq!(r.exit_code(), 2);
    assert_eq!(check(&r, "NODE401").status, Status::Pass);
    assert_eq!(check(&r, "1.2.15").status, Status::Pass);
}

// ---- audit policy ----

fn with_policy(policy: &str) -> BenchReport {
    let mut v = kubeadm_control_plane(true);
    set(&mut v, AUDIT, policy);
    run(&v)
}

#[test]
fn audit_policy_secrets_at_metadata_and_rule_order() {
    let r = run(&kubeadm_control_plane(true));
    let flags_m = static_pod(
        "kube-apiserver",
        "registry.k8s.io/kube-apiserver:v1.32.3",
        APISERVER_HARDENED,
    );
    expect(
        &r,
        "NODE401",
        Status::Pass,
        &at(API, &flags_m, "--audit-log-path"),
    );
    expect(
        &r,
        "NODE402",
        Status::Pass,
        &at(AUDIT, AUDIT_POLICY_METADATA, "level: Metadata"),
    );

    // Secrets at RequestResponse: the first matching rule
    let rr = "apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
  resources:
  - group: \"\"
    resources: [secrets]
- level: Metadata
";
    let r = with_policy(rr);
    expect(
        &r,
        "NODE402",
        Status::Fail,
        &at(AUDIT, rr, "level: RequestResponse"),
    );
    let secrets = &check(&r, "NODE402").items[0];
    assert_eq!(secrets.item, "secrets");
    assert!(
        secrets
            .value
            .as_deref()
            .unwrap()
            .starts_with("levels RequestResponse; RequestResponse for "),
        "{secrets:?}"
    );

    // rule order: a catch-all RequestResponse before the Metadata rule wins
    let order = "apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: RequestResponse
- level: Metadata
  resources:
  - group: \"\"
    resources: [secrets, configmaps]
  - group: authentication.k8s.io
    resources: [tokenreviews]
";
    let r = with_policy(order);
    expect(
        &r,
        "NODE402",
        Status::Fail,
        &at(AUDIT, order, "level: RequestResponse"),
    );
    // the same rules, Metadata first: pass
    let fixed = "apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
  resources:
  - group: \"\"
    resources: [secrets, configmaps]
  - group: authentication.k8s.io
    resources: [tokenreviews]
- level: RequestResponse
";
    let r = with_policy(fixed);
    expect(&r, "NODE402", Status::Pass, &at(AUDIT, fixed, "level: Metadata"));

    // `secrets/*` also matches secrets itself; only for one group of users
    let sub = "apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Request
  userGroups: [\"system:masters\"]
  resources:
  - group: \"\"
    resources: [\"secrets/*\"]
- level: Metadata
";
    let r = with_policy(sub);
    expect(&r, "NODE402", Status::Fail, &at(AUDIT, sub, "level: Request"));
    let v = check(&r, "NODE402").items[0].value.clone().unwrap();
    assert!(v.contains("in group system:masters"), "{v}");
    assert!(v.starts_with("levels Request, Metadata"), "{v}");

    // omitStages of the policy and the rule together: nothing written for secrets
    let omit = "apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  omitStages: [ResponseComplete]
  resources:
  - group: \"\"
    resources: [secrets]
- level: Metadata
";
    let r = with_policy(omit);
    expect(&r, "NODE402", Status::Fail, &format!("{AUDIT}:5:3"));
    assert_eq!(
        check(&r, "NODE402").items[0].value.as_deref(),
        Some("never logged")
    );

    // no rule for secrets at all: never logged; configmaps and tokenreviews only warn
    let none = "apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: Metadata
  nonResourceURLs: [\"/healthz*\"]
";
    let r = with_policy(none);
    assert_eq!(check(&r, "NODE402").status, Status::Fail);
    let st: Vec<bool> = check(&r, "NODE402").items.iter().map(|i| i.passed).collect();
    assert_eq!(st, [false, false, false]);
}

#[test]
fn audit_policy_unused_missing_or_malformed() {
    // no backend
    let flags = hardened_flags_with(&[("--audit-log-path", None)], &[]);
    let m = static_pod("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.3", &flags);
    let r = run(&with_apiserver(&flags));
    expect(&r, "NODE401", Status::Fail, &cmd_at(&m));
    // a webhook backend is a backend
    let flags = hardened_flags_with(
        &[(
            "--audit-log-path",
            Some("--audit-webhook-config-file=/etc/kubernetes/audit-webhook.yaml"),
        )],
        &[],
    );
    let m = static_pod("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.3", &flags);
    let r = run(&with_apiserver(&flags));
    expect(
        &r,
        "NODE401",
        Status::Pass,
        &at(API, &m, "--audit-webhook-config-file"),
    );
    // no policy flag: fails; NODE402 has nothing to read
    let flags = hardened_flags_with(&[("--audit-policy-file", None)], &[]);
    let r = run(&with_apiserver(&flags));
    assert_eq!(check(&r, "NODE401").status, Status::Fail);
    assert_eq!(check(&r, "NODE402").status, Status::NotApplicable);
    // the file is missing: at the flag
    let mut v = kubeadm_control_plane(true);
    v.retain(|e| e.path != AUDIT);
    let r = run(&v);
    let m = static_pod(
        "kube-apiserver",
        "registry.k8s.io/kube-apiserver:v1.32.3",
        APISERVER_HARDENED,
    );
    expect(&r, "NODE401", Status::Fail, &at(API, &m, "--audit-policy-file"));
    // not YAML, and a rule without a level: located errors, exit 2, the rest checked
    let r = with_policy("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [\n");
    let errs = errors(&r);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with(&format!("{AUDIT}:")) && errs[0].contains("YAML"),
        "{errs:?}"
    );
    assert_eq!(r.exit_code(), 2);
    assert_eq!(check(&r, "NODE301").status, Status::Pass);
    let r = with_policy(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n- level: Metadata\n",
    );
    assert_eq!(
        errors(&r),
        [format!("{AUDIT}:4:10: rules[0].level: Unsupported value \"Everything\": supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"")]
    );
}

// ---- admission plugins ----

#[test]
fn admission_plugins() {
    let r = run(&kubeadm_control_plane(true));
    let hm = static_pod(
        "kube-apiserver",
        "registry.k8s.io/kube-apiserver:v1.32.3",
        APISERVER_HARDENED,
    );
    // on by default since 1.23: located at the API server's command
    expect(&r, "NODE501", Status::Pass, &cmd_at(&hm));
    expect(
        &r,
        "NODE502",
        Status::Pass,
        &at(
            "/etc/kubernetes/admission.yaml",
            ADMISSION_CONFIG,
            "name: EventRateLimit",
        ),
    );
    expect(
        &r,
        "NODE503",
        Status::Pass,
        &at(API, &hm, "--enable-admission-plugins"),
    );
    expect(&r, "NODE504", Status::Pass, &cmd_at(&hm));

    let flags = hardened_flags_with(
        &[("--admission-control-config-file", None)],
        &[
            "--disable-admission-plugins=PodSecurity,NodeRestriction",
            "--enable-admission-plugins=PodSecurityPolicy",
        ],
    );
    let m = static_pod("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.3", &flags);
    let r = run(&with_apiserver(&flags));
    expect(
        &r,
        "NODE501",
        Status::Fail,
        &at(API, &m, "--disable-admission-plugins"),
    );
    expect(&r, "NODE502", Status::Fail, &cmd_at(&m));
    expect(
        &r,
        "NODE503",
        Status::Fail,
        &at(API, &m, "--enable-admission-plugins=PodSecurityPolicy"),
    );
    assert_eq!(
        check(&r, "NODE503").actual,
        "PodSecurityPolicy: enabled; removed in 1.25"
    );
    expect(
        &r,
        "NODE504",
        Status::Fail,
        &at(API, &m, "--disable-admission-plugins"),
    );
    assert_eq!(
        check(&r, "NODE504").actual,
        "NodeRestriction: in --enable-admission-plugins and --disable-admission-plugins"
    );
    // the catalogue's substring check does not see the disable list
    assert_eq!(check(&r, "1.2.14").status, Status::Pass);

    // on 1.24, PodSecurityPolicy is only deprecated: a warning
    let mut v = with_apiserver(&flags);
    let m124 = static_pod(
        "kube-apiserver",
        "registry.k8s.io/kube-apiserver:v1.24.17",
        &flags,
    );
    set(&mut v, API, &m124);
    let r = run(&v);
    expect(
        &r,
        "NODE503",
        Status::Warn,
        &at(API, &m124, "--enable-admission-plugins=PodSecurityPolicy"),
    );

    // EventRateLimit off: NODE502 is 1.2.9's business
    let r = run(&kubeadm_control_plane(false));
    assert_eq!(check(&r, "NODE502").status, Status::NotApplicable);
    // an admission configuration without EventRateLimit
    let mut v = kubeadm_control_plane(true);
    let other = "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: /etc/kubernetes/pss.yaml\n";
    set(&mut v, "/etc/kubernetes/admission.yaml", other);
    let r = run(&v);
    expect(&r, "NODE502", Status::Fail, "/etc/kubernetes/admission.yaml:3:1");
}

// ---- CoreDNS ----

const COREDNS_CM: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
        }
        forward . /etc/resolv.conf
        cache 30
        loop
    }
";

fn coredns(text: &str) -> ExtraOptions {
    ExtraOptions {
        coredns_config: Some(("coredns.yaml".into(), text.into())),
        ..ExtraOptions::default()
    }
}

#[test]
fn coredns_health_plugin() {
    let r = run_opts(&kubeadm_control_plane(true), coredns(COREDNS_CM));
    expect(&r, "NODE601", Status::Pass, "coredns.yaml:10:9");
    let no_health = COREDNS_CM.replace("        health {\n           lameduck 5s\n        }\n", "");
    let r = run_opts(&kubeadm_control_plane(true), coredns(&no_health));
    // located at the first directive of the server block, inside the block scalar
    expect(&r, "NODE601", Status::Warn, "coredns.yaml:9:9");
    // a bare Corefile
    let r = run_opts(
        &kubeadm_control_plane(true),
        coredns(".:53 {\n  errors\n  health\n}\n"),
    );
    expect(&r, "NODE601", Status::Pass, "coredns.yaml:3:3");
    // kubeadm keeps none on disk
    let r = run(&kubeadm_control_plane(true));
    assert_eq!(check(&r, "NODE601").status, Status::NotApplicable);
    // k3s's packaged manifest, among other documents
    let manifest =
        format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: coredns\n---\n{COREDNS_CM}");
    let mut v = k3s_server(true);
    v.push(file(
        "/var/lib/rancher/k3s/server/manifests/coredns.yaml",
        0o600,
        &manifest,
    ));
    let r = run(&v);
    expect(
        &r,
        "NODE601",
        Status::Pass,
        "/var/lib/rancher/k3s/server/manifests/coredns.yaml:15:9",
    );
    // a ConfigMap without its Corefile: a located error
    let broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: coredns\ndata:\n  other: x\n";
    let r = run_opts(&kubeadm_control_plane(true), coredns(broken));
    assert_eq!(
        errors(&r),
        ["coredns.yaml:6:3: CoreDNS ConfigMap without data.Corefile"]
    );
    assert_eq!(check(&r, "NODE601").status, Status::NotApplicable);
    assert_eq!(r.exit_code(), 2);
}

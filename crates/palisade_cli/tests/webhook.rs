//! `palisade certs`, `palisade webhook-config` and the manifests of deploy/webhook/: what
//! the commands write, that palisade's own rules accept the result, that the committed
//! cert-manager configuration is the generator's output, and — against a real API server
//! (`#[ignore = "needs cluster"]`) — that kubectl and the API server accept the
//! configurations and the manifests, and that the API server really calls the webhook (and
//! fails closed) except in the exempt namespaces.

mod common;

use base64::Engine;
use common::{code, palisade, palisade_stdin, root, temp_dir, text};
use std::path::Path;
use std::process::Command;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn certs(dir: &Path) {
    let o = palisade(&[
        "certs",
        "--dns",
        "palisade.palisade.svc",
        "--ip",
        "127.0.0.1",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn certs_writes_a_ca_and_a_serving_pair_and_never_overwrites() {
    let dir = temp_dir("certs").join("out");
    certs(&dir);
    let ca = std::fs::read_to_string(dir.join("ca.crt")).unwrap();
    let crt = std::fs::read_to_string(dir.join("tls.crt")).unwrap();
    let key = std::fs::read_to_string(dir.join("tls.key")).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(crt.starts_with("-----BEGIN CERTIFICATE-----") && crt != ca);
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    palisade_server::tls::certified_key_from_pem(crt.as_bytes(), key.as_bytes(), "tls.crt", "tls.key")
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("tls.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "tls.key is private: {mode:o}");
    }
    // A second run refuses and leaves the files alone.
    let o = palisade(&["certs", "--dns", "x.y.svc", "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("ca.crt exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(dir.join("ca.crt")).unwrap(), ca);
    // Names are required and checked.
    assert_eq!(code(&palisade(&["certs", "-o", dir.to_str().unwrap()])), 2);
    let o = palisade(&[
        "certs",
        "--dns",
        "not a name",
        "-o",
        temp_dir("certs-bad").join("o").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not a valid DNS name"), "{}", stderr(&o));
}

#[test]
fn webhook_config_prints_configurations_palisade_accepts() {
    let dir = temp_dir("webhook-config");
    certs(&dir);
    let ca_file = dir.join("ca.crt");
    let o = palisade(&[
        "webhook-config",
        "--service",
        "palisade/palisade",
        "--ca-bundle",
        ca_file.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let yaml = text(&o);
    assert_eq!(yaml.matches("\n---\n").count(), 2, "{yaml}");
    assert!(yaml.contains("kind: \"ValidatingWebhookConfiguration\""));
    assert!(yaml.contains("kind: \"MutatingWebhookConfiguration\""));
    let bundle = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&ca_file).unwrap());
    assert_eq!(yaml.matches(&format!("caBundle: \"{bundle}\"")).count(), 2);

    // palisade's own webhook rules (fail-open, object selector bypass, matches nothing) and
    // every other rule find nothing.
    let o = palisade_stdin(&["scan", "--profile", "all", "--color", "never", "-"], &yaml);
    assert_eq!(code(&o), 0, "{}{}", text(&o), stderr(&o));
    // …and do look at it: failing open is reported.
    let o = palisade(&[
        "webhook-config",
        "--service",
        "palisade/palisade",
        "--ca-bundle",
        ca_file.to_str().unwrap(),
        "--failure-policy",
        "Ignore",
        "--no-mutate",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let ignore = text(&o);
    assert!(!ignore.contains("MutatingWebhookConfiguration"));
    let o = palisade_stdin(&["scan", "--color", "never", "-"], &ignore);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("HRD069"), "{}", text(&o));

    // --url, --timeout-seconds, --namespace.
    let o = palisade(&[
        "webhook-config",
        "--url",
        "https://palisade.example.com:8443",
        "--ca-bundle",
        ca_file.to_str().unwrap(),
        "--timeout-seconds",
        "10",
        "--namespace",
        "security",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = text(&o);
    assert!(
        t.contains("url: \"https://palisade.example.com:8443/validate\""),
        "{t}"
    );
    assert!(
        t.contains("url: \"https://palisade.example.com:8443/mutate\""),
        "{t}"
    );
    assert!(t.contains("timeoutSeconds: 10"), "{t}");
    assert!(t.contains("values: [\"kube-system\", \"security\"]"), "{t}");
}

#[test]
fn webhook_config_usage_errors() {
    let dir = temp_dir("webhook-config-errors");
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["webhook-config", "--service", "palisade/palisade"],
            "--ca-bundle",
        ),
        (
            vec!["webhook-config", "--ca-bundle", not_pem.to_str().unwrap()],
            "--service",
        ),
        (
            vec![
                "webhook-config",
                "--service",
                "palisade",
                "--ca-bundle",
                not_pem.to_str().unwrap(),
            ],
            "NAMESPACE/NAME",
        ),
        (
            vec![
                "webhook-config",
                "--service",
                "palisade/palisade",
                "--ca-bundle",
                not_pem.to_str().unwrap(),
            ],
            "not.pem: the CA bundle holds no PEM certificate",
        ),
        (
            vec![
                "webhook-config",
                "--url",
                "http://x",
                "--cert-manager",
                "palisade/palisade-webhook",
            ],
            "https://",
        ),
        (
            vec![
                "webhook-config",
                "--service",
                "a/b",
                "--cert-manager",
                "a/b",
                "--timeout-seconds",
                "60",
            ],
            "between 1 and 30",
        ),
        (
            vec![
                "webhook-config",
                "--service",
                "a/b",
                "--cert-manager",
                "a/b",
                "--failure-policy",
                "fail",
            ],
            "Fail",
        ),
    ];
    for (args, message) in cases {
        let o = palisade(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn committed_cert_manager_configuration_is_the_generators_output() {
    let o = palisade(&[
        "webhook-config",
        "--service",
        "palisade/palisade",
        "--cert-manager",
        "palisade/palisade-webhook",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let committed =
        std::fs::read_to_string(root().join("deploy/webhook/cert-manager/webhook-configuration.yaml"))
            .unwrap();
    assert_eq!(
        committed,
        text(&o),
        "regenerate: palisade webhook-config --service palisade/palisade --cert-manager palisade/palisade-webhook > deploy/webhook/cert-manager/webhook-configuration.yaml"
    );
    assert!(committed.contains("cert-manager.io/inject-ca-from: \"palisade/palisade-webhook\""));
}

#[test]
fn deploy_webhook_scans_clean() {
    for args in [
        vec!["scan", "deploy/webhook", "--profile", "all", "--color", "never"],
        vec![
            "scan",
            "deploy/webhook",
            "--pss",
            "restricted",
            "--color",
            "never",
        ],
        vec!["scan", "deploy/webhook", "--profile", "cis", "--color", "never"],
        vec!["scan", "deploy/webhook", "--profile", "nsa", "--color", "never"],
    ] {
        let o = palisade(&args);
        assert_eq!(code(&o), 0, "{args:?}:\n{}{}", text(&o), stderr(&o));
    }
    // The cert-manager manifests (not in the kustomization), on their own.
    let o = palisade(&[
        "scan",
        "--no-config",
        "--profile",
        "all",
        "--color",
        "never",
        "deploy/webhook/cert-manager",
    ]);
    assert_eq!(code(&o), 0, "{}{}", text(&o), stderr(&o));
    // The configuration is valid, admission section included.
    let o = palisade(&["config", "check", "deploy/webhook/.palisade.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
#[ignore = "needs cluster"]
fn the_api_server_accepts_the_manifests_and_calls_the_webhook() {
    let cp = common::control_plane::ControlPlane::start("webhook");
    let kubectl = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut child = Command::new("kubectl")
            .env("KUBECONFIG", &cp.kubeconfig)
            .current_dir(root())
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run kubectl");
        let input = stdin.unwrap_or("").to_owned();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = |o: std::process::Output, what: &str| {
        assert!(o.status.success(), "{what}: {}", stderr(&o));
        text(&o)
    };

    // The manifests: the namespace for real, the rest validated by the API server.
    ok(
        kubectl(&["apply", "-f", "deploy/webhook/namespace.yaml"], None),
        "namespace",
    );
    let out = ok(
        kubectl(&["apply", "--dry-run=server", "-k", "deploy/webhook/"], None),
        "deploy/webhook",
    );
    for object in [
        "deployment.apps/palisade-webhook",
        "poddisruptionbudget.policy/palisade-webhook",
        "service/palisade",
        "networkpolicy.networking.k8s.io/palisade-webhook",
        "clusterrole.rbac.authorization.k8s.io/palisade-webhook",
        "configmap/palisade-webhook-config-",
    ] {
        assert!(out.contains(object), "{object} not applied:\n{out}");
    }

    // The configurations, generated.
    let dir = temp_dir("webhook-cluster");
    certs(&dir);
    let o = palisade(&[
        "webhook-config",
        "--service",
        "palisade/palisade",
        "--ca-bundle",
        dir.join("ca.crt").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let yaml = text(&o);
    ok(
        kubectl(
            &["apply", "--dry-run=client", "--validate=false", "-f", "-"],
            Some(&yaml),
        ),
        "client dry run",
    );
    ok(
        kubectl(&["apply", "--dry-run=server", "-f", "-"], Some(&yaml)),
        "server dry run",
    );
    ok(kubectl(&["apply", "-f", "-"], Some(&yaml)), "apply");
    let back = ok(
        kubectl(
            &["get", "validatingwebhookconfiguration", "palisade", "-o", "json"],
            None,
        ),
        "get",
    );
    let v: serde_json::Value = serde_json::from_str(&back).unwrap();
    assert_eq!(v["webhooks"][0]["failurePolicy"], "Fail");
    assert_eq!(v["webhooks"][0]["clientConfig"]["service"]["port"], 443);

    // No palisade is running: the API server calls the webhook, cannot reach it, and fails
    // closed — except in the exempt namespaces.
    let pod = |ns: &str| {
        kubectl(
            &[
                "run",
                "probe",
                "-n",
                ns,
                "--image=registry.k8s.io/pause:3.10",
                "--restart=Never",
            ],
            None,
        )
    };
    let rejected = pod("default");
    assert!(!rejected.status.success(), "a pod was admitted without palisade");
    let why = stderr(&rejected);
    assert!(why.contains("palisade.dev"), "{why}");
    ok(pod("kube-system"), "kube-system is exempt");
    let o = kubectl(&["create", "namespace", "team-a"], None);
    assert!(!o.status.success(), "namespace creation goes through the webhook");
    assert!(stderr(&o).contains("validate.palisade.dev"), "{}", stderr(&o));
    let o = kubectl(
        &["label", "namespace", "default", "palisade.dev/enforce=restricted"],
        None,
    );
    assert!(
        !o.status.success(),
        "namespace label updates go through the webhook"
    );
    assert!(stderr(&o).contains("validate.palisade.dev"), "{}", stderr(&o));
    ok(
        kubectl(
            &["label", "namespace", "kube-system", "palisade.dev/test=1"],
            None,
        ),
        "kube-system's own updates are exempt",
    );
    // palisade's own namespace is exempt: it can always be repaired. (A Service: the
    // namespace's Pod Security level would reject the bare test pod.)
    let service = |ns: &str| {
        kubectl(
            &["create", "service", "clusterip", "probe", "--tcp=80", "-n", ns],
            None,
        )
    };
    let o = service("default");
    assert!(!o.status.success(), "services go through the webhook");
    ok(service("palisade"), "palisade is exempt");
}

/// `palisade serve` on 127.0.0.1, registered by URL: the API server sends it the requests and
/// enforces its answers. The child process is killed when dropped.
#[cfg(feature = "cluster")]
struct Served(std::process::Child);

#[cfg(feature = "cluster")]
impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(feature = "cluster")]
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// The namespace watch (--kubeconfig) is part of the cluster feature.
#[cfg(feature = "cluster")]
#[test]
#[ignore = "needs cluster"]
fn palisade_serve_enforces_through_the_generated_configuration() {
    let cp = common::control_plane::ControlPlane::start("webhook-serve");
    let kubectl = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = Command::new("kubectl")
            .env("KUBECONFIG", &cp.kubeconfig)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run kubectl");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let dir = temp_dir("webhook-serve");
    let o = palisade(&["certs", "--ip", "127.0.0.1", "-o", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (port, health) = (free_port(), free_port());
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let _served = Served(
        Command::new(env!("CARGO_BIN_EXE_palisade"))
            .args([
                "serve",
                "--address",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--health-port",
                &health.to_string(),
                "--tls-cert-file",
                dir.join("tls.crt").to_str().unwrap(),
                "--tls-private-key-file",
                dir.join("tls.key").to_str().unwrap(),
                "--kubeconfig",
                cp.kubeconfig.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "palisade serve did not listen: {}",
            std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    let o = palisade(&[
        "webhook-config",
        "--url",
        &format!("https://127.0.0.1:{port}"),
        "--ca-bundle",
        dir.join("ca.crt").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = kubectl(&["apply", "-f", "-"], &text(&o));
    assert!(o.status.success(), "{}", stderr(&o));

    // Through palisade: a namespace, its enforce label, and a privileged pod there.
    let o = kubectl(&["create", "namespace", "team-a"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubectl(
        &["label", "namespace", "team-a", "palisade.dev/enforce=restricted"],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let run = |ns: &str| {
        kubectl(
            &[
                "run",
                "pwn",
                "-n",
                ns,
                "--image=busybox",
                "--privileged",
                "--restart=Never",
                "--",
                "sleep",
                "1d",
            ],
            "",
        )
    };
    let denied = run("team-a");
    let why = stderr(&denied);
    assert!(
        !denied.status.success(),
        "a privileged pod was admitted in an enforcing namespace"
    );
    assert!(
        why.contains("admission webhook \"validate.palisade.dev\" denied"),
        "{why}"
    );
    assert!(why.contains("rivileged"), "{why}");
    // A namespace without palisade labels (defaults: privileged) admits it.
    let admitted = run("default");
    assert!(
        admitted.status.success(),
        "{}\n{}",
        stderr(&admitted),
        std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
    );
}

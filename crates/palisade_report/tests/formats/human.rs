use crate::fixture::*;
use palisade_core::Report;
use palisade_report::{Format, RenderOptions};

const EXPECTED: &str = r#"Deployment guestbook/frontend  examples/guestbook/frontend.yaml:3
  HIGH      PSS007 pss-privileged  container "php-redis"
            container "php-redis" must not set securityContext.privileged=true
            at examples/guestbook/frontend.yaml:22:13  spec.template.spec.containers[0].securityContext.privileged
            pss restricted:latest, enforce: pods rejected (controller admitted)
            fix: Remove securityContext.privileged or set it to false.
  LOW       HRD003 read-only-root-filesystem  container "php-redis"
            container "php-redis" has a writable root filesystem
            at examples/guestbook/frontend.yaml:20:11  spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem  (field absent; location of its parent)
            fix: Set securityContext.readOnlyRootFilesystem to true.

Pod default/debug
  CRITICAL  PSS002 pss-host-namespaces
            hostNetwork=true <b>&"x" \u{1b}[2J
            at spec.hostNetwork  (no source position)
            fix: Remove hostNetwork, hostPID and hostIPC.

Pod Security Admission:
  enforce  restricted:latest  pods rejected (controller admitted)  Deployment guestbook/frontend  examples/guestbook/frontend.yaml:3:1
    Warning: would violate PodSecurity "restricted:latest":
      privileged (container "php-redis" must not set securityContext.privileged=true)
  (only the checks of the selected rules are shown; -o json has the full messages)

Namespace policies:
  NAMESPACE  ENFORCE            AUDIT  WARN
  guestbook  restricted:latest  -      baseline:v1.30

Problems with the input:
  error: examples/broken.yaml:4:7: mapping values are not allowed in this context
  warning: examples/guestbook/redis.yaml:9: unknown field "spec.replica"

3 findings (1 critical, 1 high, 1 low) in 2 objects; 2 suppressed (--show-suppressed lists them); scanned 4 objects (2 workloads) in 3 files; 1 document skipped; custom resources scanned by shape: Rollout (1); 1 error; 1 warning; 42 ms
"#;

/// The section `show_suppressed` adds after the findings: grouped by object in order of first
/// appearance, the frontend's line taken from its admission verdict.
const SUPPRESSED_SECTION: &str = r#"Suppressed findings:
Deployment guestbook/redis  examples/guestbook/redis.yaml:14
  LOW       HRD003 read-only-root-filesystem  container "redis"
            container "redis" has a writable root filesystem
            at examples/guestbook/redis.yaml:14:9  spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem  (field absent; location of its parent)
            suppressed by exception (owner team-storage, expires 2026-06-30): redis writes its dump to /data — at .palisade.yaml:12

Deployment guestbook/frontend  examples/guestbook/frontend.yaml:3
  HIGH      PSS007 pss-privileged  container "vpn"
            container "vpn" must not set securityContext.privileged=true
            at examples/guestbook/frontend.yaml:40:13  spec.template.spec.containers[1].securityContext.privileged
            suppressed by annotation palisade.dev/ignore: the VPN sidecar needs NET_ADMIN — at examples/guestbook/frontend.yaml:7

"#;

#[test]
fn full_output_without_colour() {
    let out = render(&report(), Format::Human, &opts());
    assert_eq!(out, EXPECTED);
    assert!(
        !out.contains('\u{1b}'),
        "no escape characters at all, not even from the input"
    );
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        render(&report(), Format::Human, &opts()),
        render(&report(), Format::Human, &opts())
    );
}

#[test]
fn colour_by_severity() {
    let o = RenderOptions {
        color: true,
        ..opts()
    };
    let out = render(&report(), Format::Human, &o);
    assert!(out.contains("\u{1b}[31mHIGH\u{1b}[0m"), "{out}");
    assert!(out.contains("\u{1b}[1;31mCRITICAL\u{1b}[0m"), "{out}");
    assert!(out.contains("\u{1b}[36mLOW\u{1b}[0m"), "{out}");
    assert!(
        out.contains("\u{1b}[1mDeployment guestbook/frontend\u{1b}[0m"),
        "{out}"
    );
    // Only palisade's own sequences: the ESC in the finding message is still escaped.
    assert!(out.contains("hostNetwork=true <b>&\"x\" \\u{1b}[2J"), "{out}");
    // Stripping the colour codes gives the plain output back.
    let mut plain = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find('\u{1b}') {
        plain.push_str(&rest[..i]);
        let end = rest[i..].find('m').expect("SGR sequence ends in m");
        rest = &rest[i + end + 1..];
    }
    plain.push_str(rest);
    assert_eq!(plain, EXPECTED);
}

#[test]
fn verbose_adds_pss_detail_and_api_version() {
    let o = RenderOptions {
        verbose: true,
        ..opts()
    };
    let out = render(&report(), Format::Human, &o);
    assert!(
        out.starts_with("Deployment guestbook/frontend (apps/v1)  examples/guestbook/frontend.yaml:3\n"),
        "{out}"
    );
    assert!(out.contains("\n            check privileged: privileged: container \"php-redis\" must not set securityContext.privileged=true\n"), "{out}");
}

#[test]
fn warn_mode_and_scan_mode() {
    let mut report = report();
    let pss = report.findings[0]
        .pss
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .unwrap();
    pss.mode = palisade_core::PssMode::Warn;
    pss.action = palisade_core::AdmissionAction::Warn;
    let out = render(&report, Format::Human, &opts());
    assert!(
        out.contains("\n            pss restricted:latest, warn\n"),
        "{out}"
    );
    let pss = report.findings[0]
        .pss
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .unwrap();
    pss.mode = palisade_core::PssMode::Enforce;
    pss.action = palisade_core::AdmissionAction::Reject;
    let out = render(&report, Format::Human, &opts());
    assert!(
        out.contains("\n            pss restricted:latest, enforce: rejected\n"),
        "{out}"
    );
}

#[test]
fn sections_are_left_out_when_empty() {
    let out = render(&Report::default(), Format::Human, &RenderOptions::default());
    assert_eq!(
        out,
        "no findings; scanned 0 objects (0 workloads) in 0 files; 0 ms\n"
    );

    let mut report = report();
    report.admission.clear();
    report.namespaces.clear();
    report.errors.clear();
    report.stats.skipped_documents = 0;
    report.stats.custom_template_kinds.clear();
    report.stats.duration_ms = 1500;
    let out = render(&report, Format::Human, &opts());
    assert!(
        !out.contains("Pod Security Admission:")
            && !out.contains("Namespace policies:")
            && !out.contains("Problems")
    );
    // Without a verdict, the object's line is that of its first finding.
    assert!(
        out.starts_with("Deployment guestbook/frontend  examples/guestbook/frontend.yaml:20\n"),
        "{out}"
    );
    assert!(out.ends_with("\n3 findings (1 critical, 1 high, 1 low) in 2 objects; 2 suppressed (--show-suppressed lists them); scanned 4 objects (2 workloads) in 3 files; 1.50 s\n"), "{out}");
}

#[test]
fn same_object_in_two_files_gets_two_groups() {
    let mut report = report();
    report.findings[1].location = Some(loc("copy/frontend.yaml", 7, 3));
    let out = render(&report, Format::Human, &opts());
    assert!(
        out.contains("Deployment guestbook/frontend  examples/guestbook/frontend.yaml:3\n"),
        "{out}"
    );
    assert!(
        out.contains("Deployment guestbook/frontend  copy/frontend.yaml:7\n"),
        "{out}"
    );
}

#[test]
fn namespace_policy_errors_are_listed() {
    let mut report = report();
    report.namespaces[0]
        .errors
        .push("invalid enforce level \"strict\"".into());
    let out = render(&report, Format::Human, &opts());
    assert!(out.contains("  guestbook  restricted:latest  -      baseline:v1.30\n    error: invalid enforce level \"strict\"\n"), "{out}");
}

#[test]
fn input_cannot_inject_terminal_sequences() {
    let mut report = report();
    std::sync::Arc::make_mut(&mut report.findings[0].object).name = "evil\u{1b}]0;title\u{7}".into();
    report.findings[0].container = Some("c\u{1b}[2J\u{202e}".into());
    report.findings[0].path = palisade_core::FieldPath::root().key("spec\r\u{1b}[1A");
    static EVIL: palisade_core::RuleMeta = palisade_core::RuleMeta {
        remediation: "fix\u{9b}31m\nsecond line",
        code: "PSS007",
        name: "pss-privileged",
        severity: palisade_core::Severity::High,
        group: "pss",
        summary: "",
        docs: "",
        references: &[],
        requires_option: None,
        scope: palisade_core::Scope::Object,
        check: palisade_core::Check::Engine,
    };
    report.findings[0].rule = &EVIL;
    report.errors[0].message = "bad\u{1b}[31m".into();
    report.admission[0].message = "m\u{1b}c".into();
    report.namespaces[0].namespace = "ns\u{1b}".into();
    for color in [false, true] {
        let out = render(&report, Format::Human, &RenderOptions { color, ..opts() });
        let resets = out.matches("\u{1b}[0m").count();
        assert_eq!(resets > 0, color);
        assert_eq!(
            out.matches('\u{1b}').count(),
            2 * resets,
            "every ESC is one of palisade's own SGR pairs"
        );
        assert!(
            !out.contains('\r')
                && !out.contains('\u{9b}')
                && !out.contains('\u{7}')
                && !out.contains('\u{202e}')
        );
        assert!(out.contains("evil\\u{1b}]0;title\\u{7}"), "{out}");
        assert!(out.contains("container \"c\\u{1b}[2J\\u{202e}\""), "{out}");
        let fix = format!("fix\\u{{9b}}31m\n{}second line\n", " ".repeat(12 + 5));
        assert!(out.contains(&fix), "{out}");
    }
}

#[test]
fn suppressed_findings_are_counted_not_listed_by_default() {
    let out = render(&report(), Format::Human, &opts());
    assert!(!out.contains("Suppressed findings:"), "{out}");
    assert!(!out.contains("suppressed by"), "{out}");
    assert!(!out.contains("container \"vpn\""), "{out}");
    // No suppressed findings: no mention at all.
    let mut report = report();
    report.suppressed.clear();
    let out = render(&report, Format::Human, &opts());
    assert!(!out.contains("suppressed"), "{out}");
    // Only suppressed findings: still "no findings", and the count.
    let report = Report {
        suppressed: suppressed(),
        ..Report::default()
    };
    let out = render(&report, Format::Human, &RenderOptions::default());
    assert_eq!(
        out,
        "no findings; 2 suppressed (--show-suppressed lists them); scanned 0 objects (0 workloads) in 0 files; 0 ms\n"
    );
}

#[test]
fn show_suppressed_lists_them_after_the_findings() {
    let o = RenderOptions {
        show_suppressed: true,
        ..opts()
    };
    let out = render(&report(), Format::Human, &o);
    // The findings are unchanged; the section comes right after them.
    let findings_end = EXPECTED.find("Pod Security Admission:").unwrap();
    let expected = format!(
        "{}{SUPPRESSED_SECTION}{}",
        &EXPECTED[..findings_end],
        EXPECTED[findings_end..].replace("2 suppressed (--show-suppressed lists them)", "2 suppressed")
    );
    assert_eq!(out, expected);

    // Colour: the suppression line is dimmed, the severity keeps its colour.
    let out = render(
        &report(),
        Format::Human,
        &RenderOptions {
            color: true,
            ..o.clone()
        },
    );
    assert!(out.contains("\u{1b}[1mSuppressed findings:\u{1b}[0m"), "{out}");
    assert!(
        out.contains("\u{1b}[2msuppressed by annotation palisade.dev/ignore: "),
        "{out}"
    );
    assert!(out.contains("\u{1b}[2m2 suppressed\u{1b}[0m;"), "{out}");

    // Nothing suppressed: no section.
    let mut report = report();
    report.suppressed.clear();
    let out = render(&report, Format::Human, &o);
    assert!(
        !out.contains("Suppressed findings:") && !out.contains("suppressed"),
        "{out}"
    );
}

#[test]
fn suppression_lines_without_owner_expiry_or_source() {
    let mut report = report();
    let s = report.suppressed[0]
        .suppressed
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .unwrap();
    s.owner = None;
    s.source = None;
    let s = report.suppressed[1]
        .suppressed
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .unwrap();
    s.reason = "line one\nline two \u{1b}[2J".into();
    let out = render(
        &report,
        Format::Human,
        &RenderOptions {
            show_suppressed: true,
            ..opts()
        },
    );
    assert!(
        out.contains(
            "\n            suppressed by exception (expires 2026-06-30): redis writes its dump to /data\n"
        ),
        "{out}"
    );
    // The reason comes from the input: kept on one line, control characters escaped.
    assert!(
        out.contains("suppressed by annotation palisade.dev/ignore: line one\\nline two \\u{1b}[2J — at examples/guestbook/frontend.yaml:7\n"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn a_configuration_file_is_named_first() {
    let mut report = super::fixture::report();
    report.config = Some(palisade_core::ConfigInfo {
        file: ".palisade.yaml".into(),
        ignore: vec!["PSS007".into(), "HRD".into()],
        fail_on: Some(palisade_core::Severity::Critical),
        ..Default::default()
    });
    let out = render(&report, Format::Human, &opts());
    assert!(
        out.starts_with("Configuration: .palisade.yaml (ignore: PSS007, HRD; failOn: critical)\n\n"),
        "{out}"
    );
    report.config.as_mut().unwrap().ignore.clear();
    report.config.as_mut().unwrap().fail_on = None;
    let out = render(&report, Format::Human, &opts());
    assert!(
        out.starts_with("Configuration: .palisade.yaml (no changes)\n\n"),
        "{out}"
    );
    let plain = render(&super::fixture::report(), Format::Human, &opts());
    assert!(!plain.contains("Configuration:"), "{plain}");
}

#[test]
fn what_latest_meant_is_a_header_line() {
    let mut report = super::fixture::report();
    report.pss_latest = Some(palisade_core::PssLatest {
        minor: 36,
        from: "the API server's version v1.36.2".into(),
    });
    let out = render(&report, Format::Human, &opts());
    assert!(
        out.starts_with("Pod Security `latest` = v1.36 (the API server's version v1.36.2)\n\n"),
        "{out}"
    );
    // After the configuration file, when one was read.
    report.config = Some(palisade_core::ConfigInfo {
        file: ".palisade.yaml".into(),
        ..Default::default()
    });
    let out = render(&report, Format::Human, &opts());
    assert!(
        out.starts_with(
            "Configuration: .palisade.yaml (no changes)\n\nPod Security `latest` = v1.36 (the API server's version v1.36.2)\n\n"
        ),
        "{out}"
    );
    let plain = render(&super::fixture::report(), Format::Human, &opts());
    assert!(!plain.contains("Pod Security `latest`"), "{plain}");
}

/// Verdicts that share a message (the same `Arc`, or equal text) each get the message's
/// lines; a verdict none of whose checks is selected is left out, and the next verdict with
/// another message is shown again.
#[test]
fn verdicts_sharing_a_message_each_show_it() {
    let mut report = report();
    let first = report.admission[0].clone();
    let hidden_message: std::sync::Arc<str> =
        "Warning: would violate PodSecurity \"restricted:latest\": runAsNonRoot != true (pod must set securityContext.runAsNonRoot=true)".into();
    let at = |line: u32, message: std::sync::Arc<str>| palisade_core::AdmissionVerdict {
        location: Some(loc(FRONTEND_FILE, line, 1)),
        message,
        ..first.clone()
    };
    report.admission = vec![
        at(3, first.message.clone()),
        at(4, first.message.clone()),
        at(5, hidden_message.clone()),
        at(6, hidden_message),
        at(7, first.message.to_string().into()),
    ];
    let out = render(&report, Format::Human, &opts());
    let section = out
        .split("Pod Security Admission:\n")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .expect("admission section");
    let body = "    Warning: would violate PodSecurity \"restricted:latest\":\n      privileged (container \"php-redis\" must not set securityContext.privileged=true)\n";
    let head = |line: u32| {
        format!("  enforce  restricted:latest  pods rejected (controller admitted)  Deployment guestbook/frontend  examples/guestbook/frontend.yaml:{line}:1\n")
    };
    let expected = format!(
        "{}{body}{}{body}{}{body}  (only the checks of the selected rules are shown; -o json has the full messages)",
        head(3),
        head(4),
        head(7)
    );
    assert_eq!(section, expected);
}

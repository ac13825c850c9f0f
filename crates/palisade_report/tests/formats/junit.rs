use crate::fixture::*;
use palisade_core::Report;
use palisade_report::Format;

fn attr<'a>(n: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    n.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", n.tag_name().name()))
}

#[test]
fn parses_and_counts_add_up() {
    let xml = render(&report(), Format::Junit, &opts());
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"));
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(attr(suite, "name"), "palisade examples/guestbook");

    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    let failures = doc.descendants().filter(|n| n.has_tag_name("failure")).count();
    let errors = doc.descendants().filter(|n| n.has_tag_name("error")).count();
    let failed_cases = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .count();
    // 3 (object, rule) pairs + 1 error + 1 warning; 3 findings, one <failure> per test
    // case; 1 input error.
    assert_eq!((cases.len(), failures, failed_cases, errors), (5, 3, 3, 1));
    for n in [root, suite] {
        assert_eq!(attr(n, "tests"), cases.len().to_string());
        assert_eq!(attr(n, "failures"), failed_cases.to_string());
        assert_eq!(attr(n, "errors"), errors.to_string());
        assert_eq!(attr(n, "time"), "0.042");
    }
    let version = suite
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("palisade.version"))
        .expect("version property");
    assert_eq!(attr(version, "value"), "1.2.3");
}

#[test]
fn testcases_per_object_and_rule() {
    let xml = render(&report(), Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();

    let frontend = cases[0];
    assert_eq!(attr(frontend, "classname"), "Deployment/guestbook");
    assert_eq!(attr(frontend, "name"), "frontend PSS007 pss-privileged");
    assert_eq!(attr(frontend, "file"), FRONTEND_FILE);
    let read_only = cases[1];
    assert_eq!(
        attr(read_only, "name"),
        "frontend HRD003 read-only-root-filesystem"
    );
    assert_eq!(attr(read_only, "file"), FRONTEND_FILE);
    let fails: Vec<_> = [frontend, read_only]
        .iter()
        .flat_map(|c| c.children().filter(|n| n.has_tag_name("failure")))
        .collect();
    assert_eq!(fails.len(), 2, "one failure per test case");
    assert_eq!(attr(fails[0], "type"), "high");
    assert_eq!(
        attr(fails[0], "message"),
        "PSS007 pss-privileged: container \"php-redis\" must not set securityContext.privileged=true"
    );
    let body = fails[0].text().unwrap();
    assert!(body.contains("at: examples/guestbook/frontend.yaml:22:13 spec.template.spec.containers[0].securityContext.privileged\n"), "{body}");
    assert!(
        body.contains("fix: Remove securityContext.privileged or set it to false."),
        "{body}"
    );
    assert!(body.contains("container: php-redis\n"), "{body}");
    assert_eq!(attr(fails[1], "type"), "low");
    let out = frontend
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .expect("admission verdict");
    assert!(out
        .text()
        .unwrap()
        .contains("enforce restricted:latest: reject-pods"));

    assert!(read_only.children().all(|n| !n.has_tag_name("system-out")));
    let debug = cases[2];
    assert_eq!(attr(debug, "classname"), "Pod/default");
    assert_eq!(attr(debug, "name"), "debug PSS002 pss-host-namespaces");
    assert!(debug.attribute("file").is_none(), "no location, no file");
    let fail = debug.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(attr(fail, "type"), "critical");
    // Markup and quotes round-trip; the ESC that XML 1.0 cannot carry is spelled out.
    assert_eq!(
        attr(fail, "message"),
        "PSS002 pss-host-namespaces: hostNetwork=true <b>&\"x\" \\u{1b}[2J"
    );
    assert!(fail
        .text()
        .unwrap()
        .contains("at: spec.hostNetwork (no source position)"));

    let error = cases[3];
    assert_eq!(attr(error, "classname"), "palisade.input");
    assert_eq!(attr(error, "file"), "examples/broken.yaml");
    let e = error.children().find(|n| n.has_tag_name("error")).unwrap();
    assert_eq!(
        attr(e, "message"),
        "mapping values are not allowed in this context"
    );
    assert_eq!(
        e.text().unwrap(),
        "examples/broken.yaml:4:7: mapping values are not allowed in this context"
    );

    let warning = cases[4];
    assert!(warning
        .children()
        .all(|n| !n.has_tag_name("error") && !n.has_tag_name("failure")));
    assert!(warning.children().any(|n| n.has_tag_name("system-err")));
}

#[test]
fn hostile_text_stays_well_formed() {
    let mut report = report();
    let nasty = "a\u{0}b\u{8}c\u{fffe}d\r\n\te]]><!--x--><?pi?>'\"&amp;";
    report.findings[0].message = nasty.into();
    std::sync::Arc::make_mut(&mut report.findings[0].object).name = nasty.into();
    report.errors[0].message = nasty.into();
    let xml = render(&report, Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).expect("still well-formed");
    let expected = "a\\u{0}b\\u{8}c\\u{fffe}d\r\n\te]]><!--x--><?pi?>'\"&amp;";
    let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    assert_eq!(
        attr(case, "name"),
        format!("{expected} PSS007 pss-privileged"),
        "attribute keeps CR, LF and tab"
    );
    let fail = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(
        attr(fail, "message"),
        format!("PSS007 pss-privileged: {expected}")
    );
    assert!(fail.text().unwrap().contains(expected));
    let e = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
    assert_eq!(attr(e, "message"), expected);
}

#[test]
fn empty_report() {
    let xml = render(
        &Report::default(),
        Format::Junit,
        &palisade_report::RenderOptions::default(),
    );
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(attr(suite, "name"), "palisade");
    assert_eq!(attr(suite, "tests"), "0");
    assert_eq!(attr(suite, "failures"), "0");
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("testcase")).count(),
        0
    );
}

fn property<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> &'a str {
    let p = doc
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("property {name}"));
    attr(p, "value")
}

#[test]
fn suppressed_findings_are_counted() {
    let xml = render(&report(), Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(property(&doc, "palisade.suppressed"), "2");
    assert_eq!(property(&doc, "palisade.findings"), "3");
    // Not listed: no skipped testcases, the counts are those of the findings alone.
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("skipped")).count(), 0);
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(attr(suite, "skipped"), "0");
    assert_eq!(attr(suite, "tests"), "5");
    assert!(!xml.contains("vpn") && !xml.contains("team-storage"), "{xml}");

    let empty = render(
        &Report::default(),
        Format::Junit,
        &palisade_report::RenderOptions::default(),
    );
    let doc = roxmltree::Document::parse(&empty).unwrap();
    assert_eq!(property(&doc, "palisade.suppressed"), "0");
}

#[test]
fn show_suppressed_adds_skipped_testcases() {
    let o = palisade_report::RenderOptions {
        show_suppressed: true,
        ..opts()
    };
    let xml = render(&report(), Format::Junit, &o);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    let skipped: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("skipped")))
        .collect();
    assert_eq!((cases.len(), skipped.len()), (7, 2));
    assert_eq!(attr(suite, "skipped"), "2");
    for n in [root, suite] {
        assert_eq!(attr(n, "tests"), "7");
        assert_eq!(attr(n, "failures"), "3", "suppressed findings do not fail");
        assert_eq!(attr(n, "errors"), "1");
    }
    assert_eq!(property(&doc, "palisade.suppressed"), "2");

    let redis = *skipped[0];
    assert_eq!(attr(redis, "classname"), "Deployment/guestbook");
    assert_eq!(attr(redis, "name"), "redis HRD003 read-only-root-filesystem");
    assert_eq!(attr(redis, "file"), REDIS_FILE);
    assert!(redis.children().all(|n| !n.has_tag_name("failure")));
    let skip = redis.children().find(|n| n.has_tag_name("skipped")).unwrap();
    assert_eq!(
        attr(skip, "message"),
        "suppressed: redis writes its dump to /data"
    );
    assert!(skip.text().is_none(), "an empty <skipped/>");
    let out = redis
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap()
        .text()
        .unwrap();
    assert!(out.contains("at: examples/guestbook/redis.yaml:14:9 "), "{out}");
    assert!(
        out.contains("suppressed by exception (owner team-storage, expires 2026-06-30): redis writes its dump to /data — at .palisade.yaml:12\n"),
        "{out}"
    );

    let frontend = *skipped[1];
    assert_eq!(attr(frontend, "name"), "frontend PSS007 pss-privileged");
    let skip = frontend.children().find(|n| n.has_tag_name("skipped")).unwrap();
    assert_eq!(
        attr(skip, "message"),
        "suppressed: the VPN sidecar needs NET_ADMIN"
    );
    assert!(frontend
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap()
        .text()
        .unwrap()
        .contains("suppressed by annotation palisade.dev/ignore: the VPN sidecar needs NET_ADMIN"));

    // The object testcases and the input problems are unchanged around them.
    assert_eq!(attr(cases[0], "name"), "frontend PSS007 pss-privileged");
    assert_eq!(attr(cases[6], "classname"), "palisade.input");
}

#[test]
fn suppression_reason_is_escaped() {
    let mut report = report();
    report.suppressed[0]
        .suppressed
        .as_mut()
        .map(std::sync::Arc::make_mut)
        .unwrap()
        .reason = "<\"&'>\u{0}\n".into();
    let o = palisade_report::RenderOptions {
        show_suppressed: true,
        ..opts()
    };
    let xml = render(&report, Format::Junit, &o);
    let doc = roxmltree::Document::parse(&xml).expect("still well-formed");
    let skip = doc.descendants().find(|n| n.has_tag_name("skipped")).unwrap();
    assert_eq!(attr(skip, "message"), "suppressed: <\"&'>\\u{0}\n");
}

#[test]
fn one_failure_per_rule_and_passing_cases_for_clean_objects() {
    let mut report = report();
    // A second PSS007 finding on frontend: the same test case, still one <failure>.
    let mut second = report.findings[0].clone();
    second.container = Some("sidecar".into());
    second.message = "container \"sidecar\" must not set securityContext.privileged=true".into();
    second.location = Some(loc(FRONTEND_FILE, 31, 13));
    report.findings.insert(1, second);
    // Objects read without findings: a clean Service and redis (a workload).
    let service = palisade_core::ObjectRef {
        api_version: "v1".into(),
        kind: "Service".into(),
        namespace: Some("guestbook".into()),
        name: "frontend".into(),
        uid: None,
    };
    for (object, file) in [
        (frontend(), FRONTEND_FILE),
        (service, FRONTEND_FILE),
        (redis(), REDIS_FILE),
    ] {
        report.objects.push(palisade_core::ScannedObject {
            object: object.into(),
            location: Some(loc(file, 1, 1)),
        });
    }
    let xml = render(&report, Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    let names: Vec<&str> = cases.iter().map(|c| attr(*c, "name")).collect();
    assert_eq!(
        names,
        [
            "frontend PSS007 pss-privileged",
            "frontend HRD003 read-only-root-filesystem",
            "debug PSS002 pss-host-namespaces",
            "frontend",
            "redis",
            "examples/broken.yaml:4",
            "examples/guestbook/redis.yaml:9",
        ]
    );
    let privileged: Vec<_> = cases[0]
        .children()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        attr(privileged[0], "message"),
        "PSS007 pss-privileged: container \"php-redis\" must not set securityContext.privileged=true (and 1 more)"
    );
    let body = privileged[0].text().unwrap();
    assert!(
        body.contains("container: php-redis\n") && body.contains("container: sidecar\n"),
        "{body}"
    );
    // The clean objects pass: no failure, no error.
    for c in &cases[3..5] {
        assert!(c
            .children()
            .all(|n| !n.has_tag_name("failure") && !n.has_tag_name("error")));
    }
    assert_eq!(attr(cases[3], "classname"), "Service/guestbook");
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(attr(suite, "tests"), "7");
    assert_eq!(attr(suite, "failures"), "3");
}

#[test]
fn the_configuration_is_a_property() {
    let mut report = report();
    report.config = Some(palisade_core::ConfigInfo {
        file: ".palisade.yaml".into(),
        ignore: vec!["PSS007".into(), "HRD".into()],
        fail_on: Some(palisade_core::Severity::Critical),
        ..Default::default()
    });
    let xml = render(&report, Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(property(&doc, "palisade.config"), ".palisade.yaml");
    assert_eq!(
        property(&doc, "palisade.config.changes"),
        "ignore: PSS007, HRD; failOn: critical"
    );
    let plain = render(&super::fixture::report(), Format::Junit, &opts());
    assert!(!plain.contains("palisade.config"), "{plain}");
}

#[test]
fn what_latest_meant_is_a_property() {
    let mut report = report();
    report.pss_latest = Some(palisade_core::PssLatest {
        minor: 36,
        from: "given with --kube-version".into(),
    });
    let xml = render(&report, Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(property(&doc, "palisade.podSecurity.latest"), "v1.36");
    assert_eq!(
        property(&doc, "palisade.podSecurity.latestFrom"),
        "given with --kube-version"
    );
    let plain = render(&super::fixture::report(), Format::Junit, &opts());
    assert!(!plain.contains("palisade.podSecurity"), "{plain}");
}

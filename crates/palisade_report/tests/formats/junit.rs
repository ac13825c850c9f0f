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
    // 2 objects + 1 error + 1 warning; 3 findings on 2 objects; 1 input error.
    assert_eq!((cases.len(), failures, failed_cases, errors), (4, 3, 2, 1));
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
fn testcases_per_object() {
    let xml = render(&report(), Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();

    let frontend = cases[0];
    assert_eq!(attr(frontend, "classname"), "Deployment/guestbook");
    assert_eq!(attr(frontend, "name"), "frontend");
    assert_eq!(attr(frontend, "file"), FRONTEND_FILE);
    let fails: Vec<_> = frontend
        .children()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(fails.len(), 2);
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

    let debug = cases[1];
    assert_eq!(attr(debug, "classname"), "Pod/default");
    assert_eq!(attr(debug, "name"), "debug");
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

    let error = cases[2];
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

    let warning = cases[3];
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
    report.findings[0].object.name = nasty.into();
    report.errors[0].message = nasty.into();
    let xml = render(&report, Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).expect("still well-formed");
    let expected = "a\\u{0}b\\u{8}c\\u{fffe}d\r\n\te]]><!--x--><?pi?>'\"&amp;";
    let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    assert_eq!(attr(case, "name"), expected, "attribute keeps CR, LF and tab");
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

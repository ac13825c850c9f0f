//! Streaming: a report written batch by batch as a scan decides its findings is the same text,
//! in every streamed format, as the finished report rendered at once.

use crate::fixture::{opts, render, report};
use palisade_core::{Finding, FindingSink};
use palisade_report::stream::{streams, Head, Stream};
use palisade_report::Format;

/// The fixture's findings in batches that end at object boundaries, each with the verdicts
/// of its objects (as the engine hands them on).
fn streamed(format: Format, show_suppressed: bool) -> String {
    let r = report();
    let mut o = opts();
    o.show_suppressed = show_suppressed;
    let mut out = Vec::new();
    {
        let mut s = Stream::begin(format, Head::of(&r), &o, &mut out).expect("begin");
        let mut i = 0;
        while i < r.findings.len() {
            let mut j = i + 1;
            while j < r.findings.len() && r.findings[j].object == r.findings[i].object {
                j += 1;
            }
            let batch: Vec<Finding> = r.findings[i..j].to_vec();
            let verdicts: Vec<_> = r
                .admission
                .iter()
                .filter(|v| *v.object == *batch[0].object)
                .cloned()
                .collect();
            s.accept(batch, &verdicts);
            i = j;
        }
        let mut rest = report();
        rest.findings.clear();
        s.finish(&rest).expect("finish");
    }
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn streamed_output_is_the_rendered_report() {
    let r = report();
    assert!(
        r.findings.windows(2).any(|w| w[0].object != w[1].object),
        "the fixture must have several objects, so that there are several batches"
    );
    for format in [Format::Human, Format::Line, Format::Json] {
        assert!(streams(format));
        for show_suppressed in [false, true] {
            let mut o = opts();
            o.show_suppressed = show_suppressed;
            assert_eq!(
                streamed(format, show_suppressed),
                render(&r, format, &o),
                "{format:?}, show_suppressed {show_suppressed}"
            );
        }
    }
}

#[test]
fn formats_that_need_every_finding_are_not_streamed() {
    for format in [Format::Sarif, Format::Junit, Format::PolicyReport] {
        assert!(!streams(format));
        let r = report();
        let o = opts();
        let mut out = Vec::new();
        assert!(Stream::begin(format, Head::of(&r), &o, &mut out).is_err());
    }
}

#[test]
fn a_write_error_is_returned_at_the_end() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let r = report();
    let o = opts();
    let mut out = Full;
    // The line format has no head: the first write is a finding's.
    let mut s = Stream::begin(Format::Line, Head::of(&r), &o, &mut out).unwrap();
    s.accept(r.findings.clone(), &r.admission);
    let e = s.finish(&r).unwrap_err();
    assert_eq!(e.to_string(), "disk full");
}

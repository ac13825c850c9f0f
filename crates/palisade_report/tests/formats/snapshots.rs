//! `insta` snapshots of every format rendered from the hand-built report of `fixture.rs`
//! (deterministic: fixed duration and version), byte for byte: the default options, and
//! verbose output listing the suppressed findings (plus ANSI colours for the human format).
//! The CLI's snapshots cover the same formats on a real scan of the guestbook
//! (`crates/palisade_cli/tests/snapshots.rs`).

use crate::fixture::{opts, render, report};
use palisade_report::{Format, RenderOptions};

const FORMATS: [(&str, Format); 5] = [
    ("human", Format::Human),
    ("json", Format::Json),
    ("sarif", Format::Sarif),
    ("junit", Format::Junit),
    ("policyreport", Format::PolicyReport),
];

fn detailed() -> RenderOptions {
    RenderOptions {
        verbose: true,
        show_suppressed: true,
        ..opts()
    }
}

#[test]
fn every_format_with_default_options() {
    for (name, format) in FORMATS {
        insta::assert_snapshot!(format!("fixture.{name}"), render(&report(), format, &opts()));
    }
}

#[test]
fn every_format_verbose_with_suppressed_findings() {
    for (name, format) in FORMATS {
        insta::assert_snapshot!(
            format!("fixture-verbose-suppressed.{name}"),
            render(&report(), format, &detailed())
        );
    }
}

#[test]
fn human_in_colour() {
    let o = RenderOptions {
        color: true,
        ..detailed()
    };
    insta::assert_snapshot!("fixture-colour.human", render(&report(), Format::Human, &o));
}

//! A finding written as pretty JSON by hand: the same bytes as serializing `JsonFinding`
//! through serde at the same depth (the tests below compare the two on every kind of field
//! and string), about three times faster. The report of a large input is millions of
//! findings, and this is most of its time.

use crate::text::unique_references;
use palisade_core::{Finding, FingerprintPrefix, Location, ObjectRef, PssContext, Reference};
use std::sync::Arc;

/// Reused text for the field path (printed once for its field and its fingerprint), and the
/// fingerprint's hash of the object of the finding written last.
#[derive(Default)]
pub(super) struct Scratch(String, FingerprintPrefix);

/// Appends `f` to `buf` as the pretty JSON object it is inside the report, `depth` levels
/// deep (its keys one level deeper; no line break before its `{`). `prev` is the finding
/// written last with the same `scratch`, if any.
#[inline(always)]
pub(super) fn finding(
    f: &Finding,
    prev: Option<&Finding>,
    depth: usize,
    buf: &mut Vec<u8>,
    scratch: &mut Scratch,
) {
    let d = depth + 1;
    buf.push(b'{');
    key(buf, d, true, k!("code"));
    string(buf, f.code());
    key(buf, d, false, k!("rule"));
    string(buf, f.rule.name);
    key(buf, d, false, k!("severity"));
    string(buf, f.severity.as_str());
    key(buf, d, false, k!("object"));
    object(buf, d, &f.object);
    if let Some(c) = &f.container {
        key(buf, d, false, k!("container"));
        string(buf, c);
    }
    key(buf, d, false, k!("message"));
    string(buf, &f.message);
    key(buf, d, false, k!("remediation"));
    string(buf, f.remediation());
    key(buf, d, false, k!("path"));
    // Printed once, for the field and the fingerprint.
    scratch.0.clear();
    f.path.push_to(&mut scratch.0);
    string(buf, &scratch.0);
    if let Some(l) = &f.location {
        key(buf, d, false, k!("location"));
        location(buf, d, l);
    }
    key(buf, d, false, k!("exact"));
    buf.extend_from_slice(if f.exact { b"true" } else { b"false" });
    if let Some(p) = &f.pss {
        key(buf, d, false, k!("pss"));
        pss(buf, d, p);
    }
    if !f.also.is_empty() {
        key(buf, d, false, k!("also"));
        buf.push(b'[');
        for (i, r) in f.also.iter().enumerate() {
            item(buf, d + 1, i == 0);
            string(buf, r.code);
        }
        close(buf, d, b']');
    }
    key(buf, d, false, k!("references"));
    buf.push(b'[');
    let mut any = false;
    for r in unique_references(f) {
        item(buf, d + 1, !any);
        any = true;
        reference(buf, d + 1, r);
    }
    if any {
        close(buf, d, b']');
    } else {
        buf.push(b']');
    }
    key(buf, d, false, k!("fingerprint"));
    // The object's part of the hash is kept from the finding before when it is the same
    // object at the same file (an object's findings are written one after another).
    let same_object = prev.is_some_and(|p| {
        Arc::ptr_eq(&p.object, &f.object)
            && match (&p.location, &f.location) {
                (Some(a), Some(b)) => a.file == b.file,
                (None, None) => true,
                _ => false,
            }
    });
    if !same_object {
        scratch.1 = f.fingerprint_prefix();
    }
    buf.push(b'"');
    buf.extend_from_slice(&f.fingerprint_printed_after(scratch.1, &scratch.0));
    buf.push(b'"');
    close(buf, depth, b'}');
}

fn object(buf: &mut Vec<u8>, depth: usize, o: &ObjectRef) {
    let d = depth + 1;
    buf.push(b'{');
    key(buf, d, true, k!("apiVersion"));
    string(buf, &o.api_version);
    key(buf, d, false, k!("kind"));
    string(buf, &o.kind);
    if let Some(ns) = &o.namespace {
        key(buf, d, false, k!("namespace"));
        string(buf, ns);
    }
    key(buf, d, false, k!("name"));
    string(buf, &o.name);
    if let Some(uid) = &o.uid {
        key(buf, d, false, k!("uid"));
        string(buf, uid);
    }
    close(buf, depth, b'}');
}

fn location(buf: &mut Vec<u8>, depth: usize, l: &Location) {
    let d = depth + 1;
    buf.push(b'{');
    key(buf, d, true, k!("file"));
    string(buf, &l.file);
    key(buf, d, false, k!("line"));
    number(buf, l.line);
    key(buf, d, false, k!("column"));
    number(buf, l.column);
    close(buf, depth, b'}');
}

fn pss(buf: &mut Vec<u8>, depth: usize, p: &PssContext) {
    let d = depth + 1;
    buf.push(b'{');
    for (i, (k, v)) in [
        (k!("level"), &*p.level),
        (k!("version"), &*p.version),
        (k!("mode"), p.mode.as_str()),
        (k!("action"), p.action.as_str()),
        (k!("check"), p.check),
        (k!("reason"), &*p.reason),
        (k!("detail"), &*p.detail),
    ]
    .into_iter()
    .enumerate()
    {
        key(buf, d, i == 0, k);
        string(buf, v);
    }
    close(buf, depth, b'}');
}

/// A reference as its serde form: `{"kind": "cis", "id": "5.2.1"}`.
fn reference(buf: &mut Vec<u8>, depth: usize, r: &Reference) {
    let (kind, id) = r.kind_and_id();
    let d = depth + 1;
    buf.push(b'{');
    key(buf, d, true, k!("kind"));
    string(buf, kind);
    key(buf, d, false, k!("id"));
    string(buf, id);
    close(buf, depth, b'}');
}

fn indent(buf: &mut Vec<u8>, depth: usize) {
    let mut n = 2 * depth;
    while n > 0 {
        let k = n.min(SPACES);
        buf.extend_from_slice(&BREAK[2..2 + k]);
        n -= k;
    }
}

/// Spaces of indentation [`BREAK`] holds after its `,\n`.
const SPACES: usize = 64;
/// `,\n` and [`SPACES`] spaces: an item's line break and indentation are one slice of it.
const BREAK: &[u8; 2 + SPACES] = b",\n                                                                ";

/// The line break and indentation before an array element or an object key.
#[inline(always)]
fn item(buf: &mut Vec<u8>, depth: usize, first: bool) {
    let from = usize::from(first);
    if 2 * depth <= SPACES {
        buf.extend_from_slice(&BREAK[from..2 + 2 * depth]);
    } else {
        buf.extend_from_slice(&BREAK[from..2]);
        indent(buf, depth);
    }
}

/// A key as [`key`] writes it: `k!("code")` is `"code": `.
macro_rules! k {
    ($name:literal) => {
        concat!("\"", $name, "\": ").as_bytes()
    };
}
use k;

/// A key (`"name": `, from [`k!`]) on its own line (the keys are ours: plain ASCII, nothing
/// to escape).
#[inline(always)]
fn key(buf: &mut Vec<u8>, depth: usize, first: bool, quoted: &[u8]) {
    item(buf, depth, first);
    buf.extend_from_slice(quoted);
}

/// The end of a non-empty object or array whose items are one level deeper than `depth`.
fn close(buf: &mut Vec<u8>, depth: usize, bracket: u8) {
    buf.push(b'\n');
    indent(buf, depth);
    buf.push(bracket);
}

/// A JSON string, escaped exactly as serde_json escapes it (`"`, `\\`, and the controls
/// below 0x20: `\b \t \n \f \r` or `\u00xx`; nothing else). Text is skipped 32 bytes at a
/// time where a block has nothing to escape (a pass the compiler vectorizes), and copied
/// between the bytes that need an escape (the quotes around a container's name).
fn string(buf: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    buf.reserve(b.len() + 2);
    buf.push(b'"');
    let plain = |c: u8| c >= 0x20 && c != b'"' && c != b'\\';
    let mut copied = 0;
    // The bytes of `b[from..from + part.len()]`, one at a time.
    let mut bytewise = |buf: &mut Vec<u8>, from: usize, part: &[u8]| {
        for (j, &c) in part.iter().enumerate() {
            if !plain(c) {
                let i = from + j;
                buf.extend_from_slice(&b[copied..i]);
                escape(buf, c);
                copied = i + 1;
            }
        }
    };
    // Whole blocks (of a length the compiler knows, so that it vectorizes the check).
    let mut blocks = b.chunks_exact(32);
    for (n, block) in (&mut blocks).enumerate() {
        if !block.iter().fold(true, |all, &c| all & plain(c)) {
            bytewise(buf, 32 * n, block);
        }
    }
    let tail = blocks.remainder();
    if !tail.iter().all(|&c| plain(c)) {
        bytewise(buf, b.len() - tail.len(), tail);
    }
    buf.extend_from_slice(&b[copied..]);
    buf.push(b'"');
}

/// The escape of one byte that JSON text may not hold as it is.
fn escape(buf: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match c {
        b'"' => buf.extend_from_slice(b"\\\""),
        b'\\' => buf.extend_from_slice(b"\\\\"),
        0x08 => buf.extend_from_slice(b"\\b"),
        b'\t' => buf.extend_from_slice(b"\\t"),
        b'\n' => buf.extend_from_slice(b"\\n"),
        0x0c => buf.extend_from_slice(b"\\f"),
        b'\r' => buf.extend_from_slice(b"\\r"),
        c => buf.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(c >> 4)],
            HEX[usize::from(c & 0xf)],
        ]),
    }
}

fn number(buf: &mut Vec<u8>, n: u32) {
    palisade_core::path::push_decimal_bytes(buf, u64::from(n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_core::psa::{CheckInfo, Level};
    use palisade_core::{AdmissionAction, Check, FieldPath, PssMode, RuleMeta, Scope, Severity};
    use std::sync::Arc;

    static CHECK: CheckInfo = CheckInfo {
        id: "privileged",
        level: Level::Baseline,
        reason: "privileged",
        title: "Privileged Containers",
    };

    static ONE: RuleMeta = RuleMeta {
        code: "PSS007",
        name: "pss-privileged",
        severity: Severity::High,
        group: "pss",
        summary: "Privileged containers",
        remediation: "Remove \"privileged\"\\set it to false.",
        docs: "",
        references: &[
            Reference::Pss("Privileged Containers"),
            Reference::Cis("5.2.1"),
            Reference::CisDocker("4.1"),
            Reference::Nsa("Non-root containers"),
            Reference::Mitre("T1611"),
            Reference::Checkov("CKV_K8S_16"),
            Reference::Trivy("KSV017"),
            Reference::Url("https://example.org/a?b=\"c\""),
        ],
        requires_option: None,
        scope: Scope::Object,
        check: Check::Pss(&CHECK),
    };

    static TWO: RuleMeta = RuleMeta {
        code: "HRD016",
        name: "added-capabilities",
        severity: Severity::Medium,
        group: "hardening",
        summary: "Added capabilities",
        remediation: "Drop it.",
        docs: "",
        // One reference shared with ONE (listed once), one of its own.
        references: &[Reference::Cis("5.2.1"), Reference::Mitre("T1068")],
        requires_option: None,
        scope: Scope::Object,
        check: Check::Engine,
    };

    static BARE: RuleMeta = RuleMeta {
        code: "HRD999",
        name: "bare",
        severity: Severity::Info,
        group: "hardening",
        summary: "",
        remediation: "",
        docs: "",
        references: &[],
        requires_option: None,
        scope: Scope::Object,
        check: Check::Engine,
    };

    fn object(namespace: Option<&str>, name: &str, uid: Option<&str>) -> Arc<ObjectRef> {
        Arc::new(ObjectRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: namespace.map(Into::into),
            name: name.into(),
            uid: uid.map(Into::into),
        })
    }

    fn findings() -> Vec<Finding> {
        let texts = [
            "plain text",
            "",
            "quotes \" and \\ backslashes",
            "only a \\ backslash",
            "only a \" quote",
            "only a \u{0} control",
            "control \u{1} \u{8} \u{c} \n \r \t \u{1f} and \u{7f}",
            "non-ASCII: é ü 日本 \u{202e} 🦀",
        ];
        let mut out = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let full = Finding {
                rule: &ONE,
                severity: Severity::Critical,
                exact: i % 2 == 0,
                object: object(Some(text), text, Some("0f3c-uid")),
                object_location: None,
                container: Some((*text).into()),
                message: (*text).into(),
                path: FieldPath::root()
                    .key("spec")
                    .key(text)
                    .key("containers")
                    .idx(i)
                    .key("a.b/c"),
                location: Some(Location {
                    file: Arc::from(format!("dir/{text}.yaml")),
                    line: [1, 9, 10, 4_294_967_295, 123_456, 2, 3, 4][i],
                    column: [0, 1, 99, 1000, 7, 5, 6, 8][i],
                }),
                pss: Some(Arc::new(PssContext {
                    level: "restricted".into(),
                    version: (*text).into(),
                    mode: PssMode::Enforce,
                    action: AdmissionAction::Reject,
                    check: "privileged",
                    reason: (*text).into(),
                    detail: (*text).into(),
                })),
                suppressed: None,
                also: vec![&TWO],
            };
            let bare = Finding {
                rule: &BARE,
                severity: Severity::Info,
                exact: true,
                object: object(None, text, None),
                object_location: None,
                container: None,
                message: (*text).into(),
                path: FieldPath::root(),
                location: None,
                pss: None,
                suppressed: None,
                also: Vec::new(),
            };
            out.extend([full, bare]);
        }
        out
    }

    #[test]
    fn strings_are_escaped_as_serde_escapes_them() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("é\u{2028}\u{1F600}\u{7f}\u{80}");
        for s in [
            every.as_str(),
            "",
            "plain",
            "\"",
            "a\\b",
            "\u{1}x\u{1f}",
            "tail\n",
            "container \"app\" must set x=\"y\"",
        ] {
            let mut got = Vec::new();
            string(&mut got, s);
            assert_eq!(
                String::from_utf8(got).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
        // An escape in every place of texts around the 32-byte blocks, one or two of them.
        for len in [1usize, 31, 32, 33, 63, 64, 65, 100] {
            for at in 0..len {
                for bad in ["\"", "\\", "\n", "\u{1}", "é"] {
                    let mut s = "a".repeat(len);
                    s.replace_range(at..=at, bad);
                    let mut twice = s.clone();
                    twice.push_str(bad);
                    for s in [s, twice] {
                        let mut got = Vec::new();
                        string(&mut got, &s);
                        assert_eq!(
                            String::from_utf8(got).unwrap(),
                            serde_json::to_string(&s).unwrap(),
                            "{s:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn writes_what_serde_writes() {
        for f in findings() {
            for depth in [0, 2, 5, 31, 32, 40] {
                let mut want = Vec::new();
                super::super::nested(&super::super::JsonFinding::from(&f), depth, &mut want).unwrap();
                let mut got = Vec::new();
                finding(&f, None, depth, &mut got, &mut Scratch::default());
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want),
                    "{} at depth {depth}",
                    f.message
                );
                // And it is JSON that reads back.
                let v: serde_json::Value = serde_json::from_slice(&got).unwrap();
                assert_eq!(v["message"], *f.message);
            }
        }
    }

    #[test]
    fn an_objects_findings_in_a_row_have_their_own_fingerprints() {
        let all = findings();
        let serde = |f: &Finding| {
            let mut want = Vec::new();
            super::super::nested(&super::super::JsonFinding::from(f), 2, &mut want).unwrap();
            want
        };
        // The same object (one Arc) with another rule and path; then at another file.
        let first = &all[0];
        let mut second = first.clone();
        second.rule = &TWO;
        second.path = FieldPath::root().key("spec").key("other");
        let mut elsewhere = second.clone();
        if let Some(l) = &mut elsewhere.location {
            l.file = Arc::from("another.yaml");
        }
        let unplaced = Finding {
            location: None,
            ..second.clone()
        };
        let row = [first, &second, &elsewhere, &unplaced, &all[1], &all[2]];
        let mut scratch = Scratch::default();
        for (i, f) in row.iter().enumerate() {
            let mut got = Vec::new();
            finding(f, i.checked_sub(1).map(|p| row[p]), 2, &mut got, &mut scratch);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&serde(f)),
                "{i}"
            );
        }
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 99, 100, 65_535, 1_000_000, u32::MAX] {
            let mut b = Vec::new();
            number(&mut b, n);
            assert_eq!(String::from_utf8(b).unwrap(), n.to_string());
        }
    }
}

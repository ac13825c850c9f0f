//! The message conventions shared by every check (spec §3.0): NAMES quoting, PL
//! pluralisation, byte-wise sorted sets, the "pod and containers ..." setters phrase and Go
//! `%q` string quoting. Pure string helpers; no check logic.

use std::collections::BTreeSet;

/// NAMES: each item wrapped in plain double quotes (no escaping), joined with `", "`.
pub(crate) fn names<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    push_names(&mut out, items);
    out
}

/// Appends [`names`] of `items` to `out`.
fn push_names<S: AsRef<str>>(out: &mut String, items: &[S]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
}

/// PL: the singular form when `n == 1`, otherwise the plural form (also for 0).
pub(crate) fn pl<'a>(singular: &'a str, plural: &'a str, n: usize) -> &'a str {
    if n == 1 {
        singular
    } else {
        plural
    }
}

/// A de-duplicated, byte-wise sorted list (Go's `sets.List` / `sort.Strings`).
pub(crate) fn sorted_set<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items
        .into_iter()
        .map(Into::into)
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// `container "a"` or `containers "a", "b"`.
pub(crate) fn containers_phrase<S: AsRef<str>>(containers: &[S]) -> String {
    let mut out = String::with_capacity(96);
    out.push_str(pl("container", "containers", containers.len()));
    out.push(' ');
    push_names(&mut out, containers);
    out
}

/// [`containers_phrase`] followed by `rest`.
pub(crate) fn containers_then<S: AsRef<str>>(containers: &[S], rest: &str) -> String {
    let mut out = containers_phrase(containers);
    out.push_str(rest);
    out
}

/// Builds the setters phrase: `pod` when the pod-level value is bad, then the containers
/// phrase when any container is bad, joined by `" and "` (callers may push more parts).
pub(crate) fn setters<S: AsRef<str>>(pod_is_bad: bool, containers: &[S]) -> Vec<String> {
    let mut out = Vec::new();
    if pod_is_bad {
        out.push("pod".to_string());
    }
    if !containers.is_empty() {
        out.push(containers_phrase(containers));
    }
    out
}

/// Go's `strconv.Quote` (`%q`): double quotes, backslash escapes for `"` and `\`, the C
/// escapes, `\xHH` for other ASCII controls and `\uHHHH`/`\UHHHHHHHH` for non-printable
/// runes.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` without Unicode tables: ASCII is exact; outside
/// ASCII, controls, spaces other than U+0020, the common format characters, private-use code
/// points and non-characters are not printable.
fn is_go_printable(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    let u = c as u32;
    let format_char = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private_use = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let non_character = matches!(u, 0xFDD0..=0xFDEF) || (u & 0xFFFE) == 0xFFFE;
    !(c.is_control() || c.is_whitespace() || format_char || private_use || non_character)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_quotes_without_escaping() {
        assert_eq!(names(&["a", "b"]), r#""a", "b""#);
        assert_eq!(names::<&str>(&[]), "");
        assert_eq!(names(&[r#"k="v""#]), r#""k="v"""#);
    }

    #[test]
    fn pl_uses_plural_for_zero_and_many() {
        assert_eq!(pl("container", "containers", 0), "containers");
        assert_eq!(pl("container", "containers", 1), "container");
        assert_eq!(pl("container", "containers", 2), "containers");
    }

    #[test]
    fn sorted_set_is_bytewise_and_deduplicated() {
        assert_eq!(
            sorted_set(["8080", "10000", "8080", "B", "a"]),
            vec!["10000", "8080", "B", "a"]
        );
    }

    #[test]
    fn setters_phrase() {
        assert_eq!(
            setters(true, &["c", "d"]).join(" and "),
            r#"pod and containers "c", "d""#
        );
        assert_eq!(setters(false, &["c"]).join(" and "), r#"container "c""#);
        assert_eq!(setters::<&str>(true, &[]).join(" and "), "pod");
    }

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("unconfined"), r#""unconfined""#);
        assert_eq!(go_quote(""), r#""""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            go_quote("x\ny\t\u{7}\u{0}\u{1b}\u{7f}"),
            r#""x\ny\t\a\x00\x1b\x7f""#
        );
        assert_eq!(go_quote("héllo ☃"), "\"héllo ☃\"");
        assert_eq!(go_quote("\u{a0}\u{200b}\u{85}"), r#""\u00a0\u200b\u0085""#);
        assert_eq!(go_quote("\u{10ffff}"), r#""\U0010ffff""#);
    }
}

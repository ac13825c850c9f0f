//! The admission section's text for a terminal: a Pod Security Admission message split into
//! its head and one line per violated check, long lines wrapped, and — when only some PSS
//! rules were selected (`--select`) — only the checks of the selected rules. Display only: the
//! verdicts themselves, and their exact message in JSON, are not changed.

use palisade_core::{Check, Report};

/// The PSA reasons of the selected PSS rules, when not every PSS rule was selected.
pub(crate) struct SelectedChecks {
    /// `None` when every check is shown.
    reasons: Option<Vec<&'static str>>,
}

impl SelectedChecks {
    pub(crate) fn of(report: &Report) -> SelectedChecks {
        let reasons: Vec<&'static str> = report
            .rules
            .iter()
            .filter_map(|r| match r.check {
                Check::Pss(info) => Some(info.reason),
                _ => None,
            })
            .collect();
        let pss_rules = report
            .rules
            .iter()
            .filter(|r| matches!(r.check, Check::Pss(_)))
            .count();
        SelectedChecks {
            reasons: (pss_rules < palisade_pss::CHECKS.len()).then_some(reasons),
        }
    }
    /// Whether the violation `item` (`reason (detail)`) is shown.
    fn shows(&self, item: &str) -> bool {
        match &self.reasons {
            None => true,
            Some(reasons) => {
                let reason = item.split_once(" (").map_or(item, |(r, _)| r);
                reasons.contains(&reason)
            }
        }
    }
    /// The line that says checks are left out, if they are.
    pub(crate) fn note(&self) -> Option<String> {
        self.reasons.as_ref().map(|_| {
            "(only the checks of the selected rules are shown; -o json has the full messages)".to_owned()
        })
    }
}

/// Hands the lines of a verdict's message to `line`: (0, head) then (1, one violated check)
/// each. Returns false, having handed on nothing, when no violated check is selected. A
/// message without the PSA list is one line.
pub(crate) fn each_line(message: &str, selected: &SelectedChecks, mut line: impl FnMut(usize, &str)) -> bool {
    let Some((head, list)) = split_head(message) else {
        line(0, message);
        return true;
    };
    let mut any = false;
    each_item(list, |i| {
        if selected.shows(i) {
            if !any {
                line(0, head);
                any = true;
            }
            line(1, i);
        }
    });
    any
}

/// The lines of a verdict's message, as [`each_line`] hands them on; `None` when no
/// violated check is selected.
#[cfg(test)]
pub(crate) fn lines(message: &str, selected: &SelectedChecks) -> Option<Vec<(usize, String)>> {
    let mut out = Vec::new();
    each_line(message, selected, |d, l| out.push((d, l.to_owned()))).then_some(out)
}

/// `…violates PodSecurity "restricted:latest":` and the list of violations after it.
fn split_head(message: &str) -> Option<(&str, &str)> {
    let start = message.rfind("PodSecurity \"")? + "PodSecurity \"".len();
    let close = message[start..].find("\": ")? + start;
    Some((&message[..close + 2], &message[close + 3..]))
}

/// Hands on the non-empty pieces of `a (x, y), b (z)` split at the commas outside
/// parentheses and quotes.
fn each_item<'a>(list: &'a str, mut item: impl FnMut(&'a str)) {
    let mut emit = |s: &'a str| {
        if !s.is_empty() {
            item(s);
        }
    };
    let (mut depth, mut quoted, mut escaped, mut start) = (0i32, false, false, 0);
    let bytes = list.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if quoted {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => quoted = true,
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                emit(&list[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    emit(&list[start..]);
}

/// Hands on the lines of `text` wrapped at spaces to at most `width` characters (a longer
/// word stays whole), as (whether it is a continuation line, its words joined by spaces);
/// continuation lines are meant to be indented by two more spaces (`width` counts them).
pub(crate) fn each_wrapped<'a>(text: &'a str, width: usize, mut line: impl FnMut(bool, &'a str)) {
    // The line so far is `text[start..end]`, `chars` characters (plus the indent).
    let (mut start, mut end, mut chars) = (0, 0, 0);
    let mut first_line = true;
    let mut pos = 0;
    for word in text.split(' ') {
        let wstart = pos;
        pos += word.len() + 1;
        let wchars = word.chars().count();
        let indent = if first_line { 0 } else { 2 };
        if first_line && start == end {
            // Nothing on the first line yet (the text starts with spaces): the word starts it.
            (start, end, chars) = (wstart, wstart + word.len(), wchars);
        } else if indent + chars + 1 + wchars > width {
            line(!first_line, &text[start..end]);
            first_line = false;
            (start, end, chars) = (wstart, wstart + word.len(), wchars);
        } else {
            end = wstart + word.len();
            chars += 1 + wchars;
        }
    }
    line(!first_line, &text[start..end]);
}

/// [`each_wrapped`]'s lines with their indent.
#[cfg(test)]
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    each_wrapped(text, width, |cont, l| {
        out.push(if cont { format!("  {l}") } else { l.to_owned() })
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &str = r#"would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true), allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]; container "a" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add)"#;

    #[test]
    fn one_line_per_check() {
        let all = SelectedChecks { reasons: None };
        let l = lines(MSG, &all).unwrap();
        assert_eq!(
            l[0],
            (0, r#"would violate PodSecurity "restricted:latest":"#.to_owned())
        );
        assert_eq!(l[1], (1, "host namespaces (hostNetwork=true)".to_owned()));
        assert!(l[2]
            .1
            .starts_with("allowPrivilegeEscalation != false (containers \"a\", \"b\""));
        assert!(l[3].1.ends_with("in securityContext.capabilities.add)"));
        assert_eq!(l.len(), 4);
        // Joined back, the lines are the exact message.
        let joined = format!(
            "{} {}",
            l[0].1,
            l[1..]
                .iter()
                .map(|(_, s)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(joined, MSG);
    }

    #[test]
    fn only_selected_checks() {
        let sel = SelectedChecks {
            reasons: Some(vec!["unrestricted capabilities"]),
        };
        let l = lines(MSG, &sel).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[1].1.starts_with("unrestricted capabilities ("));
        let none = SelectedChecks {
            reasons: Some(vec!["privileged"]),
        };
        assert_eq!(lines(MSG, &none), None);
    }

    #[test]
    fn wraps_at_spaces() {
        let w = wrap("aaa bbb ccc ddd", 7);
        assert_eq!(w, vec!["aaa bbb", "  ccc", "  ddd"]);
        assert!(wrap(MSG, 60).iter().all(|l| l.chars().count() <= 60));
        assert_eq!(wrap("short", 60), vec!["short"]);
    }
}

//! Messages built by appending their pieces. A rule writes its message once per finding, and
//! a large input has millions of findings: `format!` spends about a thousand instructions on
//! a three-piece message, most of them in the formatting machinery and in `{:?}`'s character
//! by character escaping. [`Msg`] appends the same pieces and quotes plain text by copying it,
//! with the same result (the tests compare the two).

use std::fmt::Write as _;

/// A message under construction: `Msg::new().s("container ").q(name).s(" has no probe")`
/// is `format!("container {name:?} has no probe")`.
#[derive(Debug, Default, Clone)]
pub struct Msg(String);

impl Msg {
    pub fn new() -> Msg {
        Msg(String::with_capacity(96))
    }
    /// Appends `s` as it is (`{}`).
    #[must_use]
    pub fn s(mut self, s: &str) -> Msg {
        self.0.push_str(s);
        self
    }
    /// Appends `s` quoted as `{:?}` quotes it.
    #[must_use]
    pub fn q(mut self, s: &str) -> Msg {
        push_quoted(&mut self.0, s);
        self
    }
    /// Appends `n` in decimal (`{}`).
    #[must_use]
    pub fn n(mut self, n: u64) -> Msg {
        crate::path::push_decimal(&mut self.0, n);
        self
    }
    /// The message.
    pub fn done(self) -> String {
        self.0
    }
}

impl From<Msg> for String {
    fn from(m: Msg) -> String {
        m.0
    }
}

/// Appends `s` as `{:?}` writes it: in double quotes, with Rust's escapes. Printable ASCII
/// without `"` or `\` (nearly every name) is copied as it is, which is what the escaping
/// gives it.
pub fn push_quoted(out: &mut String, s: &str) {
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // Writing to a String cannot fail.
        let _ = write!(out, "{s:?}");
    }
}

/// `s` as `{:?}` writes it (see [`push_quoted`]).
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: &[&str] = &[
        "",
        "app",
        "with space",
        "it's",
        "say \"hi\"",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "\u{0}\u{1}\u{1f}\u{7f}",
        "é ü 日本",
        "\u{202e}rtl \u{200b}zero-width",
        "🦀",
        "combining e\u{301}",
        "\u{301}leading combining",
        "~!@#$%^&*()_+`-={}[]|:;<>,.?/",
    ];

    #[test]
    fn quotes_as_debug_quotes() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("\u{80}\u{a0}\u{ad}\u{2028}\u{feff}\u{e000}\u{10ffff}");
        for s in TEXTS.iter().copied().chain([every.as_str()]) {
            assert_eq!(quoted(s), format!("{s:?}"), "{s:?}");
        }
    }

    #[test]
    fn builds_what_format_builds() {
        for s in TEXTS {
            for n in [0u64, 7, 10, 65_535, u64::MAX] {
                let got = Msg::new()
                    .s("container ")
                    .q(s)
                    .s(" has ")
                    .n(n)
                    .s(" of ")
                    .s(s)
                    .done();
                assert_eq!(got, format!("container {s:?} has {n} of {s}"));
            }
        }
        assert_eq!(String::from(Msg::new()), "");
    }
}

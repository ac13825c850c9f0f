//! Word processing as BuildKit's shell lexer does it for Dockerfile arguments: quote removal,
//! the escape character, and variable substitution (`$V`, `${V}`, `${V:-d}`, `${V-d}`,
//! `${V:+x}`, `${V+x}`, `${V:?m}`, `${V?m}`, `${V#p}`, `${V##p}`, `${V%p}`, `${V%%p}`,
//! `${V/p/r}`). Pure string functions; unset variables expand to nothing, as in BuildKit.

use std::collections::BTreeMap;

/// Expand `text` with `vars` and the default escape character `\`: quotes removed, escapes
/// resolved, variables substituted.
pub fn expand(text: &str, vars: &BTreeMap<String, String>) -> String {
    expand_with_escape(text, '\\', vars)
}

/// [`expand`] with the Dockerfile's escape character.
pub fn expand_with_escape(text: &str, escape: char, vars: &BTreeMap<String, String>) -> String {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        i: 0,
        escape,
        vars: Some(vars),
        depth: 0,
    };
    lx.word(&[])
}

/// Quotes removed and escapes resolved, variables kept as written (`Word::value`).
pub fn unquote(text: &str, escape: char) -> String {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        i: 0,
        escape,
        vars: None,
        depth: 0,
    };
    lx.word(&[])
}

/// Does `text` reference a variable (`$` followed by a name, `{`, or a special parameter),
/// outside single quotes and not escaped?
pub fn has_variable(text: &str, escape: char) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut single = false;
    while i < chars.len() {
        let c = chars[i];
        if single {
            single = c != '\'';
        } else if c == '\'' {
            single = true;
        } else if c == escape {
            i += 1;
        } else if c == '$' {
            if let Some(&n) = chars.get(i + 1) {
                if n == '{' || n == '_' || n.is_ascii_alphanumeric() {
                    return true;
                }
            }
        }
        i += 1;
    }
    false
}

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    escape: char,
    /// `None`: keep variables as written.
    vars: Option<&'a BTreeMap<String, String>>,
    depth: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    /// Process up to the end or one of `stops` (not consumed) at the top level.
    fn word(&mut self, stops: &[char]) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if stops.contains(&c) {
                break;
            }
            self.i += 1;
            if c == self.escape {
                if let Some(n) = self.peek() {
                    self.i += 1;
                    out.push(n);
                }
            } else if c == '\'' {
                while let Some(n) = self.peek() {
                    self.i += 1;
                    if n == '\'' {
                        break;
                    }
                    out.push(n);
                }
            } else if c == '"' {
                self.double_quoted(&mut out);
            } else if c == '$' {
                self.dollar(&mut out);
            } else {
                out.push(c);
            }
        }
        out
    }

    fn double_quoted(&mut self, out: &mut String) {
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == '"' {
                return;
            }
            if c == self.escape {
                match self.peek() {
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        self.i += 1;
                        out.push(n);
                    }
                    Some(n) => {
                        self.i += 1;
                        out.push(c);
                        out.push(n);
                    }
                    None => out.push(c),
                }
            } else if c == '$' {
                self.dollar(out);
            } else {
                out.push(c);
            }
        }
    }

    /// After a `$`.
    fn dollar(&mut self, out: &mut String) {
        let start = self.i - 1;
        match self.peek() {
            Some('{') => {
                self.i += 1;
                if self.vars.is_none() || self.depth > 32 {
                    // Copy through the matching brace.
                    let mut level = 1;
                    while let Some(c) = self.peek() {
                        self.i += 1;
                        if c == '{' {
                            level += 1;
                        } else if c == '}' {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                    }
                    out.extend(&self.chars[start..self.i]);
                    return;
                }
                self.braced(out);
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let name = self.name();
                match self.vars {
                    None => {
                        out.push('$');
                        out.push_str(&name);
                    }
                    Some(v) => out.push_str(v.get(&name).map_or("", |s| s)),
                }
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.i += 1;
                if self.vars.is_none() {
                    out.push('$');
                    out.push(c);
                }
            }
            _ => out.push('$'),
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '_' || c.is_ascii_alphanumeric() {
                name.push(c);
                self.i += 1;
            } else {
                break;
            }
        }
        name
    }

    /// After `${`, substituting.
    fn braced(&mut self, out: &mut String) {
        let Some(vars) = self.vars else {
            return;
        };
        let name = match self.peek() {
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.i += 1;
                c.to_string()
            }
            _ => self.name(),
        };
        let value = vars.get(&name).cloned();
        let op: String = match self.peek() {
            Some('}') => {
                self.i += 1;
                out.push_str(value.as_deref().unwrap_or(""));
                return;
            }
            Some(':') => {
                self.i += 1;
                let mut op = String::from(":");
                if let Some(c) = self.peek() {
                    self.i += 1;
                    op.push(c);
                }
                op
            }
            Some(c @ ('-' | '+' | '?' | '/')) => {
                self.i += 1;
                c.to_string()
            }
            Some(c @ ('#' | '%')) => {
                self.i += 1;
                let mut op = c.to_string();
                if self.peek() == Some(c) {
                    self.i += 1;
                    op.push(c);
                }
                op
            }
            _ => {
                // Malformed: skip to the closing brace.
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == '}' {
                        break;
                    }
                }
                return;
            }
        };
        self.depth += 1;
        let (word, repl) = if op == "/" {
            let pat = self.word(&['/', '}']);
            let repl = if self.peek() == Some('/') {
                self.i += 1;
                Some(self.word(&['}']))
            } else {
                None
            };
            (pat, repl)
        } else {
            (self.word(&['}']), None)
        };
        self.depth -= 1;
        if self.peek() == Some('}') {
            self.i += 1;
        }
        let set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let v = value.clone().unwrap_or_default();
        let result = match op.as_str() {
            ":-" => {
                if non_empty {
                    v
                } else {
                    word
                }
            }
            "-" => {
                if set {
                    v
                } else {
                    word
                }
            }
            ":+" => {
                if non_empty {
                    word
                } else {
                    String::new()
                }
            }
            "+" => {
                if set {
                    word
                } else {
                    String::new()
                }
            }
            ":?" | "?" | ":=" | "=" => v,
            "#" => strip_prefix(&v, &word, false),
            "##" => strip_prefix(&v, &word, true),
            "%" => strip_suffix(&v, &word, false),
            "%%" => strip_suffix(&v, &word, true),
            "/" => match find_glob(&v, &word) {
                Some((a, b)) => format!("{}{}{}", &v[..a], repl.unwrap_or_default(), &v[b..]),
                None => v,
            },
            _ => v,
        };
        out.push_str(&result);
    }
}

/// Shell glob match of the whole `s` against `pat` (`*`, `?`, literal otherwise), in
/// O(len(pat) × len(s)).
fn glob(pat: &[char], s: &[char]) -> bool {
    // row[j]: does pat[..i] match s[..j]?
    let mut row = vec![false; s.len() + 1];
    row[0] = true;
    for &p in pat {
        let mut next = vec![false; s.len() + 1];
        if p == '*' {
            let mut any = false;
            for j in 0..=s.len() {
                any = any || row[j];
                next[j] = any;
            }
        } else {
            for j in 1..=s.len() {
                next[j] = row[j - 1] && (p == '?' || p == s[j - 1]);
            }
        }
        row = next;
    }
    row[s.len()]
}

fn boundaries(v: &str) -> Vec<usize> {
    v.char_indices().map(|(i, _)| i).chain([v.len()]).collect()
}

fn strip_prefix(v: &str, pat: &str, longest: bool) -> String {
    // Bounded work on huge values or patterns: left as they are.
    if v.len() > 2048 || pat.len() > 512 {
        return v.to_string();
    }
    let p: Vec<char> = pat.chars().collect();
    let mut ends = boundaries(v);
    if longest {
        ends.reverse();
    }
    for e in ends {
        let head: Vec<char> = v[..e].chars().collect();
        if glob(&p, &head) {
            return v[e..].to_string();
        }
    }
    v.to_string()
}

fn strip_suffix(v: &str, pat: &str, longest: bool) -> String {
    // Bounded work on huge values or patterns: left as they are.
    if v.len() > 2048 || pat.len() > 512 {
        return v.to_string();
    }
    let p: Vec<char> = pat.chars().collect();
    let mut starts = boundaries(v);
    if !longest {
        starts.reverse();
    }
    for s in starts {
        let tail: Vec<char> = v[s..].chars().collect();
        if glob(&p, &tail) {
            return v[..s].to_string();
        }
    }
    v.to_string()
}

/// The first, longest match of `pat` in `v`, as byte offsets.
fn find_glob(v: &str, pat: &str) -> Option<(usize, usize)> {
    // Bounded work: a replacement in a value of more than 512 characters is not attempted.
    if pat.is_empty() || v.len() > 512 || pat.len() > 512 {
        return None;
    }
    let p: Vec<char> = pat.chars().collect();
    let b = boundaries(v);
    for &s in &b {
        for &e in b.iter().rev() {
            if e < s {
                break;
            }
            let part: Vec<char> = v[s..e].chars().collect();
            if glob(&p, &part) {
                return Some((s, e));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("V", "val"), ("E", ""), ("P", "a/b/c.tar.gz")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn plain_and_braced() {
        let v = vars();
        assert_eq!(expand("x$V-y", &v), "xval-y");
        assert_eq!(expand("x${V}y", &v), "xvaly");
        assert_eq!(expand("$UNSET.", &v), ".");
        assert_eq!(expand("a$", &v), "a$");
        assert_eq!(expand("$1", &v), "");
    }

    #[test]
    fn modifiers() {
        let v = vars();
        assert_eq!(expand("${V:-d}", &v), "val");
        assert_eq!(expand("${E:-d}", &v), "d");
        assert_eq!(expand("${E-d}", &v), "");
        assert_eq!(expand("${U-d}", &v), "d");
        assert_eq!(expand("${V:+x}", &v), "x");
        assert_eq!(expand("${E:+x}", &v), "");
        assert_eq!(expand("${E+x}", &v), "x");
        assert_eq!(expand("${U+x}", &v), "");
        assert_eq!(expand("${U:-${V}}", &v), "val");
        assert_eq!(expand("${P#*/}", &v), "b/c.tar.gz");
        assert_eq!(expand("${P##*/}", &v), "c.tar.gz");
        assert_eq!(expand("${P%.*}", &v), "a/b/c.tar");
        assert_eq!(expand("${P%%.*}", &v), "a/b/c");
        assert_eq!(expand("${P/b/X}", &v), "a/X/c.tar.gz");
    }

    #[test]
    fn quotes_and_escapes() {
        let v = vars();
        assert_eq!(expand("'$V'", &v), "$V");
        assert_eq!(expand("\"$V x\"", &v), "val x");
        assert_eq!(expand("\\$V", &v), "$V");
        assert_eq!(expand("\"a\\\"b\\n\"", &v), "a\"b\\n");
        assert_eq!(expand_with_escape("`$V", '`', &v), "$V");
        assert_eq!(expand_with_escape("C:\\dir", '`', &v), "C:\\dir");
    }

    #[test]
    fn unquote_keeps_variables() {
        assert_eq!(unquote("\"a b\" ${X:-y} $Z 'q'", '\\'), "a b ${X:-y} $Z q");
        assert!(has_variable("a${B}", '\\'));
        assert!(!has_variable("'$B' \\$C $", '\\'));
    }
}

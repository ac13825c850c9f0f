//! Resolution of plain YAML scalars the way Kubernetes decodes manifests: go-yaml v2 (YAML
//! 1.1) through sigs.k8s.io/yaml. `yes`/`on` are booleans, `0777` is octal, `1_000` is an
//! integer, `~` is null.

use palisade_core::Value;

/// Resolves an untagged plain scalar.
pub fn resolve_plain(s: &str) -> Value {
    // A string is made from the text, not from a copy of it (short text is held in place).
    match special_plain(s) {
        Some(v) => v,
        None => Value::Str(s.into()),
    }
}

/// Whether an untagged plain scalar resolves to a string (not null, a boolean or a number).
pub fn plain_is_str(s: &str) -> bool {
    special_plain(s).is_none()
}

/// The value of an untagged plain scalar that is not a string; `None` for a string.
fn special_plain(s: &str) -> Option<Value> {
    // Every special form starts with one of these bytes (or is empty); text that starts
    // with another letter (`apps/v1`, `Deployment`) is a string without further tests.
    if let Some(first @ (b'a'..=b'z' | b'A'..=b'Z')) = s.bytes().next() {
        if !matches!(
            first,
            b'n' | b'N' | b'y' | b'Y' | b'o' | b'O' | b't' | b'T' | b'f' | b'F'
        ) {
            return None;
        }
    }
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Some(Value::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Some(Value::Bool(false))
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(Value::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => return Some(Value::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Float(f64::NAN)),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first == b'-' || first == b'+' || first == b'.' || first.is_ascii_digit() {
        if let Some(v) = resolve_number(s) {
            return Some(v);
        }
    }
    None
}

fn resolve_number(s: &str) -> Option<Value> {
    let plain: std::borrow::Cow<'_, str> = if s.contains('_') {
        s.chars().filter(|&c| c != '_').collect::<String>().into()
    } else {
        s.into()
    };
    if let Some(i) = go_parse_int(&plain) {
        return Some(Value::Int(i));
    }
    if let Some(u) = go_parse_uint(&plain) {
        return Some(Value::Float(u as f64));
    }
    if yaml_style_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Some(Value::Float(f));
        }
    }
    // go-yaml v2 also accepts `0b` binary with a sign after the prefix
    // (`strconv.ParseInt(plain[2:], 2, 64)`), and `-0b` as `ParseInt("-" + plain[3:], 2, 64)`,
    // so `-0b-1` (two signs) is not a number.
    if let Some(b) = plain.strip_prefix("0b") {
        if let Ok(i) = i64::from_str_radix(b, 2) {
            return Some(Value::Int(i));
        }
    } else if let Some(b) = plain.strip_prefix("-0b") {
        if let Ok(i) = i64::from_str_radix(&format!("-{b}"), 2) {
            return Some(Value::Int(i));
        }
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`, `0o`, `0b`, a leading `0`
/// (octal) or decimal.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = radix_split(body)?;
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            Some((mag as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

fn go_parse_uint(s: &str) -> Option<u64> {
    let (radix, digits) = radix_split(s)?;
    u64::from_str_radix(digits, radix).ok()
}

fn radix_split(body: &str) -> Option<(u32, &str)> {
    if body.is_empty() || body.starts_with(['+', '-']) {
        return None;
    }
    let r = if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if r.1.is_empty() || r.1.starts_with(['+', '-']) {
        return None;
    }
    Some(r)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The string form of a resolved scalar used as a mapping key (sigs.k8s.io/yaml turns
/// non-string keys into strings).
pub fn key_string(raw: &str, v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => {
            if f.is_finite() {
                let s = format!("{f}");
                s
            } else {
                raw.to_string()
            }
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_booleans_and_nulls() {
        for t in ["yes", "Yes", "YES", "on", "ON", "y", "Y", "true", "True"] {
            assert_eq!(resolve_plain(t), Value::Bool(true), "{t}");
        }
        for f in ["no", "No", "off", "OFF", "n", "N", "false", "FALSE"] {
            assert_eq!(resolve_plain(f), Value::Bool(false), "{f}");
        }
        for n in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(resolve_plain(n), Value::Null, "{n}");
        }
        assert_eq!(resolve_plain("yES"), Value::Str("yES".into()));
        assert_eq!(resolve_plain("maybe"), Value::Str("maybe".into()));
        // Every special form is found whatever letter the text starts with (the letters that
        // start none are decided at once).
        for word in [
            "yes", "Yes", "YES", "y", "Y", "on", "On", "ON", "true", "True", "TRUE", "no", "No", "NO", "n",
            "N", "off", "Off", "OFF", "false", "False", "FALSE", "null", "Null", "NULL", "~", ".inf", ".Inf",
            ".INF", "+.inf", "-.inf", ".nan", ".NaN", ".NAN", "1", "+1", "-1", ".5", "1_000",
        ] {
            assert!(special_plain(word).is_some(), "{word}");
        }
        for letter in (b'a'..=b'z').chain(b'A'..=b'Z').map(char::from) {
            for rest in ["", "es", "ull", "rue", "alse", "n", "ff", "o", "1", ".5"] {
                let s = format!("{letter}{rest}");
                let special = matches!(
                    &*s,
                    "y" | "Y"
                        | "n"
                        | "N"
                        | "yes"
                        | "Yes"
                        | "null"
                        | "Null"
                        | "true"
                        | "True"
                        | "false"
                        | "False"
                        | "on"
                        | "On"
                        | "no"
                        | "No"
                        | "off"
                        | "Off"
                );
                assert_eq!(special_plain(&s).is_some(), special, "{s}");
            }
        }
    }

    #[test]
    fn go_yaml_v2_numbers() {
        assert_eq!(resolve_plain("0"), Value::Int(0));
        assert_eq!(resolve_plain("0777"), Value::Int(0o777));
        assert_eq!(resolve_plain("0o17"), Value::Int(15));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("-0x10"), Value::Int(-16));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("+12"), Value::Int(12));
        assert_eq!(resolve_plain("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain(".5"), Value::Float(0.5));
        assert_eq!(resolve_plain("1."), Value::Float(1.0));
        assert_eq!(
            resolve_plain("18446744073709551615"),
            Value::Float(18446744073709551615.0)
        );
        assert_eq!(resolve_plain("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(resolve_plain("-"), Value::Str("-".into()));
        assert_eq!(resolve_plain("0x"), Value::Str("0x".into()));
        assert_eq!(resolve_plain("1e"), Value::Str("1e".into()));
        assert_eq!(resolve_plain("v1.25"), Value::Str("v1.25".into()));
        assert!(matches!(resolve_plain(".inf"), Value::Float(f) if f.is_infinite()));
    }

    #[test]
    fn signed_binary_after_the_prefix() {
        assert_eq!(resolve_plain("0b-101"), Value::Int(-5));
        assert_eq!(resolve_plain("-0b101"), Value::Int(-5));
        // `ParseInt("--101")` fails in Go: a string, not 5.
        assert_eq!(resolve_plain("-0b-101"), Value::Str("-0b-101".into()));
        assert_eq!(resolve_plain("-0b+101"), Value::Str("-0b+101".into()));
        // Negating i64::MIN used to overflow here (a panic in debug builds).
        let min = format!("-0b-1{}", "0".repeat(63));
        assert_eq!(resolve_plain(&min), Value::Str(min.as_str().into()));
        let min = format!("-0b1{}", "0".repeat(63));
        assert_eq!(resolve_plain(&min), Value::Int(i64::MIN));
    }
}

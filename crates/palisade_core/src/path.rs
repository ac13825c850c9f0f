//! Field paths such as `spec.template.spec.containers[0].securityContext.privileged`: how
//! rules name the field a finding is about. Pure data; resolution to a line lives in `node`.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(Box<str>),
    Index(usize),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<Seg>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }
    pub fn segs(&self) -> &[Seg] {
        &self.0
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    #[must_use]
    pub fn key(mut self, k: &str) -> FieldPath {
        self.0.push(Seg::Key(k.into()));
        self
    }
    #[must_use]
    pub fn idx(mut self, i: usize) -> FieldPath {
        self.0.push(Seg::Index(i));
        self
    }
    /// Appends every segment of `other`.
    #[must_use]
    pub fn join(mut self, other: &FieldPath) -> FieldPath {
        self.0.extend(other.0.iter().cloned());
        self
    }
    /// Parses the dotted form produced by `Display` (`a.b[0]["x.y"]`).
    pub fn parse(s: &str) -> Option<FieldPath> {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'.' => i += 1,
                b'[' => {
                    if b.get(i + 1) == Some(&b'"') {
                        let end = s[i + 2..].find("\"]")? + i + 2;
                        out.push(Seg::Key(s[i + 2..end].into()));
                        i = end + 2;
                    } else {
                        let end = s[i..].find(']')? + i;
                        out.push(Seg::Index(s[i + 1..end].parse().ok()?));
                        i = end + 1;
                    }
                }
                _ => {
                    let end = s[i..].find(['.', '[']).map_or(s.len(), |e| e + i);
                    out.push(Seg::Key(s[i..end].into()));
                    i = end;
                }
            }
        }
        Some(FieldPath(out))
    }
}

fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'$')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if plain_key(k) => {
                    if n > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => write!(f, "[\"{k}\"]")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let p = FieldPath::root()
            .key("metadata")
            .key("annotations")
            .key("container.apparmor.security.beta.kubernetes.io/app")
            .key("x");
        let s = p.to_string();
        assert_eq!(
            s,
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/app\"].x"
        );
        assert_eq!(FieldPath::parse(&s), Some(p));
        let q = FieldPath::root()
            .key("spec")
            .key("containers")
            .idx(2)
            .key("image");
        assert_eq!(q.to_string(), "spec.containers[2].image");
        assert_eq!(FieldPath::parse("spec.containers[2].image"), Some(q));
    }
}

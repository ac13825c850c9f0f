//! Destination ports as sets: for each protocol (TCP, UDP, SCTP) a sorted list of inclusive
//! port ranges, with union, intersection and difference, and a compact rendering
//! (`TCP 80,443; UDP 53`, `all`). No I/O.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Proto {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Proto {
    pub const ALL: [Proto; 3] = [Proto::Tcp, Proto::Udp, Proto::Sctp];
    pub fn parse(s: &str) -> Option<Proto> {
        match s {
            "TCP" => Some(Proto::Tcp),
            "UDP" => Some(Proto::Udp),
            "SCTP" => Some(Proto::Sctp),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
            Proto::Sctp => "SCTP",
        }
    }
    fn idx(self) -> usize {
        self as usize
    }
}

/// A set of (protocol, port) pairs, ports 1–65535.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSet {
    ranges: [Vec<(u16, u16)>; 3],
}

impl PortSet {
    pub fn none() -> PortSet {
        PortSet::default()
    }
    pub fn all() -> PortSet {
        PortSet {
            ranges: [vec![(1, 65535)], vec![(1, 65535)], vec![(1, 65535)]],
        }
    }
    pub fn all_of(p: Proto) -> PortSet {
        let mut s = PortSet::none();
        s.ranges[p.idx()].push((1, 65535));
        s
    }
    pub fn range(p: Proto, lo: u16, hi: u16) -> PortSet {
        let mut s = PortSet::none();
        if lo <= hi && hi >= 1 {
            s.ranges[p.idx()].push((lo.max(1), hi));
        }
        s
    }
    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }
    pub fn is_all(&self) -> bool {
        *self == PortSet::all()
    }
    pub fn contains(&self, p: Proto, port: u16) -> bool {
        self.ranges[p.idx()].iter().any(|&(a, b)| a <= port && port <= b)
    }
    pub fn protos(&self, p: Proto) -> &[(u16, u16)] {
        &self.ranges[p.idx()]
    }
    fn normalize(v: &mut Vec<(u16, u16)>) {
        v.sort_unstable();
        let mut out: Vec<(u16, u16)> = Vec::with_capacity(v.len());
        for &(a, b) in v.iter() {
            match out.last_mut() {
                Some(l) if u32::from(a) <= u32::from(l.1) + 1 => l.1 = l.1.max(b),
                _ => out.push((a, b)),
            }
        }
        *v = out;
    }
    pub fn union_with(&mut self, o: &PortSet) {
        for i in 0..3 {
            if !o.ranges[i].is_empty() {
                self.ranges[i].extend_from_slice(&o.ranges[i]);
                PortSet::normalize(&mut self.ranges[i]);
            }
        }
    }
    pub fn intersect(&self, o: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for i in 0..3 {
            let (a, b) = (&self.ranges[i], &o.ranges[i]);
            let (mut x, mut y) = (0, 0);
            while x < a.len() && y < b.len() {
                let lo = a[x].0.max(b[y].0);
                let hi = a[x].1.min(b[y].1);
                if lo <= hi {
                    out.ranges[i].push((lo, hi));
                }
                if a[x].1 < b[y].1 {
                    x += 1;
                } else {
                    y += 1;
                }
            }
        }
        out
    }
    pub fn minus(&self, o: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for i in 0..3 {
            for &(a, b) in &self.ranges[i] {
                let mut lo = u32::from(a);
                let hi = u32::from(b);
                for &(c, d) in &o.ranges[i] {
                    let (c, d) = (u32::from(c), u32::from(d));
                    if d < lo || c > hi {
                        continue;
                    }
                    if c > lo {
                        out.ranges[i].push((lo as u16, (c - 1) as u16));
                    }
                    lo = d + 1;
                    if lo > hi {
                        break;
                    }
                }
                if lo <= hi {
                    out.ranges[i].push((lo as u16, hi as u16));
                }
            }
        }
        out
    }
    pub fn is_subset(&self, o: &PortSet) -> bool {
        self.minus(o).is_empty()
    }
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all ports");
        }
        if self.is_empty() {
            return f.write_str("nothing");
        }
        let mut parts = Vec::new();
        for p in Proto::ALL {
            let r = &self.ranges[p.idx()];
            if r.is_empty() {
                continue;
            }
            if r == &[(1, 65535)] {
                parts.push(format!("{} all", p.as_str()));
                continue;
            }
            let list: Vec<String> = r
                .iter()
                .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
                .collect();
            parts.push(format!("{} {}", p.as_str(), list.join(",")));
        }
        f.write_str(&parts.join("; "))
    }
}

impl Serialize for PortSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra() {
        let mut a = PortSet::range(Proto::Tcp, 80, 80);
        a.union_with(&PortSet::range(Proto::Tcp, 81, 90));
        a.union_with(&PortSet::range(Proto::Udp, 53, 53));
        assert_eq!(a.to_string(), "TCP 80-90; UDP 53");
        let b = PortSet::range(Proto::Tcp, 85, 100);
        assert_eq!(a.intersect(&b).to_string(), "TCP 85-90");
        assert_eq!(a.minus(&b).to_string(), "TCP 80-84; UDP 53");
        assert!(PortSet::range(Proto::Tcp, 81, 82).is_subset(&a));
        assert!(!PortSet::all_of(Proto::Tcp).is_subset(&a));
        assert_eq!(PortSet::all().to_string(), "all ports");
        assert_eq!(PortSet::all().minus(&PortSet::all()).to_string(), "nothing");
        assert_eq!(PortSet::all().intersect(&a), a);
        assert!(!PortSet::range(Proto::Tcp, 80, 80).contains(Proto::Udp, 80));
    }
}

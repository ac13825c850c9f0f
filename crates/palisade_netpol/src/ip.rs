//! IP addresses and CIDRs for `ipBlock` peers: parsing (as the API server validates them),
//! containment, and partitioning of the address space at every cidr/except boundary so that
//! each external range is either wholly inside or wholly outside every ipBlock. No I/O.

use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Family {
    V4,
    V6,
}

/// An inclusive range of addresses of one family, as integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    pub family: Family,
    pub start: u128,
    pub end: u128,
}

/// A parsed CIDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub family: Family,
    pub addr: u128,
    pub prefix: u8,
}

/// Why a string is not a CIDR.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("{0:?} is not a CIDR (address/prefix)")]
    NotCidr(String),
    #[error("{0:?}: {1:?} is not an IP address")]
    Address(String, String),
    #[error("{0:?}: bad prefix length {1:?}")]
    BadPrefix(String, String),
    #[error("{0:?}: prefix length {1} is out of range")]
    PrefixRange(String, String),
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `x::y/n` (the API server requires the prefix). Host bits set
    /// (`10.0.0.1/8`) are accepted and masked, as Go's `net.ParseCIDR` does.
    pub fn parse(s: &str) -> Result<Cidr, CidrError> {
        let (a, p) = s
            .split_once('/')
            .ok_or_else(|| CidrError::NotCidr(s.to_owned()))?;
        let addr: IpAddr = a
            .parse()
            .map_err(|_| CidrError::Address(s.to_owned(), a.to_owned()))?;
        let prefix: u8 = p
            .parse()
            .map_err(|_| CidrError::BadPrefix(s.to_owned(), p.to_owned()))?;
        let (family, bits, v) = match addr {
            IpAddr::V4(v4) => (Family::V4, 32u8, u128::from(u32::from(v4))),
            IpAddr::V6(v6) => (Family::V6, 128u8, u128::from(v6)),
        };
        if prefix > bits || (p.len() > 1 && p.starts_with('0')) {
            return Err(CidrError::PrefixRange(s.to_owned(), p.to_owned()));
        }
        let mask = mask(bits, prefix);
        Ok(Cidr {
            family,
            addr: v & mask,
            prefix,
        })
    }
    fn bits(&self) -> u8 {
        match self.family {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
    pub fn range(&self) -> IpRange {
        let host = !mask(self.bits(), self.prefix) & max(self.family);
        IpRange {
            family: self.family,
            start: self.addr,
            end: self.addr | host,
        }
    }
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        let (a, b) = (self.range(), other.range());
        a.family == b.family && a.start <= b.start && b.end <= a.end
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (f, v) = ip_value(ip);
        let r = self.range();
        r.family == f && r.start <= v && v <= r.end
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", addr_string(self.family, self.addr), self.prefix)
    }
}

fn max(f: Family) -> u128 {
    match f {
        Family::V4 => u128::from(u32::MAX),
        Family::V6 => u128::MAX,
    }
}

fn mask(bits: u8, prefix: u8) -> u128 {
    let all = if bits == 32 {
        u128::from(u32::MAX)
    } else {
        u128::MAX
    };
    if prefix == 0 {
        0
    } else {
        (all >> (bits - prefix) << (bits - prefix)) & all
    }
}

pub fn ip_value(ip: IpAddr) -> (Family, u128) {
    match ip {
        IpAddr::V4(v4) => (Family::V4, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (Family::V6, u128::from(v6)),
    }
}

fn addr_string(f: Family, v: u128) -> String {
    match f {
        Family::V4 => Ipv4Addr::from(v as u32).to_string(),
        Family::V6 => Ipv6Addr::from(v).to_string(),
    }
}

impl IpRange {
    pub fn all(f: Family) -> IpRange {
        IpRange {
            family: f,
            start: 0,
            end: max(f),
        }
    }
    pub fn within(&self, c: &Cidr) -> bool {
        let r = c.range();
        r.family == self.family && r.start <= self.start && self.end <= r.end
    }
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        let (f, v) = ip_value(ip);
        f == self.family && self.start <= v && v <= self.end
    }
    /// The smallest list of CIDRs covering exactly this range.
    pub fn cidrs(&self) -> Vec<Cidr> {
        let bits: u32 = match self.family {
            Family::V4 => 32,
            Family::V6 => 128,
        };
        let mut out = Vec::new();
        let mut cur = self.start;
        loop {
            // Largest block aligned at `cur` that stays within the range.
            let mut size_log = if cur == 0 {
                bits
            } else {
                cur.trailing_zeros().min(bits)
            };
            while size_log > 0 {
                let span = if size_log >= 128 {
                    u128::MAX
                } else {
                    (1u128 << size_log) - 1
                };
                if cur.checked_add(span).is_some_and(|e| e <= self.end) {
                    break;
                }
                size_log -= 1;
            }
            out.push(Cidr {
                family: self.family,
                addr: cur,
                prefix: (bits - size_log) as u8,
            });
            let span = if size_log >= 128 {
                u128::MAX
            } else {
                (1u128 << size_log) - 1
            };
            match cur.checked_add(span) {
                Some(e) if e < self.end => cur = e + 1,
                _ => break,
            }
        }
        out
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == IpRange::all(self.family) {
            return f.write_str(match self.family {
                Family::V4 => "0.0.0.0/0",
                Family::V6 => "::/0",
            });
        }
        let c = self.cidrs();
        if c.len() <= 3 {
            let s: Vec<String> = c.iter().map(ToString::to_string).collect();
            f.write_str(&s.join(","))
        } else {
            write!(
                f,
                "{}-{}",
                addr_string(self.family, self.start),
                addr_string(self.family, self.end)
            )
        }
    }
}

/// Splits the whole IPv4 and IPv6 spaces at every boundary of `cidrs`: each resulting range
/// is either inside or outside each CIDR.
pub fn partition(cidrs: &[Cidr]) -> Vec<IpRange> {
    let mut out = Vec::new();
    for f in [Family::V4, Family::V6] {
        let mut cuts: Vec<u128> = vec![0];
        for c in cidrs.iter().filter(|c| c.family == f) {
            let r = c.range();
            cuts.push(r.start);
            if r.end < max(f) {
                cuts.push(r.end + 1);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for (i, &s) in cuts.iter().enumerate() {
            let e = cuts.get(i + 1).map_or(max(f), |n| n - 1);
            out.push(IpRange {
                family: f,
                start: s,
                end: e,
            });
        }
    }
    out
}

/// Private, loopback, link-local, CGNAT and unique-local ranges: not "the internet".
pub fn non_public() -> Vec<Cidr> {
    [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "0.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    ]
    .iter()
    .filter_map(|s| Cidr::parse(s).ok())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_errors_say_what_is_wrong() {
        let msg = |s: &str| Cidr::parse(s).unwrap_err().to_string();
        assert_eq!(msg("10.0.0.0"), "\"10.0.0.0\" is not a CIDR (address/prefix)");
        assert_eq!(msg("10.0.0/8"), "\"10.0.0/8\": \"10.0.0\" is not an IP address");
        assert_eq!(msg("10.0.0.0/x"), "\"10.0.0.0/x\": bad prefix length \"x\"");
        assert_eq!(
            msg("10.0.0.0/33"),
            "\"10.0.0.0/33\": prefix length 33 is out of range"
        );
        assert_eq!(
            msg("10.0.0.0/08"),
            "\"10.0.0.0/08\": prefix length 08 is out of range"
        );
    }

    #[test]
    fn cidrs_parse_contain_and_partition() {
        let c = Cidr::parse("10.1.2.3/8").unwrap();
        assert_eq!(c.to_string(), "10.0.0.0/8");
        assert!(c.contains("10.255.0.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0").is_err());
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("300.0.0.0/8").is_err());
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains_cidr(&c));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(!all.contains_cidr(&v6));
        let p = partition(&[all, c, Cidr::parse("10.0.0.0/16").unwrap()]);
        let v4: Vec<String> = p
            .iter()
            .filter(|r| r.family == Family::V4)
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            v4,
            vec![
                "0.0.0.0/5,8.0.0.0/7",
                "10.0.0.0/16",
                "10.1.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
        assert_eq!(p.iter().filter(|r| r.family == Family::V6).count(), 1);
        assert_eq!(IpRange::all(Family::V6).to_string(), "::/0");
    }
}

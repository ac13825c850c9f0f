//! The PKI checks (`NODE101`–`NODE106`): the certificates, public keys and private-key files
//! under the layout's PKI directory (`/etc/kubernetes/pki`, k3s/RKE2 `server/tls`) and those the
//! components' flags name — expiry, key type and size, SANs of the API server's and etcd's
//! serving certificates, the etcd CA separate from the cluster CA, client certificates in
//! `system:masters`, and the modes and owners of private keys. X.509 is parsed with
//! `x509-parser`; a certificate that does not parse is a located problem, never a panic.

use super::{base, pem, verdict_of, Ctx, ExtraDef, Item, Verdict};
use crate::argv::Where;
use crate::components::{Kind, NodeModel};
use crate::eval::Status;
use crate::facts::{normalize, FileKind, NodeFacts, Problem};
use std::net::IpAddr;
use x509_parser::prelude::*;

/// A public key's algorithm and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa(usize),
    /// The curve's name (`P-256`), or its OID when palisade does not know it.
    Ec(String),
    Ed25519,
    Ed448,
    Dsa(usize),
    Other(String),
}

impl KeyKind {
    pub fn describe(&self) -> String {
        match self {
            KeyKind::Rsa(b) => format!("RSA {b} bits"),
            KeyKind::Ec(c) => format!("ECDSA {c}"),
            KeyKind::Ed25519 => "Ed25519".into(),
            KeyKind::Ed448 => "Ed448".into(),
            KeyKind::Dsa(b) => format!("DSA {b} bits"),
            KeyKind::Other(o) => format!("algorithm {o}"),
        }
    }
    /// Pass, or fail with why: RSA ≥ 2048, ECDSA on P-256/P-384/P-521, Ed25519.
    pub fn judge(&self) -> Result<(), String> {
        match self {
            KeyKind::Rsa(b) if *b >= 2048 => Ok(()),
            KeyKind::Rsa(b) => Err(format!(
                "RSA keys of {b} bits are breakable: use 2048 bits or more"
            )),
            KeyKind::Ec(c) if ["P-256", "P-384", "P-521"].contains(&c.as_str()) => Ok(()),
            KeyKind::Ec(c) => Err(format!(
                "curve {c} is not one Kubernetes' TLS stack accepts (P-256, P-384, P-521)"
            )),
            KeyKind::Ed25519 => Ok(()),
            KeyKind::Ed448 => Err("Ed448 is not supported by Go's crypto/tls".into()),
            KeyKind::Dsa(_) => Err("DSA is not supported by Go's crypto/tls".into()),
            KeyKind::Other(o) => Err(format!("unknown public-key algorithm {o}")),
        }
    }
}

fn key_kind(spki: &SubjectPublicKeyInfo) -> KeyKind {
    let oid = spki.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(r)) => KeyKind::Rsa(r.key_size()),
            _ => KeyKind::Rsa(0),
        },
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            KeyKind::Ec(
                match curve.as_str() {
                    "1.2.840.10045.3.1.7" => "P-256",
                    "1.3.132.0.34" => "P-384",
                    "1.3.132.0.35" => "P-521",
                    "1.3.132.0.33" => "P-224",
                    "1.2.840.10045.3.1.1" => "P-192",
                    "1.3.132.0.10" => "secp256k1",
                    other => return KeyKind::Ec(other.to_owned()),
                }
                .to_owned(),
            )
        }
        "1.3.101.112" => KeyKind::Ed25519,
        "1.3.101.113" => KeyKind::Ed448,
        "1.2.840.10040.4.1" => match spki.parsed() {
            Ok(k) => KeyKind::Dsa(k.key_size()),
            Err(_) => KeyKind::Dsa(0),
        },
        other => KeyKind::Other(other.to_owned()),
    }
}

/// One certificate of a file (a bundle may hold several).
#[derive(Clone, Debug)]
pub struct Cert {
    pub file: String,
    /// Its position in the file (0-based) and the line of its BEGIN.
    pub index: usize,
    pub line: u32,
    pub der: Vec<u8>,
    pub subject: String,
    pub cn: Option<String>,
    pub orgs: Vec<String>,
    pub not_before: i64,
    pub not_after: i64,
    pub is_ca: bool,
    pub client_auth: bool,
    pub server_auth: bool,
    /// The SAN extension is present.
    pub has_san: bool,
    pub dns: Vec<String>,
    pub ips: Vec<IpAddr>,
    pub key: KeyKind,
    pub spki: Vec<u8>,
}

impl Cert {
    pub fn at(&self) -> Where {
        Where::file(&self.file, self.line, 1)
    }
    /// `file` or `file (certificate 2)`.
    pub fn label(&self) -> String {
        if self.index == 0 {
            self.file.clone()
        } else {
            format!("{} (certificate {})", self.file, self.index + 1)
        }
    }
    /// Whether `issuer` signed this certificate (its signature verifies with the issuer's key).
    pub fn signed_by(&self, issuer: &Cert) -> bool {
        let (Ok((_, me)), Ok((_, ca))) = (
            X509Certificate::from_der(&self.der),
            X509Certificate::from_der(&issuer.der),
        ) else {
            return false;
        };
        me.verify_signature(Some(ca.public_key())).is_ok()
    }
}

/// A `PUBLIC KEY` block (the service-account key `sa.pub`).
#[derive(Clone, Debug)]
pub struct PublicKeyFile {
    pub file: String,
    pub line: u32,
    pub key: KeyKind,
}

/// The PKI of the node, parsed.
#[derive(Clone, Debug, Default)]
pub struct Pki {
    pub certs: Vec<Cert>,
    pub public_keys: Vec<PublicKeyFile>,
    /// Private-key files: `*.key`, files holding a PRIVATE KEY block, and files the key flags name.
    pub key_files: Vec<String>,
    /// Where the PKI was looked for.
    pub dir: String,
}

/// Component flags naming certificate files.
const CERT_FLAGS: [(Kind, &str); 14] = [
    (Kind::Apiserver, "tls-cert-file"),
    (Kind::Apiserver, "client-ca-file"),
    (Kind::Apiserver, "etcd-cafile"),
    (Kind::Apiserver, "etcd-certfile"),
    (Kind::Apiserver, "kubelet-client-certificate"),
    (Kind::Apiserver, "kubelet-certificate-authority"),
    (Kind::Apiserver, "proxy-client-cert-file"),
    (Kind::Apiserver, "requestheader-client-ca-file"),
    (Kind::Etcd, "cert-file"),
    (Kind::Etcd, "peer-cert-file"),
    (Kind::Etcd, "trusted-ca-file"),
    (Kind::Etcd, "peer-trusted-ca-file"),
    (Kind::Kubelet, "tls-cert-file"),
    (Kind::ControllerManager, "cluster-signing-cert-file"),
];

/// Component flags naming private-key files.
const KEY_FLAGS: [(Kind, &str); 10] = [
    (Kind::Apiserver, "tls-private-key-file"),
    (Kind::Apiserver, "etcd-keyfile"),
    (Kind::Apiserver, "kubelet-client-key"),
    (Kind::Apiserver, "proxy-client-key-file"),
    (Kind::Apiserver, "service-account-signing-key-file"),
    (Kind::ControllerManager, "service-account-private-key-file"),
    (Kind::ControllerManager, "cluster-signing-key-file"),
    (Kind::Etcd, "key-file"),
    (Kind::Etcd, "peer-key-file"),
    (Kind::Kubelet, "tls-private-key-file"),
];

impl Pki {
    /// Parses every certificate and public key of the PKI directory and of the files the
    /// components name; problems for what does not parse.
    pub fn load(facts: &NodeFacts, model: &NodeModel, problems: &mut Vec<Problem>) -> Pki {
        let dir = model.layout.pki_dir.clone();
        let mut paths: Vec<String> = facts
            .descendants(&dir)
            .into_iter()
            .filter(|p| facts.get(p).is_some_and(|f| f.kind != FileKind::Dir))
            .map(str::to_owned)
            .collect();
        let mut key_paths: Vec<String> = Vec::new();
        for (k, flag) in CERT_FLAGS {
            if let Some((v, _)) = model.get(k).flag(flag).filter(|(v, _)| !v.is_empty()) {
                paths.push(normalize(&v));
            }
        }
        for (k, flag) in KEY_FLAGS {
            if let Some((v, _)) = model.get(k).flag(flag).filter(|(v, _)| !v.is_empty()) {
                let p = normalize(&v);
                key_paths.push(p.clone());
                paths.push(p);
            }
        }
        paths.sort();
        paths.dedup();
        let mut pki = Pki {
            dir,
            ..Pki::default()
        };
        for p in paths {
            let Some(f) = facts.get(&p) else {
                continue;
            };
            let is_key_name = p.ends_with(".key") || key_paths.contains(&p);
            let Some(bytes) = f.content.as_deref() else {
                // A collected copy summarises private keys: the file is still one.
                if is_key_name {
                    pki.key_files.push(p.clone());
                }
                continue;
            };
            let text = String::from_utf8_lossy(bytes);
            let blocks = pem::blocks(&text);
            let mut private = is_key_name;
            if blocks.is_empty() {
                if p.ends_with(".crt") {
                    // DER, as some tools write it.
                    match X509Certificate::from_der(bytes) {
                        Ok((_, c)) => pki.certs.push(cert_of(&p, 0, 1, bytes, &c)),
                        Err(e) => problems.push(Problem::error(
                            p.as_str(),
                            Some(1),
                            Some(1),
                            format!("certificate does not parse: no PEM block, and not DER ({e})"),
                        )),
                    }
                }
                if private {
                    pki.key_files.push(p.clone());
                }
                continue;
            }
            let mut index = 0;
            for b in &blocks {
                match b.label.as_str() {
                    "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => {
                        let parsed = b.der.as_ref().map_err(Clone::clone).and_then(|der| {
                            match X509Certificate::from_der(der) {
                                Ok((_, c)) => Ok(cert_of(&p, index, b.line, der, &c)),
                                Err(e) => Err(format!("X.509: {e}")),
                            }
                        });
                        match parsed {
                            Ok(c) => pki.certs.push(c),
                            Err(e) => problems.push(Problem::error(
                                p.as_str(),
                                Some(b.line),
                                Some(1),
                                format!("certificate does not parse: {e}"),
                            )),
                        }
                        index += 1;
                    }
                    "PUBLIC KEY" => {
                        let parsed = b.der.as_ref().map_err(Clone::clone).and_then(|der| {
                            SubjectPublicKeyInfo::from_der(der)
                                .map(|(_, k)| key_kind(&k))
                                .map_err(|e| format!("SubjectPublicKeyInfo: {e}"))
                        });
                        match parsed {
                            Ok(key) => pki.public_keys.push(PublicKeyFile {
                                file: p.clone(),
                                line: b.line,
                                key,
                            }),
                            Err(e) => problems.push(Problem::error(
                                p.as_str(),
                                Some(b.line),
                                Some(1),
                                format!("public key does not parse: {e}"),
                            )),
                        }
                    }
                    l if l.ends_with("PRIVATE KEY") => private = true,
                    _ => {}
                }
            }
            if private {
                pki.key_files.push(p.clone());
            }
        }
        pki.key_files.sort();
        pki.key_files.dedup();
        pki
    }

    /// The first certificate of a file.
    pub fn cert(&self, file: &str) -> Option<&Cert> {
        self.certs.iter().find(|c| c.file == file)
    }
}

fn cert_of(file: &str, index: usize, line: u32, der: &[u8], c: &X509Certificate) -> Cert {
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    let mut has_san = false;
    if let Ok(Some(san)) = c.subject_alternative_name() {
        has_san = true;
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => dns.push((*d).to_owned()),
                GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        ips.push(IpAddr::from(a));
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        ips.push(IpAddr::from(a));
                    }
                }
                _ => {}
            }
        }
    }
    let (client_auth, server_auth) = match c.extended_key_usage() {
        Ok(Some(e)) => (e.value.client_auth, e.value.server_auth),
        _ => (false, false),
    };
    Cert {
        file: file.to_owned(),
        index,
        line,
        der: der.to_vec(),
        subject: c.subject().to_string(),
        cn: c
            .subject()
            .iter_common_name()
            .next()
            .and_then(|a| a.as_str().ok())
            .map(str::to_owned),
        orgs: c
            .subject()
            .iter_organization()
            .filter_map(|a| a.as_str().ok())
            .map(str::to_owned)
            .collect(),
        not_before: c.validity().not_before.timestamp(),
        not_after: c.validity().not_after.timestamp(),
        is_ca: c.is_ca(),
        client_auth,
        server_auth,
        has_san,
        dns,
        ips,
        key: key_kind(c.public_key()),
        spki: c.public_key().raw.to_vec(),
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn date(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

fn no_pki(ctx: &Ctx) -> String {
    format!(
        "no certificate found under {} or named by a component",
        ctx.pki.dir
    )
}

// ---- NODE101 ----

fn expiry(ctx: &Ctx) -> Verdict {
    let warn = i64::from(ctx.warn_days) * 86_400;
    let items = ctx
        .pki
        .certs
        .iter()
        .map(|c| {
            let left = c.not_after - ctx.now;
            let days = left.div_euclid(86_400);
            let (status, value, note) = if c.not_before > ctx.now {
                (
                    Status::Fail,
                    format!("not valid before {}", date(c.not_before)),
                    Some("the certificate is not valid yet (clock or issuance error)".to_owned()),
                )
            } else if left < 0 {
                (
                    Status::Fail,
                    format!("expired {}", date(c.not_after)),
                    Some("an expired certificate breaks TLS to or from this component".to_owned()),
                )
            } else if left < warn {
                (
                    Status::Warn,
                    format!("expires {} (in {days} days)", date(c.not_after)),
                    Some(format!("expires within {} days", ctx.warn_days)),
                )
            } else {
                (
                    Status::Pass,
                    format!("expires {} (in {days} days)", date(c.not_after)),
                    None,
                )
            };
            let mut i = Item::new(status, c.label(), Some(value), Some(c.at()));
            i.note = note;
            i
        })
        .collect();
    verdict_of(
        items,
        &no_pki(ctx),
        "Renew the certificate (kubeadm: `kubeadm certs renew all`, then restart the control-plane static pods; k3s/RKE2: `k3s certificate rotate`), and monitor expiry (`kubeadm certs check-expiration`).".into(),
    )
}

// ---- NODE102 ----

fn key_strength(ctx: &Ctx) -> Verdict {
    let mut items: Vec<Item> = ctx
        .pki
        .certs
        .iter()
        .map(|c| {
            let d = c.key.describe();
            match c.key.judge() {
                Ok(()) => Item::new(Status::Pass, c.label(), Some(d), Some(c.at())),
                Err(e) => Item::new(Status::Fail, c.label(), Some(d), Some(c.at())).note(e),
            }
        })
        .collect();
    items.extend(ctx.pki.public_keys.iter().map(|k| {
        let at = Where::file(&k.file, k.line, 1);
        let d = k.key.describe();
        match k.key.judge() {
            Ok(()) => Item::new(Status::Pass, k.file.clone(), Some(d), Some(at)),
            Err(e) => Item::new(Status::Fail, k.file.clone(), Some(d), Some(at)).note(e),
        }
    }));
    verdict_of(
        items,
        &no_pki(ctx),
        "Re-issue the certificate with an RSA key of 2048 bits or more, or ECDSA P-256/P-384 (kubeadm: ClusterConfiguration `encryptionAlgorithm: RSA-2048`/`ECDSA-P256`, then `kubeadm certs renew`).".into(),
    )
}

// ---- NODE103 ----

/// A name is covered by the certificate's SANs (DNS: exact or one-label `*.` wildcard,
/// case-insensitive; IP: an IP SAN).
pub fn covers(c: &Cert, name: &str) -> bool {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return c.ips.contains(&ip);
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    c.dns.iter().any(|d| {
        let d = d.trim_end_matches('.').to_ascii_lowercase();
        if let Some(suffix) = d.strip_prefix("*.") {
            name.split_once('.')
                .is_some_and(|(first, rest)| !first.is_empty() && rest == suffix)
        } else {
            d == name
        }
    })
}

fn url_host(u: &str) -> Option<String> {
    let rest = u.split_once("://").map_or(u, |(_, r)| r);
    let hostport = rest.split('/').next()?;
    let host = if let Some(h) = hostport.strip_prefix('[') {
        h.split(']').next()?.to_owned()
    } else {
        hostport.rsplit_once(':').map_or(hostport, |(h, _)| h).to_owned()
    };
    (!host.is_empty()).then_some(host)
}

fn serving_sans(ctx: &Ctx) -> Verdict {
    let l = &ctx.model.layout;
    let mut items = Vec::new();
    let checked = |items: &mut Vec<Item>,
                   who: &str,
                   path: String,
                   flag_at: Option<Where>,
                   need: Vec<(String, Option<Where>)>| {
        let Some(c) = ctx.pki.cert(&path) else {
            let why = if ctx.facts.get(&path).is_some() {
                "its certificate could not be read"
            } else {
                "its certificate is not on the node"
            };
            items.push(
                Item::new(
                    Status::Warn,
                    format!("{who} serving certificate {path}"),
                    Some("not found".into()),
                    flag_at.or(Some(Where::Path { file: path.clone() })),
                )
                .note(why),
            );
            return;
        };
        if !c.has_san {
            items.push(
                Item::new(
                    Status::Fail,
                    c.label(),
                    Some("no subjectAltName extension".into()),
                    Some(c.at()),
                )
                .note("clients verify names against SANs only (Go ignores the CN since 1.15)"),
            );
            return;
        }
        let mut sans: Vec<String> = c.dns.clone();
        sans.extend(c.ips.iter().map(|i| i.to_string()));
        let missing: Vec<&(String, Option<Where>)> = need.iter().filter(|(n, _)| !covers(c, n)).collect();
        if missing.is_empty() {
            items.push(Item::new(
                Status::Pass,
                c.label(),
                Some(format!("SANs {}", sans.join(", "))),
                Some(c.at()),
            ));
        } else {
            let names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
            items.push(
                Item::new(
                    Status::Fail,
                    c.label(),
                    Some(format!(
                        "SANs {} do not cover {}",
                        sans.join(", "),
                        names.join(", ")
                    )),
                    Some(c.at()),
                )
                .note(format!(
                    "{who} is reached as {} but its certificate does not name it",
                    names.join(", ")
                )),
            );
        }
    };
    if ctx.apiserver().present() {
        let (path, flag_at) = match ctx.path_flag(Kind::Apiserver, "tls-cert-file") {
            Some((p, w)) => (p, Some(w)),
            None => (
                default_file(l.distribution, &l.pki_dir, DefaultFile::ApiserverServing),
                None,
            ),
        };
        let mut need = vec![("kubernetes.default.svc".to_owned(), None)];
        if let Some((ip, w)) = ctx
            .apiserver()
            .flag("advertise-address")
            .filter(|(v, _)| !v.is_empty())
        {
            need.push((ip, Some(w)));
        }
        checked(&mut items, "kube-apiserver", path, flag_at, need);
    }
    if ctx.model.get(Kind::Etcd).present() {
        let (path, flag_at) = match ctx.etcd_path("cert-file", "client-transport-security.cert-file") {
            Some((p, w)) => (p, Some(w)),
            None => (
                default_file(l.distribution, &l.pki_dir, DefaultFile::EtcdServer),
                None,
            ),
        };
        let mut need = Vec::new();
        let etcd = ctx.model.get(Kind::Etcd);
        let urls = etcd.flag("advertise-client-urls").or_else(|| {
            etcd.config
                .as_ref()
                .and_then(|c| c.jsonpath("{.advertise-client-urls}"))
        });
        if let Some((v, w)) = urls {
            for u in v.split([',', ' ']).filter(|u| !u.is_empty()) {
                if let Some(h) = url_host(u) {
                    need.push((h, Some(w.clone())));
                }
            }
        }
        checked(&mut items, "etcd", path, flag_at, need);
    }
    verdict_of(
        items,
        "neither kube-apiserver nor etcd is on this node",
        "Re-issue the serving certificate with the missing names as SANs (kubeadm: add them to ClusterConfiguration `apiServer.certSANs` / `etcd.local.serverCertSANs`, delete the certificate and key, and run `kubeadm init phase certs apiserver` / `certs etcd-server`).".into(),
    )
}

// ---- NODE104 ----

fn etcd_ca(ctx: &Ctx) -> Verdict {
    let l = &ctx.model.layout;
    let etcd_present = ctx.model.get(Kind::Etcd).present();
    let cluster_ca = ctx
        .path_flag(Kind::Apiserver, "client-ca-file")
        .map(|(p, _)| p)
        .unwrap_or_else(|| default_ca(l.distribution, &l.pki_dir, false));
    let etcd_ca = ctx
        .etcd_path("trusted-ca-file", "client-transport-security.trusted-ca-file")
        .or_else(|| ctx.path_flag(Kind::Apiserver, "etcd-cafile"))
        .map(|(p, _)| p)
        .unwrap_or_else(|| default_ca(l.distribution, &l.pki_dir, true));
    if !etcd_present && ctx.facts.get(&etcd_ca).is_none() {
        return Verdict::not_applicable("etcd is not on this node and no etcd CA was found");
    }
    let mut items = Vec::new();
    let (Some(cca), Some(eca)) = (ctx.pki.cert(&cluster_ca), ctx.pki.cert(&etcd_ca)) else {
        let missing: Vec<&str> = [&cluster_ca, &etcd_ca]
            .into_iter()
            .filter(|p| ctx.pki.cert(p).is_none())
            .map(String::as_str)
            .collect();
        items.push(
            Item::new(
                Status::Warn,
                "etcd CA and cluster CA",
                Some(format!("{} not found or not readable", missing.join(" and "))),
                Some(Where::Path {
                    file: missing[0].to_owned(),
                }),
            )
            .note("both CA certificates are needed to compare them"),
        );
        return verdict_of(items, "", remediation_ca());
    };
    if cca.der == eca.der || cca.spki == eca.spki {
        items.push(
            Item::new(
                Status::Fail,
                eca.label(),
                Some(format!("same CA as {} ({})", cca.file, cca.subject)),
                Some(eca.at()),
            )
            .note(
                "every client certificate of the cluster CA (any kubelet, any user) is then accepted by etcd",
            ),
        );
    } else {
        items.push(Item::new(
            Status::Pass,
            eca.label(),
            Some(format!("{} ≠ cluster CA {}", eca.subject, cca.subject)),
            Some(eca.at()),
        ));
    }
    let etcd_certs = [
        ctx.etcd_path("cert-file", "client-transport-security.cert-file")
            .map(|(p, _)| p)
            .unwrap_or_else(|| default_file(l.distribution, &l.pki_dir, DefaultFile::EtcdServer)),
        ctx.etcd_path("peer-cert-file", "peer-transport-security.cert-file")
            .map(|(p, _)| p)
            .unwrap_or_else(|| default_file(l.distribution, &l.pki_dir, DefaultFile::EtcdPeer)),
    ];
    for p in etcd_certs {
        if let Some(c) = ctx.pki.cert(&p) {
            if cca.der != eca.der && c.signed_by(cca) {
                items.push(
                    Item::new(
                        Status::Fail,
                        c.label(),
                        Some(format!("signed by the cluster CA {}", cca.file)),
                        Some(c.at()),
                    )
                    .note("etcd's certificates must come from the etcd CA, not the cluster CA"),
                );
            } else {
                items.push(Item::new(
                    Status::Pass,
                    c.label(),
                    Some(format!("issued by {}", issuer_name(c))),
                    Some(c.at()),
                ));
            }
        }
    }
    verdict_of(items, "", remediation_ca())
}

fn issuer_name(c: &Cert) -> String {
    X509Certificate::from_der(&c.der)
        .map(|(_, x)| x.issuer().to_string())
        .unwrap_or_default()
}

fn remediation_ca() -> String {
    "Give etcd its own CA (kubeadm does: /etc/kubernetes/pki/etcd/ca.crt), issue etcd's server, peer and client certificates from it, and point etcd's --trusted-ca-file and the API server's --etcd-cafile at it.".into()
}

#[derive(Clone, Copy)]
enum DefaultFile {
    ApiserverServing,
    EtcdServer,
    EtcdPeer,
}

/// Where a distribution keeps a serving certificate when no flag names it.
fn default_file(d: crate::Distribution, pki: &str, f: DefaultFile) -> String {
    use crate::Distribution::*;
    let name = match (d, f) {
        (K3s | Rke2, DefaultFile::ApiserverServing) => "serving-kube-apiserver.crt",
        (K3s | Rke2, DefaultFile::EtcdServer) => "etcd/server-client.crt",
        (K3s | Rke2, DefaultFile::EtcdPeer) => "etcd/peer-server-client.crt",
        (_, DefaultFile::ApiserverServing) => "apiserver.crt",
        (_, DefaultFile::EtcdServer) => "etcd/server.crt",
        (_, DefaultFile::EtcdPeer) => "etcd/peer.crt",
    };
    format!("{pki}/{name}")
}

fn default_ca(d: crate::Distribution, pki: &str, etcd: bool) -> String {
    use crate::Distribution::*;
    match (d, etcd) {
        (K3s | Rke2, false) => format!("{pki}/client-ca.crt"),
        (K3s | Rke2, true) => format!("{pki}/etcd/server-ca.crt"),
        (_, false) => format!("{pki}/ca.crt"),
        (_, true) => format!("{pki}/etcd/ca.crt"),
    }
}

// ---- NODE105 ----

/// Certificates kubeadm before 1.29 issued in `system:masters` (re-issued in
/// `kubeadm:cluster-admins` since).
const KUBEADM_OLD_MASTERS: [&str; 1] = ["apiserver-kubelet-client.crt"];

fn system_masters(ctx: &Ctx) -> Verdict {
    let mut items = Vec::new();
    for c in ctx.pki.certs.iter().filter(|c| !c.is_ca) {
        let masters = c.orgs.iter().any(|o| o == "system:masters");
        let who = format!("CN={} O={}", c.cn.as_deref().unwrap_or(""), c.orgs.join(","));
        if !masters {
            if c.client_auth {
                items.push(Item::new(Status::Pass, c.label(), Some(who), Some(c.at())));
            }
            continue;
        }
        if KUBEADM_OLD_MASTERS.contains(&base(&c.file)) {
            items.push(
                Item::new(Status::Warn, c.label(), Some(who), Some(c.at())).note(
                    "kubeadm before 1.29 issued this certificate in system:masters; 1.29+ uses kubeadm:cluster-admins (renew it)",
                ),
            );
        } else {
            items.push(
                Item::new(Status::Fail, c.label(), Some(who), Some(c.at())).note(
                    "a client certificate in system:masters bypasses RBAC and cannot be revoked before it expires",
                ),
            );
        }
    }
    verdict_of(
        items,
        &format!("no client certificate under {}", ctx.pki.dir),
        "Remove the certificate (and its key) from the node, or re-issue it without O=system:masters and grant what it needs through RBAC; keep only the break-glass super-admin.conf in system:masters, offline.".into(),
    )
}

// ---- NODE106 ----

fn private_keys(ctx: &Ctx) -> Verdict {
    let items = ctx
        .pki
        .key_files
        .iter()
        .filter_map(|p| {
            let f = ctx.facts.get(p)?;
            let owner = ctx.facts.owner(f);
            let user = owner.split(':').next().unwrap_or("");
            let mode = f.mode & 0o7777;
            let value = format!("{mode:o} {owner}");
            let at = Some(Where::Path { file: p.clone() });
            Some(if mode & !0o600 != 0 {
                Item::new(Status::Fail, p.clone(), Some(value), at)
                    .note("a private key readable by others than its owner (mode must be 600 or stricter)")
            } else if user != "root" && !(user == "etcd" && p.contains("/etcd")) {
                Item::new(Status::Fail, p.clone(), Some(value), at).note("a private key not owned by root")
            } else {
                Item::new(Status::Pass, p.clone(), Some(value), at)
            })
        })
        .collect();
    verdict_of(
        items,
        &format!("no private-key file under {} or named by a component", ctx.pki.dir),
        "Run `chmod 600` and `chown root:root` on each private key file (etcd's own keys may be owned by etcd when etcd runs as that user).".into(),
    )
}

pub static CHECKS: [ExtraDef; 6] = [
    ExtraDef {
        code: "NODE101",
        name: "pki-certificate-expiry",
        group: "N.1",
        title: "Certificates of the node are valid and not about to expire",
        scored: true,
        pass_condition: "every certificate valid now and for more than the warning period (30 days)",
        cis: &[],
        doc: "Reads: every certificate (PEM or DER, each certificate of a bundle) under the layout's PKI directory (/etc/kubernetes/pki; k3s/RKE2 server/tls) and the files the components' certificate flags name (--tls-cert-file, --client-ca-file, --etcd-certfile, etcd --cert-file …).\n\nWhy: an expired certificate stops the component that serves it or the client that presents it — kubeadm certificates last one year and a cluster that is not upgraded goes down on the day they expire.\n\nDecided: notAfter before now fails (expired), notBefore after now fails (not valid yet), notAfter within the warning period warns (30 days; `palisade bench --cert-warn-days N`). Located at the certificate's BEGIN line.\n\nFix: renew (`kubeadm certs renew all` and restart the static pods; `k3s certificate rotate`), and watch `kubeadm certs check-expiration`.",
        run: expiry,
    },
    ExtraDef {
        code: "NODE102",
        name: "pki-key-strength",
        group: "N.1",
        title: "Keys of the certificates and of the service-account key are strong enough",
        scored: true,
        pass_condition: "RSA ≥ 2048 bits, ECDSA P-256/P-384/P-521 or Ed25519",
        cis: &[],
        doc: "Reads: the public key of every certificate of NODE101, and every PUBLIC KEY file (sa.pub). The private keys themselves are not parsed: a certificate's public key has the same algorithm and size, and a collected node copy does not contain private keys.\n\nWhy: a 1024-bit RSA key can be factored; a weak service-account key lets anyone mint tokens.\n\nDecided: RSA under 2048 bits fails; ECDSA passes on P-256, P-384 and P-521 and fails on other curves (which Go's crypto/tls does not use); Ed25519 passes; DSA, Ed448 and unknown algorithms fail. Located at the certificate's or key's BEGIN line.\n\nFix: re-issue with RSA-2048+ or ECDSA-P256 (kubeadm: ClusterConfiguration encryptionAlgorithm).",
        run: key_strength,
    },
    ExtraDef {
        code: "NODE103",
        name: "pki-serving-certificate-sans",
        group: "N.1",
        title: "Serving certificates of kube-apiserver and etcd name what they are reached as",
        scored: true,
        pass_condition: "a subjectAltName extension covering kubernetes.default.svc and --advertise-address (API server), and the hosts of --advertise-client-urls (etcd)",
        cis: &["1.2.24", "2.1"],
        doc: "Reads: the API server's --tls-cert-file (else <pki>/apiserver.crt; k3s/RKE2 serving-kube-apiserver.crt) and its --advertise-address; etcd's --cert-file (or its config file's client-transport-security.cert-file; else <pki>/etcd/server.crt; k3s/RKE2 etcd/server-client.crt) and --advertise-client-urls.\n\nWhy: clients verify the server's name against the SANs only (Go ignores the CN). A serving certificate without the names it is reached as pushes operators to --insecure-skip-tls-verify, and in-cluster clients reach the API server as kubernetes.default.svc.\n\nDecided: no SAN extension fails; a required name not covered fails (DNS names exactly or by a one-label `*.` wildcard, IPs as IP SANs); a certificate that is not on the node warns. CIS 1.2.24 and 2.1 only check that the flags are set.\n\nFix: add the names (kubeadm: apiServer.certSANs, etcd.local.serverCertSANs) and re-issue the certificate.",
        run: serving_sans,
    },
    ExtraDef {
        code: "NODE104",
        name: "pki-etcd-ca-separate",
        group: "N.1",
        title: "etcd has its own CA, separate from the cluster CA",
        scored: true,
        pass_condition: "the etcd CA is not the cluster CA, and etcd's server and peer certificates are not signed by the cluster CA",
        cis: &["2.7"],
        doc: "Reads: the cluster CA (the API server's --client-ca-file, else <pki>/ca.crt; k3s/RKE2 client-ca.crt), the etcd CA (etcd's --trusted-ca-file, else the API server's --etcd-cafile, else <pki>/etcd/ca.crt; k3s/RKE2 etcd/server-ca.crt), and etcd's --cert-file and --peer-cert-file (else <pki>/etcd/server.crt and peer.crt; k3s/RKE2 etcd/server-client.crt and peer-server-client.crt).\n\nWhy: etcd trusts every client certificate of its CA. If that is the cluster CA, every kubelet and user certificate reads and writes etcd directly — all Secrets, past RBAC. This is the intent of CIS 2.7, which kube-bench only checks for presence.\n\nDecided: the same certificate or the same public key as the cluster CA fails; an etcd server or peer certificate whose signature verifies with the cluster CA's key fails. Not applicable without etcd on the node.\n\nFix: a dedicated etcd CA (kubeadm's default), with etcd's certificates issued from it.",
        run: etcd_ca,
    },
    ExtraDef {
        code: "NODE105",
        name: "pki-system-masters-client-certificates",
        group: "N.1",
        title: "No client certificate of the PKI is in system:masters",
        scored: true,
        pass_condition: "no non-CA certificate with O=system:masters (kubeadm's pre-1.29 apiserver-kubelet-client.crt only warns)",
        cis: &["5.1.7", "3.1.1"],
        doc: "Reads: the subject organisations (O=) of every non-CA certificate of the PKI (client certificates embedded in kubeconfig files are NODE202's).\n\nWhy: system:masters is hard-wired to cluster-admin, bypasses every authorizer and webhook, and a certificate cannot be revoked — a leaked one is cluster-admin until it expires.\n\nDecided: O=system:masters fails, except apiserver-kubelet-client.crt, which kubeadm issued so before 1.29 (a warning: renew it, 1.29+ uses kubeadm:cluster-admins). Client certificates outside the group are listed as passing items.\n\nFix: delete such certificates from the node or re-issue them without system:masters, granting what they need through RBAC.",
        run: system_masters,
    },
    ExtraDef {
        code: "NODE106",
        name: "pki-private-key-files",
        group: "N.1",
        title: "Private keys are mode 600 or stricter and owned by root",
        scored: true,
        pass_condition: "every private-key file: mode ⊆ 600, owner root (etcd for etcd's own keys)",
        cis: &["1.1.19", "1.1.21"],
        doc: "Reads: the mode and owner of every *.key file and every file holding a PRIVATE KEY block under the PKI directory, and of the files the components' key flags name (--tls-private-key-file, --etcd-keyfile, --kubelet-client-key, --service-account-signing-key-file, etcd --key-file/--peer-key-file, kubelet --tls-private-key-file, controller-manager --service-account-private-key-file …), wherever they are.\n\nWhy: a readable CA or service-account key lets any local user become cluster-admin. CIS 1.1.21 (manual) checks *.key under /etc/kubernetes/pki only, and 1.1.19 the owners there; this check follows the keys the components actually use, and k3s/RKE2 layouts.\n\nDecided: a permission bit outside 600 fails; an owner other than root fails (etcd may own keys under an etcd directory). Located at the file.\n\nFix: `chmod 600` and `chown root:root` the key.",
        run: private_keys,
    },
];

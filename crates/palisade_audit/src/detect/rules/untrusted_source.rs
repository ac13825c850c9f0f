//! AUD019: a request came from outside the trusted source networks.

use crate::detect::common::{actor, target, Cidr};
use crate::detect::{AuditCheck, Ctx, Hit};
use palisade_core::Reference;

declare_audit_rule! {
    /// ## What it does
    /// Flags requests whose source address is outside every network of the option
    /// `trustedCidrs` (`["10.0.0.0/8", "192.168.0.0/16"]`). The address judged is the last of
    /// `sourceIPs`: the peer the API server saw, the only one a client cannot forge
    /// (`X-Forwarded-For` fills the others). Without the option the rule checks nothing.
    /// Requests without a source address are not reported.
    ///
    /// ## Why is this bad?
    /// An API server that should only be reached from the office VPN, the CI runners and the
    /// nodes shows a stolen credential in use the moment a request comes from elsewhere.
    ///
    /// ## Example
    /// ```yaml
    /// # .palisade.yaml
    /// rules:
    ///   audit-untrusted-source:
    ///     trustedCidrs: ["10.0.0.0/8", "100.64.0.0/10"]
    /// ```
    ///
    /// ## Fix
    /// Restrict the API server's network exposure (private endpoint, authorized networks), and
    /// rotate the credential used from the unknown address.
    pub static UNTRUSTED_SOURCE = {
        code: "AUD019",
        name: "audit-untrusted-source",
        severity: High,
        summary: "A request came from outside the trusted source networks",
        remediation: "Restrict the API server's network exposure and rotate the credential used.",
        references: [Reference::Mitre("T1078"), Reference::Mitre("T1133")],
        requires_option: "trustedCidrs",
        check: AuditCheck::Event(check),
    }
}

fn check(ctx: &Ctx<'_, '_>, hits: &mut Vec<Hit>) {
    let Some(cidrs) = ctx.opts.strings("trustedCidrs") else {
        return;
    };
    let nets: Vec<Cidr> = cidrs.iter().filter_map(|c| Cidr::parse(c)).collect();
    if nets.is_empty() {
        return;
    }
    let ev = ctx.ev;
    let Some(peer) = ev.peer_ip() else { return };
    let Ok(ip) = peer.trim().parse::<std::net::IpAddr>() else {
        hits.push(Hit::new(format!(
            "{} {} {} from an unparsable source address {peer:?}",
            actor(ev),
            ev.verb,
            target(ev)
        )));
        return;
    };
    if nets.iter().any(|n| n.contains(ip)) {
        return;
    }
    hits.push(Hit::new(format!(
        "{} {} {} from {ip}, outside the trusted networks",
        actor(ev),
        ev.verb,
        target(ev)
    )));
}

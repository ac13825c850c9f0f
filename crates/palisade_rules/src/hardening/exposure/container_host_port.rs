//! HRD064: containers publishing a port on the node with `hostPort`.

use palisade_core::{Check, Hit, Node, PodCtx, Reference};

declare_rule! {
    /// ## What it does
    /// Flags every `ports[*].hostPort` other than 0 of every container of a pod template
    /// (init, regular and ephemeral containers), one finding per port, naming the container,
    /// the port, its protocol and the node address it binds (`hostIP`, every address when
    /// unset). Only ports written in the manifest are reported; the `hostPort` that the API
    /// server fills in for `hostNetwork` Pods is covered by `pss-host-ports`.
    ///
    /// This rule complements the Pod Security Standards check `pss-host-ports` (which
    /// applies only when the baseline level is evaluated) with a hardening finding that
    /// explains the exposure.
    ///
    /// ## Why is this bad?
    /// A host port is a hole punched in the node: the kubelet's port-mapping forwards
    /// `<node address>:<hostPort>` to the container on every address of the node (all of
    /// them unless `hostIP` pins one). The port is reachable by anything that can reach the
    /// node — other VPC tenants, the internet for public nodes — without going through a
    /// Service, an Ingress, a load balancer's source ranges or (with many CNI plugins) the
    /// namespace's NetworkPolicies. An internal or debugging endpoint becomes a public entry
    /// point: MITRE ATT&CK T1133 "External Remote Services" / T1190 "Exploit Public-Facing
    /// Application". A pod can also grab a port a node agent expects and receive its
    /// traffic.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     ports:
    ///       - containerPort: 8080
    ///         hostPort: 8080
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    /// containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.4.2
    ///     ports:
    ///       - containerPort: 8080
    /// ```
    /// Remove `hostPort` and expose the port through a Service; node-local agents can use
    /// a Service with `internalTrafficPolicy: Local` instead.
    pub static CONTAINER_HOST_PORT = {
        code: "HRD064",
        name: "container-host-port",
        severity: Medium,
        group: "hardening",
        summary: "Container publishes a port directly on the node (hostPort)",
        remediation: "Remove ports[].hostPort and expose the container through a Service (internalTrafficPolicy: \
                      Local for node-local agents) or an Ingress.",
        references: [
            Reference::Cis("5.2.12"),
            Reference::Nsa("Pod security: avoid hostPath mounts and hostPorts"),
            Reference::Mitre("T1133"),
            Reference::Mitre("T1190"),
            Reference::Checkov("CKV_K8S_26"),
            Reference::Trivy("KSV024"),
        ],
        check: Check::Pod { reads: &[], check },
    }
}

fn check(ctx: &PodCtx<'_>, hits: &mut Vec<Hit>) {
    for &c in ctx.containers() {
        let Some(ports) = c.node.get("ports").and_then(Node::as_seq) else {
            continue;
        };
        for (i, p) in ports.iter().enumerate() {
            let Some(host_port) = p.get("hostPort").and_then(Node::as_i64).filter(|v| *v != 0) else {
                continue;
            };
            let proto = p.get("protocol").and_then(Node::as_str).unwrap_or("TCP");
            let target = match p.get("containerPort").and_then(Node::as_i64) {
                Some(cp) => format!("container port {cp}/{proto}"),
                None => format!("a {proto} port"),
            };
            let bind = match p
                .get("hostIP")
                .and_then(Node::as_str)
                .filter(|s| !s.trim().is_empty())
            {
                Some(ip) if ip.trim() != "0.0.0.0" && ip.trim() != "::" => format!("node address {ip}"),
                _ => "every address of its node".to_owned(),
            };
            hits.push(
                Hit::new(
                    ctx.container_path(&c, &["ports"]).idx(i).key("hostPort"),
                    format!(
                        "container {:?} publishes {target} as hostPort {host_port} on {bind}, outside any \
                         Service or Ingress",
                        c.name()
                    ),
                )
                .container(c.name()),
            );
        }
    }
}

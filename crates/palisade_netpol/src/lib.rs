//! palisade's NetworkPolicy analysis (`networking.k8s.io/v1`): the model of namespaces,
//! workloads and policies with API validation; exact per-direction reachability between
//! workloads and external IP ranges with explanations; the connectivity matrix and its diff.
//! Pure functions of loaded objects: no I/O, no output formatting.

pub mod answer;
pub mod eval;
pub mod ip;
pub mod matrix;
pub mod model;
pub mod pod_ips;
pub mod ports;

pub use eval::{Analysis, Endpoint, Explanation, RuleRef, Side};
pub use ip::{Cidr, CidrError, Family, IpRange};
pub use matrix::{diff, Change, Matrix};
pub use model::{
    Direction, Exposure, HostNetworkMode, Model, NamedPort, Namespace, Options, Peer, PodIpMode, Policy,
    PortRef, PortSpec, Problem, Rule, Workload, READS,
};
pub use pod_ips::fold_pod_ips;
pub use ports::{PortSet, Proto};

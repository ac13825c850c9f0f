//! palisade's NetworkPolicy analysis (`networking.k8s.io/v1`): the model of namespaces,
//! workloads and policies with API validation; exact per-direction reachability between
//! workloads and external IP ranges with explanations; the connectivity matrix and its diff.
//! Pure functions of loaded objects: no I/O, no output formatting.

pub mod eval;
pub mod ip;
pub mod matrix;
pub mod model;
pub mod ports;

pub use eval::{Analysis, Endpoint, Explanation, RuleRef, Side};
pub use ip::{Cidr, Family, IpRange};
pub use matrix::{diff, Change, Matrix};
pub use model::{
    is_netpol_object, Direction, Exposure, HostNetworkMode, Model, NamedPort, Namespace, Options, Peer,
    PodIpMode, Policy, PortRef, PortSpec, Problem, Rule, Workload,
};
pub use ports::{PortSet, Proto};

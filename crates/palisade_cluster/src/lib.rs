//! palisade's live-cluster source. Connects like kubectl (`--kubeconfig`, `KUBECONFIG`,
//! `~/.kube/config`, `--context`, in-cluster service account; client certificates, tokens,
//! exec plugins and custom CAs through kube-rs), then reads — with GET only — the objects
//! palisade analyses, as paged LISTs (`limit` + `continue`) handed to the caller one page at
//! a time so memory stays bounded. Secrets are read as metadata only. Objects owned by a
//! controller that is read too (Pods of ReplicaSets, ReplicaSets of Deployments, Jobs of
//! CronJobs) are skipped and counted. 429/5xx and timeouts are retried with backoff; a
//! resource the credentials may not list is skipped and reported. Owns all network I/O; it
//! never prints: progress goes to a [`Progress`] the caller supplies, diagnostics to
//! `tracing`.
//!
//! * [`config`]: options, connecting, [`ConnectError`];
//! * [`resources`]: the resource types, [`Wanted`] (which kinds to read);
//! * `retry`: requests with retries and [`RequestError`];
//! * [`list`]: the streaming LIST decoder (and why it is not kube-rs's typed list);
//! * `owners`: which objects are reported through a controller that was read;
//! * [`progress`]: progress events;
//! * `read`: [`Cluster::read`], the paged read of every wanted type.

pub mod config;
pub mod list;
pub mod namespaces;
mod owners;
pub mod progress;
mod read;
pub mod resources;
mod retry;

pub use config::{Cluster, ClusterOptions, ConnectError};
pub use progress::{NoProgress, PageProgress, Progress};
pub use read::{ReadStats, ServerVersion};
pub use resources::{all_builtin, builtin_types, ResourceType, Wanted};
pub use retry::RequestError;

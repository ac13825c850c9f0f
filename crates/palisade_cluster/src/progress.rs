//! Progress of a cluster read as events for the caller to show (the library never draws):
//! which resource type is being listed (i of N) and how many of its objects were listed,
//! out of how many when the server says (`remainingItemCount`).

/// One page of a resource type was listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageProgress<'a> {
    /// 0-based index of the resource type being listed, and how many there are.
    pub index: usize,
    pub types: usize,
    /// `deployments.apps`, `pods`.
    pub resource: &'a str,
    /// Objects of this type listed so far (including those reported through their owner).
    pub listed: usize,
    /// `listed` plus what the server says remains, when it says.
    pub total: Option<u64>,
}

/// Receives the progress of [`crate::Cluster::read`].
pub trait Progress {
    /// A page was listed.
    fn page(&mut self, p: &PageProgress<'_>);
    /// Reading is over (also after errors).
    fn finish(&mut self) {}
}

/// Shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn page(&mut self, _: &PageProgress<'_>) {}
}

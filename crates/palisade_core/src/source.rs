//! The input seam: a `Source` produces objects (with their origin and positions) for the
//! engine, in batches — a file, a page of a LIST — and owns all I/O. Files, directories and
//! stdin (`palisade_source`), a live cluster (`palisade_cluster`) and, next, an
//! AdmissionReview, node files or audit events are sources; the engine only consumes batches.

use crate::kinds::KindSet;
use crate::object::Object;
use crate::report::Diagnostic;

/// What a source produced from one unit of input (a file, a page of a LIST).
#[derive(Debug, Default)]
pub struct Batch {
    pub objects: Vec<Object>,
    /// Problems with this unit (parse errors, wrong types), located.
    pub diagnostics: Vec<Diagnostic>,
    /// Non-empty YAML/JSON documents seen.
    pub documents: usize,
    /// Documents that are not Kubernetes objects (no apiVersion/kind), skipped.
    pub skipped: usize,
    pub bytes: u64,
}

impl Batch {
    /// Adds `other` after this batch's contents.
    pub fn append(&mut self, other: Batch) {
        self.objects.extend(other.objects);
        self.diagnostics.extend(other.diagnostics);
        self.documents += other.documents;
        self.skipped += other.skipped;
        self.bytes += other.bytes;
    }
}

/// Receives batches; called from any thread. `ordinal` orders batches as the input orders
/// them (file order), so results do not depend on scheduling.
pub type Sink<'a> = &'a (dyn Fn(usize, Batch) + Sync);

/// A producer of objects.
pub trait Source: Sync {
    /// Reads the input and hands every batch to `sink`. `wanted` is what the consumer will
    /// look at: a source that can choose what to fetch (a cluster) fetches only that; a
    /// source that cannot (a file) produces everything and the consumer drops the rest.
    /// Returns the problems of the source as a whole (a path that does not exist, a server
    /// that cannot be reached).
    fn read(&self, wanted: &KindSet, sink: Sink<'_>) -> Vec<Diagnostic>;

    /// How many files the source read (0 for sources that are not files).
    fn files(&self) -> usize {
        0
    }
}

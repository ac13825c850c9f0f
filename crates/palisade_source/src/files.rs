//! Files, directories, globs and stdin as a [`Source`]: discovered once, decoded in parallel,
//! handed to the consumer file by file in input order.

use crate::discover::{discover, InputFile};
use crate::load::{load_input_parts, load_parts};
use palisade_core::{Diagnostic, KindSet, Sink, Source};
use rayon::prelude::*;

/// Bits of a batch ordinal that number the batches of one input (a large stream is handed
/// over in several batches, in parallel); the input's index is above them.
const PART_BITS: u32 = if usize::BITS >= 64 { 32 } else { 12 };

/// Hands the batches of input `i` to `sink`, in parallel, with ordinals in input order.
fn emit(sink: Sink<'_>, i: usize, parts: Vec<palisade_core::Batch>) {
    parts
        .into_par_iter()
        .enumerate()
        .for_each(|(j, b)| sink((i << PART_BITS) | j, b));
}

/// The files named by the user's paths (`-` is stdin).
#[derive(Debug, Default)]
pub struct Files {
    pub inputs: Vec<InputFile>,
    /// Problems found while expanding the paths (missing files, globs matching nothing).
    pub discovery: Vec<Diagnostic>,
}

impl Files {
    /// Expands `paths` as `palisade scan` does.
    pub fn discover(paths: &[String]) -> Files {
        let (inputs, discovery) = discover(paths);
        Files { inputs, discovery }
    }
}

impl Source for Files {
    fn read(&self, _wanted: &KindSet, sink: Sink<'_>) -> Vec<Diagnostic> {
        self.inputs
            .par_iter()
            .enumerate()
            .for_each(|(i, f)| emit(sink, i, load_input_parts(f)));
        self.discovery.clone()
    }
    fn files(&self) -> usize {
        self.inputs.len()
    }
}

/// In-memory inputs, each a (name, bytes) pair, decoded like files.
#[derive(Debug, Default)]
pub struct Bytes<'a> {
    pub inputs: Vec<(&'a str, &'a [u8])>,
}

impl Source for Bytes<'_> {
    fn read(&self, _wanted: &KindSet, sink: Sink<'_>) -> Vec<Diagnostic> {
        self.inputs
            .par_iter()
            .enumerate()
            .for_each(|(i, (name, bytes))| emit(sink, i, load_parts((*name).into(), bytes)));
        Vec::new()
    }
    fn files(&self) -> usize {
        self.inputs.len()
    }
}

//! Files, directories, globs and stdin as a [`Source`]: discovered once, decoded in parallel,
//! handed to the consumer file by file in input order.

use crate::discover::{discover, InputFile};
use crate::load::{load_input_with, load_parts_with};
use palisade_core::{Diagnostic, KindSet, Sink, Source};
use rayon::prelude::*;

/// Bits of a batch ordinal that number the batches of one input (a large stream is handed
/// over in several batches, in parallel); the input's index is above them.
const PART_BITS: u32 = if usize::BITS >= 64 { 32 } else { 12 };

/// The ordinal of batch `j` of input `i`: batches in input order.
fn ordinal(i: usize, j: usize) -> usize {
    (i << PART_BITS) | j
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
            .for_each(|(i, f)| load_input_with(f, &|j, b| sink(ordinal(i, j), b)));
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
        self.inputs.par_iter().enumerate().for_each(|(i, (name, bytes))| {
            load_parts_with((*name).into(), bytes, &|j, b| sink(ordinal(i, j), b))
        });
        Vec::new()
    }
    fn files(&self) -> usize {
        self.inputs.len()
    }
}

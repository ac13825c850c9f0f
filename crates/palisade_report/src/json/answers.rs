//! The JSON of the answers of `rbac`, `netpol` and `psa`: each answer's `Serialize` form,
//! pretty-printed; the connectivity matrix streamed (endpoints, then connections one per
//! line as they are produced, then the policy counts).

use palisade_netpol::answer::{Connection, MatrixHead};
use serde::Serialize;
use std::io::{self, Write};

/// An answer, pretty-printed, and a newline.
pub(crate) fn render<A: Serialize + ?Sized>(answer: &A, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, answer)?;
    writeln!(out)
}

/// The matrix as one JSON object: `endpoints`, `connections`, `policies`, `invalidPolicies`,
/// `errors`.
pub(crate) struct MatrixJson {
    count: usize,
    policies: usize,
    invalid: usize,
}

impl MatrixJson {
    pub fn begin(head: &MatrixHead, out: &mut dyn Write) -> io::Result<MatrixJson> {
        writeln!(out, "{{\n  \"endpoints\": [")?;
        for (i, e) in head.endpoints.iter().enumerate() {
            write!(
                out,
                "{}    {}",
                if i == 0 { "" } else { ",\n" },
                serde_json::to_string(e)?
            )?;
        }
        write!(out, "\n  ],\n  \"connections\": [")?;
        Ok(MatrixJson {
            count: 0,
            policies: head.policies,
            invalid: head.invalid,
        })
    }

    pub fn connection(&mut self, c: &Connection<'_>, out: &mut dyn Write) -> io::Result<()> {
        if self.count > 0 {
            write!(out, ",")?;
        }
        write!(out, "\n    {}", serde_json::to_string(c)?)?;
        self.count += 1;
        Ok(())
    }

    /// Closes the object; `errors` are the input errors the matrix rests on.
    pub fn end(self, errors: &[String], out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "\n  ],\n  \"policies\": {},\n  \"invalidPolicies\": {},\n  \"errors\": {}\n}}",
            self.policies,
            self.invalid,
            serde_json::to_string(errors)?
        )
    }
}

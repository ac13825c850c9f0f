//! The CSV format of the connectivity matrix (`netpol matrix -o csv`): a `from,to,ports`
//! header, then one row per connection with every field quoted (quotes inside a field are
//! doubled), through the `csv` crate.

use palisade_netpol::answer::Connection;
use std::io::{self, Write};

/// Rows being written.
pub(crate) struct MatrixCsv<'w> {
    rows: ::csv::Writer<&'w mut dyn Write>,
}

fn io_error(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        k => io::Error::other(format!("{k:?}")),
    }
}

impl<'w> MatrixCsv<'w> {
    pub fn begin(out: &'w mut dyn Write) -> io::Result<MatrixCsv<'w>> {
        {
            let mut header = ::csv::WriterBuilder::new().from_writer(&mut *out);
            header.write_record(["from", "to", "ports"]).map_err(io_error)?;
            header.flush()?;
        }
        Ok(MatrixCsv {
            rows: ::csv::WriterBuilder::new()
                .quote_style(::csv::QuoteStyle::Always)
                .from_writer(out),
        })
    }

    pub fn connection(&mut self, c: &Connection<'_>) -> io::Result<()> {
        self.rows
            .write_record([c.from, c.to, &c.ports.to_string()])
            .map_err(io_error)
    }

    pub fn end(mut self) -> io::Result<()> {
        self.rows.flush()
    }
}

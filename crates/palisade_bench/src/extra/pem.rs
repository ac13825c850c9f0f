//! PEM blocks (RFC 7468) with the line each starts on: `-----BEGIN LABEL-----`, base64 lines,
//! `-----END LABEL-----`. Decoding only; what a block means is the PKI checks' business.

use base64::Engine;

/// One PEM block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub label: String,
    /// 1-based line of the BEGIN line.
    pub line: u32,
    /// The decoded bytes, or why they could not be decoded.
    pub der: Result<Vec<u8>, String>,
}

/// The PEM blocks of a text, in order. Text outside blocks is ignored (as OpenSSL and Go do).
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut cur: Option<(String, u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let n = i as u32 + 1;
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if let Some((l, at, _)) = cur.take() {
                out.push(Block {
                    label: l.clone(),
                    line: at,
                    der: Err(format!("PEM block {l} has no END line")),
                });
            }
            cur = Some((label.to_owned(), n, String::new()));
            continue;
        }
        if let Some(label) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            if let Some((l, at, body)) = cur.take() {
                let der = if l != label {
                    Err(format!("PEM block BEGIN {l} ends with END {label}"))
                } else {
                    base64::engine::general_purpose::STANDARD
                        .decode(body.as_bytes())
                        .map_err(|e| format!("PEM block {l}: base64: {e}"))
                };
                out.push(Block {
                    label: l,
                    line: at,
                    der,
                });
            }
            continue;
        }
        if let Some((_, _, body)) = cur.as_mut() {
            // RFC 1421 headers (Proc-Type, DEK-Info) of encrypted keys are not base64.
            if !line.contains(':') {
                body.push_str(line);
            }
        }
    }
    if let Some((l, at, _)) = cur {
        out.push(Block {
            label: l.clone(),
            line: at,
            der: Err(format!("PEM block {l} has no END line (truncated file?)")),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_lines_and_errors() {
        let t = "junk\n-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n-----BEGIN X-----\nnot base64!\n-----END X-----\n-----BEGIN CERTIFICATE-----\n";
        let b = blocks(t);
        assert_eq!(b.len(), 3);
        assert_eq!((b[0].label.as_str(), b[0].line), ("CERTIFICATE", 2));
        assert_eq!(b[0].der, Ok(vec![0, 1, 2]));
        assert!(b[1].der.is_err());
        assert_eq!(b[2].line, 8);
        assert!(b[2].der.as_ref().unwrap_err().contains("no END"));
    }
}

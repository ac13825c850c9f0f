//! Splits a multi-document YAML stream into documents the way Kubernetes' YAMLReader does
//! (a line starting with `---`, followed by nothing or a comment), so that one broken
//! document does not hide the others and each keeps its line offset.

/// One document's text and the 0-based line of the file it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocText<'a> {
    pub text: &'a str,
    pub first_line: u32,
}

pub fn split_documents(src: &str) -> Vec<DocText<'_>> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    let mut line_no = 0u32;
    let mut pos = 0usize;
    let bytes = src.as_bytes();
    while pos < bytes.len() {
        let end = match memchr_nl(&bytes[pos..]) {
            Some(i) => pos + i + 1,
            None => bytes.len(),
        };
        let line = &src[pos..end];
        if is_separator(line) {
            out.push(DocText {
                text: &src[start..pos],
                first_line: start_line,
            });
            // The separator line itself starts the next document (it may carry `--- !tag`
            // content only when followed by a comment, which parses as an empty start).
            start = end;
            start_line = line_no + 1;
        }
        line_no += 1;
        pos = end;
    }
    out.push(DocText {
        text: &src[start..],
        first_line: start_line,
    });
    out
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

pub(crate) fn is_separator(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("---") else {
        return false;
    };
    let rest = rest.trim();
    rest.is_empty() || rest.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_kubernetes() {
        let src = "a: 1\n---\nb: 2\n--- # c\nc: 3\n---x: 4\n";
        let d = split_documents(src);
        assert_eq!(d.len(), 3);
        assert_eq!(
            d[0],
            DocText {
                text: "a: 1\n",
                first_line: 0
            }
        );
        assert_eq!(
            d[1],
            DocText {
                text: "b: 2\n",
                first_line: 2
            }
        );
        assert_eq!(
            d[2],
            DocText {
                text: "c: 3\n---x: 4\n",
                first_line: 4
            }
        );
    }

    #[test]
    fn leading_separator_and_crlf() {
        let d = split_documents("---\r\na: 1\r\n---\r\n");
        assert_eq!(d.len(), 3);
        assert_eq!(d[1].first_line, 1);
        assert_eq!(d[2].text, "");
    }
}

//! How deeply a request nests, measured by scanning its text before any
//! parser sees it.
//!
//! The GraphQL parser and the JSON reader recurse once per level of `{`,
//! `[` or `(`: a few thousand levels overflow a worker thread's stack and
//! abort the whole process. A linear scan with a counter cannot overflow,
//! so every document, variables object and multipart `operations` field is
//! measured here first and refused above [`MAX_NESTING`].

/// The deepest nesting of brackets a request may have, in its GraphQL
/// document or in its JSON. Real queries stay far below (the standard
/// introspection query nests about 20 levels); JSON values deeper than
/// this are refused by the JSON reader anyway (its limit is 128).
pub(crate) const MAX_NESTING: usize = 100;

/// The refusal of a request nested too deeply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {what} is nested more than {limit} levels deep")]
pub(crate) struct TooDeep {
    pub what: &'static str,
    pub limit: usize,
}

/// The deepest bracket nesting of a GraphQL document, skipping strings,
/// block strings and comments. Unbalanced text is measured all the same:
/// the parser reports it.
pub(crate) fn graphql_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // An escaped triple quote does not end a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// The deepest nesting of arrays and objects in JSON text, skipping strings.
pub(crate) fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Refuses a GraphQL document nested deeper than [`MAX_NESTING`].
pub(crate) fn check_document(text: &str) -> Result<(), TooDeep> {
    check(graphql_depth(text), "query document")
}

/// Refuses JSON (a body, variables, multipart operations) nested deeper
/// than [`MAX_NESTING`].
pub(crate) fn check_json(bytes: &[u8]) -> Result<(), TooDeep> {
    check(json_depth(bytes), "JSON")
}

fn check(depth: usize, what: &'static str) -> Result<(), TooDeep> {
    if depth > MAX_NESTING {
        Err(TooDeep {
            what,
            limit: MAX_NESTING,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_measured_outside_strings_and_comments() {
        assert_eq!(graphql_depth("{ a { b(x: [1, [2]]) } }"), 5);
        assert_eq!(graphql_depth(r#"{ a(s: "{{{{[[[") }"#), 2);
        assert_eq!(graphql_depth("{ a(s: \"\"\"{{{\\\"\"\"{{\"\"\") }"), 2);
        assert_eq!(graphql_depth("# {{{{{{\n{ a }"), 1);
        assert_eq!(graphql_depth(r#"{ a(s: "\"{{{") }"#), 2);
        assert_eq!(graphql_depth(&"[".repeat(5000)), 5000);
        assert_eq!(graphql_depth("}}}{"), 1);
    }

    #[test]
    fn json_is_measured_outside_strings() {
        assert_eq!(json_depth(br#"{"a": [1, {"b": "[[[{{{"}]}"#), 3);
        assert_eq!(json_depth(br#"["\"[[["]"#), 1);
        assert_eq!(json_depth(&b"[".repeat(300)), 300);
    }

    #[test]
    fn the_bound_is_inclusive() {
        let at = format!("{}{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert!(check_json(at.as_bytes()).is_ok());
        assert!(check_document(&at).is_ok());
        let over = format!("[{at}]");
        assert!(check_json(over.as_bytes()).is_err());
        assert!(check_document(&over).is_err());
    }
}

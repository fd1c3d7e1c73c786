//! Content digests: SHA-256 over canonical JSON (object keys sorted by code
//! point, no insignificant whitespace), followed by the digests of the files.
//! Equal content gives an equal digest whatever key order a client sent.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Writes `value` in canonical form.
pub(crate) fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Hex SHA-256 of the canonical value followed by each file digest in order.
pub fn version_digest(value: &Value, file_sha256s: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical_json(value).as_bytes());
    for sha in file_sha256s {
        hasher.update(b"\n");
        hasher.update(sha.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Hex SHA-256 of raw bytes (token secrets, idempotency inputs).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_change_the_digest() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[1,2],"x":"s"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "a": {"x":"s","y":[1,2]}, "b": 1 }"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"x":"s","y":[1,2]},"b":1}"#);
        assert_eq!(version_digest(&a, &[]), version_digest(&b, &[]));
        assert_ne!(
            version_digest(&a, &[]),
            version_digest(&json!({"b": 2}), &[])
        );
    }

    #[test]
    fn files_are_part_of_the_digest_in_order() {
        let v = json!({"k": 1});
        let f = ["aa".to_owned(), "bb".to_owned()];
        let r = ["bb".to_owned(), "aa".to_owned()];
        assert_ne!(version_digest(&v, &f), version_digest(&v, &r));
        assert_ne!(version_digest(&v, &f), version_digest(&v, &[]));
    }
}

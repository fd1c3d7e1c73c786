//! Public IDs: a type prefix and the row's UUID (v7) in hex, e.g.
//! `ver_019a4c3e5b7a7c1e8f3b2a1d0c9e8f7a`. The prefix lets `node(id:)` find
//! the table, and keeps an ID of one kind from being taken for another.

use uuid::Uuid;

use super::error::{DomainError, DomainResult};

/// Declares the kinds of public ID, each with its prefix and the noun error
/// messages use, in one table: a new kind is one line.
macro_rules! id_kinds {
    ($($kind:ident => $prefix:literal, $noun:literal;)+) => {
        /// What a public ID names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum IdKind {
            $(#[doc = concat!("`", $prefix, "_…`: a ", $noun, ".")] $kind,)+
        }

        impl IdKind {
            /// Every kind.
            pub(crate) const ALL: &[IdKind] = &[$(IdKind::$kind),+];

            /// The prefix of its IDs, before the `_`.
            pub(crate) fn prefix(self) -> &'static str {
                match self {
                    $(IdKind::$kind => $prefix,)+
                }
            }

            /// The word used in error messages.
            pub(crate) fn noun(self) -> &'static str {
                match self {
                    $(IdKind::$kind => $noun,)+
                }
            }
        }
    };
}

id_kinds! {
    Project => "prj", "project";
    Run => "run", "run";
    Step => "stp", "run step";
    Version => "ver", "artifact version";
    Approval => "apv", "approval";
    File => "fil", "file";
    Token => "tok", "token";
    Event => "evt", "event";
    Policy => "pol", "approval policy";
    Webhook => "whk", "webhook";
    Delivery => "dlv", "webhook delivery";
}

/// The public form of `id`: its kind's prefix, `_`, and 32 hex digits.
pub fn encode(kind: IdKind, id: Uuid) -> String {
    format!("{}_{}", kind.prefix(), id.simple())
}

/// Splits any public ID into its kind and UUID; `None` when it is not one.
pub(crate) fn parse_any(text: &str) -> Option<(IdKind, Uuid)> {
    let (prefix, hex) = text.split_once('_')?;
    let kind = *IdKind::ALL.iter().find(|k| k.prefix() == prefix)?;
    if hex.len() != 32 {
        return None;
    }
    Uuid::try_parse(hex).ok().map(|uuid| (kind, uuid))
}

/// Parses an ID that must be of `kind`; anything else is a validation error.
pub fn decode(kind: IdKind, text: &str) -> DomainResult<Uuid> {
    match parse_any(text) {
        Some((found, uuid)) if found == kind => Ok(uuid),
        _ => Err(DomainError::validation(format!(
            "{text:?} is not a {} ID (expected {}_ followed by 32 hex digits)",
            kind.noun(),
            kind.prefix()
        ))),
    }
}

/// A new time-ordered primary key.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

impl DomainError {
    /// No `kind` with this ID that the caller may see (as the caller wrote it).
    pub fn not_found(kind: IdKind, id: impl Into<String>) -> Self {
        DomainError::NotFound {
            kind: kind.noun(),
            id: id.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_kinds() {
        let id = new_id();
        let text = encode(IdKind::Version, id);
        assert!(text.starts_with("ver_"));
        assert_eq!(decode(IdKind::Version, &text).unwrap(), id);
        assert!(decode(IdKind::Run, &text).is_err());
        assert!(decode(IdKind::Version, "ver_xyz").is_err());
        assert_eq!(parse_any(&text), Some((IdKind::Version, id)));
    }
}

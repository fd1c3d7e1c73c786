//! Public IDs: a type prefix and the row's UUID (v7) in hex, e.g.
//! `ver_019a4c3e5b7a7c1e8f3b2a1d0c9e8f7a`. The prefix lets `node(id:)` find
//! the table, and keeps an ID of one kind from being taken for another.

use uuid::Uuid;

use super::error::{DomainError, DomainResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    Project,
    Run,
    Step,
    Version,
    Approval,
    File,
    Token,
    Event,
}

impl IdKind {
    pub const ALL: [IdKind; 8] = [
        IdKind::Project,
        IdKind::Run,
        IdKind::Step,
        IdKind::Version,
        IdKind::Approval,
        IdKind::File,
        IdKind::Token,
        IdKind::Event,
    ];

    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Project => "prj",
            IdKind::Run => "run",
            IdKind::Step => "stp",
            IdKind::Version => "ver",
            IdKind::Approval => "apv",
            IdKind::File => "fil",
            IdKind::Token => "tok",
            IdKind::Event => "evt",
        }
    }

    /// The word used in error messages.
    pub fn noun(self) -> &'static str {
        match self {
            IdKind::Project => "project",
            IdKind::Run => "run",
            IdKind::Step => "run step",
            IdKind::Version => "artifact version",
            IdKind::Approval => "approval",
            IdKind::File => "file",
            IdKind::Token => "token",
            IdKind::Event => "event",
        }
    }
}

pub fn encode(kind: IdKind, id: Uuid) -> String {
    format!("{}_{}", kind.prefix(), id.simple())
}

/// Splits any public ID into its kind and UUID; `None` when it is not one.
pub fn parse_any(text: &str) -> Option<(IdKind, Uuid)> {
    let (prefix, hex) = text.split_once('_')?;
    let kind = IdKind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
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

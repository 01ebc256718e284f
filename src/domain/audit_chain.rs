//! The audit chain: each audit row sealed, in order, into a hash chain, and
//! the check that a copy of it is whole. A row's `hash` is SHA-256 over its
//! `prev_hash` (the hash of the row before it, as lower-case hex) followed
//! by the row in RFC 8785 canonical JSON: every field of its export line
//! but `prev_hash` and `hash`, `seq` included, so that a row moved to
//! another place of the chain no longer matches its seal.
//!
//! Pure: plain values in, plain values out.

use std::collections::HashMap;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row of the chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of a line that are the chain's, not the row's.
pub const PREV_HASH: &str = "prev_hash";
pub const HASH: &str = "hash";

/// The hash of a row (its fields without `prev_hash` and `hash`) sealed
/// after the row whose hash is `prev_hash`.
pub fn link(prev_hash: &str, row: &Map<String, Value>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    // Canonical JSON of a map of JSON values cannot fail: it has no
    // non-finite numbers and no non-string keys.
    let canonical = serde_json_canonicalizer::to_vec(row).unwrap_or_default();
    hasher.update(&canonical);
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One sealed row as a copy of the chain holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sealed {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    /// The row's fields, `seq` included, without `prev_hash` and `hash`.
    pub row: Map<String, Value>,
}

impl Sealed {
    /// A line of an export: the row's fields and its seal.
    pub fn from_line(mut line: Map<String, Value>) -> Result<Self, String> {
        let mut text = |field: &str| match line.remove(field) {
            Some(Value::String(value)) => Ok(value),
            _ => Err(format!("the line has no {field}")),
        };
        let (prev_hash, hash) = (text(PREV_HASH)?, text(HASH)?);
        let seq = line
            .get("seq")
            .and_then(Value::as_i64)
            .ok_or("the line has no seq")?;
        Ok(Self {
            seq,
            prev_hash,
            hash,
            row: line,
        })
    }

    /// Whether the row still is what was sealed.
    pub fn intact(&self) -> bool {
        link(&self.prev_hash, &self.row) == self.hash
    }
}

/// How a chain is broken at its first bad row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Break {
    /// The row is not what was sealed (or the next row no longer links to
    /// it).
    Changed,
    /// The row is missing.
    Removed,
    /// The row was not sealed in this place: a second row with its seq.
    Inserted,
    /// The row is sealed, but further on in the chain.
    Reordered,
}

impl Break {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Changed => "changed",
            Self::Removed => "removed",
            Self::Inserted => "inserted",
            Self::Reordered => "reordered",
        }
    }
}

/// The first bad row of a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub how: Break,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {} {}", self.seq, self.how.as_str())
    }
}

/// Walks a chain in its stored order and finds the first bad row. `seqs`
/// counts how often each seq occurs in the whole copy (a file is read
/// twice), so that a gap can be told from a row moved further on and a
/// forged row from the one it copies; a database, which keeps rows by seq,
/// passes none.
pub struct Walk<'a> {
    seqs: Option<&'a HashMap<i64, u32>>,
    last: Option<(i64, String)>,
    rows: u64,
}

impl<'a> Walk<'a> {
    pub fn new(seqs: Option<&'a HashMap<i64, u32>>) -> Self {
        Self {
            seqs,
            last: None,
            rows: 0,
        }
    }

    fn occurs(&self, seq: i64) -> u32 {
        self.seqs
            .and_then(|seqs| seqs.get(&seq).copied())
            .unwrap_or(1)
    }

    /// Takes the next row; the first bad one ends the walk.
    pub fn next(&mut self, row: &Sealed) -> Result<(), Broken> {
        let broken = |seq, how| Err(Broken { seq, how });
        if let Some((last_seq, last_hash)) = &self.last {
            let (last_seq, expected) = (*last_seq, last_seq + 1);
            if row.seq == last_seq {
                return broken(row.seq, Break::Inserted);
            }
            if row.seq < last_seq {
                return broken(row.seq, Break::Reordered);
            }
            if row.seq > expected {
                return match self.seqs.is_some_and(|seqs| seqs.contains_key(&expected)) {
                    true => broken(row.seq, Break::Reordered),
                    false => broken(expected, Break::Removed),
                };
            }
            let forged = self.occurs(row.seq) > 1;
            if !row.intact() {
                return broken(
                    row.seq,
                    if forged {
                        Break::Inserted
                    } else {
                        Break::Changed
                    },
                );
            }
            if row.prev_hash != *last_hash {
                // The row was sealed after another row than the one before
                // it now: that one was changed and sealed again, or forged.
                return match forged {
                    true => broken(row.seq, Break::Inserted),
                    false => broken(last_seq, Break::Changed),
                };
            }
        } else if !row.intact() {
            let how = match self.occurs(row.seq) > 1 {
                true => Break::Inserted,
                false => Break::Changed,
            };
            return broken(row.seq, how);
        }
        self.last = Some((row.seq, row.hash.clone()));
        self.rows += 1;
        Ok(())
    }

    /// The last row taken: its seq and hash.
    pub fn head(&self) -> Option<(i64, &str)> {
        self.last.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }
}

#[cfg(test)]
mod tests;

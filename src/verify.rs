//! `aftercare audit verify`: checks that a copy of the audit chain is
//! whole, an export file (`GET /v1/audit/export`) or the database itself,
//! and names the first row that was changed, removed, inserted or
//! reordered.

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::db::{audit_chain, DbConnection};
use crate::domain::audit_chain::{Break, Broken, Sealed, Walk, GENESIS};
use crate::error::ApiError;

/// What a check found.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Whole {
        rows: u64,
        /// The last row's seq and hash.
        head: Option<(i64, String)>,
    },
    Broken(Broken),
    /// The export's last line does not describe the rows before it.
    Trailer(String),
    /// Audit rows that the chain does not hold and never will (written
    /// behind the sealer's back), by id.
    Unsealed(Vec<String>),
    /// The row at a head kept outside the service has another hash (or is
    /// gone): the chain was rebuilt from there or before.
    Unanchored {
        seq: i64,
    },
}

impl Verdict {
    pub fn is_whole(&self) -> bool {
        matches!(self, Self::Whole { .. })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Whole {
                rows,
                head: Some((seq, hash)),
            } => write!(
                f,
                "the audit chain is whole: {rows} rows, the last is {seq} with hash {hash}"
            ),
            Self::Whole { rows, head: None } => write!(f, "the audit chain is whole: {rows} rows"),
            Self::Broken(broken) => write!(f, "the audit chain is broken: {broken}"),
            Self::Trailer(why) => write!(f, "the audit chain is broken: {why}"),
            Self::Unanchored { seq } => write!(
                f,
                "the audit chain is broken: row {seq} is not the one anchored; the chain was rebuilt from there or before"
            ),
            Self::Unsealed(ids) => write!(
                f,
                "the audit chain is broken: rows {} were inserted (not sealed, older than the chain)",
                ids.join(", ")
            ),
        }
    }
}

/// A head kept outside the service (from `audit.sealed` or a scrape):
/// `SEQ:HASH`.
#[derive(Clone, Debug, PartialEq)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl std::str::FromStr for Anchor {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let (seq, hash) = raw.split_once(':').ok_or("an anchor is SEQ:HASH")?;
        let seq = seq
            .parse()
            .map_err(|_| "the anchor's seq is not a number")?;
        Ok(Self {
            seq,
            hash: hash.to_owned(),
        })
    }
}

/// Whether the anchored row, if any, was seen with its hash: none when no
/// row of the copy has its seq.
struct Anchored<'a> {
    anchor: Option<&'a Anchor>,
    matched: Option<bool>,
}

impl<'a> Anchored<'a> {
    fn new(anchor: Option<&'a Anchor>) -> Self {
        Self {
            anchor,
            matched: None,
        }
    }

    fn see(&mut self, row: &Sealed) {
        if let Some(anchor) = self.anchor.filter(|a| a.seq == row.seq) {
            self.matched = Some(anchor.hash == row.hash);
        }
    }

    /// The anchored seq when no row of the copy has it.
    fn unseen(&self) -> Option<i64> {
        self.anchor
            .filter(|_| self.matched.is_none())
            .map(|anchor| anchor.seq)
    }

    /// The verdict on a copy that is otherwise whole: the anchored row
    /// must be in it with its hash.
    fn verdict(&self, whole: Verdict) -> Verdict {
        match (self.anchor, self.matched) {
            (None, _) | (_, Some(true)) => whole,
            (Some(anchor), _) => Verdict::Unanchored { seq: anchor.seq },
        }
    }
}

/// The last line of an export.
#[derive(Deserialize)]
struct Trailer {
    first_seq: Option<i64>,
    last_seq: Option<i64>,
    head_hash: Option<String>,
    count: u64,
}

/// One line of a file: a sealed row, or the trailer.
enum Line {
    Row(Sealed),
    Trailer(Trailer),
}

fn parse(number: usize, text: &str) -> anyhow::Result<Line> {
    let object: Map<String, Value> = serde_json::from_str(text)
        .with_context(|| format!("line {number} is not a JSON object"))?;
    if object.contains_key("head_hash") {
        let trailer = serde_json::from_value(Value::Object(object))
            .with_context(|| format!("line {number} is not a trailer"))?;
        return Ok(Line::Trailer(trailer));
    }
    Sealed::from_line(object)
        .map(Line::Row)
        .map_err(|why| anyhow::anyhow!("line {number}: {why}"))
}

/// Each line of the file, in order; an error when it cannot be read.
fn lines(path: &std::path::Path) -> anyhow::Result<impl Iterator<Item = anyhow::Result<Line>>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(std::io::BufReader::new(file)
        .lines()
        .enumerate()
        .filter(|(_, text)| !matches!(text, Ok(text) if text.trim().is_empty()))
        .map(|(index, text)| {
            let text = text.with_context(|| format!("cannot read line {}", index + 1))?;
            parse(index + 1, &text)
        }))
}

/// Checks an export file. It is read twice, so that a row missing from its
/// place can be told from one moved further on; an error means the file
/// cannot be read as an export.
pub fn file(path: &std::path::Path, anchor: Option<&Anchor>) -> anyhow::Result<Verdict> {
    let mut seqs: HashMap<i64, u32> = HashMap::new();
    let mut trailers = 0;
    for line in lines(path)? {
        match line? {
            Line::Row(row) => *seqs.entry(row.seq).or_default() += 1,
            Line::Trailer(_) => trailers += 1,
        }
    }
    let mut walk = Walk::new(Some(&seqs));
    let mut anchored = Anchored::new(anchor);
    let mut first = None;
    let mut trailer = None;
    for line in lines(path)? {
        match line? {
            Line::Row(_) if trailer.is_some() => {
                return Ok(Verdict::Trailer("rows follow the trailer line".into()))
            }
            Line::Row(row) => {
                first.get_or_insert(row.seq);
                if let Err(broken) = walk.next(&row) {
                    return Ok(Verdict::Broken(broken));
                }
                anchored.see(&row);
            }
            Line::Trailer(found) => trailer = Some(found),
        }
    }
    let Some(trailer) = trailer.filter(|_| trailers == 1) else {
        return Ok(Verdict::Trailer(
            "the export has no single trailer line; rows at its end may have been removed".into(),
        ));
    };
    match match_trailer(&walk, first, &trailer) {
        whole @ Verdict::Whole { .. } => match anchored.unseen() {
            // An export of another stretch of the chain cannot say.
            Some(seq) => anyhow::bail!("row {seq} is not in this export"),
            None => Ok(anchored.verdict(whole)),
        },
        broken => Ok(broken),
    }
}

/// Whether the trailer describes the rows: rows removed from the end show
/// here, as its last seq beyond the last row.
fn match_trailer(walk: &Walk<'_>, first: Option<i64>, trailer: &Trailer) -> Verdict {
    let head = walk.head();
    if let (Some((seq, _)), Some(last)) = (head, trailer.last_seq) {
        if last > seq {
            return Verdict::Broken(Broken {
                seq: seq + 1,
                how: Break::Removed,
            });
        }
    }
    let matches = trailer.count == walk.rows()
        && trailer.first_seq == first
        && trailer.last_seq == head.map(|(seq, _)| seq)
        && trailer.head_hash.as_deref() == head.map(|(_, hash)| hash);
    if !matches {
        return Verdict::Trailer(format!(
            "the trailer names {} rows ending with {:?}, the file holds {} ending with {:?}",
            trailer.count,
            trailer.last_seq,
            walk.rows(),
            head.map(|(seq, _)| seq)
        ));
    }
    Verdict::Whole {
        rows: walk.rows(),
        head: head.map(|(seq, hash)| (seq, hash.to_owned())),
    }
}

/// Seals read from the database at a time.
const PAGE: i64 = 5_000;

/// Checks the whole chain in the database, from its first row: every seal
/// against its audit row, every link, and no audit row left behind it.
pub fn database(conn: &mut DbConnection, anchor: Option<&Anchor>) -> Result<Verdict, ApiError> {
    let mut walk = Walk::new(None);
    let mut anchored = Anchored::new(anchor);
    let mut after = 0;
    loop {
        let page = audit_chain::seals_after(conn, after, i64::MAX, PAGE)?;
        for (seal, event) in &page {
            if walk.head().is_none() {
                // The database holds the chain from its first row.
                let how = match (seal.seq == 1, seal.prev_hash == GENESIS) {
                    (false, _) => Some(Break::Removed),
                    (true, false) => Some(Break::Changed),
                    (true, true) => None,
                };
                if let Some(how) = how {
                    return Ok(Verdict::Broken(Broken { seq: 1, how }));
                }
            }
            let Some(event) = event else {
                return Ok(Verdict::Broken(Broken {
                    seq: seal.seq,
                    how: Break::Removed,
                }));
            };
            let row = audit_chain::sealed(seal, event);
            if let Err(broken) = walk.next(&row) {
                return Ok(Verdict::Broken(broken));
            }
            anchored.see(&row);
            after = seal.seq;
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    let behind = audit_chain::behind_the_chain(conn)?;
    if !behind.is_empty() {
        return Ok(Verdict::Unsealed(behind));
    }
    let whole = Verdict::Whole {
        rows: walk.rows(),
        head: walk.head().map(|(seq, hash)| (seq, hash.to_owned())),
    };
    Ok(anchored.verdict(whole))
}

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::*;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A chain of `n` rows sealed from the genesis.
fn chain(n: i64) -> Vec<Sealed> {
    let mut prev = GENESIS.to_owned();
    (1..=n)
        .map(|seq| {
            let row = object(json!({"seq": seq, "id": format!("e{seq}"), "action": "read"}));
            let hash = link(&prev, &row);
            Sealed {
                seq,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
                row,
            }
        })
        .collect()
}

/// Walks a copy as a file is walked: with the count of each seq.
fn walk(rows: &[Sealed]) -> Result<u64, Broken> {
    let mut seqs: HashMap<i64, u32> = HashMap::new();
    for row in rows {
        *seqs.entry(row.seq).or_default() += 1;
    }
    let mut walk = Walk::new(Some(&seqs));
    for row in rows {
        walk.next(row)?;
    }
    Ok(walk.rows())
}

fn broken(seq: i64, how: Break) -> Result<u64, Broken> {
    Err(Broken { seq, how })
}

#[test]
fn the_hash_is_sha256_over_the_previous_hash_and_the_canonical_row() {
    // Keys sorted, no white space (RFC 8785); the digest computed apart.
    let row = object(json!({"seq": 1, "id": "e1", "at": "2026-12-04T09:00:00Z", "action": "read"}));
    assert_eq!(
        link(GENESIS, &row),
        "ebb032bf1ce0956b8d410d6e88380ac4edc229c36ff3b23fe1d401065cd72f23"
    );
}

#[test]
fn a_whole_chain_and_any_part_of_it_verify() {
    let rows = chain(6);
    assert_eq!(walk(&rows), Ok(6));
    assert_eq!(walk(&rows[2..5]), Ok(3));
}

#[test]
fn a_changed_row_is_named() {
    let mut rows = chain(6);
    rows[3].row.insert("action".into(), json!("delete"));
    assert_eq!(walk(&rows), broken(4, Break::Changed));
}

#[test]
fn a_row_changed_and_sealed_again_is_named_by_the_next_link() {
    let mut rows = chain(6);
    rows[2].row.insert("action".into(), json!("delete"));
    rows[2].hash = link(&rows[2].prev_hash, &rows[2].row);
    assert_eq!(walk(&rows), broken(3, Break::Changed));
}

#[test]
fn a_removed_row_is_named() {
    let mut rows = chain(6);
    rows.remove(2);
    assert_eq!(walk(&rows), broken(3, Break::Removed));
}

#[test]
fn two_rows_swapped_are_reordered() {
    let mut rows = chain(6);
    rows.swap(2, 3);
    assert_eq!(walk(&rows), broken(4, Break::Reordered));
}

#[test]
fn a_row_moved_back_is_reordered() {
    let mut rows = chain(6);
    let moved = rows.remove(1);
    rows.push(moved);
    assert_eq!(walk(&rows), broken(3, Break::Reordered));
}

#[test]
fn a_forged_row_is_inserted_wherever_it_is_put() {
    let rows = chain(6);
    // A forger who knows the scheme seals a row of their own after row 3.
    let row = object(json!({"seq": 4, "id": "forged", "action": "read"}));
    let forged = Sealed {
        seq: 4,
        prev_hash: rows[2].hash.clone(),
        hash: link(&rows[2].hash, &row),
        row,
    };
    let mut before = rows.clone();
    before.insert(3, forged.clone());
    assert_eq!(walk(&before), broken(4, Break::Inserted));
    let mut after = rows.clone();
    after.insert(4, forged.clone());
    assert_eq!(walk(&after), broken(4, Break::Inserted));
    let mut unsealed = rows;
    let mut copy = forged;
    copy.hash = GENESIS.to_owned();
    unsealed.insert(3, copy);
    assert_eq!(walk(&unsealed), broken(4, Break::Inserted));
}

#[test]
fn a_database_walk_names_gaps_without_counts() {
    let mut rows = chain(5);
    rows.remove(3);
    let mut walk = Walk::new(None);
    let outcome = rows.iter().try_for_each(|row| walk.next(row));
    assert_eq!(
        outcome,
        Err(Broken {
            seq: 4,
            how: Break::Removed
        })
    );
    assert_eq!(walk.head().map(|(seq, _)| seq), Some(3));
}

#[test]
fn a_line_reads_back_into_its_seal() {
    let rows = chain(2);
    let mut line = rows[1].row.clone();
    line.insert(PREV_HASH.into(), json!(rows[1].prev_hash));
    line.insert(HASH.into(), json!(rows[1].hash));
    let sealed = Sealed::from_line(line).expect("a line");
    assert_eq!(sealed, rows[1]);
    assert!(sealed.intact());
    assert!(Sealed::from_line(object(json!({"seq": 1}))).is_err());
}

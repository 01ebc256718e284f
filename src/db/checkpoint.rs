//! SQLite's WAL checkpoints, off the write path.
//!
//! By default the connection whose commit takes the log past 1,000 pages
//! copies the log into the database file and syncs both, holding the
//! write turn: every fiftieth check-in or so waited for an fsync, and every
//! writer behind it. Here pooled connections never checkpoint; a thread of
//! its own does, a passive checkpoint (which writers do not wait for) every
//! `INTERVAL`. Once a checkpoint has copied the whole log, the next writer
//! starts it again from the top (and cuts the file to `journal_size_limit`).
//! Only if readers kept the log from being restarted until it outgrew
//! `LARGE_LOG_PAGES` does a truncating checkpoint run, in the write turn,
//! waiting at most `TRUNCATE_WAIT` for the readers. Commits stay as durable
//! as before (synchronous=NORMAL: in the log, synced at the next checkpoint).

use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sql_types::Integer;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use parking_lot::Mutex;

/// How often the log is copied into the database file.
const INTERVAL: Duration = Duration::from_millis(200);
/// A log this long (pages of 4 KiB: 256 MiB) is truncated, in the write
/// turn.
const LARGE_LOG_PAGES: i32 = 65_536;
/// How long the truncating checkpoint waits for the write turn.
const TURN_WAIT: Duration = Duration::from_secs(1);
/// How long it waits for readers of the log, holding the write turn
/// (SQLite's busy_timeout of its connection, in milliseconds).
const TRUNCATE_WAIT_MS: u32 = 50;

#[derive(QueryableByName)]
struct Checkpointed {
    #[diesel(sql_type = Integer)]
    log: i32,
}

/// Starts the checkpointing thread of the database at `url`; it ends when
/// `writer`, the write turn of its `Db`, is dropped. Returns whether it
/// started: if not, the connections must checkpoint by themselves.
pub fn start(url: &str, writer: &Arc<Mutex<()>>) -> bool {
    let Ok(super::DbConnection::Sqlite(mut conn)) = super::DbConnection::establish(url) else {
        return false;
    };
    if conn
        .batch_execute(&format!("PRAGMA busy_timeout = {TRUNCATE_WAIT_MS};"))
        .is_err()
    {
        return false;
    }
    let writer = Arc::downgrade(writer);
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || run(&mut conn, &writer))
        .is_ok()
}

fn run(conn: &mut SqliteConnection, writer: &Weak<Mutex<()>>) {
    loop {
        std::thread::sleep(INTERVAL);
        let Some(turn) = writer.upgrade() else {
            return;
        };
        match checkpoint(conn, "PASSIVE") {
            Ok(log) if log > LARGE_LOG_PAGES => {
                if let Some(_turn) = turn.try_lock_for(TURN_WAIT) {
                    if let Err(error) = checkpoint(conn, "TRUNCATE") {
                        tracing::warn!(%error, "the SQLite log was not truncated");
                    }
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "SQLite checkpoint failed"),
        }
    }
}

/// Runs one checkpoint; returns the log's length in pages.
fn checkpoint(conn: &mut SqliteConnection, mode: &str) -> diesel::QueryResult<i32> {
    let rows: Vec<Checkpointed> =
        diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})")).load(conn)?;
    Ok(rows.first().map_or(0, |row| row.log))
}

#[cfg(test)]
mod tests {
    use crate::config::DatabaseUrl;
    use crate::db::{Db, DbConnection};
    use diesel::connection::SimpleConnection;

    #[test]
    fn the_log_reaches_the_database_file_while_the_service_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpointed.db");
        let url = DatabaseUrl::Sqlite(path.display().to_string());
        let db = Db::connect(&url, 2, std::time::Duration::from_secs(3)).unwrap();
        let mut conn = db.pool().get().unwrap();
        let conn: &mut DbConnection = &mut conn;
        conn.batch_execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        // Half a megabyte in 500 commits: far below the 1,000 pages after
        // which a connection would checkpoint by itself.
        for n in 0..500 {
            conn.batch_execute(&format!(
                "INSERT INTO rows (id, body) VALUES ({n}, printf('%.1000c', 'x'))"
            ))
            .unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::fs::metadata(&path).unwrap().len() < 500_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the database file stayed at {} bytes",
                std::fs::metadata(&path).unwrap().len()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

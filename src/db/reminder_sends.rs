//! The reminder outbox: the slots whose reminder came due and the message
//! of each channel. A slot is recorded once (its primary key decides
//! between replicas); messages are claimed with a lease, as webhook
//! deliveries are: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, on SQLite
//! inside the write turn.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text, Timestamp};

use super::schema::{
    patients, push_subscriptions, reminder_preferences, reminder_sends, reminder_slots, treatments,
    users,
};
use super::DbConnection;
use crate::domain::accounts::Role;
use crate::domain::reminders::{Channel, SendStatus};
use crate::error::ApiError;

type Backend = <DbConnection as Connection>::Backend;

/// A treatment young enough to have a scheduled day left, with what
/// decides when its patient is reminded.
#[derive(Queryable, Clone, Debug)]
pub struct Candidate {
    pub treatment_id: String,
    pub patient_id: String,
    pub administered_at: NaiveDateTime,
    pub timezone: String,
    /// The patient's account, if they registered one.
    pub user_id: Option<String>,
    pub local_time: Option<String>,
    pub web_push: Option<bool>,
    pub email: Option<String>,
    pub chosen_at: Option<NaiveDateTime>,
}

/// Every treatment given since `since`, with its patient's zone, account
/// and reminder preferences.
pub fn candidates(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> Result<Vec<Candidate>, ApiError> {
    Ok(treatments::table
        .inner_join(patients::table)
        .left_join(
            users::table.on(users::patient_id
                .eq(patients::id.nullable())
                .and(users::role.eq(Role::Patient))),
        )
        .left_join(
            reminder_preferences::table.on(reminder_preferences::user_id
                .nullable()
                .eq(users::id.nullable())),
        )
        .filter(treatments::administered_at.ge(since))
        .select((
            treatments::id,
            treatments::patient_id,
            treatments::administered_at,
            patients::timezone,
            users::id.nullable(),
            reminder_preferences::local_time.nullable(),
            reminder_preferences::web_push.nullable(),
            reminder_preferences::email.nullable(),
            reminder_preferences::chosen_at.nullable(),
        ))
        .load(conn)?)
}

/// The users with at least one push subscription.
pub fn subscribed_users(conn: &mut DbConnection) -> Result<HashSet<String>, ApiError> {
    Ok(push_subscriptions::table
        .select(push_subscriptions::user_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// The slots already recorded whose local date is one of `due_dates`
/// (YYYY-MM-DD).
pub fn recorded_on(
    conn: &mut DbConnection,
    due_dates: &[String],
) -> Result<HashSet<(String, i32)>, ApiError> {
    Ok(reminder_slots::table
        .filter(reminder_slots::due_date.eq_any(due_dates))
        .select((reminder_slots::treatment_id, reminder_slots::day))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .collect())
}

#[derive(Insertable, Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = reminder_slots)]
pub struct ReminderSlot {
    pub treatment_id: String,
    pub day: i32,
    pub patient_id: String,
    /// The local date, YYYY-MM-DD.
    pub due_date: String,
    pub queued_at: NaiveDateTime,
}

/// Records the slots in one statement; returns the (treatment, day) of
/// those it recorded: a slot recorded already (by this replica or another)
/// is left out, and nothing more is queued for it.
pub fn record_slots(
    conn: &mut DbConnection,
    slots: &[ReminderSlot],
) -> Result<HashSet<(String, i32)>, ApiError> {
    if slots.is_empty() {
        return Ok(HashSet::new());
    }
    let recorded: Vec<(String, i32)> = match conn {
        DbConnection::Postgres(pg) => diesel::insert_into(reminder_slots::table)
            .values(slots)
            .on_conflict_do_nothing()
            .returning((reminder_slots::treatment_id, reminder_slots::day))
            .get_results(pg)?,
        // A statement a row: diesel would wrap SQLite's multi-row form in a
        // transaction of its own, inside the caller's; in-process, a row
        // costs little more.
        DbConnection::Sqlite(sqlite) => {
            let mut recorded = Vec::new();
            for slot in slots {
                let inserted = diesel::insert_into(reminder_slots::table)
                    .values(slot)
                    .on_conflict_do_nothing()
                    .execute(sqlite)?;
                if inserted == 1 {
                    recorded.push((slot.treatment_id.clone(), slot.day));
                }
            }
            recorded
        }
    };
    Ok(recorded.into_iter().collect())
}

#[derive(Insertable, Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = reminder_sends)]
pub struct Send {
    pub id: String,
    pub treatment_id: String,
    pub day: i32,
    pub channel: Channel,
    pub user_id: String,
    pub status: SendStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub fn insert_sends(conn: &mut DbConnection, sends: &[Send]) -> Result<(), ApiError> {
    if sends.is_empty() {
        return Ok(());
    }
    match conn {
        DbConnection::Postgres(pg) => {
            diesel::insert_into(reminder_sends::table)
                .values(sends)
                .execute(pg)?;
        }
        DbConnection::Sqlite(sqlite) => {
            for send in sends {
                diesel::insert_into(reminder_sends::table)
                    .values(send)
                    .execute(sqlite)?;
            }
        }
    }
    Ok(())
}

/// A claimed message with what its text needs.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub send: Send,
    pub locale: String,
    /// The address the patient asks reminders to go to now.
    pub email: Option<String>,
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Whether any message is due (one index probe, however many wait).
pub fn any_due(conn: &mut DbConnection, now: NaiveDateTime) -> Result<bool, ApiError> {
    let due: Option<String> = due_ids(now).first(conn).optional()?;
    Ok(due.is_some())
}

/// The messages still waiting to be tried, in the words of the partial
/// index `reminder_sends_waiting_idx`: a planner uses that index only
/// for a query that names its predicate as written, with no parameters.
macro_rules! waiting {
    () => {
        "status IN ('pending', 'failed')"
    };
}

/// The ids of the waiting messages whose time has come and that no live
/// lease holds (the PostgreSQL claim spells the same in SQL), in the
/// order of the waiting index: it is the index's own order, so it costs
/// no sort and keeps the planner on the index instead of a scan of
/// every message ever sent.
fn due_ids(now: NaiveDateTime) -> reminder_sends::BoxedQuery<'static, Backend, Text> {
    reminder_sends::table
        .filter(diesel::dsl::sql::<Bool>(waiting!()))
        .filter(reminder_sends::next_attempt_at.le(now))
        .filter(
            reminder_sends::leased_until
                .is_null()
                .or(reminder_sends::leased_until.lt(now)),
        )
        .order(reminder_sends::next_attempt_at)
        .select(reminder_sends::id)
        .into_boxed()
}

/// Leases up to `limit` due messages to `owner` until `until`, in the
/// caller's transaction, those due longest first.
pub fn claim_due(
    conn: &mut DbConnection,
    owner: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, ApiError> {
    let ids: Vec<String> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(concat!(
            "UPDATE reminder_sends SET leased_until = $1, lease_owner = $2 \
             WHERE id IN (SELECT id FROM reminder_sends WHERE ",
            waiting!(),
            " AND next_attempt_at <= $3 \
                   AND (leased_until IS NULL OR leased_until < $3) \
                 ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING id",
        ))
        .bind::<Timestamp, _>(until)
        .bind::<Text, _>(owner)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<ClaimedId>(pg)?
        .into_iter()
        .map(|c| c.id)
        .collect(),
        DbConnection::Sqlite(_) => {
            let due: Vec<String> = due_ids(now).limit(limit).load(conn)?;
            diesel::update(reminder_sends::table.filter(reminder_sends::id.eq_any(&due)))
                .set((
                    reminder_sends::leased_until.eq(Some(until)),
                    reminder_sends::lease_owner.eq(Some(owner)),
                ))
                .execute(conn)?;
            due
        }
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Send, String, Option<String>)> = reminder_sends::table
        .inner_join(users::table.left_join(reminder_preferences::table))
        .filter(reminder_sends::id.eq_any(&ids))
        .select((
            Send::as_select(),
            users::locale,
            reminder_preferences::email.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(send, locale, email)| Claimed {
            send,
            locale,
            email,
        })
        .collect())
}

/// How an attempt ended.
pub struct Outcome {
    pub id: String,
    pub status: SendStatus,
    pub next_attempt_at: NaiveDateTime,
    pub error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
}

/// Records how each attempt ended, releasing the leases this owner still
/// holds (one that expired and was taken by another is left to it): one
/// statement for the attempts that ended alike (a batch mostly sent).
pub fn finish(conn: &mut DbConnection, owner: &str, outcomes: &[Outcome]) -> Result<(), ApiError> {
    let mut alike: Vec<(&Outcome, Vec<&str>)> = Vec::new();
    for outcome in outcomes {
        let same = |(first, _): &&mut (&Outcome, Vec<&str>)| {
            first.status == outcome.status
                && first.next_attempt_at == outcome.next_attempt_at
                && first.error == outcome.error
                && first.sent_at == outcome.sent_at
        };
        match alike.iter_mut().find(same) {
            Some((_, ids)) => ids.push(&outcome.id),
            None => alike.push((outcome, vec![&outcome.id])),
        }
    }
    for (outcome, ids) in alike {
        diesel::update(
            reminder_sends::table
                .filter(reminder_sends::id.eq_any(ids))
                .filter(reminder_sends::lease_owner.eq(owner)),
        )
        .set((
            reminder_sends::status.eq(outcome.status),
            reminder_sends::attempts.eq(reminder_sends::attempts + 1),
            reminder_sends::next_attempt_at.eq(outcome.next_attempt_at),
            reminder_sends::last_error.eq(&outcome.error),
            reminder_sends::sent_at.eq(outcome.sent_at),
            reminder_sends::leased_until.eq(None::<NaiveDateTime>),
            reminder_sends::lease_owner.eq(None::<String>),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Gives back every lease this owner holds (at shutdown).
pub fn release_leases(conn: &mut DbConnection, owner: &str) -> Result<usize, ApiError> {
    Ok(
        diesel::update(reminder_sends::table.filter(reminder_sends::lease_owner.eq(owner)))
            .set((
                reminder_sends::leased_until.eq(None::<NaiveDateTime>),
                reminder_sends::lease_owner.eq(None::<String>),
            ))
            .execute(conn)?,
    )
}

/// One treatment's reminder messages, oldest first (for tests and support).
pub fn of_treatment(conn: &mut DbConnection, treatment_id: &str) -> Result<Vec<Send>, ApiError> {
    Ok(reminder_sends::table
        .filter(reminder_sends::treatment_id.eq(treatment_id.to_owned()))
        .select(Send::as_select())
        .order((reminder_sends::day.asc(), reminder_sends::channel.asc()))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waiting_predicate_names_the_statuses_still_to_be_tried() {
        let expected = format!(
            "status IN ('{}', '{}')",
            SendStatus::Pending.as_str(),
            SendStatus::Failed.as_str()
        );
        assert_eq!(waiting!(), expected);
    }
}

//! Both backends end their migrations with the same tables and columns.

use std::collections::BTreeMap;

use diesel::sql_types::{Integer, Text};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

use crate::helpers::*;

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

type Shape = BTreeMap<String, Vec<(String, bool)>>;

fn shape(columns: Vec<Column>) -> Shape {
    let mut shape = Shape::new();
    for c in columns
        .into_iter()
        .filter(|c| c.table_name != "__diesel_schema_migrations")
    {
        shape
            .entry(c.table_name)
            .or_default()
            .push((c.column_name, c.nullable == 1));
    }
    shape.values_mut().for_each(|columns| columns.sort());
    shape
}

fn sqlite_shape() -> Shape {
    let dir = tempfile::tempdir().unwrap();
    let url =
        aftercare::config::DatabaseUrl::Sqlite(dir.path().join("shape.db").display().to_string());
    aftercare::db::Db::connect(&url, 1, std::time::Duration::from_secs(3))
        .unwrap()
        .migrate()
        .unwrap();
    let mut conn =
        SqliteConnection::establish(&dir.path().join("shape.db").display().to_string()).unwrap();
    let columns = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END AS nullable \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .load(&mut conn)
    .unwrap();
    shape(columns)
}

#[test]
fn sqlite_has_every_table_the_code_uses() {
    let shape = sqlite_shape();
    for table in [
        "users",
        "patients",
        "care_team_members",
        "invites",
        "refresh_tokens",
        "login_throttle",
        "service_settings",
    ] {
        assert!(shape.contains_key(table), "{table} missing");
    }
}

#[test]
fn both_backends_have_the_same_tables_and_columns() {
    let Some(url) = postgres_url() else {
        eprintln!("AFTERCARE_TEST_POSTGRES_URL is not set: the PostgreSQL side runs in the PostgreSQL pass");
        return;
    };
    let name = format!("aftercare_shape_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&url).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .unwrap();
    let pg_url = with_database(&url, &name);
    aftercare::db::Db::connect(
        &aftercare::config::DatabaseUrl::Postgres(pg_url.clone()),
        1,
        std::time::Duration::from_secs(3),
    )
    .unwrap()
    .migrate()
    .unwrap();
    let mut conn = PgConnection::establish(&pg_url).unwrap();
    let columns = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load(&mut conn)
    .unwrap();
    drop(conn);
    let postgres = shape(columns);
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .unwrap();
    assert_eq!(sqlite_shape(), postgres);
}

#[actix_web::test]
async fn sqlite_runs_in_wal_mode() {
    let app = spawn_app().await;
    if !matches!(app.database, aftercare::config::DatabaseUrl::Sqlite(_)) {
        return;
    }
    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let mut conn = app.connection();
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
}

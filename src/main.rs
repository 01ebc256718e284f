//! The command line: serve (the default), migrate, user create and audit
//! verify.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use aftercare::api::users::{create_staff, NewStaff};
use aftercare::config::Settings;
use aftercare::db::Db;
use aftercare::domain::accounts::{self, Locale, Role};
use aftercare::{telemetry, verify, Application};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "aftercare",
    version,
    about = "Follow-up of patients after exosome treatments"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check that the audit chain is whole, in an export file (`GET
    /// /v1/audit/export`) or in the database (`AFTERCARE_DATABASE_URL`).
    /// Exits 0 when it is whole, 1 naming the first changed, removed,
    /// inserted or reordered row, 2 when the input cannot be read.
    Verify {
        /// An export: JSON lines and its trailer line.
        #[arg(required_unless_present = "database")]
        file: Option<std::path::PathBuf>,
        /// Check the chain in the database instead.
        #[arg(long, conflicts_with = "file")]
        database: bool,
        /// A head kept outside the service (`audit.sealed`, a scrape of
        /// /metrics), as SEQ:HASH: the row at SEQ must still have HASH, or
        /// the chain was rebuilt.
        #[arg(long)]
        anchor: Option<verify::Anchor>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a physician or admin; the password is read from stdin.
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        display_name: String,
        #[arg(long, default_value = "Asia/Tokyo")]
        timezone: String,
        #[arg(long, default_value = "ja")]
        locale: String,
    },
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut settings = Settings::from_env()?;
    telemetry::init(settings.log_json);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "aftercare is listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            settings.auto_migrate = true;
            aftercare::prepare(settings).await?;
            println!("migrations applied");
        }
        Command::User {
            command:
                UserCommand::Create {
                    role,
                    email,
                    display_name,
                    timezone,
                    locale,
                },
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            if role == Role::Patient {
                bail!("patients register with an invite code; create physicians or admins here");
            }
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let email =
                accounts::normalize_email(&email).map_err(|m| anyhow::anyhow!("email {m}"))?;
            accounts::check_password(&password, &[&email, &display_name])
                .map_err(|m| anyhow::anyhow!("password {m}"))?;
            let display_name = if display_name.trim().is_empty() {
                email.clone()
            } else {
                display_name
            };
            let display_name = accounts::normalize_display_name(&display_name)
                .map_err(|m| anyhow::anyhow!("display name {m}"))?;
            accounts::check_timezone(&timezone).map_err(|m| anyhow::anyhow!("timezone {m}"))?;
            let locale: Locale = locale.parse().map_err(|m| anyhow::anyhow!("locale {m}"))?;
            let state = aftercare::prepare(settings).await?;
            let user = create_staff(
                &state,
                NewStaff {
                    email,
                    password,
                    role,
                    display_name,
                    timezone,
                    locale,
                },
            )
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
            println!("{}", user.id);
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    file,
                    database: _,
                    anchor,
                },
        } => {
            let verdict = match file {
                Some(path) => verify::file(&path, anchor.as_ref()),
                None => verify_database(&settings, anchor).await,
            };
            match verdict {
                Ok(verdict) => {
                    println!("{verdict}");
                    if !verdict.is_whole() {
                        std::process::exit(1);
                    }
                }
                Err(error) => {
                    eprintln!("cannot verify the audit chain: {error:#}");
                    std::process::exit(2);
                }
            }
        }
    }
    Ok(())
}

/// The chain in the database, read through one connection of its own.
async fn verify_database(
    settings: &Settings,
    anchor: Option<verify::Anchor>,
) -> anyhow::Result<verify::Verdict> {
    let db = Db::connect(&settings.database_url, 1, settings.db_checkout_timeout)?;
    db.run(move |conn| verify::database(conn, anchor.as_ref()))
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))
}

//! The `quire` command line: serve, migrate, schema, token.

use clap::{Parser, Subcommand, ValueEnum};
use entity::{ActorType, Role};
use quire::app::Server;
use quire::config::{DatabaseConfig, ServeConfig, StorageConfig};
use quire::db::{Db, DbOptions};
use quire::domain::ids::{self, IdKind};
use quire::domain::{artifacts::files, projects::tokens};
use quire::samples::demo;
use quire::storage::ObjectBlobStore;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// glibc's allocator spent a third of the review page's CPU time (perf);
/// mimalloc's thread-local heaps suit many small async allocations. Its
/// `override` feature sends C code's malloc (the bundled SQLite's) there too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "quire",
    version,
    about = "A versioned artifact store for AI agent pipelines, served over GraphQL"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    telemetry: quire::telemetry::TelemetryConfig,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (migrating the database first).
    Serve(Box<ServeConfig>),
    /// Apply pending migrations and exit.
    Migrate(DatabaseConfig),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Delete files that no version links, older than a grace period.
    Gc {
        /// Only report what would be deleted.
        #[arg(long)]
        dry_run: bool,
        /// Keep unlinked files younger than this many seconds.
        #[arg(long, env = "QUIRE_GC_GRACE_SECS", default_value_t = 24 * 3600)]
        grace_secs: u64,
        #[command(flatten)]
        database: DatabaseConfig,
        #[command(flatten)]
        storage: StorageConfig,
    },
    /// Apply every project's retention policy: archive old REJECTED and
    /// SUPERSEDED values to the object store, drop old run and step outputs.
    Retention {
        /// Only report what would move or be dropped.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseConfig,
        #[command(flatten)]
        storage: StorageConfig,
    },
    /// Write a realistic benchmark data set with batched inserts.
    Seed {
        #[arg(long, default_value_t = 1)]
        projects: usize,
        #[arg(long, default_value_t = 10_000)]
        versions_per_project: usize,
        #[arg(long, default_value_t = 500)]
        runs_per_project: usize,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Copy a whole store into an empty database: SQLite to PostgreSQL and
    /// back, or same to same, with every id, number, audit row and event
    /// position (subscribers resume by their cursors). Blobs stay where they
    /// are; run the new server with the same QUIRE_STORAGE_URL.
    Copy {
        /// The database to read (a SQLite file or PostgreSQL URL).
        #[arg(long)]
        from: String,
        /// The empty database to write (migrated first).
        #[arg(long)]
        to: String,
        /// Also copy every blob the rows name into this file store (a folder
        /// or s3://bucket/prefix), at the same keys.
        #[arg(long)]
        storage_to: Option<String>,
        /// Where the blobs are now (default: QUIRE_STORAGE_URL, or the
        /// folder beside a SQLite source).
        #[arg(long, env = "QUIRE_STORAGE_URL")]
        storage_from: Option<String>,
    },
    /// A consistent snapshot of a store, taken while the server runs, into a
    /// new SQLite file (restore it with `quire restore`).
    Backup {
        /// The snapshot file to write (it must not exist).
        file: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Restores a snapshot (`quire backup`) into an empty database.
    Restore {
        /// The snapshot file.
        file: std::path::PathBuf,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Serve tools for agents over the Model Context Protocol on stdin and
    /// stdout: each a GraphQL operation sent to a Quire server with QUIRE_TOKEN.
    Mcp(quire::mcp::McpConfig),
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; its secret is printed alone on the last line.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Limit the token to the project with this slug.
        #[arg(long)]
        project: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        actor_type: ActorTypeArg,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Revoke a token by id (tok_...).
    Revoke {
        id: String,
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Writer,
    Reviewer,
    Reader,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Writer => Role::Writer,
            RoleArg::Reviewer => Role::Reviewer,
            RoleArg::Reader => Role::Reader,
        }
    }
}

/// What a token may stand for (RULE is the server's own policies').
#[derive(Clone, Copy, ValueEnum)]
enum ActorTypeArg {
    Human,
    Ai,
    System,
}

impl From<ActorTypeArg> for ActorType {
    fn from(a: ActorTypeArg) -> ActorType {
        match a {
            ActorTypeArg::Human => ActorType::Human,
            ActorTypeArg::Ai => ActorType::Ai,
            ActorTypeArg::System => ActorType::System,
        }
    }
}

/// The SQLite URL of a file, created if missing.
fn sqlite_url(file: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// Copies the store at `from` into the empty database at `to` (migrated
/// first), printing progress and what was checked.
async fn transfer(from: &str, to: &str) -> anyhow::Result<()> {
    let source = Db::connect(from).await?;
    source.migrate().await?;
    let target = Db::connect(to).await?;
    target.migrate().await?;
    let started = std::time::Instant::now();
    let mut last = std::time::Instant::now();
    let mut done: std::collections::HashMap<String, u64> = Default::default();
    let report = quire::transfer::copy(&source, &target, |table, rows| {
        done.insert(table.to_owned(), rows);
        if last.elapsed() >= std::time::Duration::from_secs(1) {
            let total: u64 = done.values().sum();
            let rate = total as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("copy: {table}: {rows} rows; {total} in all ({rate:.0} rows/s)");
            last = std::time::Instant::now();
        }
    })
    .await?;
    for (table, rows) in &report.tables {
        println!("{table}: {rows} rows");
    }
    println!(
        "copied {} rows in {:.1} s ({:.0} rows/s); checked: row counts of every table, and {} version digests recomputed on the target",
        report.rows(),
        report.seconds,
        report.rows() as f64 / report.seconds.max(0.001),
        report.digests_checked
    );
    Ok(())
}

async fn open(database: &DatabaseConfig) -> anyhow::Result<Db> {
    let db = Db::connect_with(&database.database_url, &DbOptions::from(database)).await?;
    db.migrate().await?;
    Ok(db)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!(target: "quire::server", "shutting down");
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let db = open(&config.database).await?;
    // The address is bound before the demo is written: a start that cannot
    // serve leaves no project or token behind.
    let server = Server::start_with(db, &config, shutdown_signal()).await?;
    if config.demo {
        if demo::seed_if_empty(server.db()).await? {
            println!("Demo project `acme-launch` created.");
        }
        let secret = demo::replace_demo_token(server.db()).await?;
        println!(
            "Admin token for GraphiQL (header Authorization: Bearer <token>); it replaces the one of the last --demo start:"
        );
        println!("{secret}");
    }
    println!(
        "Quire is serving GraphQL (open it in a browser for GraphiQL) at http://{}/graphql",
        server.addr
    );
    server.wait().await
}

/// Prints rows under a header, each column as wide as its widest cell.
fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header);
    for row in rows {
        line(std::array::from_fn(|i| row[i].as_str()));
    }
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            name,
            role,
            project,
            actor_type,
            database,
        } => {
            let db = open(&database).await?;
            let project_id = match project {
                Some(slug) => {
                    let found = entity::project::Entity::find()
                        .filter(entity::project::Column::Slug.eq(&slug))
                        .one(&db.conn)
                        .await?;
                    Some(
                        found
                            .ok_or_else(|| anyhow::anyhow!("no project with slug {slug:?}"))?
                            .id,
                    )
                }
                None => None,
            };
            let new = tokens::NewToken {
                name,
                role: role.into(),
                actor_type: actor_type.into(),
                project_id,
                actor_id: None,
            };
            let (token, secret) = tokens::create(&db.conn, new).await?;
            println!(
                "Created token {} ({:?}). Its secret is shown once:",
                ids::encode(IdKind::Token, token.id),
                token.role
            );
            println!("{secret}");
        }
        TokenCommand::List { database } => {
            let db = open(&database).await?;
            let rows: Vec<[String; 6]> = tokens::list(&db.conn)
                .await?
                .into_iter()
                .map(|t| {
                    [
                        ids::encode(IdKind::Token, t.id),
                        t.name,
                        format!("{:?}", t.role).to_lowercase(),
                        format!("{:?}", t.actor_type).to_lowercase(),
                        t.project_id
                            .map(|p| ids::encode(IdKind::Project, p))
                            .unwrap_or_else(|| "all projects".into()),
                        if t.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "live"
                        }
                        .into(),
                    ]
                })
                .collect();
            print_table(["ID", "NAME", "ROLE", "ACTOR", "SCOPE", "STATE"], &rows);
        }
        TokenCommand::Revoke { id, database } => {
            let db = open(&database).await?;
            let uuid = ids::decode(IdKind::Token, &id)?;
            if tokens::revoke(&db.conn, uuid).await? {
                println!("Revoked {id}");
            } else {
                println!("{id} was already revoked");
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let _telemetry = cli.telemetry.init()?;
    match cli.command {
        Command::Serve(config) => serve(*config).await,
        Command::Migrate(database) => {
            open(&database).await?;
            println!("Migrations applied to {}", database.database_url);
            Ok(())
        }
        Command::Schema => {
            print!("{}", quire::graphql::sdl());
            Ok(())
        }
        Command::Mcp(config) => quire::mcp::serve_stdio(config).await,
        Command::Token { command } => token(command).await,
        Command::Copy {
            from,
            to,
            storage_to,
            storage_from,
        } => {
            transfer(&from, &to).await?;
            if let Some(storage_to) = storage_to {
                let from_store = ObjectBlobStore::open(
                    &storage_from.unwrap_or_else(|| quire::storage::default_location(&from)),
                )?;
                let to_store = ObjectBlobStore::open(&storage_to)?;
                to_store.check().await?;
                let source = Db::connect(&from).await?;
                let (written, kept) =
                    quire::transfer::copy_blobs(&source.conn, &from_store, &to_store, |n| {
                        if n % 1000 == 0 {
                            eprintln!("copy: {n} blobs");
                        }
                    })
                    .await?;
                println!(
                    "blobs: {written} copied to {}, {kept} already there",
                    to_store.location()
                );
            }
            Ok(())
        }
        Command::Backup { file, database } => {
            if file.exists() {
                anyhow::bail!(
                    "{} exists: a backup is written to a new file",
                    file.display()
                );
            }
            transfer(&database.database_url, &sqlite_url(&file)).await
        }
        Command::Restore { file, database } => {
            if !file.exists() {
                anyhow::bail!("{} does not exist", file.display());
            }
            transfer(&sqlite_url(&file), &database.database_url).await
        }
        Command::Seed {
            projects,
            versions_per_project,
            runs_per_project,
            database,
        } => {
            let db = open(&database).await?;
            let (token, _) = tokens::create(
                &db.conn,
                tokens::NewToken {
                    name: "seed".into(),
                    role: Role::Admin,
                    actor_type: ActorType::System,
                    project_id: None,
                    actor_id: None,
                },
            )
            .await?;
            let plan = quire::samples::seed::SeedPlan {
                projects,
                versions_per_project,
                runs_per_project,
            };
            let started = std::time::Instant::now();
            let slugs = quire::samples::seed::seed(&db, &plan, token.id, &token.name).await?;
            println!(
                "Seeded {} project(s) x {versions_per_project} versions, {runs_per_project} runs in {:.1?}",
                slugs.len(),
                started.elapsed()
            );
            for slug in slugs {
                println!("{slug}");
            }
            Ok(())
        }
        Command::Retention {
            dry_run,
            database,
            storage,
        } => {
            let db = open(&database).await?;
            let store = ObjectBlobStore::configured(&storage, &database.database_url)?;
            // Archived values must be where the server reads them back.
            if let Some(server) = quire::domain::settings::file_store(&db.conn).await?
                && server != store.location()
            {
                anyhow::bail!(
                    "the server of this database keeps files at {server}, but this command was given {}: archived values would be unreadable to it. Run `quire retention` with the server's QUIRE_STORAGE_URL",
                    store.location()
                );
            }
            store.check().await?;
            let report = quire::domain::retention::apply(&db, &store, dry_run).await?;
            let verb = if dry_run { "would" } else { "did" };
            println!(
                "retention {verb} archive {} version value(s) ({} bytes compressed), drop {} run output(s) and {} step output(s)",
                report.versions_archived,
                report.bytes_moved,
                report.run_outputs_dropped,
                report.step_outputs_dropped
            );
            Ok(())
        }
        Command::Gc {
            dry_run,
            grace_secs,
            database,
            storage,
        } => {
            let db = open(&database).await?;
            let store = ObjectBlobStore::configured(&storage, &database.database_url)?;
            store.check().await?;
            let grace = std::time::Duration::from_secs(grace_secs);
            let orphans = files::collect_orphans(&db, &store, grace, dry_run).await?;
            let verb = if dry_run { "would delete" } else { "deleted" };
            for f in &orphans {
                println!(
                    "{verb} {} {} ({} bytes)",
                    ids::encode(IdKind::File, f.id),
                    f.sha256,
                    f.size
                );
            }
            let bytes: i64 = orphans.iter().map(|f| f.size).sum();
            println!("{verb} {} unlinked file(s), {bytes} bytes", orphans.len());
            Ok(())
        }
    }
}

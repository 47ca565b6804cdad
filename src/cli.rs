//! Command line: `serve` (the default), `migrate`, `admin …` (accounts, groups, federation
//! policy, the search index), `config check`.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::{fmt, EnvFilter};

use crate::{
    app::{self, AppState},
    config::{Config, LogFormat},
    db::Db,
    domain::{
        groups::{self, NewGroupInput},
        people::{self, find_local_person, Registration},
    },
};

#[derive(Debug, Parser)]
#[command(
    name = "commonplace",
    version,
    about = "A federated community server for communities of practice"
)]
pub struct Cli {
    /// Configuration file (default: ./commonplace.toml if present).
    #[arg(long, global = true, env = "COMMONPLACE_CONFIG")]
    config: Option<PathBuf>,
    /// Log format; overrides `log_format` in the configuration.
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(Admin),
    /// Configuration tasks.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum Admin {
    /// Create a local account; the password is read from COMMONPLACE_PASSWORD or asked for.
    CreateUser {
        name: String,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Federation policy: block list and allowlist mode.
    #[command(subcommand)]
    Federation(FederationCommand),
    /// Create a group with an existing member as its steward.
    CreateGroup {
        name: String,
        #[arg(long)]
        steward: String,
        /// Title shown to people (default: the name).
        #[arg(long)]
        title: Option<String>,
    },
    /// Rebuild the full-text search index (best run while the server is stopped).
    Reindex,
}

#[derive(Debug, Subcommand)]
enum FederationCommand {
    /// Print the mode and the blocked and allowed domains.
    Show,
    /// `open` (anyone not blocked) or `allowlist` (only allowed domains).
    Mode {
        mode: crate::domain::policy::FederationMode,
    },
    /// Refuse all traffic with a domain.
    Block {
        domain: String,
    },
    Unblock {
        domain: String,
    },
    /// Federate with a domain in allowlist mode.
    Allow {
        domain: String,
    },
    Disallow {
        domain: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Load and validate the configuration, print it, and check the database connection.
    Check,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logs(cli.log_format.unwrap_or(config.log_format));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What `config check` found in the database about its domain.
enum Recorded {
    NoDatabase,
    NotYet,
    Domain(String),
}

fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => app::serve(config).await,
        Command::Migrate => {
            let url = config.database_url.clone();
            tokio::task::spawn_blocking(move || Db::connect(&url, 1)).await??;
            println!("database is up to date");
            Ok(())
        }
        Command::Config(ConfigCommand::Check) => {
            println!("{}", toml_like(&config));
            let url = config.database_url.clone();
            // Read-only: a check changes nothing, not even by migrating or creating a file.
            let found = tokio::task::spawn_blocking(move || {
                let Some(mut conn) = crate::db::Manager::new(&url).open_read_only()? else {
                    return Ok(Recorded::NoDatabase);
                };
                match crate::domain::site::recorded_domain(&mut conn) {
                    Ok(Some(domain)) => Ok(Recorded::Domain(domain)),
                    Ok(None) => Ok(Recorded::NotYet),
                    Err(e) => Err(anyhow::anyhow!("{e}")),
                }
            })
            .await?
            .context("database")?;
            match found {
                Recorded::NoDatabase => println!(
                    "configuration is valid; the database does not exist yet and will be \
                     created for {} at the first start",
                    config.domain
                ),
                Recorded::NotYet => println!(
                    "configuration is valid and the database answers; it will be set up for {} \
                     at the first start",
                    config.domain
                ),
                Recorded::Domain(domain) if domain != config.domain => {
                    anyhow::bail!(crate::domain::site::domain_mismatch(
                        &domain,
                        &config.domain
                    ))
                }
                Recorded::Domain(_) => println!(
                    "configuration is valid and the database answers; it belongs to {}",
                    config.domain
                ),
            }
            Ok(())
        }
        Command::Admin(Admin::CreateUser {
            name,
            admin,
            display_name,
        }) => {
            let state = AppState::new(config).await?;
            let password = match std::env::var("COMMONPLACE_PASSWORD") {
                Ok(p) => p,
                Err(_) => read_password()?,
            };
            let person = people::create_local_person(
                &state,
                Registration {
                    username: name,
                    password,
                    display_name,
                    agency: None,
                    role: None,
                },
                admin,
                true,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created {}{} ({})",
                person.username,
                if admin { " (administrator)" } else { "" },
                person.ap_id
            );
            Ok(())
        }
        Command::Admin(Admin::Federation(cmd)) => {
            use crate::domain::policy::{self, PolicyUpdate};
            let state = AppState::new(config).await?;
            let current = policy::current(&state)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let with = |mut list: Vec<String>, d: &str, add: bool| {
                list.retain(|x| !x.eq_ignore_ascii_case(d));
                if add {
                    list.push(d.to_string());
                }
                Some(list)
            };
            let update = match &cmd {
                FederationCommand::Show => PolicyUpdate::default(),
                FederationCommand::Mode { mode } => PolicyUpdate {
                    mode: Some(*mode),
                    ..Default::default()
                },
                FederationCommand::Block { domain } => PolicyUpdate {
                    blocked: with(current.blocked, domain, true),
                    ..Default::default()
                },
                FederationCommand::Unblock { domain } => PolicyUpdate {
                    blocked: with(current.blocked, domain, false),
                    ..Default::default()
                },
                FederationCommand::Allow { domain } => PolicyUpdate {
                    allowed: with(current.allowed, domain, true),
                    ..Default::default()
                },
                FederationCommand::Disallow { domain } => PolicyUpdate {
                    allowed: with(current.allowed, domain, false),
                    ..Default::default()
                },
            };
            let p = policy::update(&state, None, update)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mode = if p.mode == policy::FederationMode::Allowlist {
                "allowlist"
            } else {
                "open"
            };
            println!(
                "mode = {mode}\nblocked = {:?}\nallowed = {:?}",
                p.blocked, p.allowed
            );
            Ok(())
        }
        Command::Admin(Admin::Reindex) => {
            let state = AppState::new(config).await?;
            reindex(&state).await
        }
        Command::Admin(Admin::CreateGroup {
            name,
            steward,
            title,
        }) => {
            let state = AppState::new(config).await?;
            let (id, steward_name) = (state.instance_id, steward.clone());
            let person = state
                .db
                .read(move |c| find_local_person(c, id, &steward_name))
                .await
                .map_err(|e| anyhow::anyhow!("steward {steward}: {e}"))?;
            let group = groups::create_for(
                &state,
                person.id,
                NewGroupInput {
                    title: title.unwrap_or_else(|| name.clone()),
                    name,
                    description: String::new(),
                    rules: String::new(),
                    approval_required: false,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created group {} ({}) with steward {}",
                group.name, group.ap_id, person.username
            );
            Ok(())
        }
    }
}

/// `admin reindex`: the domain rebuilds, the terminal shows a bar (none when stderr is not a
/// terminal), and a summary line is printed either way.
async fn reindex(state: &AppState) -> anyhow::Result<()> {
    use crate::domain::reindex::{rebuild_search_index, Step};
    use indicatif::{ProgressBar, ProgressStyle};
    use std::io::IsTerminal;
    // Logs and scripts read stderr too: no bar drawn into them.
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::no_length()
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    let summary = rebuild_search_index(state, |step| match step {
        Step::Planned { total } => bar.set_length(total),
        Step::Table(table) => bar.set_message(table),
        Step::Done(n) => bar.inc(n),
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!("{summary}");
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    use std::io::BufRead;
    eprint!("password (at least 8 characters; input is shown): ");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The effective configuration, as TOML, for `config check`.
fn toml_like(config: &Config) -> String {
    let mut out = format!(
        "domain = {:?}\nbind = \"{}\"\ndatabase_url = {:?}\nhttps = {}\ninstance_name = {:?}\nregistration_mode = \"{}\"\npool_size = {}\ndelivery_retry_seconds = {}\ndelivery_claim_seconds = {}\n",
        config.domain,
        config.bind,
        redact(&config.database_url),
        config.uses_https(),
        config.instance_name,
        config.registration_mode.as_str(),
        config.pool_size,
        config.delivery_retry_seconds,
        config.delivery_claim_seconds,
    );
    let l = &config.limits;
    out.push_str(&format!(
        "[limits]\ntitle_chars = {}\nbody_bytes = {}\nrequest_bytes = {}\ndefault_page_size = {}\nmax_page_size = {}\ncomments_per_thread = {}\nauth_attempts_per_minute = {}\nposts_per_minute = {}",
        l.title_chars, l.body_bytes, l.request_bytes, l.default_page_size, l.max_page_size, l.comments_per_thread, l.auth_attempts_per_minute, l.posts_per_minute
    ));
    out
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

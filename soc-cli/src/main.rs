//! `soc`: security-operations automation from the command line.
//!
//! A thin layer over `soc-core`: argument parsing here, one module per
//! subcommand in `cmd/`, one writer per output format in `output.rs`.

mod cmd;
mod output;
mod parquet_out;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the pipeline and parsers allocate many small, short-lived
/// objects; glibc malloc spent about a quarter of `soc run` in the allocator.
/// Built without transparent huge pages (`no_thp` in Cargo.toml): with them
/// each page fault zeroed 2 MiB and half-used huge pages stayed resident;
/// `soc run --once` on the 1M-line benchmark peaked ~40 MiB higher.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// soc: fast, safe security-operations automation.
#[derive(Debug, Parser)]
#[command(name = "soc", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Write CSV cells exactly as they are: no leading `'` before cells
    /// that start with `= + - @`, tab or CR (spreadsheet formula guard).
    #[arg(long, global = true)]
    raw_csv: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Extract indicators of compromise (IPs, domains, URLs, hashes, ...) from text.
    Iocs(cmd::iocs::Args),
    /// Parse OpenSSH authentication logs: events, summary or brute-force alerts.
    Ssh(cmd::ssh::Args),
    /// Parse Suricata EVE JSON: events, summary or alerts.
    Eve(cmd::eve::Args),
    /// Ingest alerts exported by other tools (JSON, JSONL, CSV).
    Alerts(cmd::alerts::Args),
    /// Enrich indicators with threat intelligence.
    Enrich(cmd::enrich::Args),
    /// Score alerts (and train the triage model).
    Triage(cmd::triage::Args),
    /// Block an address on the local firewall, or list blocks (`soc block list`).
    Block(cmd::block::BlockArgs),
    /// Remove a block.
    Unblock(cmd::block::UnblockArgs),
    /// Send notifications (`soc notify --test`).
    Notify(cmd::notify::Args),
    /// Run the configured pipeline once or continuously.
    Run(cmd::run::Args),
    /// Validate or print configuration.
    Config(cmd::config::Args),
    /// Show pipeline metrics and state.
    Status(cmd::status::Args),
    /// Write a report of alerts, attackers and actions.
    Report(cmd::report::Args),
    /// Serve the live dashboard on the state store (loopback by default).
    Serve(cmd::serve::Args),
    /// Print a shell completion script (bash, zsh, fish, ...) for packaging.
    #[command(hide = true)]
    Completions(cmd::completions::CompletionsArgs),
    /// Print the man page, or write every page with --dir, for packaging.
    #[command(hide = true)]
    Man(cmd::completions::ManArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    output::set_raw_csv(cli.raw_csv);
    let result = match cli.command {
        Command::Iocs(a) => cmd::iocs::run(a),
        Command::Ssh(a) => cmd::ssh::run(a),
        Command::Eve(a) => cmd::eve::run(a),
        Command::Alerts(a) => cmd::alerts::run(a),
        Command::Enrich(a) => cmd::enrich::run(a),
        Command::Triage(a) => cmd::triage::run(a),
        Command::Block(a) => cmd::block::run_block(a),
        Command::Unblock(a) => cmd::block::run_unblock(a),
        Command::Notify(a) => cmd::notify::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Config(a) => cmd::config::run(a),
        Command::Status(a) => cmd::status::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Completions(a) => cmd::completions::run_completions(a),
        Command::Man(a) => cmd::completions::run_man(a),
    };
    match result {
        Ok(code) => code,
        Err(err) => cmd::report_error(&err),
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("SOC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // aws-sigv4 traces its canonical request, which holds the session
    // token: never log it, whatever SOC_LOG asks for.
    if let Ok(quiet) = "aws_sigv4=off".parse() {
        filter = filter.add_directive(quiet);
    }
    // Colour only on a terminal (and never with NO_COLOR set): escape
    // sequences in a log file or pipe are noise at best.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

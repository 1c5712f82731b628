//! `sec2`: the sec2-rules checks, offline.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check_policy;
mod input;

#[derive(Parser)]
#[command(
    name = "sec2",
    version,
    about = "Check serverless security boundaries (Well-Architected SEC2) offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze one IAM policy: who a resource policy lets in, or how much an identity policy grants.
    ///
    /// Prints one JSON object. Exit status: 0 nothing found, 1 findings, 2 bad input.
    CheckPolicy(check_policy::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::CheckPolicy(args) => check_policy::run(&args),
    }
}

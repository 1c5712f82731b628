//! `sec2`: the sec2-rules checks, offline.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check_policy;
mod check_template;
mod config_events;
mod evaluate;
mod input;
mod replay;
mod rules;
mod scan;
mod triggers;

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
    /// Prints one JSON object. Exit status: 0 nothing found (or advice only), 1 findings, 2 bad
    /// input.
    CheckPolicy(check_policy::Args),
    /// Judge a SAM or CloudFormation template before deploy, with the rules' own logic.
    ///
    /// Findings name the logical id, the property and the line. Exit status: 0 nothing found,
    /// 1 findings, 2 the template cannot be read.
    CheckTemplate(check_template::Args),
    /// Run a rule on an AWS Config rule event, as the deployed function would.
    ///
    /// Prints the evaluations as JSON. Reads and PutEvaluations go to the account of the default
    /// credential chain (or AWS_ENDPOINT_URL); --dry-run reports nothing.
    Evaluate(evaluate::Args),
    /// Run the rules over the resources of an account (the default credential chain, or
    /// AWS_ENDPOINT_URL), read from the service APIs: no AWS Config needed.
    ///
    /// One row per (rule, resource). Exit status: 0, or 1 with --fail-on non-compliant and a
    /// finding; 2 on error.
    Scan(scan::Args),
    /// Write the account's resources as Config rule events, one file per (rule, resource), for
    /// `cargo lambda invoke` or `sam local invoke`.
    ConfigEvents(config_events::Args),
    /// List the rules: name, SEC2 practice, resource types, triggers, parameters, function.
    ///
    /// `--format json` is what scripts read (the bench, the demo, the template checks).
    Rules(rules::Args),
    /// Print the EventBridge event patterns that invoke the reevaluate function.
    ///
    /// JSON, one pattern per EventBridge rule: `iam` (IAM's CloudTrail events, delivered only in
    /// us-east-1), `network` (the network and API layers) and `resources` (resource policies),
    /// the last two delivered in their own region. template.yaml and member-role.yaml use the
    /// same patterns.
    Triggers,
    /// Send the events a dead-letter queue of the stack keeps to their function again.
    ///
    /// Reads the evaluation or reevaluate dead-letter queue (the stack's outputs), invokes each
    /// message's function asynchronously with the original event, and deletes the message once
    /// Lambda has queued it. One JSON line per message. Exit status: 0 all replayed, 1 some left
    /// in the queue (with the reason), 2 on error.
    Replay(replay::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::CheckPolicy(args) => check_policy::run(&args),
        Command::CheckTemplate(args) => check_template::run(&args),
        Command::Triggers => triggers::run(),
        Command::Rules(args) => rules::run(&args),
        Command::Evaluate(args) => block_on(evaluate::run(&args)),
        Command::Scan(args) => block_on(scan::run(&args)),
        Command::ConfigEvents(args) => block_on(config_events::run(&args)),
        Command::Replay(args) => block_on(replay::run(&args)),
    }
}

fn block_on(task: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(task),
        Err(err) => {
            eprintln!("sec2: cannot start the async runtime: {err}");
            ExitCode::from(2)
        }
    }
}

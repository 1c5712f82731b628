//! `sec2 evaluate`: the same rule code Lambda runs, from the command line.

use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use sec2_shared::aws::config::ConfigSink;
use sec2_shared::aws::AwsClients;
use sec2_shared::config::periodic::system_now;
use sec2_shared::config::{
    engine, CollectingSink, Deadline, EngineError, Evaluation, Invocation, Rule, Seams,
};
use sec2_shared::registry::{RuleId, RULES};
use sec2_shared::rules::{with_rule, RuleVisitor};

use crate::input::{emit, read_text};

/// The rule names `--rule` takes, from the registry.
pub fn rule_names() -> PossibleValuesParser {
    PossibleValuesParser::new(RULES.iter().map(|spec| spec.name))
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule to run.
    #[arg(long, value_parser = rule_names())]
    rule: String,
    /// An AWS Config rule event (as in events/); `-` reads standard input.
    #[arg(long)]
    event: String,
    /// Print the evaluations instead of calling PutEvaluations.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: &Args) -> ExitCode {
    match evaluate(args).await {
        Ok(evaluations) => match serde_json::to_string_pretty(&evaluations)
            .map_err(|e| e.to_string())
            .and_then(|json| emit(&json))
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => fail(&format!("cannot write the evaluations: {message}")),
        },
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("sec2: {message}");
    ExitCode::from(2)
}

async fn evaluate(args: &Args) -> Result<Vec<Evaluation>, String> {
    let payload = serde_json::from_str(&read_text(&args.event)?)
        .map_err(|err| format!("{}: not JSON: {err}", args.event))?;
    let invocation =
        Invocation::from_json(payload).map_err(|err| format!("{}: {err}", args.event))?;
    let id = RuleId::from_name(&args.rule).ok_or_else(|| {
        format!(
            "--rule: `{}` is not a rule; expected one of {}",
            args.rule,
            RuleId::names()
        )
    })?;
    let clients = AwsClients::from_environment()
        .await
        .for_invocation(&invocation, id.name(), None)
        .await
        .map_err(|e| e.to_string())?;
    let run = RunOnEvent {
        invocation: &invocation,
        clients: &clients,
        dry_run: args.dry_run,
    };
    with_rule(id, clients.clone(), run)
        .await
        .map_err(|err| err.to_string())
}

/// Runs a rule through the engine on one event, as its function would.
struct RunOnEvent<'a> {
    invocation: &'a Invocation,
    clients: &'a AwsClients,
    dry_run: bool,
}

impl RuleVisitor for RunOnEvent<'_> {
    type Output = Result<Vec<Evaluation>, EngineError>;

    async fn visit<R: Rule>(self, rule: R) -> Self::Output {
        let history = self.clients.config();
        if self.dry_run {
            let sink = CollectingSink::default();
            engine::run(&rule, self.invocation, seams(&sink, history)).await
        } else {
            let sink = ConfigSink::new(history.clone());
            engine::run(&rule, self.invocation, seams(&sink, history)).await
        }
    }
}

fn seams<'a, S, C>(sink: &'a S, config: &'a C) -> Seams<'a, S, C, C> {
    Seams {
        sink,
        history: config,
        previous: config,
        deadline: Deadline::NONE,
        clock: system_now,
    }
}

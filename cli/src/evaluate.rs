//! `sec2 evaluate`: the same rule code Lambda runs, from the command line.

use std::process::ExitCode;

use clap::ValueEnum;
use sec2_shared::aws::AwsClients;
use sec2_shared::config::{
    engine, CollectingSink, ConfigSink, EngineError, Evaluation, Invocation, Rule, Seams,
};
use sec2_shared::rules::least_privilege::LeastPrivilege;
use sec2_shared::rules::network_controls::NetworkControls;
use sec2_shared::rules::resource_policies::ResourcePolicies;
use sec2_shared::rules::temporary_credentials::TemporaryCredentials;

use crate::input::{emit, read_text};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RuleName {
    /// sec2-resource-policies: resource policies only permit necessary callers.
    ResourcePolicies,
    /// sec2-temporary-credentials: no long-term secrets; one role per function, assumable only by Lambda.
    TemporaryCredentials,
    /// sec2-least-privilege: roles hold only what small, single-purpose functions use.
    LeastPrivilege,
    /// sec2-network-controls: ingress and egress controlled at every layer.
    NetworkControls,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule to run.
    #[arg(long, value_enum)]
    rule: RuleName,
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
    let base = AwsClients::from_environment().await;
    let rule_name = match args.rule {
        RuleName::ResourcePolicies => ResourcePolicies::<AwsClients>::NAME,
        RuleName::TemporaryCredentials => TemporaryCredentials::<AwsClients>::NAME,
        RuleName::LeastPrivilege => LeastPrivilege::<AwsClients>::NAME,
        RuleName::NetworkControls => NetworkControls::<AwsClients>::NAME,
    };
    let clients = base
        .for_invocation(&invocation, rule_name)
        .await
        .map_err(|e| e.to_string())?;
    let result = match args.rule {
        RuleName::ResourcePolicies => {
            run_rule(
                &ResourcePolicies::new(clients.clone()),
                &invocation,
                &clients,
                args.dry_run,
            )
            .await
        }
        RuleName::TemporaryCredentials => {
            let rule = TemporaryCredentials::new(clients.clone());
            run_rule(&rule, &invocation, &clients, args.dry_run).await
        }
        RuleName::LeastPrivilege => {
            let rule = LeastPrivilege::new(clients.clone());
            run_rule(&rule, &invocation, &clients, args.dry_run).await
        }
        RuleName::NetworkControls => {
            let rule = NetworkControls::new(clients.clone());
            run_rule(&rule, &invocation, &clients, args.dry_run).await
        }
    };
    result.map_err(|err| err.to_string())
}

async fn run_rule<R: Rule>(
    rule: &R,
    invocation: &Invocation,
    clients: &AwsClients,
    dry_run: bool,
) -> Result<Vec<Evaluation>, EngineError> {
    if dry_run {
        let sink = CollectingSink::default();
        let seams = Seams {
            sink: &sink,
            history: clients.config(),
            previous: clients.config(),
            deadline: sec2_shared::config::Deadline::NONE,
        };
        engine::run(rule, invocation, seams).await
    } else {
        let sink = ConfigSink::new(clients.config().clone());
        let seams = Seams {
            sink: &sink,
            history: clients.config(),
            previous: clients.config(),
            deadline: sec2_shared::config::Deadline::NONE,
        };
        engine::run(rule, invocation, seams).await
    }
}

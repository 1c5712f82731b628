//! `reevaluate`: an EventBridge rule on CloudTrail management events invokes it when a role
//! policy, security group, WAF association or resource policy changes; it starts the sec2 Config
//! rules that judge what changed (config:StartConfigRulesEvaluation). With
//! `EXECUTION_ROLE_NAME` set (organization scope), the changes of every member account arrive on
//! the stack's bus, and the account's instances of the organization rules are started there.

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use sec2_shared::aws::starter::{OrganizationRules, ReevaluateScope};
use sec2_shared::aws::AwsClients;
use sec2_shared::config::Deadline;
use sec2_shared::reevaluate::{reevaluate, Backoff, Coalescer, RuleNames, Timing, CALLER_SPACING};
use serde_json::Value;

/// The environment variable naming the Config rule of each sec2 rule (set by the template): the
/// account's rules, or the organization rules.
const CONFIG_RULE_NAMES: &str = "CONFIG_RULE_NAMES";
/// Organization scope: the member role to start the rules with in the change's account.
const EXECUTION_ROLE_NAME: &str = "EXECUTION_ROLE_NAME";
/// The least time, in seconds, between two starts of a rule one caller's changes cause
/// (default 60; 0 turns the bound off, as the freshness bench does to time the path itself).
const CALLER_SPACING_SECONDS: &str = "CALLER_SPACING_SECONDS";

fn diagnostic(message: String) -> Diagnostic {
    Diagnostic {
        error_type: "ReevaluateError".to_owned(),
        error_message: message,
    }
}

// One thread: the work is waiting on AWS, and a 128 MB function has a fraction of a vCPU.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let names = std::env::var(CONFIG_RULE_NAMES)
        .map_err(|_| format!("{CONFIG_RULE_NAMES} is not set"))
        .and_then(|text| RuleNames::parse(&text).map_err(|problem| problem.to_string()))
        .map_err(|problem| format!("{CONFIG_RULE_NAMES}: {problem}"))?;
    let clients = AwsClients::for_lambda().await;
    let scope = match std::env::var(EXECUTION_ROLE_NAME)
        .ok()
        .filter(|n| !n.is_empty())
    {
        None => ReevaluateScope::Account(clients.config().clone()),
        Some(role) => {
            let (partition, account) = clients.partition_and_account().await?;
            ReevaluateScope::Organization(Box::new(OrganizationRules::new(
                clients, &account, &partition, &role,
            )))
        }
    };
    let caller_spacing = match std::env::var(CALLER_SPACING_SECONDS) {
        Err(_) => CALLER_SPACING,
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|seconds| *seconds <= 3600)
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| {
                format!(
                    "{CALLER_SPACING_SECONDS}: `{}` is not a number of seconds from 0 to 3600",
                    sec2_shared::config::limits::excerpt(&text)
                )
            })?,
    };
    let coalescer = Coalescer::default();
    let (names, scope, coalescer) = (&names, &scope, &coalescer);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // Refused starts are tried until shortly before Lambda's deadline; then the invocation
        // fails, and Lambda's retries and the dead-letter queue take the event.
        let timing = Timing {
            deadline: Deadline::from_lambda_deadline(event.context.deadline),
            backoff: Backoff::STANDARD,
            caller_spacing,
            clock: std::time::SystemTime::now,
        };
        let outcome = reevaluate(&event.payload, names, coalescer, scope, timing)
            .await
            .inspect_err(|problem| tracing::error!(%problem, "re-evaluation failed"))
            .map_err(|problem| diagnostic(problem.to_string()))?;
        tracing::info!(
            event = %outcome.event,
            started = ?outcome.started,
            coalesced = ?outcome.coalesced,
            retries = outcome.retries,
            spaced_ms = outcome.spaced_ms,
            "re-evaluation"
        );
        serde_json::to_value(&outcome).map_err(|err| diagnostic(err.to_string()))
    }))
    .await
}

//! `reevaluate`: an EventBridge rule on CloudTrail management events invokes it when a role
//! policy, security group, WAF association or resource policy changes; it starts the sec2 Config
//! rules that judge what changed (config:StartConfigRulesEvaluation).

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use sec2_shared::config::Deadline;
use sec2_shared::reevaluate::{reevaluate, Backoff, Coalescer, RuleNames, Timing};
use serde_json::Value;

/// The environment variable naming the Config rule of each sec2 rule (set by the template).
const CONFIG_RULE_NAMES: &str = "CONFIG_RULE_NAMES";

fn diagnostic(message: String) -> Diagnostic {
    Diagnostic {
        error_type: "ReevaluateError".to_owned(),
        error_message: message,
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let names = std::env::var(CONFIG_RULE_NAMES)
        .map_err(|_| format!("{CONFIG_RULE_NAMES} is not set"))
        .and_then(|text| RuleNames::parse(&text).map_err(|problem| problem.to_string()))
        .map_err(|problem| format!("{CONFIG_RULE_NAMES}: {problem}"))?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let config = aws_sdk_config::Client::new(&sdk);
    let coalescer = Coalescer::default();
    let (names, config, coalescer) = (&names, &config, &coalescer);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // Refused starts are tried until shortly before Lambda's deadline; then the invocation
        // fails, and Lambda's retries and the dead-letter queue take the event.
        let timing = Timing {
            deadline: Deadline::from_lambda_deadline(event.context.deadline),
            backoff: Backoff::STANDARD,
            clock: std::time::SystemTime::now,
        };
        let outcome = reevaluate(&event.payload, names, coalescer, config, timing)
            .await
            .inspect_err(|problem| tracing::error!(%problem, "re-evaluation failed"))
            .map_err(|problem| diagnostic(problem.to_string()))?;
        tracing::info!(
            event = %outcome.event,
            started = ?outcome.started,
            coalesced = ?outcome.coalesced,
            retries = outcome.retries,
            "re-evaluation"
        );
        serde_json::to_value(&outcome).map_err(|err| diagnostic(err.to_string()))
    }))
    .await
}

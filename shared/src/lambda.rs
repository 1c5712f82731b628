//! The glue between the Lambda runtime and the engine: what every rule function's `main` calls.

pub use lambda_runtime::Error;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::{json, Value};

use crate::aws::config::ConfigSink;
use crate::aws::AwsClients;
use crate::config::periodic::system_now;
use crate::config::{engine, Deadline, EngineError, Evaluation, Invocation, Rule, Seams};

impl From<EngineError> for Diagnostic {
    fn from(error: EngineError) -> Self {
        Diagnostic {
            error_type: error.kind().to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// Runs a rule function: tracing as Lambda configures it (AWS_LAMBDA_LOG_FORMAT and
/// AWS_LAMBDA_LOG_LEVEL), clients built once per container, then one engine run per event.
pub async fn serve<R, F>(make_rule: F) -> Result<(), lambda_runtime::Error>
where
    R: Rule,
    F: Fn(AwsClients) -> R,
{
    lambda_runtime::tracing::init_default_subscriber();
    let clients = AwsClients::for_lambda().await;
    let (clients, make_rule) = (&clients, &make_rule);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = Deadline::from_lambda_deadline(event.context.deadline);
        let own_account = own_account(&event.context.invoked_function_arn);
        handle_until(clients, make_rule, event.payload, deadline, own_account).await
    }))
    .await
}

/// The account the function runs in, from the ARN Lambda invoked it by.
pub fn own_account(invoked_function_arn: &str) -> Option<&str> {
    crate::policy::Arn::parse(invoked_function_arn).and_then(|arn| arn.fixed_account())
}

/// Handles one invocation with no deadline and returns a summary of what was reported.
pub async fn handle<R, F>(
    clients: &AwsClients,
    make_rule: &F,
    payload: Value,
) -> Result<Value, EngineError>
where
    R: Rule,
    F: Fn(AwsClients) -> R,
{
    handle_until(clients, make_rule, payload, Deadline::NONE, None).await
}

/// Handles one invocation; a periodic run stops reading at `deadline`. `own_account`, the
/// function's account, refuses an event for another account that names no member role.
pub async fn handle_until<R, F>(
    clients: &AwsClients,
    make_rule: &F,
    payload: Value,
    deadline: Deadline,
    own_account: Option<&str>,
) -> Result<Value, EngineError>
where
    R: Rule,
    F: Fn(AwsClients) -> R,
{
    let invocation = Invocation::from_json(payload)?;
    let clients = clients
        .for_invocation(&invocation, R::NAME, own_account)
        .await?;
    let sink = ConfigSink::new(clients.config().clone());
    let seams = Seams {
        sink: &sink,
        history: clients.config(),
        previous: clients.config(),
        deadline,
        clock: system_now,
    };
    let rule = make_rule(clients.clone());
    let evaluations = engine::run(&rule, &invocation, seams)
        .await
        .inspect_err(|error| {
            tracing::error!(rule = R::NAME, error_type = error.kind(), %error, "invocation failed");
        })?;
    Ok(summary::<R>(&evaluations))
}

fn summary<R: Rule>(evaluations: &[Evaluation]) -> Value {
    let spec = crate::registry::find(R::NAME);
    for evaluation in evaluations {
        let findings = match spec {
            Some(spec) => spec.reported(evaluation.compliance_type, &evaluation.findings),
            None => evaluation.findings.clone(),
        };
        tracing::info!(
            rule = R::NAME,
            resource_type = %evaluation.compliance_resource_type,
            resource_id = %evaluation.compliance_resource_id,
            compliance = evaluation.compliance_type.as_str(),
            annotation = evaluation.annotation.as_deref().unwrap_or_default(),
            // Every finding whole: the annotation Config keeps is cut at 256 characters.
            findings = %serde_json::to_value(&findings).unwrap_or_default(),
            "evaluated"
        );
    }
    let count = |wanted: &str| {
        evaluations
            .iter()
            .filter(|e| e.compliance_type.as_str() == wanted)
            .count()
    };
    json!({
        "rule": R::NAME,
        "reported": evaluations.len(),
        "compliant": count("COMPLIANT"),
        "non_compliant": count("NON_COMPLIANT"),
        "not_applicable": count("NOT_APPLICABLE"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_account_comes_from_the_invoked_arn() {
        assert_eq!(
            own_account("arn:aws:lambda:eu-west-1:123456789012:function:sec2-least-privilege:live"),
            Some("123456789012")
        );
        // cargo-lambda's emulator names no real account: nothing is refused for it.
        assert_eq!(
            own_account("arn:aws:lambda:us-east-1:xxxxxxxx:function:f"),
            None
        );
        assert_eq!(own_account(""), None);
    }
}

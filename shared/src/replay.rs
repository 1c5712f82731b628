//! Dead-lettered events, sent again. The stack keeps what it could not process in two queues:
//! rule invocations that failed every attempt (Lambda's on-failure destination: a record with
//! the request and the error) and changes EventBridge could not deliver to reevaluate (the event
//! itself, its target in the `TARGET_ARN` attribute). `sec2 replay` reads both kinds and invokes
//! the function again with the original event; this module decides, without I/O, what each
//! message asks for.

use serde_json::Value;

use crate::config::limits::excerpt;
use crate::policy::Arn;

/// The queue names the stack gives its dead-letter queues, after the stack's name.
pub const DEAD_LETTER_QUEUE_SUFFIXES: &[&str] =
    &["-evaluation-dead-letters", "-reevaluate-dead-letters"];

/// One message of a dead-letter queue, as SQS gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    /// EventBridge's dead letters: the target the event was for, and why it was not delivered.
    pub target_arn: Option<String>,
    pub error_message: Option<String>,
}

/// Where a dead letter came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Lambda's on-failure destination: the function failed the event on every attempt.
    LambdaOnFailure,
    /// An EventBridge rule's dead-letter queue: the event never reached the function.
    EventBridge,
}

/// What to send again: the original event, to the function it was for.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Replay {
    /// The function's ARN (an alias or version qualifier kept, `$LATEST` dropped).
    pub function_arn: String,
    #[serde(skip)]
    pub payload: Value,
    pub origin: Origin,
    /// Why it failed the last time, as the message says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A message that cannot be replayed, and why; it is left in the queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotReplayable {
    #[error("the message body is not JSON: {0}")]
    NotJson(String),
    #[error("neither a Lambda on-failure record (requestContext.functionArn, requestPayload) nor an EventBridge dead letter (a TARGET_ARN attribute)")]
    Unknown,
    #[error("`{0}` is not a Lambda function ARN")]
    NotAFunction(String),
    #[error("`{function}` is not a function of the stack `{stack}`: only the stack's own functions are invoked")]
    OtherStack { function: String, stack: String },
}

/// The stack a dead-letter queue belongs to, from its name (`STACK-evaluation-dead-letters`).
pub fn stack_of_queue(queue_url: &str) -> Option<&str> {
    let name = queue_url.rsplit('/').next()?;
    DEAD_LETTER_QUEUE_SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|stack| !stack.is_empty())
}

/// What `letter` asks to send again, to a function of `stack` only: a message in the queue
/// cannot make the operator invoke anything else.
pub fn replay_of(letter: &DeadLetter, stack: &str) -> Result<Replay, NotReplayable> {
    let body: Value = serde_json::from_str(&letter.body)
        .map_err(|err| NotReplayable::NotJson(err.to_string()))?;
    let on_failure = body
        .pointer("/requestContext/functionArn")
        .and_then(Value::as_str)
        .zip(body.get("requestPayload"));
    let (function, payload, origin, error) = match (on_failure, &letter.target_arn) {
        (Some((function, payload)), _) => (
            function.to_owned(),
            payload.clone(),
            Origin::LambdaOnFailure,
            body.pointer("/responsePayload/errorMessage")
                .or_else(|| body.pointer("/requestContext/condition"))
                .and_then(Value::as_str)
                .map(excerpt),
        ),
        (None, Some(target)) => (
            target.clone(),
            body,
            Origin::EventBridge,
            letter.error_message.as_deref().map(excerpt),
        ),
        (None, None) => return Err(NotReplayable::Unknown),
    };
    let function_arn = function_arn(&function)?;
    let name = Arn::parse(&function_arn)
        .and_then(|arn| arn.resource.strip_prefix("function:"))
        .and_then(|resource| resource.split(':').next())
        .unwrap_or_default();
    if !name
        .strip_prefix(stack)
        .is_some_and(|rest| rest.starts_with('-'))
    {
        return Err(NotReplayable::OtherStack {
            function: excerpt(&function_arn),
            stack: stack.to_owned(),
        });
    }
    Ok(Replay {
        function_arn,
        payload,
        origin,
        error,
    })
}

/// `arn:...:function:NAME[:QUALIFIER]`, with `$LATEST` dropped (Invoke's default).
fn function_arn(value: &str) -> Result<String, NotReplayable> {
    let not_a_function = || NotReplayable::NotAFunction(excerpt(value));
    let arn = Arn::parse(value).ok_or_else(not_a_function)?;
    if arn.service != "lambda" || !arn.resource.starts_with("function:") {
        return Err(not_a_function());
    }
    Ok(value.strip_suffix(":$LATEST").unwrap_or(value).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STACK: &str = "sec2-rules";

    fn letter(body: Value, target: Option<&str>) -> DeadLetter {
        DeadLetter {
            message_id: "m-1".to_owned(),
            receipt_handle: "r-1".to_owned(),
            body: body.to_string(),
            target_arn: target.map(str::to_owned),
            error_message: target.map(|_| "Lambda was throttled".to_owned()),
        }
    }

    fn config_event() -> Value {
        json!({"invokingEvent": "{}", "resultToken": "token", "configRuleName": "sec2-least-privilege"})
    }

    #[test]
    fn a_lambda_on_failure_record_replays_its_request_to_its_function() {
        let record = json!({
            "version": "1.0",
            "timestamp": "2026-12-05T10:00:00.000Z",
            "requestContext": {
                "requestId": "e4b46cbf",
                "functionArn": "arn:aws:lambda:us-east-1:111122223333:function:sec2-rules-least-privilege:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 3
            },
            "requestPayload": config_event(),
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": "PutEvaluationsFailed", "errorMessage": "PutEvaluations failed: throttled"}
        });
        let replay = replay_of(&letter(record, None), STACK).unwrap();
        assert_eq!(
            replay.function_arn,
            "arn:aws:lambda:us-east-1:111122223333:function:sec2-rules-least-privilege"
        );
        assert_eq!(replay.payload, config_event());
        assert_eq!(replay.origin, Origin::LambdaOnFailure);
        assert_eq!(
            replay.error.as_deref(),
            Some("PutEvaluations failed: throttled")
        );
    }

    #[test]
    fn an_eventbridge_dead_letter_replays_the_event_to_its_target() {
        let event = json!({"detail-type": "AWS API Call via CloudTrail", "source": "aws.iam", "detail": {}});
        let target = "arn:aws:lambda:us-east-1:111122223333:function:sec2-rules-reevaluate";
        let replay = replay_of(&letter(event.clone(), Some(target)), STACK).unwrap();
        assert_eq!(replay.function_arn, target);
        assert_eq!(replay.payload, event);
        assert_eq!(replay.origin, Origin::EventBridge);
        assert_eq!(replay.error.as_deref(), Some("Lambda was throttled"));
    }

    #[test]
    fn only_the_stacks_own_functions_are_invoked() {
        let elsewhere = json!({
            "requestContext": {"functionArn": "arn:aws:lambda:us-east-1:111122223333:function:payroll-export"},
            "requestPayload": {}
        });
        assert!(matches!(
            replay_of(&letter(elsewhere, None), STACK),
            Err(NotReplayable::OtherStack { .. })
        ));
        // A stack whose name only starts alike.
        let alike = json!({
            "requestContext": {"functionArn": "arn:aws:lambda:us-east-1:111122223333:function:sec2-rulesX-reevaluate"},
            "requestPayload": {}
        });
        assert!(replay_of(&letter(alike, None), STACK).is_err());
        let not_lambda = letter(json!({}), Some("arn:aws:sqs:us-east-1:111122223333:queue"));
        assert!(matches!(
            replay_of(&not_lambda, STACK),
            Err(NotReplayable::NotAFunction(_))
        ));
        assert!(matches!(
            replay_of(&letter(json!({"a": 1}), None), STACK),
            Err(NotReplayable::Unknown)
        ));
        let mut garbled = letter(json!({}), None);
        garbled.body = "{not json".to_owned();
        assert!(matches!(
            replay_of(&garbled, STACK),
            Err(NotReplayable::NotJson(_))
        ));
    }

    #[test]
    fn the_stack_is_named_by_its_queue() {
        assert_eq!(
            stack_of_queue("https://sqs.us-east-1.amazonaws.com/111122223333/sec2-rules-evaluation-dead-letters"),
            Some("sec2-rules")
        );
        assert_eq!(
            stack_of_queue("http://127.0.0.1:5000/111122223333/prod-sec2-reevaluate-dead-letters"),
            Some("prod-sec2")
        );
        assert_eq!(stack_of_queue("https://sqs/1/other-queue"), None);
        assert_eq!(
            stack_of_queue("https://sqs/1/-evaluation-dead-letters"),
            None
        );
    }
}

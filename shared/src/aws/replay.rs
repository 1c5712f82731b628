//! `sec2 replay`'s calls: a dead-letter queue's messages (sqs:ReceiveMessage, with EventBridge's
//! attributes), the function invoked again asynchronously (lambda:InvokeFunction, as AWS Config
//! and EventBridge invoke it), and a replayed message deleted (sqs:DeleteMessage).

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use aws_sdk_sqs::types::MessageSystemAttributeName;

use super::AwsClients;
use crate::config::ReadError;
use crate::replay::{DeadLetter, Replay};

/// SQS hands out at most this many messages a call.
const MESSAGES_PER_CALL: i32 = 10;
/// How long a received message stays hidden from other readers while it is replayed.
const VISIBILITY_SECONDS: i32 = 120;

/// Up to ten messages of the queue at `queue_url`, hidden from other readers meanwhile.
pub async fn receive(clients: &AwsClients, queue_url: &str) -> Result<Vec<DeadLetter>, ReadError> {
    let answer = call!(
        clients
            .sqs()
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(MESSAGES_PER_CALL)
            .visibility_timeout(VISIBILITY_SECONDS)
            .wait_time_seconds(0)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All),
        "sqs:ReceiveMessage"
    )?;
    Ok(answer
        .messages()
        .iter()
        .map(|message| {
            let attribute = |name: &str| {
                message
                    .message_attributes()
                    .and_then(|attributes| attributes.get(name))
                    .and_then(|value| value.string_value())
                    .map(str::to_owned)
            };
            DeadLetter {
                message_id: message.message_id().unwrap_or_default().to_owned(),
                receipt_handle: message.receipt_handle().unwrap_or_default().to_owned(),
                body: message.body().unwrap_or_default().to_owned(),
                target_arn: attribute("TARGET_ARN"),
                error_message: attribute("ERROR_MESSAGE"),
            }
        })
        .collect())
}

/// Invokes the function with the original event, asynchronously: Lambda queues it (202), and
/// the function's own retries and on-failure destination apply again.
pub async fn invoke(clients: &AwsClients, replay: &Replay) -> Result<(), ReadError> {
    const ACTION: &str = "lambda:InvokeFunction";
    let payload = serde_json::to_vec(&replay.payload)
        .map_err(|err| ReadError::invalid(ACTION, err.to_string()))?;
    let answer = call!(
        clients
            .lambda()
            .invoke()
            .function_name(&replay.function_arn)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload)),
        ACTION
    )?;
    if answer.status_code() == 202 {
        Ok(())
    } else {
        Err(ReadError::invalid(
            ACTION,
            format!(
                "Lambda answered {} instead of 202 (queued)",
                answer.status_code()
            ),
        ))
    }
}

/// Makes a message visible again at once (after a dry run, which must not delay a real one).
pub async fn release(
    clients: &AwsClients,
    queue_url: &str,
    letter: &DeadLetter,
) -> Result<(), ReadError> {
    call!(
        clients
            .sqs()
            .change_message_visibility()
            .queue_url(queue_url)
            .receipt_handle(&letter.receipt_handle)
            .visibility_timeout(0),
        "sqs:ChangeMessageVisibility"
    )?;
    Ok(())
}

/// Deletes a message once its event is queued again.
pub async fn delete(
    clients: &AwsClients,
    queue_url: &str,
    letter: &DeadLetter,
) -> Result<(), ReadError> {
    call!(
        clients
            .sqs()
            .delete_message()
            .queue_url(queue_url)
            .receipt_handle(&letter.receipt_handle),
        "sqs:DeleteMessage"
    )?;
    Ok(())
}

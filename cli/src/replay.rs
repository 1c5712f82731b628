//! `sec2 replay`: sends the events a dead-letter queue of the stack keeps to their function again.

use std::collections::BTreeSet;
use std::process::ExitCode;

use sec2_shared::aws::replay::{delete, invoke, receive, release};
use sec2_shared::aws::AwsClients;
use sec2_shared::replay::{replay_of, stack_of_queue};
use serde_json::json;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The queue's URL: the stack's EvaluationDeadLetterQueueUrl or ReevaluateDeadLetterQueueUrl
    /// output.
    queue_url: String,
    /// The rules stack's name, when the queue's name does not say it
    /// (STACK-evaluation-dead-letters); only its functions are invoked.
    #[arg(long)]
    stack: Option<String>,
    /// List what would be sent again; invoke nothing, delete nothing.
    #[arg(long)]
    dry_run: bool,
    /// Stop after this many messages.
    #[arg(long, default_value_t = 1000)]
    max: usize,
}

/// Exit status: 0 every message replayed (or listed), 1 some left in the queue, 2 on error.
pub async fn run(args: &Args) -> ExitCode {
    let Some(stack) = args
        .stack
        .as_deref()
        .or_else(|| stack_of_queue(&args.queue_url))
    else {
        eprintln!(
            "sec2: `{}` is not named STACK-evaluation-dead-letters or STACK-reevaluate-dead-letters: say the stack with --stack",
            args.queue_url
        );
        return ExitCode::from(2);
    };
    let clients = AwsClients::from_environment().await;
    let mut seen = BTreeSet::new();
    // Messages read stay hidden from other readers for two minutes; a dry run gives them back.
    let mut read = Vec::new();
    let (mut replayed, mut left) = (0_usize, 0_usize);
    while seen.len() < args.max {
        let letters = match receive(&clients, &args.queue_url).await {
            Ok(letters) => letters,
            Err(problem) => {
                eprintln!("sec2: {problem}");
                return ExitCode::from(2);
            }
        };
        // A message left in the queue comes round again: stop when nothing new arrives.
        let fresh: Vec<_> = letters
            .into_iter()
            .filter(|letter| seen.insert(letter.message_id.clone()))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for letter in fresh.iter().take(args.max.saturating_sub(replayed + left)) {
            let outcome = match replay_of(letter, stack) {
                Err(reason) => Err(reason.to_string()),
                Ok(replay) if args.dry_run => Ok((replay, "would replay")),
                Ok(replay) => match invoke(&clients, &replay).await {
                    Err(problem) => Err(problem.to_string()),
                    Ok(()) => match delete(&clients, &args.queue_url, letter).await {
                        Ok(()) => Ok((replay, "replayed")),
                        Err(problem) => Err(format!(
                            "replayed, but not deleted (it will be replayed again): {problem}"
                        )),
                    },
                },
            };
            let line = match outcome {
                Ok((replay, done)) => {
                    replayed += 1;
                    json!({"message": letter.message_id, "outcome": done, "function": replay.function_arn, "origin": replay.origin, "failed_with": replay.error})
                }
                Err(reason) => {
                    left += 1;
                    json!({"message": letter.message_id, "outcome": "left in the queue", "reason": reason})
                }
            };
            println!("{line}");
        }
        read.extend(fresh);
    }
    if args.dry_run {
        for letter in &read {
            if let Err(problem) = release(&clients, &args.queue_url, letter).await {
                eprintln!("sec2: {problem} (the message reappears within two minutes)");
            }
        }
    }
    eprintln!(
        "sec2 replay: {replayed} {}, {left} left in the queue",
        if args.dry_run {
            "to replay"
        } else {
            "replayed"
        }
    );
    if left == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

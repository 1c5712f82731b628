//! `sec2 config-events`: the account's resources as the Config rule events each rule function
//! would receive, one file per (rule, resource), for `cargo lambda invoke` and `sam local invoke`.

use std::path::Path;
use std::process::ExitCode;

use sec2_shared::config::item::epoch_to_rfc3339;
use sec2_shared::config::periodic::system_now;
use sec2_shared::config::TEST_MODE_TOKEN;
use sec2_shared::registry::RuleId;
use sec2_shared::scan::inventory;
use serde_json::{json, Value};

use crate::input::rule_parameters;
use crate::scan::{connect, resource_types, scanned_types, selected_rules};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to write the events to (created if missing).
    #[arg(long)]
    out: String,
    /// `all`, or a comma-separated list of rules.
    #[arg(long, default_value = "all")]
    rules: String,
    #[arg(long)]
    region: Option<String>,
    /// A JSON file of rule parameters by rule, written into each event's ruleParameters:
    /// {"resource-policies": {"AllowedSourceIpRanges": "203.0.113.0/24"}}.
    #[arg(long)]
    parameters: Option<String>,
}

pub async fn run(args: &Args) -> ExitCode {
    match write_events(args).await {
        Ok(count) => {
            eprintln!("sec2: wrote {count} events to {}", args.out);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("sec2: {message}");
            ExitCode::from(2)
        }
    }
}

async fn write_events(args: &Args) -> Result<usize, String> {
    let kinds = selected_rules(&args.rules)?;
    let by_rule = rule_parameters(args.parameters.as_deref())?;
    let (clients, place) = connect(args.region.as_deref()).await?;
    let listed = inventory::list(&clients, &place, &scanned_types(&kinds)).await;
    if let Some(failure) = listed.unreadable.first() {
        return Err(format!(
            "could not read {} {}: {}",
            failure.resource_type, failure.resource_id, failure.reason
        ));
    }
    let out = Path::new(&args.out);
    std::fs::create_dir_all(out).map_err(|err| format!("{}: {err}", out.display()))?;
    let mut count = 0;
    for kind in kinds {
        let parameters = by_rule
            .get(kind.name())
            .map_or_else(|| "{}".to_owned(), Value::to_string);
        // The periodic run is the only way to judge the types Config does not record (layer
        // versions), and it re-checks the rest: one scheduled event per rule that has one.
        if kind.spec().triggers.is_periodic() {
            let invoking = json!({
                "messageType": "ScheduledNotification",
                "notificationCreationTime": rfc3339_now(),
                "awsAccountId": place.account,
                "recordVersion": "1.0",
            });
            let event = rule_event(kind, &invoking, &parameters, &place.account);
            write_event(
                &out.join(format!("{}--scheduled.json", kind.name())),
                &event,
            )?;
            count += 1;
        }
        for item in listed
            .items
            .iter()
            .filter(|item| resource_types(kind).contains(&item.resource_type.as_str()))
        {
            let invoking = json!({
                "messageType": "ConfigurationItemChangeNotification",
                "notificationCreationTime": item.capture_time,
                "configurationItem": item.to_event_json(),
                "recordVersion": "1.3",
            });
            let event = rule_event(kind, &invoking, &parameters, &place.account);
            let short = item.resource_type.rsplit("::").next().unwrap_or("item");
            let safe_id: String = item
                .resource_name
                .as_deref()
                .unwrap_or(&item.resource_id)
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = out.join(format!("{}--{short}--{safe_id}.json", kind.name()));
            write_event(&path, &event)?;
            count += 1;
        }
    }
    Ok(count)
}

/// The event AWS Config sends the rule `kind`'s function, in test mode (nothing recorded).
fn rule_event(kind: RuleId, invoking: &Value, parameters: &str, account: &str) -> Value {
    json!({
        "version": "1.0",
        "invokingEvent": invoking.to_string(),
        "ruleParameters": parameters,
        "resultToken": TEST_MODE_TOKEN,
        "eventLeftScope": false,
        "configRuleName": format!("sec2-{}", kind.name()),
        "accountId": account,
    })
}

fn write_event(path: &Path, event: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(event).map_err(|err| err.to_string())?;
    std::fs::write(path, text).map_err(|err| format!("{}: {err}", path.display()))
}

/// Now, as Config stamps its notifications.
fn rfc3339_now() -> String {
    epoch_to_rfc3339(system_now() as f64)
}

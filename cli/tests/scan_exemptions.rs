//! `sec2 scan` reads exemptions as the functions do (one piece of code, `config::exemption`):
//! three public functions in moto, one exempted by its tags, one listed in `--exemptions`, one
//! listed with a date that has passed. The exempt ones are NOT_APPLICABLE with the reason and
//! listed in the summary; the expired one is judged, and says its exemption expired.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use std::process::{Command, Output};

use sec2_testkit::seed::{create_function, create_role, FunctionSeed, LAMBDA_TRUST};
use sec2_testkit::{sdk_config, unique};
use serde_json::{json, Value};

async fn public_function(role: &str) -> String {
    let name = create_function(role, FunctionSeed::default()).await;
    aws_sdk_lambda::Client::new(&sdk_config())
        .add_permission()
        .function_name(&name)
        .statement_id("everyone")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .unwrap();
    name
}

fn scan(exemptions: &std::path::Path, format: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sec2"))
        .args([
            "scan",
            "--rules",
            "resource-policies",
            "--format",
            format,
            "--exemptions",
        ])
        .arg(exemptions)
        .envs(sec2_testkit::moto_env())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn tagged_and_listed_exemptions_hold_until_they_expire() {
    let role = create_role(LAMBDA_TRUST).await;
    let (tagged, listed, expired) = (
        public_function(&role).await,
        public_function(&role).await,
        public_function(&role).await,
    );
    let lambda = aws_sdk_lambda::Client::new(&sdk_config());
    let arn = lambda
        .get_function()
        .function_name(&tagged)
        .send()
        .await
        .unwrap()
        .configuration()
        .unwrap()
        .function_arn()
        .unwrap()
        .to_owned();
    lambda
        .tag_resource()
        .resource(&arn)
        .tags("sec2:exempt", "resource-policies")
        .tags(
            "sec2:exempt-reason",
            "public webhook for a partner, RISK-12",
        )
        .send()
        .await
        .unwrap();
    let file = std::env::temp_dir().join(format!("{}.json", unique("exemptions")));
    std::fs::write(
        &file,
        json!([
            {"resource": listed, "rules": ["all"], "reason": "vendor function, RISK-13", "until": "2999-01-01"},
            {"resource": expired, "rules": ["sec2-resource-policies"], "reason": "migration window", "until": "2020-06-30"}
        ])
        .to_string(),
    )
    .unwrap();

    let output = scan(&file, "json");
    let rows: Vec<Value> = serde_json::from_value(sec2_testkit::json_printed(&output)).unwrap();
    let row = |name: &str| {
        rows.iter()
            .find(|row| {
                row["resource_type"] == "AWS::Lambda::Function" && row["resource_id"] == name
            })
            .unwrap_or_else(|| panic!("{name} was not scanned"))
            .clone()
    };
    let tagged_row = row(&tagged);
    assert_eq!(tagged_row["compliance"], "NOT_APPLICABLE");
    assert_eq!(
        tagged_row["annotation"],
        "exempt: public webhook for a partner, RISK-12"
    );
    assert_eq!(
        tagged_row["exemption"],
        "public webhook for a partner, RISK-12"
    );
    let listed_row = row(&listed);
    assert_eq!(listed_row["compliance"], "NOT_APPLICABLE");
    assert_eq!(
        listed_row["annotation"],
        "exempt: vendor function, RISK-13 (until 2999-01-01)"
    );
    let expired_row = row(&expired);
    assert_eq!(expired_row["compliance"], "NON_COMPLIANT");
    assert!(expired_row["exemption"].is_null());
    let said = expired_row["annotation"].as_str().unwrap();
    assert!(
        said.starts_with("exemption expired 2020-06-30 (migration window); "),
        "{said}"
    );

    let table = scan(&file, "table");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("exemptions ("), "{text}");
    assert!(
        text.contains(&format!(
            "Lambda::Function {tagged}: public webhook for a partner, RISK-12"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Lambda::Function {listed}: vendor function, RISK-13 (until 2999-01-01)"
        )),
        "{text}"
    );

    std::fs::write(
        &file,
        r#"[{"resource": "x", "rules": ["all"], "reason": ""}]"#,
    )
    .unwrap();
    let refused = scan(&file, "json");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("gives no reason"));
    std::fs::remove_file(&file).unwrap();
}

//! `sec2 check-template`: a SAM or CloudFormation template judged before deploy, with the rules'
//! own logic; each finding points at the template's line.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::ValueEnum;
use sec2_shared::template::{check, Options, Report};

use crate::input::{account_id, emit, read_text};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// One line per finding: `FILE:LINE:COLUMN  rule  LogicalId  message`.
    Table,
    /// The findings and the count of judgements, for pipelines.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`).
    Sarif,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Parameter values over the template's defaults: `Stage=prod,VpcId=vpc-1`.
    #[arg(long, value_delimiter = ',', value_parser = parameter)]
    parameters: Vec<(String, String)>,
    /// Other accounts the template's resource policies may grant, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = account_id)]
    allowed_accounts: Vec<String>,
    /// Organizations the template's resource policies may grant (o-…), comma-separated.
    #[arg(long, value_delimiter = ',')]
    allowed_organizations: Vec<String>,
    /// The template: YAML or JSON; `-` reads standard input.
    file: String,
}

fn parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

pub fn run(args: &Args) -> ExitCode {
    let outcome = read_text(&args.file).and_then(|text| {
        let options = Options {
            parameters: args.parameters.iter().cloned().collect::<BTreeMap<_, _>>(),
            allowed_accounts: args.allowed_accounts.clone(),
            allowed_organizations: args.allowed_organizations.clone(),
        };
        check(&text, &options).map_err(|error| format!("`{}`: {error}", args.file))
    });
    let report = match outcome {
        Ok(report) => report,
        Err(message) => {
            eprintln!("sec2: {message}");
            return ExitCode::from(2);
        }
    };
    let text = match args.format {
        Format::Table => table(&args.file, &report),
        Format::Sarif => match serde_json::to_string_pretty(&sec2_shared::template::sarif::sarif(
            &args.file, &report,
        )) {
            Ok(json) => json,
            Err(error) => {
                eprintln!("sec2: {error}");
                return ExitCode::from(2);
            }
        },
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => json,
            Err(error) => {
                eprintln!("sec2: {error}");
                return ExitCode::from(2);
            }
        },
    };
    if let Err(message) = emit(&text) {
        eprintln!("sec2: {message}");
        return ExitCode::from(2);
    }
    if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn table(file: &str, report: &Report) -> String {
    let mut lines: Vec<String> = report
        .findings
        .iter()
        .map(|finding| {
            format!(
                "{file}:{}:{}  {}  {}  {}",
                finding.line, finding.column, finding.rule, finding.logical_id, finding.message
            )
        })
        .collect();
    lines.push(format!(
        "{} finding(s) in {} judgement(s)",
        report.findings.len(),
        report.judged
    ));
    lines.join("\n")
}

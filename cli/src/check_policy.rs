//! `sec2 check-policy`: our offline answer to Access Analyzer's CheckNoPublicAccess.

use std::process::ExitCode;

use clap::ValueEnum;
use sec2_shared::policy::{
    analyze_identity_policy, analyze_resource_policy, parse_ip_block, Catalog, Finding, Policy,
    PolicyKind, ResourceContext, ResourceService,
};
use serde::Serialize;

use crate::input::{account_id, emit, read_text};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    /// A policy attached to a resource (function, queue, topic, bucket, API, bus, table).
    Resource,
    /// A policy attached to a role, user or group.
    Identity,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// What kind of policy FILE holds.
    #[arg(long, value_enum)]
    kind: Kind,
    /// The service of the resource the policy is attached to (resource policies).
    #[arg(long, required_if_eq("kind", "resource"), value_parser = parse_service)]
    service: Option<ResourceService>,
    /// The account that owns the resource (resource policies).
    #[arg(long, required_if_eq("kind", "resource"), value_parser = account_id)]
    account: Option<String>,
    /// Other accounts the owner expects to grant, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = account_id)]
    allowed_accounts: Vec<String>,
    /// Organizations the owner expects to grant (o-…), comma-separated.
    #[arg(long, value_delimiter = ',')]
    allowed_organizations: Vec<String>,
    /// Let API Gateway invoke from any API in the account (resource policies); by default its
    /// permission must name the API id in aws:SourceArn.
    #[arg(long)]
    allow_any_api: bool,
    /// Address ranges that are the owner's networks (CIDRs, comma-separated): a grant that
    /// aws:SourceIp pins inside them is not public (resource policies).
    #[arg(long, value_delimiter = ',', value_parser = ip_range)]
    allowed_source_ips: Vec<ipnet::IpNet>,
    /// The policy: JSON, stringified JSON or URL-encoded JSON; `-` reads standard input.
    file: String,
}

fn parse_service(value: &str) -> Result<ResourceService, String> {
    value
        .parse()
        .map_err(|err: sec2_shared::policy::UnknownService| err.to_string())
}

pub fn run(args: &Args) -> ExitCode {
    match analyze(args) {
        Ok(Outcome { json, found }) => match emit(&json) {
            Ok(()) if found => ExitCode::from(1),
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("sec2: {message}");
                ExitCode::from(2)
            }
        },
        Err(message) => {
            eprintln!("sec2: {message}");
            ExitCode::from(2)
        }
    }
}

struct Outcome {
    json: String,
    found: bool,
}

fn analyze(args: &Args) -> Result<Outcome, String> {
    let text = read_text(&args.file)?;
    let kind = match args.kind {
        Kind::Resource => PolicyKind::Resource,
        Kind::Identity => PolicyKind::Identity,
    };
    let policy = Policy::parse_as(&text, kind)
        .map_err(|err| format!("{}: {err}", display_name(&args.file)))?;
    match args.kind {
        Kind::Resource => {
            let (Some(service), Some(account)) = (args.service, args.account.as_deref()) else {
                return Err("--service and --account are required for --kind resource".to_owned());
            };
            let context = ResourceContext::new(service, account)
                .trusting(&args.allowed_accounts, &args.allowed_organizations)
                .allowing_any_api(args.allow_any_api)
                .trusting_source_ips(&args.allowed_source_ips);
            let analysis = analyze_resource_policy(&policy, &context);
            outcome(&analysis, fails(&analysis.findings))
        }
        Kind::Identity => {
            let analysis = analyze_identity_policy(&policy, Catalog::embedded());
            outcome(&analysis, fails(&analysis.findings))
        }
    }
}

fn outcome(analysis: &impl Serialize, found: bool) -> Result<Outcome, String> {
    let json = serde_json::to_string_pretty(analysis)
        .map_err(|err| format!("cannot write the result: {err}"))?;
    Ok(Outcome { json, found })
}

fn display_name(file: &str) -> &str {
    if file == "-" {
        "standard input"
    } else {
        file
    }
}

/// Whether any finding is more than advice: advice is printed, and exits 0.
fn fails(findings: &[Finding]) -> bool {
    findings.iter().any(|finding| !finding.kind.is_advice())
}

fn ip_range(value: &str) -> Result<ipnet::IpNet, String> {
    parse_ip_block(value).ok_or_else(|| format!("`{value}` is not an IP address range (CIDR)"))
}

//! `sec2 scan`: the rules over a whole account, read from the service APIs (no AWS Config needed).

use std::io::IsTerminal;
use std::process::ExitCode;

use aws_config::{BehaviorVersion, Region};
use clap::ValueEnum;
use futures_util::stream::{self, StreamExt};
use sec2_shared::aws::security_hub;
use sec2_shared::aws::{call_time_limits, AwsClients};
use sec2_shared::config::exemption::{date_of, Exemptions};
use sec2_shared::config::parameters::parse_parameters;
use sec2_shared::config::{Compliance, ConfigurationItem, Finding, Rule, Severity, Verdict};
use sec2_shared::registry::RuleId;
use sec2_shared::rules::least_privilege::RoleReader;
use sec2_shared::rules::{with_rule, RuleVisitor};
use sec2_shared::scan::inventory::{self, Aggregated, Inventory, Place, Unreadable, SCANNED_TYPES};
use sec2_shared::scan::{
    asff, evaluate_periodic_only, evaluate_rule, formats, html, Exempting, Row,
};
use serde_json::{Map, Value};

use crate::input::{emit, rule_parameters};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Aligned columns and a summary, for people.
    Table,
    /// One JSON array of rows, for pipelines.
    Json,
    /// A header row, then one row per rule and resource, for spreadsheets.
    Csv,
    /// SARIF 2.1.0 for GitHub code scanning: a result per failing resource, exempt ones
    /// suppressed with their reason.
    Sarif,
    /// One self-contained HTML page: counts and charts per SEC2 practice and account, the
    /// findings with how to fix them, the exemptions, when and where the scan ran.
    Html,
    /// AWS Security Finding Format: a JSON array of findings, as BatchImportFindings takes them.
    Asff,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SourceArg {
    Services,
    Config,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any resource is NON_COMPLIANT.
    NonCompliant,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// `all`, or a comma-separated list of resource-policies, temporary-credentials,
    /// least-privilege, network-controls.
    #[arg(long, default_value = "all")]
    rules: String,
    /// The region to scan (default: the SDK's region chain, such as AWS_REGION).
    #[arg(long)]
    region: Option<String>,
    /// Regions to scan: `all` (the account's enabled regions) or R1,R2 (default: --region).
    #[arg(long)]
    regions: Option<String>,
    /// Scan every ACTIVE account of the organization (from its management account or a
    /// delegated administrator), assuming --role-name in each.
    #[arg(long, conflicts_with = "accounts")]
    organization: bool,
    /// Accounts to scan, ID,...; other than the caller's, with --role-name.
    #[arg(long)]
    accounts: Option<String>,
    /// The role to assume in the other accounts (member-role.yaml's, sec2-rules-member).
    #[arg(long)]
    role_name: Option<String>,
    /// Import the findings into AWS Security Hub in each scanned account and region (its default
    /// product, 100 a call): a re-scan updates the same findings, and archives those of what
    /// has been fixed.
    #[arg(long)]
    security_hub: bool,
    /// Run least-privilege's unused-services check (IAM Access Advisor: one report job per
    /// role, seconds each); off unless asked for, or unless --parameters sets UnusedDays.
    #[arg(long)]
    with_usage: bool,
    /// Where to read the resources: `services` (each service's API, resource by resource) or
    /// `config` (AWS Config's recorded items in bulk, two reads per hundred resources, and the
    /// services for the types Config does not record).
    #[arg(long, value_enum, default_value_t = SourceArg::Services)]
    source: SourceArg,
    /// With `--source config`: read every scanned account's and region's items at once through
    /// this configuration aggregator in the caller's account and --region (the organization's
    /// management account or its delegated administrator), instead of from each account's own
    /// Config.
    #[arg(long, value_name = "NAME")]
    aggregator: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the results to FILE instead of standard output.
    #[arg(long)]
    output: Option<String>,
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// A JSON file of rule parameters by rule: {"network-controls": {"RequireVpc": "true"}}.
    #[arg(long)]
    parameters: Option<String>,
    /// A JSON file of accepted risks: [{"resource": ARN or id, "rules": ["all"] or names,
    /// "reason": "...", "until": "YYYY-MM-DD"}]. Resources tagged sec2:exempt are exempt too.
    #[arg(long)]
    exemptions: Option<String>,
}

pub async fn run(args: &Args) -> ExitCode {
    match scan(args).await {
        Ok(rows) => {
            let colour = args.output.is_none() && std::io::stdout().is_terminal();
            let text = match args.format {
                Format::Json => serde_json::to_string_pretty(&rows).map_err(|err| err.to_string()),
                Format::Table => Ok(table(&rows, colour)),
                Format::Csv => formats::csv(&rows),
                Format::Sarif => serde_json::to_string_pretty(&formats::sarif(&rows))
                    .map_err(|err| err.to_string()),
                Format::Asff => serde_json::to_string_pretty(&asff::findings(&rows, &now()))
                    .map_err(|err| err.to_string()),
                Format::Html => Ok(html::html(
                    &rows,
                    &html::ScanFacts {
                        finished: now(),
                        rules: selected_rules(&args.rules)
                            .map(|kinds| {
                                kinds.iter().map(|k| format!("sec2-{}", k.name())).collect()
                            })
                            .unwrap_or_default(),
                    },
                )),
            };
            let written = text.and_then(|text| match &args.output {
                None => emit(&text),
                Some(path) => {
                    std::fs::write(path, text + "\n").map_err(|err| format!("{path}: {err}"))
                }
            });
            if let Err(message) = written {
                return fail(&format!("cannot write the results: {message}"));
            }
            let found = rows
                .iter()
                .any(|row| row.compliance == Compliance::NonCompliant);
            match (args.fail_on, found) {
                (Some(FailOn::NonCompliant), true) => ExitCode::from(1),
                _ => ExitCode::SUCCESS,
            }
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("sec2: {message}");
    ExitCode::from(2)
}

pub fn selected_rules(text: &str) -> Result<Vec<RuleId>, String> {
    if text.trim() == "all" {
        return Ok(RuleId::all().collect());
    }
    let mut kinds = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let kind = RuleId::from_name(name).ok_or_else(|| {
            format!(
                "--rules: `{name}` is not a rule; expected all or {}",
                RuleId::names()
            )
        })?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Err("--rules names no rule".to_owned());
    }
    Ok(kinds)
}

fn parameters_of<R: Rule>(by_rule: &Map<String, Value>) -> Result<R::Parameters, String> {
    let empty = Map::new();
    let values = match by_rule.get(R::NAME) {
        None => &empty,
        Some(Value::Object(values)) => values,
        Some(_) => return Err(format!("parameters of {}: expected an object", R::NAME)),
    };
    parse_parameters(values).map_err(|err| format!("parameters of {}: {err}", R::NAME))
}

/// The progress bar, drawn only when stderr is a terminal.
fn progress_bar(total: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Clients for the region asked for, and the account and region they reach.
pub async fn connect(region: Option<&str>) -> Result<(AwsClients, Place), String> {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).timeout_config(call_time_limits());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let clients = AwsClients::from_sdk_config(loader.load().await);
    let region = clients
        .region()
        .ok_or("no region: pass --region or set AWS_REGION")?
        .to_owned();
    let account = clients
        .account_id()
        .await
        .map_err(|error| error.annotation("the account"))?;
    Ok((clients, Place { account, region }))
}

/// The resource types the rules judge that the scan can list.
pub fn scanned_types(kinds: &[RuleId]) -> Vec<&'static str> {
    let mut types: Vec<&'static str> = Vec::new();
    for kind in kinds {
        for resource_type in resource_types(*kind) {
            if SCANNED_TYPES.contains(resource_type) && !types.contains(resource_type) {
                types.push(resource_type);
            }
        }
    }
    types
}

/// The time now, RFC 3339.
fn now() -> String {
    sec2_shared::config::item::epoch_to_rfc3339(sec2_shared::config::periodic::system_now() as f64)
}

/// What every target of one scan shares.
struct Plan<'a> {
    security_hub: bool,
    source: SourceArg,
    kinds: &'a [RuleId],
    aggregated: Option<&'a Aggregated>,
    by_rule: &'a Map<String, Value>,
    exemptions: &'a Exemptions,
    today: &'a str,
    bars: &'a indicatif::MultiProgress,
}

/// Targets scanned at once (accounts times regions): each reads eight at a time.
const TARGET_CONCURRENCY: usize = 4;

async fn scan(args: &Args) -> Result<Vec<Row>, String> {
    let kinds = selected_rules(&args.rules)?;
    let by_rule = usage_by_choice(
        rule_parameters(args.parameters.as_deref())?,
        args.with_usage,
    );
    let exemptions = match args.exemptions.as_deref() {
        None => Exemptions::default(),
        Some(path) => Exemptions::from_json(&crate::input::read_text(path)?)
            .map_err(|problem| format!("--exemptions {path}: {problem}"))?,
    };
    let today = date_of(sec2_shared::config::periodic::system_now());
    let (home, place) = connect(args.region.as_deref()).await?;
    let (targets, mut rows) = targets(args, &home, &place).await?;
    let aggregated = aggregated(args, &home, &kinds, &targets).await?;
    let bars = indicatif::MultiProgress::new();
    if !std::io::stderr().is_terminal() {
        bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let plan = Plan {
        security_hub: args.security_hub,
        source: args.source,
        kinds: &kinds,
        aggregated: aggregated.as_ref(),
        by_rule: &by_rule,
        exemptions: &exemptions,
        today: &today,
        bars: &bars,
    };
    let scanned: Vec<Result<Vec<Row>, String>> = stream::iter(targets)
        .map(|(clients, place)| {
            let plan = &plan;
            async move {
                let rows = scan_target(plan, &clients, &place).await?;
                if plan.security_hub {
                    sync_security_hub(&clients, &place, plan.kinds, &rows).await?;
                }
                Ok(rows)
            }
        })
        .buffered(TARGET_CONCURRENCY)
        .collect()
        .await;
    for target in scanned {
        rows.extend(target?);
    }
    Ok(rows)
}

/// Imports one target's findings into its Security Hub, and archives the findings imported
/// before within what this scan covered (its account, region and rules) that it no longer
/// reports: those resources were fixed, or are gone.
async fn sync_security_hub(
    clients: &AwsClients,
    place: &Place,
    kinds: &[RuleId],
    rows: &[Row],
) -> Result<(), String> {
    let now = now();
    let current = asff::findings(rows, &now);
    let reported: std::collections::HashSet<&str> =
        current.iter().map(|finding| finding.id.as_str()).collect();
    let rules: Vec<&str> = kinds.iter().map(|kind| kind.name()).collect();
    let at_place = |problem: String| {
        format!(
            "Security Hub in {}/{}: {problem}",
            place.account, place.region
        )
    };
    let earlier = security_hub::active_findings(clients)
        .await
        .map_err(|error| at_place(error.to_string()))?;
    let fixed: Vec<asff::Finding> = earlier
        .into_iter()
        .filter(|finding| {
            asff::within(
                &finding.id,
                &[place.account.as_str()],
                &[place.region.as_str()],
                &rules,
            ) && !reported.contains(finding.id.as_str())
        })
        .map(|finding| asff::archived(finding, &now))
        .collect();
    let archived = fixed.len();
    let all: Vec<asff::Finding> = current.into_iter().chain(fixed).collect();
    let imported = security_hub::import(clients, &all)
        .await
        .map_err(|error| at_place(error.to_string()))?;
    eprintln!(
        "sec2: Security Hub in {}/{}: {} findings imported ({archived} archived as fixed)",
        place.account, place.region, imported.imported
    );
    if let Some((id, why)) = imported.refused.first() {
        return Err(at_place(format!(
            "{} findings refused, the first `{id}`: {why}",
            imported.refused.len()
        )));
    }
    Ok(())
}

/// With `--aggregator`, every target's recorded items read at once through it; None, said on
/// stderr, when it cannot be read (each account's own Config is read instead).
async fn aggregated(
    args: &Args,
    home: &AwsClients,
    kinds: &[RuleId],
    targets: &[(AwsClients, Place)],
) -> Result<Option<Aggregated>, String> {
    let Some(aggregator) = args.aggregator.as_deref() else {
        return Ok(None);
    };
    if !matches!(args.source, SourceArg::Config) {
        return Err("--aggregator reads AWS Config's items: pass --source config".to_owned());
    }
    let mut accounts: Vec<String> = targets.iter().map(|(_, p)| p.account.clone()).collect();
    let mut regions: Vec<String> = targets.iter().map(|(_, p)| p.region.clone()).collect();
    for list in [&mut accounts, &mut regions] {
        list.sort();
        list.dedup();
    }
    // An organization's aggregator covers its members: a scan of the organization knows them.
    let members = args.organization.then(|| accounts.clone());
    let types = scanned_types(kinds);
    match Aggregated::read(
        home.config(),
        aggregator,
        &types,
        &accounts,
        &regions,
        members,
    )
    .await
    {
        // Listed only when an organization source needs them and the scan did not list them.
        Ok(aggregated) if aggregated.needs_members() => Ok(Some(
            aggregated.with_members(home.active_accounts().await.ok()),
        )),
        Ok(aggregated) => Ok(Some(aggregated)),
        Err(error) => {
            eprintln!(
                "sec2: the aggregator `{aggregator}` could not be read ({error}): each account's own AWS Config is read instead"
            );
            Ok(None)
        }
    }
}

/// least-privilege's `UnusedDays` 0 (no Access Advisor) unless `--with-usage` or the
/// parameters set it.
fn usage_by_choice(mut by_rule: Map<String, Value>, with_usage: bool) -> Map<String, Value> {
    if with_usage {
        return by_rule;
    }
    let least_privilege = by_rule
        .entry(RuleId::LeastPrivilege.name())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(parameters) = least_privilege.as_object_mut() {
        parameters
            .entry("UnusedDays")
            .or_insert_with(|| Value::String("0".to_owned()));
    }
    by_rule
}

/// Every (account, region) the arguments ask for, with clients there; one that cannot be
/// reached is a NON_COMPLIANT row saying why, and the others are scanned.
async fn targets(
    args: &Args,
    home: &AwsClients,
    place: &Place,
) -> Result<(Vec<(AwsClients, Place)>, Vec<Row>), String> {
    let regions: Vec<String> = match args.regions.as_deref().map(str::trim) {
        None => vec![place.region.clone()],
        Some("all") => home.enabled_regions().await.map_err(|error| {
            format!("--regions all: {}", error.annotation("the enabled regions"))
        })?,
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let accounts: Vec<String> = if args.organization {
        home.active_accounts().await.map_err(|error| {
            format!(
                "--organization: {}",
                error.annotation("the organization's accounts")
            )
        })?
    } else if let Some(list) = &args.accounts {
        list.split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        vec![place.account.clone()]
    };
    if regions.is_empty() || accounts.is_empty() {
        return Err("--regions and --accounts name nothing to scan".to_owned());
    }
    let foreign = accounts.iter().any(|account| *account != place.account);
    let role_name = match (&args.role_name, foreign) {
        (Some(name), _) => name.clone(),
        (None, false) => String::new(),
        (None, true) => {
            return Err(
                "other accounts are scanned with a role there: pass --role-name (member-role.yaml's ExecutionRoleName)".to_owned(),
            )
        }
    };
    let partition = "aws";
    let mut reached = Vec::new();
    let mut unreachable = Vec::new();
    for region in &regions {
        let in_region = home.in_region(region);
        for account in &accounts {
            let target = Place {
                account: account.clone(),
                region: region.clone(),
            };
            if *account == place.account {
                reached.push((in_region.clone(), target));
                continue;
            }
            let role = format!("arn:{partition}:iam::{account}:role/{role_name}");
            match in_region.assume(&role, "sec2-scan").await {
                Ok(clients) => reached.push((clients, target)),
                Err(error) => {
                    let why = format!("not scanned: could not assume `{role}`: {}", error.message);
                    let finding = Finding::note(why)
                        .at(format!("role {role}"))
                        .rated(Severity::Medium)
                        .fixed_by("Deploy member-role.yaml in the account (or name the role it has with --role-name) so the scan can assume it.");
                    unreachable.push(Row::new(
                        (account, region),
                        "scan",
                        ("AWS::::Account", account),
                        Verdict::detailed(Compliance::NonCompliant, vec![finding]),
                        None,
                    ))
                }
            }
        }
    }
    Ok((reached, unreachable))
}

/// Every selected rule over one account in one region, with a progress bar of its own.
async fn scan_target(
    plan: &Plan<'_>,
    clients: &AwsClients,
    place: &Place,
) -> Result<Vec<Row>, String> {
    let types = scanned_types(plan.kinds);
    let bar = plan.bars.add(progress_bar(0));
    bar.set_prefix(format!("{}/{}", place.account, place.region));
    bar.set_message("listing resources");
    let Inventory {
        items,
        unreadable,
        notes,
    } = match plan.source {
        SourceArg::Services => inventory::list(clients, place, &types).await,
        SourceArg::Config => {
            inventory::list_recorded(clients, place, &types, plan.aggregated).await
        }
    };
    for note in notes {
        bar.suspend(|| eprintln!("sec2: {}/{}: {note}", place.account, place.region));
    }
    if plan
        .kinds
        .iter()
        .any(|kind| matches!(kind, RuleId::TemporaryCredentials | RuleId::LeastPrivilege))
    {
        bar.set_message("listing roles");
        // One listing of every role serves both role rules; without it they read role by role.
        if let Err(reason) = RoleReader::list_roles(clients).await {
            bar.suspend(|| {
                eprintln!(
                    "sec2: {}/{}: reading roles one by one: {reason}",
                    place.account, place.region
                )
            });
        }
    }
    let pairs: usize = plan
        .kinds
        .iter()
        .map(|kind| {
            items
                .iter()
                .filter(|item| resource_types(*kind).contains(&item.resource_type.as_str()))
                .count()
        })
        .sum();
    bar.set_length(pairs as u64);
    let tick = || bar.inc(1);
    let mut rows = Vec::new();
    for kind in plan.kinds {
        bar.set_message(kind.name());
        let over = EvaluateOver {
            by_rule: plan.by_rule,
            exempting: Exempting {
                listed: plan.exemptions,
                today: plan.today,
                account: &place.account,
                region: &place.region,
            },
            items: &items,
            unreadable: &unreadable,
            tick: &tick,
        };
        rows.extend(with_rule(*kind, clients.clone(), over).await?);
    }
    bar.finish_and_clear();
    Ok(rows)
}

pub fn resource_types(kind: RuleId) -> &'static [&'static str] {
    kind.spec().resource_types
}

/// Runs a rule over the listed items with its parameters.
struct EvaluateOver<'a> {
    by_rule: &'a Map<String, Value>,
    exempting: Exempting<'a>,
    items: &'a [ConfigurationItem],
    unreadable: &'a [Unreadable],
    tick: &'a (dyn Fn() + Sync),
}

impl RuleVisitor for EvaluateOver<'_> {
    type Output = Result<Vec<Row>, String>;

    async fn visit<R: Rule>(self, rule: R) -> Self::Output {
        let parameters = parameters_of::<R>(self.by_rule)?;
        let mut rows = evaluate_rule(
            &rule,
            &parameters,
            self.items,
            self.unreadable,
            self.exempting,
            self.tick,
        )
        .await;
        rows.extend(evaluate_periodic_only(&rule, &parameters, self.exempting).await);
        Ok(rows)
    }
}

/// Aligned rows, then one summary line per rule.
fn table(rows: &[Row], colour: bool) -> String {
    let paint = |compliance: Compliance| {
        let text = compliance.as_str();
        if !colour {
            return format!("{text:<14}");
        }
        let code = match compliance {
            Compliance::Compliant => "32",
            Compliance::NonCompliant => "31;1",
            Compliance::NotApplicable => "2",
        };
        format!("\x1b[{code}m{text:<14}\x1b[0m")
    };
    let rule_width = rows.iter().map(|r| r.rule.len()).max().unwrap_or(4).max(4);
    // Several accounts or regions: each resource says where it is.
    let places: std::collections::BTreeSet<(&str, &str)> = rows
        .iter()
        .map(|row| (row.account.as_str(), row.region.as_str()))
        .collect();
    let resource = |row: &Row| {
        let name = format!("{} {}", short_type(&row.resource_type), row.resource_id);
        if places.len() > 1 {
            format!("{}/{} {name}", row.account, row.region)
        } else {
            name
        }
    };
    let resource_width = rows
        .iter()
        .map(|row| resource(row).chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = format!(
        "{:<rule_width$}  {:<14}  {:<resource_width$}  WHY\n",
        "RULE", "VERDICT", "RESOURCE"
    );
    for row in rows {
        out.push_str(&format!(
            "{:<rule_width$}  {}  {:<resource_width$}  {}\n",
            row.rule,
            paint(row.compliance),
            resource(row),
            row.annotation
        ));
    }
    out.push('\n');
    let mut rules: Vec<&str> = rows.iter().map(|r| r.rule.as_str()).collect();
    rules.dedup();
    for rule in rules {
        let count = |wanted: Compliance| {
            rows.iter()
                .filter(|r| r.rule == rule && r.compliance == wanted)
                .count()
        };
        out.push_str(&format!(
            "{rule}: {} compliant, {} non-compliant, {} not applicable\n",
            count(Compliance::Compliant),
            count(Compliance::NonCompliant),
            count(Compliance::NotApplicable)
        ));
    }
    if rows.is_empty() {
        out.push_str("no resources in scope\n");
    }
    let exempt: Vec<&Row> = rows.iter().filter(|row| row.exemption.is_some()).collect();
    if !exempt.is_empty() {
        out.push_str(&format!("\nexemptions ({}):\n", exempt.len()));
        for row in exempt {
            out.push_str(&format!(
                "  {} {}: {}\n",
                row.rule,
                resource(row),
                row.exemption.as_deref().unwrap_or_default()
            ));
        }
    }
    out
}

/// `AWS::Lambda::Function` as `Lambda::Function`.
/// `Lambda::Function` for `AWS::Lambda::Function`; `Account` for `AWS::::Account`.
fn short_type(resource_type: &str) -> &str {
    let short = resource_type.strip_prefix("AWS::").unwrap_or(resource_type);
    short.strip_prefix("::").unwrap_or(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rule: &str, compliance: Compliance) -> Row {
        Row {
            account: "111122223333".to_owned(),
            region: "us-east-1".to_owned(),
            rule: rule.to_owned(),
            resource_type: "AWS::Lambda::Function".to_owned(),
            resource_id: "airline-booking".to_owned(),
            compliance,
            annotation: "why".to_owned(),
            exemption: None,
            findings: Vec::new(),
            severity: None,
        }
    }

    #[test]
    fn the_summary_lists_each_exemption_with_its_reason() {
        let exempt = Row {
            compliance: Compliance::NotApplicable,
            annotation: "exempt: partner webhook (until 2026-12-31)".to_owned(),
            exemption: Some("partner webhook (until 2026-12-31)".to_owned()),
            findings: Vec::new(),
            severity: None,
            ..row("resource-policies", Compliance::NotApplicable)
        };
        let text = table(
            &[exempt, row("least-privilege", Compliance::Compliant)],
            false,
        );
        assert!(text.contains("exemptions (1):"), "{text}");
        assert!(text.contains(
            "  resource-policies Lambda::Function airline-booking: partner webhook (until 2026-12-31)"
        ));
        let elsewhere = Row {
            region: "eu-west-1".to_owned(),
            ..row("least-privilege", Compliance::Compliant)
        };
        let both = table(
            &[row("least-privilege", Compliance::Compliant), elsewhere],
            false,
        );
        assert!(both.contains("111122223333/eu-west-1 Lambda::Function airline-booking"));
        let none = table(&[row("least-privilege", Compliance::Compliant)], false);
        assert!(!none.contains("exemptions"));
    }

    #[test]
    fn the_table_aligns_rows_and_counts_verdicts_per_rule() {
        let text = table(
            &[
                row("least-privilege", Compliance::NonCompliant),
                row("least-privilege", Compliance::Compliant),
                row("network-controls", Compliance::NotApplicable),
            ],
            false,
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("RULE"));
        assert_eq!(
            lines[1],
            "least-privilege   NON_COMPLIANT   Lambda::Function airline-booking  why"
        );
        assert!(text.contains("least-privilege: 1 compliant, 1 non-compliant, 0 not applicable"));
        assert!(text.contains("network-controls: 0 compliant, 0 non-compliant, 1 not applicable"));
        assert!(!text.contains('\x1b'), "no colour unless asked");
    }

    #[test]
    fn access_advisor_runs_only_when_asked_for_or_set() {
        let off = usage_by_choice(Map::new(), false);
        assert_eq!(off["least-privilege"]["UnusedDays"], "0");
        assert!(usage_by_choice(Map::new(), true).is_empty());
        let mut set = Map::new();
        set.insert(
            "least-privilege".to_owned(),
            serde_json::json!({"UnusedDays": "30"}),
        );
        assert_eq!(
            usage_by_choice(set, false)["least-privilege"]["UnusedDays"],
            "30"
        );
    }

    #[test]
    fn resource_types_are_shortened_for_the_table() {
        assert_eq!(short_type("AWS::Lambda::Function"), "Lambda::Function");
        assert_eq!(short_type("AWS::::Account"), "Account");
    }

    #[test]
    fn rules_are_chosen_by_name() {
        assert_eq!(
            selected_rules("all").unwrap(),
            RuleId::all().collect::<Vec<_>>()
        );
        assert_eq!(
            selected_rules("network-controls, least-privilege").unwrap(),
            [RuleId::NetworkControls, RuleId::LeastPrivilege]
        );
        assert!(selected_rules("firewall")
            .unwrap_err()
            .contains("is not a rule"));
    }
}

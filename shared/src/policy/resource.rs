//! Resource policies: who outside the owner's account can get in, the way IAM Access Analyzer
//! and S3 Block Public Access decide it (`docs/policy-semantics.md`, sections 2 to 4).
//!
//! Every statement is judged against the whole policy: an Allow is cancelled by a covering
//! unconditional Deny, and narrowed by a covering "Deny unless" on a trusted key. When the
//! analyzer cannot tell, it errs towards a finding, as Access Analyzer does.

use serde::Serialize;

use super::arn::{classify_aws_principal, Arn, AwsPrincipal};
use super::condition::Condition;
use super::condition_keys::{
    is_confused_deputy_guard, pin_from_allow, pin_from_deny, KeyKind, Pin,
};
use super::document::{Effect, Names, Policy, PrincipalClause, Principals, Statement};
use super::finding::{Finding, FindingKind};
use super::glob;
use super::parse::parse_ip_block;
use super::service::ResourceService;

/// Whose resource this is and whom its owner trusts.
#[derive(Debug, Clone, Copy)]
pub struct ResourceContext<'a> {
    pub service: ResourceService,
    /// The account that owns the resource.
    pub account: &'a str,
    /// Other accounts the owner expects to grant (the rule's AllowedAccountIds).
    pub allowed_accounts: &'a [String],
    /// Organizations the owner expects to grant (the rule's AllowedOrganizationIds).
    pub allowed_organizations: &'a [String],
    /// Whether API Gateway may invoke from any API in the owner's account (the rule's
    /// AllowAnyApiInAccount); otherwise its permission must name the API.
    pub allow_any_api: bool,
    /// The owner's own address ranges (the rule's AllowedSourceIpRanges): a grant that
    /// `aws:SourceIp` pins inside them admits only the owner's networks, on every service.
    pub allowed_source_ips: &'a [ipnet::IpNet],
}

impl<'a> ResourceContext<'a> {
    /// A resource of `service` owned by `account`, which trusts no other account.
    pub fn new(service: ResourceService, account: &'a str) -> Self {
        ResourceContext {
            service,
            account,
            allowed_accounts: &[],
            allowed_organizations: &[],
            allow_any_api: false,
            allowed_source_ips: &[],
        }
    }

    /// The same resource, whose owner's networks are these address ranges.
    pub fn trusting_source_ips(self, ranges: &'a [ipnet::IpNet]) -> Self {
        ResourceContext {
            allowed_source_ips: ranges,
            ..self
        }
    }

    fn trusts_source_ip(&self, value: &str) -> bool {
        parse_ip_block(value).is_some_and(|block| {
            self.allowed_source_ips
                .iter()
                .any(|range| range.contains(&block))
        })
    }

    /// The service whose trusted keys judge `condition`: aws:SourceIp is trusted by S3 alone,
    /// unless the owner named its ranges, and then it is read as S3 reads it, everywhere.
    fn key_service(&self, condition: &Condition) -> ResourceService {
        if condition.key_lower == "aws:sourceip" && !self.allowed_source_ips.is_empty() {
            ResourceService::S3
        } else {
            self.service
        }
    }

    /// The same resource, whose owner lets API Gateway invoke it from any of its APIs.
    pub fn allowing_any_api(self, allow: bool) -> Self {
        ResourceContext {
            allow_any_api: allow,
            ..self
        }
    }

    /// The same resource, whose owner also trusts these accounts and organizations.
    pub fn trusting(self, accounts: &'a [String], organizations: &'a [String]) -> Self {
        ResourceContext {
            allowed_accounts: accounts,
            allowed_organizations: organizations,
            ..self
        }
    }

    fn trusts_account(&self, account: &str) -> bool {
        account == self.account
            || self
                .allowed_accounts
                .iter()
                .any(|allowed| allowed == account)
    }

    fn trusts_organization(&self, organization: &str) -> bool {
        self.allowed_organizations
            .iter()
            .any(|allowed| allowed == organization)
    }

    fn binds(&self, pin: &Pin<'_>) -> bool {
        pin.binds_to(
            |account| self.trusts_account(account),
            |org| self.trusts_organization(org),
            |value| self.trusts_source_ip(value),
        )
    }
}

/// The verdict on one resource policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourcePolicyAnalysis {
    /// Someone outside any fixed set of accounts can get access.
    pub public: bool,
    /// An account outside the trusted ones can get access (every public grant is one).
    pub cross_account: bool,
    /// A service principal is allowed without a confused-deputy guard.
    pub unguarded_service_principal: bool,
    pub findings: Vec<Finding>,
}

impl ResourcePolicyAnalysis {
    fn add(
        &mut self,
        statement: &Statement,
        kind: FindingKind,
        message: String,
        restricted_by: Vec<String>,
    ) {
        match kind {
            FindingKind::Public => {
                self.public = true;
                self.cross_account = true;
            }
            FindingKind::CrossAccount | FindingKind::CannotDecide => self.cross_account = true,
            FindingKind::UnguardedServicePrincipal => self.unguarded_service_principal = true,
            _ => {}
        }
        self.findings.push(Finding {
            kind,
            statement: Some(statement.index),
            sid: statement.sid.clone(),
            policy: None,
            message,
            restricted_by,
        });
    }
}

/// Analyzes a resource policy owned by `context.account`.
pub fn analyze_resource_policy(
    policy: &Policy,
    context: &ResourceContext<'_>,
) -> ResourcePolicyAnalysis {
    let mut analysis = ResourcePolicyAnalysis::default();
    let denies: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Deny && !statement.is_inert())
        .collect();
    for statement in &policy.statements {
        if statement.effect == Effect::Allow && !statement.is_inert() {
            judge_allow(statement, &denies, context, &mut analysis);
        }
    }
    analysis
}

fn judge_allow(
    statement: &Statement,
    denies: &[&Statement],
    context: &ResourceContext<'_>,
    analysis: &mut ResourcePolicyAnalysis,
) {
    let label = statement.label();
    let principals = match &statement.principal {
        Some(PrincipalClause::Principal(principals)) => principals,
        Some(PrincipalClause::NotPrincipal(_)) => {
            let who =
                "everyone except the principals in its NotPrincipal, anonymous callers included";
            judge_open_grant(statement, who, denies, context, analysis);
            return;
        }
        None => {
            analysis.public = true;
            analysis.add(
                statement,
                FindingKind::CannotDecide,
                format!("{label} has no Principal, so who it allows cannot be told; name the principals it is for"),
                Vec::new(),
            );
            return;
        }
    };
    if principals.includes_anyone() {
        judge_open_grant(
            statement,
            "anyone (\"Principal\": \"*\")",
            denies,
            context,
            analysis,
        );
    }
    for provider in principals
        .federated
        .iter()
        .filter(|provider| Arn::parse(provider).is_none())
    {
        let who = format!("any user of the identity provider {provider}");
        judge_open_grant(statement, &who, denies, context, analysis);
    }
    judge_named_principals(statement, principals, denies, context, analysis);
    // A grant an unconditional Deny takes back lets no service act for anyone.
    let cancelled = denies
        .iter()
        .filter(|deny| deny_reaches(deny, statement, &Reach::Anyone))
        .any(|deny| matches!(deny_narrowing(deny, context), Some(Narrowing::Cancels)));
    if principals.service.is_empty() || cancelled {
        return;
    }
    if !statement.conditions.iter().any(is_confused_deputy_guard) {
        let message = unguarded_service_message(statement, &principals.service);
        analysis.add(
            statement,
            FindingKind::UnguardedServicePrincipal,
            message,
            Vec::new(),
        );
    } else if principals
        .service
        .iter()
        .any(|service| service.eq_ignore_ascii_case(API_GATEWAY))
    {
        judge_api_source(statement, context, analysis);
    }
}

const API_GATEWAY: &str = "apigateway.amazonaws.com";

/// How narrowly API Gateway's `aws:SourceArn` names what may invoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ApiSource {
    /// Any API in the account (an API id wildcard, or no aws:SourceArn at all).
    AnyApi,
    /// Every stage, method or path of one API.
    OneApi,
    /// One route: API id, stage, method and path all named.
    OneRoute,
}

/// `arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH`, as narrowly as it is named.
/// A route is its method and path; the stage may be any (the same route in every stage).
fn api_source(value: &str) -> ApiSource {
    let Some(arn) = Arn::parse(value) else {
        return ApiSource::AnyApi;
    };
    let named = |part: &str| !part.is_empty() && !glob::has_wildcard(part);
    match arn.resource.splitn(4, '/').collect::<Vec<_>>().as_slice() {
        [api, ..] if !named(api) => ApiSource::AnyApi,
        [_, _, method, path] if named(method) && named(path) => ApiSource::OneRoute,
        _ => ApiSource::OneApi,
    }
}

/// A guarded permission for API Gateway must still name the API, or any API in the account,
/// built by anyone who may create one, can invoke the resource.
fn judge_api_source(
    statement: &Statement,
    context: &ResourceContext<'_>,
    analysis: &mut ResourcePolicyAnalysis,
) {
    let sources: Vec<&String> = statement
        .conditions
        .iter()
        .filter(|condition| {
            condition.key_lower == "aws:sourcearn" && condition.operator.requires_key_to_match()
        })
        .flat_map(|condition| condition.values.iter())
        .collect();
    let narrowest = sources
        .iter()
        .map(|value| api_source(value))
        .min()
        .unwrap_or(ApiSource::AnyApi);
    let named = match sources.first() {
        Some(value) => format!("aws:SourceArn {value}"),
        None => "no aws:SourceArn".to_owned(),
    };
    let label = statement.label();
    let route = "arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH";
    match narrowest {
        ApiSource::AnyApi if !context.allow_any_api => analysis.add(
            statement,
            FindingKind::UnpinnedApi,
            format!("{label} lets {API_GATEWAY} invoke from any API in the account ({named}); name the API id in aws:SourceArn, best with its stage, method and path ({route}), or set AllowAnyApiInAccount"),
            Vec::new(),
        ),
        ApiSource::AnyApi | ApiSource::OneApi => analysis.add(
            statement,
            FindingKind::UnpinnedApiRoute,
            format!("{label} admits every route of the API ({named}); name the method and path too (API_ID/STAGE/METHOD/PATH) to admit only the route that needs it"),
            Vec::new(),
        ),
        ApiSource::OneRoute => {}
    }
}

/// A grant to a principal set with no fixed account: `*`, NotPrincipal, a web identity provider.
fn judge_open_grant(
    statement: &Statement,
    who: &str,
    denies: &[&Statement],
    context: &ResourceContext<'_>,
    analysis: &mut ResourcePolicyAnalysis,
) {
    let mut pins = pins_of(&statement.conditions, context);
    for deny in denies
        .iter()
        .filter(|deny| deny_reaches(deny, statement, &Reach::Anyone))
    {
        match deny_narrowing(deny, context) {
            Some(Narrowing::Cancels) => return,
            Some(Narrowing::Pins(deny_pins)) => pins.extend(deny_pins),
            None => {}
        }
    }
    let label = statement.label();
    let actions = describe_actions(&statement.action);
    if pins.is_empty() {
        let message = if context.service == ResourceService::Lambda
            && is_function_url_grant(statement)
        {
            format!(
                "{label} lets anyone invoke the function through its URL without authentication; set the URL's AuthType to AWS_IAM and grant only the principals that call it"
            )
        } else {
            format!(
                "{label} allows {who} to use {actions} with no condition that pins the caller; name the accounts or roles that need access, or add a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID"
            )
        };
        analysis.add(statement, FindingKind::Public, message, Vec::new());
        return;
    }
    if pins.iter().any(|pin| context.binds(pin)) {
        return;
    }
    let keys: Vec<String> = pins.iter().map(|pin| pin.key.to_owned()).collect();
    let message = format!(
        "{label} allows {who} to use {actions}, limited only by {}, which principals of other accounts can also meet; add aws:PrincipalAccount or aws:PrincipalOrgID for the accounts you trust",
        keys.join(" and ")
    );
    analysis.add(statement, FindingKind::CrossAccount, message, keys);
}

fn judge_named_principals(
    statement: &Statement,
    principals: &Principals,
    denies: &[&Statement],
    context: &ResourceContext<'_>,
    analysis: &mut ResourcePolicyAnalysis,
) {
    let own_pins = pins_of(&statement.conditions, context);
    let bound_by_own_conditions = own_pins.iter().any(|pin| context.binds(pin));
    let mut foreign: Vec<&str> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    let federated_arns = principals.federated.iter().filter_map(|provider| {
        Arn::parse(provider).map(|arn| (provider.as_str(), arn.fixed_account()))
    });
    let aws = principals
        .aws
        .iter()
        .filter_map(|value| match classify_aws_principal(value) {
            Ok(AwsPrincipal::InAccount(account)) => Some((value.as_str(), Some(account))),
            Ok(AwsPrincipal::UniqueId(_)) | Err(_) => Some((value.as_str(), None)),
            // The owner's own identity for its distribution: neither public nor another account.
            Ok(AwsPrincipal::Anyone | AwsPrincipal::CloudFrontOriginAccessIdentity(_)) => None,
        });
    let canonical = principals
        .canonical_user
        .iter()
        .map(|value| (value.as_str(), None));
    for (written, account) in aws.chain(federated_arns).chain(canonical) {
        match account {
            Some(account) if context.trusts_account(account) => {}
            _ if bound_by_own_conditions => {}
            _ if denied_for(written, account, statement, denies, context) => {}
            Some(_) => foreign.push(written),
            None => unknown.push(written),
        }
    }
    let label = statement.label();
    let actions = describe_actions(&statement.action);
    if !foreign.is_empty() {
        let message = format!(
            "{label} grants {actions} to {}, outside the trusted accounts; remove the grant, or add the account to AllowedAccountIds if it is expected",
            foreign.join(", ")
        );
        analysis.add(statement, FindingKind::CrossAccount, message, Vec::new());
    }
    if !unknown.is_empty() {
        let message = format!(
            "{label} grants {actions} to {}, whose account cannot be told (a deleted principal's id, or a canonical user); replace it with the ARN of the principal that needs access",
            unknown.join(", ")
        );
        analysis.add(statement, FindingKind::CannotDecide, message, Vec::new());
    }
}

/// Whether a Deny in the policy keeps the named principal out of what `statement` allows.
fn denied_for(
    written: &str,
    account: Option<&str>,
    statement: &Statement,
    denies: &[&Statement],
    context: &ResourceContext<'_>,
) -> bool {
    let reach = Reach::Named { written, account };
    denies
        .iter()
        .filter(|deny| deny_reaches(deny, statement, &reach))
        .any(|deny| match deny_narrowing(deny, context) {
            Some(Narrowing::Cancels) => true,
            Some(Narrowing::Pins(pins)) => pins.iter().any(|pin| context.binds(pin)),
            None => false,
        })
}

fn pins_of<'a>(conditions: &'a [Condition], context: &ResourceContext<'_>) -> Vec<Pin<'a>> {
    conditions
        .iter()
        .filter_map(|condition| pin_from_allow(condition, context.key_service(condition)))
        .collect()
}

/// What a covering Deny does to an Allow.
enum Narrowing<'a> {
    /// Unconditional: the Allow grants nothing.
    Cancels,
    /// "Deny unless": the Allow is pinned to the Deny's values.
    Pins(Vec<Pin<'a>>),
}

fn deny_narrowing<'a>(deny: &'a Statement, context: &ResourceContext<'_>) -> Option<Narrowing<'a>> {
    match deny.conditions.as_slice() {
        [] => Some(Narrowing::Cancels),
        // More than one condition ANDs them, which weakens the Deny: it no longer pins.
        [only] => {
            pin_from_deny(only, context.key_service(only)).map(|pin| Narrowing::Pins(vec![pin]))
        }
        _ => None,
    }
}

/// The principals an Allow grants, as a Deny must reach them.
enum Reach<'a> {
    Anyone,
    Named {
        written: &'a str,
        account: Option<&'a str>,
    },
}

/// Whether `deny` applies to every request `allow` grants to `reach`: its principal, actions
/// and resources cover the Allow's. Deny with NotPrincipal, NotAction or NotResource is not
/// trusted to cover anything (under-approximating a Deny can only add findings).
fn deny_reaches(deny: &Statement, allow: &Statement, reach: &Reach<'_>) -> bool {
    let principal_covered = match &deny.principal {
        Some(PrincipalClause::Principal(denied)) if denied.includes_anyone() => true,
        Some(PrincipalClause::Principal(denied)) => match reach {
            Reach::Anyone => false,
            Reach::Named { written, account } => denied.aws.iter().any(|value| {
                value == written
                    || matches!((classify_aws_principal(value), account), (Ok(AwsPrincipal::InAccount(a)), Some(b)) if a == *b && is_whole_account(value))
            }),
        },
        _ => false,
    };
    principal_covered && allow.action.is_covered_by(&deny.action) && deny.resources_cover(allow)
}

/// How a policy limits its grants to networks: aws:SourceVpc or aws:SourceVpce pinned to fixed
/// values, on the Allow itself or by a "Deny unless" that covers it (the pattern AWS documents
/// for private APIs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkLimits {
    /// Allow statements a caller can use from any network, by label.
    pub unlimited: Vec<String>,
    /// The VPCs and VPC endpoints the limited statements admit.
    pub networks: Vec<String>,
}

/// Which grants of `policy` are limited to fixed VPCs or VPC endpoints.
pub fn network_limits(policy: &Policy, service: ResourceService) -> NetworkLimits {
    let denies: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Deny && !statement.is_inert())
        .collect();
    let mut limits = NetworkLimits::default();
    let context = ResourceContext::new(service, "");
    for allow in policy
        .statements
        .iter()
        .filter(|statement| statement.effect == Effect::Allow && !statement.is_inert())
    {
        let mut pins = pins_of(&allow.conditions, &context);
        let mut cancelled = false;
        for deny in denies
            .iter()
            .filter(|deny| deny_reaches(deny, allow, &Reach::Anyone))
        {
            match deny_narrowing(deny, &context) {
                Some(Narrowing::Cancels) => cancelled = true,
                Some(Narrowing::Pins(deny_pins)) => pins.extend(deny_pins),
                None => {}
            }
        }
        let network_pins: Vec<&Pin<'_>> = pins
            .iter()
            .filter(|pin| pin.kind == KeyKind::Network)
            .collect();
        if cancelled {
            continue;
        }
        if network_pins.is_empty() {
            limits.unlimited.push(allow.label().to_string());
        }
        limits.networks.extend(
            network_pins
                .iter()
                .flat_map(|pin| pin.values.iter().cloned()),
        );
    }
    limits.networks.sort();
    limits.networks.dedup();
    limits
}

fn is_whole_account(value: &str) -> bool {
    super::arn::is_account_id(value) || value.ends_with(":root")
}

fn is_function_url_grant(statement: &Statement) -> bool {
    statement.conditions.iter().any(|condition| {
        (condition.key_lower == "lambda:functionurlauthtype"
            && condition
                .values
                .iter()
                .any(|value| value.eq_ignore_ascii_case("NONE")))
            || condition.key_lower == "lambda:invokedviafunctionurl"
    })
}

/// A short, readable list of what a statement allows.
fn describe_actions(action: &Names) -> String {
    const SHOWN: usize = 3;
    match action {
        Names::Only(names) if names.iter().any(|name| name == "*") => "every action".to_owned(),
        Names::Only(names) => {
            let shown: Vec<&str> = names.iter().take(SHOWN).map(String::as_str).collect();
            match names.len().saturating_sub(SHOWN) {
                0 => shown.join(", "),
                more => format!("{} and {more} more", shown.join(", ")),
            }
        }
        Names::AllExcept(names) => format!("every action except {}", names.join(", ")),
    }
}

fn unguarded_service_message(statement: &Statement, services: &[String]) -> String {
    let label = statement.label();
    let actions = describe_actions(&statement.action);
    let first = services.first().map(String::as_str).unwrap_or_default();
    let fix = match first.split('.').next().unwrap_or_default() {
        "s3" => "add aws:SourceAccount with your account id (bucket ARNs carry no account) and aws:SourceArn naming the bucket".to_owned(),
        "sns" => "add aws:SourceArn naming your topic".to_owned(),
        "events" => "add aws:SourceArn naming your EventBridge rule".to_owned(),
        "apigateway" => "add aws:SourceArn naming your API (arn:aws:execute-api:REGION:ACCOUNT:API_ID/*)".to_owned(),
        "logs" => "add aws:SourceArn naming your log group".to_owned(),
        _ => "add aws:SourceArn naming the resource that calls it, or aws:SourceAccount".to_owned(),
    };
    format!(
        "{label} lets {} use {actions} without an aws:SourceArn or aws:SourceAccount condition, so a resource in any account could make the service act for it (confused deputy); {fix}",
        services.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_contains, assert_starts_with};

    const OWNER: &str = "111122223333";

    fn analyze(service: ResourceService, policy: &str) -> ResourcePolicyAnalysis {
        analyze_with(service, policy, &[])
    }

    fn analyze_with(
        service: ResourceService,
        policy: &str,
        allowed: &[&str],
    ) -> ResourcePolicyAnalysis {
        let allowed: Vec<String> = allowed.iter().map(|a| (*a).to_owned()).collect();
        let context = ResourceContext::new(service, OWNER).trusting(&allowed, &[]);
        analyze_resource_policy(&Policy::parse(policy).unwrap(), &context)
    }

    fn limits(policy: &str) -> NetworkLimits {
        network_limits(&Policy::parse(policy).unwrap(), ResourceService::ApiGateway)
    }

    #[test]
    fn a_private_api_policy_with_deny_unless_source_vpce_limits_every_grant() {
        let result = limits(
            r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}"#,
        );
        assert!(result.unlimited.is_empty(), "{result:?}");
        assert_eq!(result.networks, ["vpce-1a2b3c4d"]);
    }

    #[test]
    fn an_allow_pinned_to_a_vpc_is_limited_but_a_deny_on_other_actions_does_not_limit() {
        let own = limits(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-0abc"}}}}"#,
        );
        assert!(own.unlimited.is_empty());
        assert_eq!(own.networks, ["vpc-0abc"]);
        let narrow_deny = limits(
            r#"{"Statement":[
            {"Sid":"Invoke","Effect":"Allow","Principal":"*","Action":"execute-api:*","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#,
        );
        assert_eq!(narrow_deny.unlimited, ["Statement[0] (Sid \"Invoke\")"]);
    }

    #[test]
    fn a_wildcard_or_if_exists_source_vpce_does_not_limit() {
        for condition in [
            r#"{"StringLike":{"aws:SourceVpce":"vpce-*"}}"#,
            r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#,
            r#"{"StringEquals":{"aws:SourceIp":"10.0.0.0/8"}}"#,
        ] {
            let policy = format!(
                r#"{{"Statement":{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{condition}}}}}"#
            );
            assert_eq!(limits(&policy).unlimited.len(), 1, "{condition}");
        }
    }

    #[test]
    fn given_an_unconditioned_star_principal_when_analyzed_then_it_is_public_and_names_the_statement(
    ) {
        let result = analyze(
            ResourceService::Sqs,
            r#"{"Statement":{"Sid":"Open","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"}}"#,
        );
        assert!(result.public && result.cross_account);
        let finding = &result.findings[0];
        assert_eq!(finding.kind, FindingKind::Public);
        assert_eq!(
            (finding.statement, finding.sid.as_deref()),
            (Some(0), Some("Open"))
        );
        assert_starts_with(&finding.message, "Statement[0] (Sid \"Open\")");
    }

    #[test]
    fn given_the_sns_default_policy_when_analyzed_then_it_is_private() {
        let result = analyze(
            ResourceService::Sns,
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},
            "Action":["SNS:Publish","SNS:Subscribe"],"Resource":"arn:aws:sns:us-east-1:111122223333:t",
            "Condition":{"StringEquals":{"AWS:SourceOwner":"111122223333"}}}]}"#,
        );
        assert_eq!(result, ResourcePolicyAnalysis::default());
    }

    #[test]
    fn given_a_vpce_pin_when_analyzed_then_it_is_not_public_but_still_cross_account() {
        let result = analyze(
            ResourceService::S3,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
            "Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}"#,
        );
        assert!(!result.public);
        assert!(result.cross_account);
        assert_eq!(
            result.findings[0].restricted_by,
            vec!["aws:SourceVpce".to_owned()]
        );
    }

    #[test]
    fn given_the_private_api_deny_unless_vpce_pattern_when_analyzed_then_it_is_not_public() {
        let result = analyze(
            ResourceService::ApiGateway,
            r#"{"Statement":[
              {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
               "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}},
              {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#,
        );
        assert!(!result.public);
        assert!(result.cross_account);
    }

    #[test]
    fn given_a_deny_on_a_narrower_resource_when_analyzed_then_the_grant_stays_public() {
        let result = analyze(
            ResourceService::S3,
            r#"{"Statement":[
              {"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/private/*",
               "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}},
              {"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
        );
        assert!(result.public);
    }

    #[test]
    fn given_an_unconditional_covering_deny_when_analyzed_then_the_allow_is_cancelled() {
        let result = analyze(
            ResourceService::Sqs,
            r#"{"Statement":[
              {"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"},
              {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sqs:*","Resource":"*"}]}"#,
        );
        assert_eq!(result, ResourcePolicyAnalysis::default());
    }

    #[test]
    fn given_a_foreign_account_when_analyzed_then_cross_account_unless_allowed() {
        let policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},
            "Action":"lambda:InvokeFunction","Resource":"*"}]}"#;
        let result = analyze(ResourceService::Lambda, policy);
        assert!(result.cross_account && !result.public);
        assert!(result.findings[0]
            .message
            .contains("arn:aws:iam::444455556666:root"));
        assert_eq!(
            analyze_with(ResourceService::Lambda, policy, &["444455556666"]),
            ResourcePolicyAnalysis::default()
        );
    }

    #[test]
    fn given_an_sns_service_principal_without_source_arn_when_analyzed_then_it_is_unguarded() {
        let unguarded = analyze(
            ResourceService::Lambda,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},
            "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f"}]}"#,
        );
        assert!(
            unguarded.unguarded_service_principal && !unguarded.public && !unguarded.cross_account
        );
        assert!(unguarded.findings[0].message.contains("naming your topic"));
        let guarded = analyze(
            ResourceService::Lambda,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},
            "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f",
            "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:111122223333:orders"}}}]}"#,
        );
        assert_eq!(guarded, ResourcePolicyAnalysis::default());
    }

    #[test]
    fn given_a_public_function_url_when_analyzed_then_the_finding_says_so() {
        let result = analyze(
            ResourceService::Lambda,
            r#"{"Statement":[{"Sid":"FunctionURLAllowPublicAccess","Effect":"Allow","Principal":"*",
            "Action":"lambda:InvokeFunctionUrl","Resource":"arn:aws:lambda:us-east-1:111122223333:function:f",
            "Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}]}"#,
        );
        assert!(result.public);
        assert!(result.findings[0].message.contains("through its URL"));
    }

    #[test]
    fn given_allow_with_not_principal_when_analyzed_then_it_is_public() {
        let result = analyze(
            ResourceService::S3,
            r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},
            "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
        );
        assert!(result.public);
    }

    #[test]
    fn given_a_deleted_principal_id_when_analyzed_then_it_cannot_decide_and_counts_as_cross_account(
    ) {
        let result = analyze(
            ResourceService::Sqs,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEID12345678"},"Action":"sqs:*","Resource":"*"}]}"#,
        );
        assert!(result.cross_account);
        assert_eq!(result.findings[0].kind, FindingKind::CannotDecide);
    }

    #[test]
    fn given_a_deny_unless_principal_account_when_a_foreign_account_is_granted_then_it_is_kept_out()
    {
        let result = analyze(
            ResourceService::Sqs,
            r#"{"Statement":[
              {"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sqs:SendMessage","Resource":"*"},
              {"Effect":"Deny","Principal":"*","Action":"sqs:*","Resource":"*",
               "Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}]}"#,
        );
        assert_eq!(result, ResourcePolicyAnalysis::default());
    }

    #[test]
    fn given_an_empty_principal_object_when_analyzed_then_the_statement_grants_nothing() {
        let result = analyze(
            ResourceService::Sqs,
            r#"{"Statement":[{"Effect":"Allow","Principal":{},"Action":"sqs:*","Resource":"*"}]}"#,
        );
        assert_eq!(result, ResourcePolicyAnalysis::default());
    }

    #[test]
    fn given_an_allow_without_principal_when_analyzed_then_it_cannot_decide_and_is_not_passed() {
        let result = analyze(
            ResourceService::Sqs,
            r#"{"Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#,
        );
        assert!(result.public && result.cross_account);
        assert_eq!(result.findings[0].kind, FindingKind::CannotDecide);
    }

    fn api_permission(condition: &str) -> String {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"Service":"apigateway.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{condition}}}]}}"#
        )
    }

    fn kinds(analysis: &ResourcePolicyAnalysis) -> Vec<FindingKind> {
        analysis
            .findings
            .iter()
            .map(|finding| finding.kind)
            .collect()
    }

    #[test]
    fn an_api_gateway_permission_must_name_the_api_and_is_advised_to_name_the_route() {
        let account_wide = [
            r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#,
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:execute-api:us-east-1:111122223333:*"}}"#,
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:execute-api:us-east-1:111122223333:*/prod/GET/orders"}}"#,
        ];
        for condition in account_wide {
            let result = analyze(ResourceService::Lambda, &api_permission(condition));
            assert_eq!(kinds(&result), [FindingKind::UnpinnedApi], "{condition}");
            assert_contains(&result.findings[0].message, "from any API in the account");
        }
        for one_api in [
            "a1b2c3/*",
            "a1b2c3/prod/*/orders",
            "a1b2c3/prod/GET/orders/*",
        ] {
            let condition = format!(
                r#"{{"ArnLike":{{"aws:SourceArn":"arn:aws:execute-api:us-east-1:111122223333:{one_api}"}}}}"#
            );
            let result = analyze(ResourceService::Lambda, &api_permission(&condition));
            assert_eq!(kinds(&result), [FindingKind::UnpinnedApiRoute], "{one_api}");
        }
        assert!(FindingKind::UnpinnedApiRoute.is_advice() && !FindingKind::UnpinnedApi.is_advice());
        // Every stage is fine: the same route.
        let route = r#"{"ArnLike":{"aws:SourceArn":"arn:aws:execute-api:us-east-1:111122223333:a1b2c3/*/GET/orders"}}"#;
        assert_eq!(
            analyze(ResourceService::Lambda, &api_permission(route)),
            ResourcePolicyAnalysis::default()
        );
    }

    #[test]
    fn allow_any_api_in_account_turns_the_account_wide_permission_into_advice() {
        let policy = Policy::parse(&api_permission(
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:execute-api:us-east-1:111122223333:*"}}"#,
        ))
        .unwrap();
        let context = ResourceContext::new(ResourceService::Lambda, OWNER).allowing_any_api(true);
        let result = analyze_resource_policy(&policy, &context);
        assert_eq!(kinds(&result), [FindingKind::UnpinnedApiRoute]);
        // Another account's API is never admitted this way: that is the confused deputy.
        let foreign = api_permission(
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:execute-api:us-east-1:*:a1b2c3/*"}}"#,
        );
        let result = analyze_resource_policy(&Policy::parse(&foreign).unwrap(), &context);
        assert_eq!(kinds(&result), [FindingKind::UnguardedServicePrincipal]);
    }

    #[test]
    fn source_ip_inside_the_owners_ranges_is_not_public_on_any_service() {
        let allow = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","198.51.100.7/32"]}}}]}"#;
        let deny_unless = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"sqs:SendMessage","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;
        let judge = |policy: &str, ranges: &[&str]| {
            let ranges: Vec<ipnet::IpNet> = ranges.iter().map(|r| r.parse().unwrap()).collect();
            let context =
                ResourceContext::new(ResourceService::Sqs, OWNER).trusting_source_ips(&ranges);
            analyze_resource_policy(&Policy::parse(policy).unwrap(), &context)
        };
        for policy in [allow, deny_unless] {
            // Without the owner's ranges, SQS does not read aws:SourceIp: the grant stays public.
            assert!(judge(policy, &[]).public, "{policy}");
            let ours = judge(policy, &["203.0.113.0/24", "198.51.100.0/24"]);
            assert_eq!(ours, ResourcePolicyAnalysis::default(), "{policy}");
        }
        // A range wider than the owner's is limited, but not to the owner: another account's
        // principal from those addresses gets in.
        let wider = judge(allow, &["203.0.113.0/25", "198.51.100.7/32"]);
        assert!(!wider.public);
        assert_eq!(kinds(&wider), [FindingKind::CrossAccount]);
        assert_contains(&wider.findings[0].message, "limited only by aws:SourceIp");
    }
}

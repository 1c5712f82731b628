//! Identity policies: how much a role's policies really grant, after explicit Deny
//! (`docs/policy-semantics.md`, section 7).
//!
//! Allow conditions are ignored (a conditional grant is still a grant); only unconditional Deny
//! statements with a plain `Action` list narrow the grant, which can only add findings.

use serde::Serialize;

use super::catalog::{Action, Catalog, Service};
use super::document::{Effect, Names, Policy, Statement};
use super::escalation::{self, Method, PASS_ROLE};
use super::finding::{Finding, FindingKind};
use super::glob;

/// A policy and the name findings should call it by (`inline policy orders-writer`).
#[derive(Debug, Clone, Copy)]
pub struct NamedPolicy<'a> {
    pub name: Option<&'a str>,
    pub policy: &'a Policy,
}

/// The verdict on the combined grant of one or more identity policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdentityPolicyAnalysis {
    pub full_admin: bool,
    pub wildcard_action: bool,
    pub service_wildcard: bool,
    pub privilege_escalation: bool,
    pub wildcard_resource_on_write: bool,
    /// Every privilege-escalation method the grant allows, by the names of
    /// `shared/data/escalation-methods.tsv` (the findings name the first few).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub escalation_methods: Vec<&'static str>,
    pub findings: Vec<Finding>,
}

/// Analyzes one identity policy.
pub fn analyze_identity_policy(policy: &Policy, catalog: &Catalog) -> IdentityPolicyAnalysis {
    analyze_identity_policies(&[NamedPolicy { name: None, policy }], catalog)
}

/// Analyzes the policies of one identity together: a Deny in any of them narrows them all.
pub fn analyze_identity_policies(
    policies: &[NamedPolicy<'_>],
    catalog: &Catalog,
) -> IdentityPolicyAnalysis {
    let statements: Vec<(Option<&str>, &Statement)> = policies
        .iter()
        .flat_map(|named| {
            named
                .policy
                .statements
                .iter()
                .map(move |statement| (named.name, statement))
        })
        .filter(|(_, statement)| !statement.is_inert())
        .collect();
    let denies: Vec<&Statement> = statements
        .iter()
        .map(|(_, statement)| *statement)
        .filter(|s| s.effect == Effect::Deny && s.conditions.is_empty())
        .collect();
    let grants: Vec<Grant<'_>> = statements
        .iter()
        .filter(|(_, statement)| statement.effect == Effect::Allow)
        .map(|(policy, statement)| Grant {
            policy: *policy,
            statement,
            denies: denies
                .iter()
                .copied()
                .filter(|deny| deny.resources_cover(statement))
                .collect(),
            passed_to: escalation::passed_to_services(&statement.conditions),
        })
        .collect();

    let mut analysis = IdentityPolicyAnalysis::default();
    for grant in &grants {
        judge_actions(grant, catalog, &mut analysis);
        judge_writes_on_everything(grant, catalog, &mut analysis);
    }
    judge_privilege_escalation(&grants, &mut analysis);
    analysis
}

/// An Allow statement with the Deny statements that apply to all of its resources.
struct Grant<'a> {
    policy: Option<&'a str>,
    statement: &'a Statement,
    denies: Vec<&'a Statement>,
    /// Where `iam:PassedToService` lets a passed role go (`None`: anywhere), read once.
    passed_to: Option<Vec<&'a str>>,
}

impl Grant<'_> {
    fn on_everything(&self) -> bool {
        self.statement
            .resource
            .as_ref()
            .is_none_or(Names::reaches_everything)
    }

    /// Whether a Deny takes away every action the pattern could match.
    fn pattern_denied(&self, pattern: &str) -> bool {
        self.denies.iter().any(|deny| match &deny.action {
            Names::Only(denied) => denied.iter().any(|d| glob::covers(d, pattern)),
            Names::AllExcept(kept) => !kept.iter().any(|k| may_overlap(k, pattern)),
        })
    }

    /// Whether the grant gives `action` widely enough to escalate: on every resource, or, for
    /// the IAM actions on roles, on every role.
    fn reaches_widely(&self, action: &str) -> bool {
        match &self.statement.resource {
            None => true,
            Some(Names::AllExcept(_)) => true,
            Some(Names::Only(resources)) => resources
                .iter()
                .any(|resource| escalation::reaches_every_role(action, resource)),
        }
    }

    /// Whether the grant lets a role be passed to one of `services` (iam:PassedToService).
    fn passes_role_to(&self, services: &[&str]) -> bool {
        escalation::passes_to_any(self.passed_to.as_deref(), services)
    }

    fn grants_action(&self, action: &str) -> bool {
        let allowed = match &self.statement.action {
            Names::Only(patterns) => patterns.iter().any(|p| glob::matches(p, action)),
            Names::AllExcept(excluded) => !excluded.iter().any(|p| glob::matches(p, action)),
        };
        allowed && !self.pattern_denied(action)
    }

    fn label(&self) -> String {
        match self.policy {
            Some(policy) => format!("{} of {policy}", self.statement.label()),
            None => self.statement.label().to_string(),
        }
    }

    fn report(&self, analysis: &mut IdentityPolicyAnalysis, kind: FindingKind, message: String) {
        analysis.findings.push(self.finding(kind, message));
    }

    /// A finding on this grant. A condition does not clear it (docs/policy-semantics.md,
    /// section 9), but it is named: in `restricted_by`, and in the message.
    fn finding(&self, kind: FindingKind, message: String) -> Finding {
        let mut restricted_by: Vec<String> = Vec::new();
        for condition in &self.statement.conditions {
            if !restricted_by.contains(&condition.key) {
                restricted_by.push(condition.key.clone());
            }
        }
        let message = if restricted_by.is_empty() {
            message
        } else {
            format!(
                "{message} (only where its conditions on {} hold)",
                restricted_by.join(", ")
            )
        };
        Finding {
            kind,
            statement: Some(self.statement.index),
            sid: self.statement.sid.clone(),
            policy: self.policy.map(str::to_owned),
            message,
            restricted_by,
        }
    }
}

fn judge_actions(grant: &Grant<'_>, catalog: &Catalog, analysis: &mut IdentityPolicyAnalysis) {
    let label = grant.label();
    let patterns = match &grant.statement.action {
        Names::Only(patterns) => patterns,
        Names::AllExcept(excluded) => {
            analysis.wildcard_action = true;
            analysis.service_wildcard = true;
            grant.report(analysis, FindingKind::WildcardAction, format!(
                "{label} allows every action except {} (NotAction); replace it with an Action list of what the function calls",
                excluded.join(", ")
            ));
            grant.report(analysis, FindingKind::ServiceWildcard, format!(
                "{label} grants in full every service it does not exclude; list the actions the function calls"
            ));
            return;
        }
    };
    let effective: Vec<&str> = patterns
        .iter()
        .map(String::as_str)
        .filter(|pattern| !grant.pattern_denied(pattern))
        .collect();
    let every_action = effective.iter().any(|p| is_every_action(p));
    if every_action && grant.on_everything() && grant.denies.is_empty() {
        analysis.full_admin = true;
        grant.report(analysis, FindingKind::FullAdmin, format!(
            "{label} allows every action on every resource (full administrator); grant only the actions the function calls, on the resources it uses"
        ));
    }
    let those = |keep: &dyn Fn(&str) -> bool| -> Vec<&str> {
        effective.iter().copied().filter(|p| keep(p)).collect()
    };
    let service_wildcards = those(&is_service_wildcard);
    if !service_wildcards.is_empty() {
        analysis.service_wildcard = true;
        grant.report(analysis, FindingKind::ServiceWildcard, format!(
            "{label} allows every action of a service ({}); list the actions the function calls instead",
            service_wildcards.join(", ")
        ));
    }
    let wildcards = those(&glob::has_wildcard);
    if !wildcards.is_empty() {
        analysis.wildcard_action = true;
        grant.report(analysis, FindingKind::WildcardAction, format!(
            "{label} uses wildcard actions ({}), which also grant actions AWS adds later; name each action the function calls",
            wildcards.join(", ")
        ));
    }
    let unknown =
        those(&|pattern| !is_every_action(pattern) && catalog.matching(pattern).next().is_none());
    // A wildcard over a service the catalogue does not know could grant anything of it: that
    // cannot be decided. A named action it does not know is one action: reported, not judged.
    let (undecidable, named): (Vec<&str>, Vec<&str>) = unknown.into_iter().partition(|pattern| {
        glob::has_wildcard(pattern)
            && !pattern
                .split_once(':')
                .is_some_and(|(service, _)| catalog.knows_service(service))
    });
    if !undecidable.is_empty() {
        grant.report(analysis, FindingKind::CannotDecide, format!(
            "{label} allows {}, over services the catalogue does not know, so what it grants cannot be told; name the actions, or regenerate the catalogue if the service is new",
            undecidable.join(", ")
        ));
    }
    if !named.is_empty() {
        grant.report(analysis, FindingKind::UnknownAction, format!(
            "{label} allows {}, which matches no action in the catalogue; check the spelling, or regenerate the catalogue if the action is new",
            named.join(", ")
        ));
    }
}

fn is_every_action(pattern: &str) -> bool {
    pattern.bytes().all(|b| b == b'*' || b == b':') && pattern.contains('*')
}

/// `service:*`, and `service:**` (any run of `*` matches the same).
fn is_service_wildcard(pattern: &str) -> bool {
    is_every_action(pattern)
        || pattern
            .split_once(':')
            .is_some_and(|(_, name)| !name.is_empty() && name.bytes().all(|b| b == b'*'))
}

/// Whether some action could match both patterns. Sound for what it is used for (a NotAction
/// Deny removes a pattern only when nothing it keeps could overlap it): two wildcards are
/// assumed to overlap.
fn may_overlap(a: &str, b: &str) -> bool {
    match (glob::has_wildcard(a), glob::has_wildcard(b)) {
        (false, false) => a.eq_ignore_ascii_case(b),
        (true, false) => glob::matches(a, b),
        (false, true) => glob::matches(b, a),
        (true, true) => true,
    }
}

/// The action patterns of a list that could match actions of one service, split once so that
/// matching each of the service's actions compares only names (the hot path of the analyzer:
/// a grant on `*` is checked against every write action of every service it reaches). The
/// first is kept apart: most lists name one pattern per service, and need no allocation.
struct ServicePatterns<'a> {
    first: Option<ServicePattern<'a>>,
    rest: Vec<ServicePattern<'a>>,
}

#[derive(Clone, Copy)]
enum ServicePattern<'a> {
    /// The name part of `prefix:name`, whose prefix matches the service.
    Name(&'a str),
    /// A pattern with no service part, matched against the full action name.
    Whole(&'a str),
}

impl<'a> ServicePatterns<'a> {
    fn of(patterns: &'a [String], service: &Service<'_>) -> Self {
        let mut relevant = patterns
            .iter()
            .filter_map(|pattern| match pattern.split_once(':') {
                Some((prefix, name)) => {
                    glob::matches(prefix, service.prefix).then_some(ServicePattern::Name(name))
                }
                None => Some(ServicePattern::Whole(pattern)),
            });
        ServicePatterns {
            first: relevant.next(),
            rest: relevant.collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    fn iter(&self) -> impl Iterator<Item = &ServicePattern<'a>> {
        self.first.iter().chain(&self.rest)
    }

    /// Whether any of the patterns matches `action`, an action of the service.
    fn match_any(&self, action: &Action<'_>) -> bool {
        self.iter().any(|pattern| match pattern {
            ServicePattern::Name(name) => glob::matches(name, action.name),
            ServicePattern::Whole(pattern) => action.matches(pattern),
        })
    }
}

/// The Deny statements of a grant, as they bear on one service's actions.
struct ServiceDenies<'a> {
    /// `(true, listed)`: a Deny of the listed actions; `(false, kept)`: a Deny with NotAction,
    /// taking away every action it does not keep.
    denies: Vec<(bool, ServicePatterns<'a>)>,
}

impl<'a> ServiceDenies<'a> {
    fn of(grant: &Grant<'a>, service: &Service<'_>) -> Self {
        let denies = grant
            .denies
            .iter()
            .map(|deny| match &deny.action {
                Names::Only(denied) => (true, ServicePatterns::of(denied, service)),
                Names::AllExcept(kept) => (false, ServicePatterns::of(kept, service)),
            })
            .filter(|(listed, patterns)| !(*listed && patterns.is_empty()))
            .collect();
        ServiceDenies { denies }
    }

    /// Whether no Deny could take away an action of the service.
    fn is_empty(&self) -> bool {
        self.denies.is_empty()
    }

    /// Whether a Deny takes away `action`, an action of the service.
    fn deny(&self, action: &Action<'_>) -> bool {
        self.denies.iter().any(|(listed, patterns)| {
            if *listed {
                patterns.match_any(action)
            } else {
                !patterns.match_any(action)
            }
        })
    }
}

/// What a statement's `Action` or `NotAction` allows within one service.
struct Allowed<'a, 'c> {
    action: &'a Names,
    service: Service<'c>,
    /// The patterns of `action` that bear on the service.
    relevant: ServicePatterns<'a>,
}

impl<'a, 'c> Allowed<'a, 'c> {
    fn new(action: &'a Names, service: Service<'c>) -> Self {
        let patterns = match action {
            Names::Only(patterns) | Names::AllExcept(patterns) => patterns,
        };
        Allowed {
            action,
            relevant: ServicePatterns::of(patterns, &service),
            service,
        }
    }

    /// `None` when the statement allows nothing in the service.
    fn in_service(action: &'a Names, service: Service<'c>) -> Option<Self> {
        let allowed = Self::new(action, service);
        match action {
            Names::Only(_) if allowed.relevant.is_empty() => None,
            _ => Some(allowed),
        }
    }

    /// Whether every action of the service is allowed: `*`, `s3:*`, or a `NotAction` that
    /// names nothing in it.
    fn is_whole_service(&self) -> bool {
        match self.action {
            Names::Only(_) => self.relevant.iter().any(|pattern| {
                let (ServicePattern::Name(name) | ServicePattern::Whole(name)) = pattern;
                name.bytes().all(|b| b == b'*')
            }),
            Names::AllExcept(_) => self.relevant.is_empty(),
        }
    }

    fn admits(&self, action: &Action<'_>) -> bool {
        match self.action {
            Names::Only(_) => self.relevant.match_any(action),
            Names::AllExcept(_) => !self.relevant.match_any(action),
        }
    }
}

/// Calls `visit` with each service a statement's actions could reach, with what it allows
/// there: only the services its patterns name when each names its service plainly (`s3:Get*`),
/// every service when one does not (`*`, `*:Get*`, a `NotAction`).
fn for_each_reachable<'a, 'c>(
    action: &'a Names,
    catalog: &'c Catalog,
    mut visit: impl FnMut(Allowed<'a, 'c>),
) {
    let plain_service = |pattern: &String| {
        pattern
            .split_once(':')
            .is_some_and(|(prefix, _)| !glob::has_wildcard(prefix))
    };
    match action {
        Names::Only(patterns) if patterns.iter().all(plain_service) => {
            let mut prefixes: Vec<&str> = patterns
                .iter()
                .filter_map(|pattern| Some(pattern.split_once(':')?.0))
                .collect();
            prefixes.sort_by_key(|prefix| prefix.to_ascii_lowercase());
            prefixes.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
            for service in prefixes.iter().filter_map(|prefix| catalog.service(prefix)) {
                visit(Allowed::new(action, service));
            }
        }
        _ => catalog
            .services()
            .filter_map(|service| Allowed::in_service(action, service))
            .for_each(visit),
    }
}

/// How many write actions a grant gives on every resource, and the first few by name.
#[derive(Default)]
struct WriteTally {
    count: usize,
    shown: Vec<String>,
}

impl WriteTally {
    const SHOWN: usize = 3;

    fn add(&mut self, action: &Action<'_>) {
        self.count += 1;
        if self.shown.len() < Self::SHOWN {
            self.shown.push(action.to_string());
        }
    }

    /// Every scopable write of the service, counted from the catalogue without a walk.
    fn add_whole(&mut self, service: &Service<'_>) {
        self.count += service.scopable_writes;
        let room = Self::SHOWN.saturating_sub(self.shown.len());
        let first = service
            .actions()
            .filter(|action| action.level.is_write_or_permissions() && action.resource_level)
            .take(room);
        self.shown.extend(first.map(|action| action.to_string()));
    }
}

fn judge_writes_on_everything(
    grant: &Grant<'_>,
    catalog: &Catalog,
    analysis: &mut IdentityPolicyAnalysis,
) {
    if !grant.on_everything() {
        return;
    }
    let mut tally = WriteTally::default();
    let every_action = match &grant.statement.action {
        Names::Only(patterns) => patterns.iter().any(|p| is_every_action(p)),
        Names::AllExcept(_) => false,
    };
    if every_action && grant.denies.is_empty() {
        // Every write of every service: counted from the catalogue, service by service.
        catalog
            .services()
            .filter(|service| service.scopable_writes > 0)
            .for_each(|service| tally.add_whole(&service));
    } else {
        tally_writes(grant, catalog, &mut tally);
    }
    report_writes(grant, tally, analysis);
}

/// The writes on every resource a grant that does not name every action allows, service by
/// service, less what its Deny statements take away.
fn tally_writes(grant: &Grant<'_>, catalog: &Catalog, tally: &mut WriteTally) {
    for_each_reachable(&grant.statement.action, catalog, |allowed| {
        let service = allowed.service;
        if service.scopable_writes == 0 {
            return;
        }
        let denies = ServiceDenies::of(grant, &service);
        if allowed.is_whole_service() && denies.is_empty() {
            tally.add_whole(&service);
            return;
        }
        service
            .actions()
            .filter(|action| action.level.is_write_or_permissions() && action.resource_level)
            .filter(|action| allowed.admits(action) && !denies.deny(action))
            .for_each(|action| tally.add(&action));
    });
}

fn report_writes(grant: &Grant<'_>, tally: WriteTally, analysis: &mut IdentityPolicyAnalysis) {
    let WriteTally {
        count,
        shown: writes,
    } = tally;
    if count == 0 {
        return;
    }
    analysis.wildcard_resource_on_write = true;
    let message = if count > writes.len() {
        format!(
            "{} allows {count} write or permissions-management actions (such as {}) on every resource (\"*\"); name the actions the function calls and the resource ARNs it writes to",
            grant.label(),
            writes.join(", ")
        )
    } else {
        format!(
            "{} allows {} on every resource (\"*\"); name the resource ARNs the function writes to",
            grant.label(),
            writes.join(", ")
        )
    };
    analysis
        .findings
        .push(grant.finding(FindingKind::WildcardResourceOnWrite, message));
}

/// The first few names of a list, then how many more.
fn summarize(names: &[&str]) -> String {
    const SHOWN: usize = 4;
    match names.len().checked_sub(SHOWN) {
        Some(more) if more > 0 => format!(
            "{} and {more} more",
            names
                .iter()
                .take(SHOWN)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => names.join(", "),
    }
}

fn judge_privilege_escalation(grants: &[Grant<'_>], analysis: &mut IdentityPolicyAnalysis) {
    let methods = match escalation::methods() {
        Ok(methods) => methods,
        Err(error) => {
            analysis.findings.push(Finding {
                kind: FindingKind::CannotDecide,
                statement: None,
                sid: None,
                policy: None,
                message: format!("privilege escalation cannot be judged: {error}"),
                restricted_by: Vec::new(),
            });
            return;
        }
    };
    // The grant that gives `action` widely enough for `method`.
    let granting = |action: &str, method: &Method| {
        grants.iter().position(|grant| {
            grant.grants_action(action)
                && grant.reaches_widely(action)
                && (action != PASS_ROLE || grant.passes_role_to(&method.passed_to))
        })
    };
    // Methods found, grouped under the statement that grants their first action.
    let mut by_grant: Vec<(usize, Vec<&str>)> = Vec::new();
    for method in methods {
        let positions: Option<Vec<usize>> = method
            .actions
            .iter()
            .map(|action| granting(action, method))
            .collect();
        let Some(first) = positions.and_then(|found| found.first().copied()) else {
            continue;
        };
        analysis.escalation_methods.push(method.name);
        match by_grant.iter_mut().find(|(position, _)| *position == first) {
            Some((_, names)) => names.push(method.name),
            None => by_grant.push((first, vec![method.name])),
        }
    }
    let escalates = !by_grant.is_empty();
    for (position, names) in by_grant {
        let Some(grant) = grants.get(position) else {
            continue;
        };
        analysis.privilege_escalation = true;
        grant.report(analysis, FindingKind::PrivilegeEscalation, format!(
            "{} lets the role grant itself more permissions (privilege-escalation methods: {}); scope iam:PassRole to the roles it must pass and drop IAM and code-update actions",
            grant.label(),
            summarize(&names)
        ));
    }
    if escalates {
        return;
    }
    // PassRole on every role with no method to use it: milder, named on its own.
    for grant in grants
        .iter()
        .filter(|grant| grant.grants_action(PASS_ROLE) && grant.reaches_widely(PASS_ROLE))
    {
        let only = match &grant.passed_to {
            Some(services) => format!(", only to {}", services.join(", ")),
            None => String::new(),
        };
        grant.report(analysis, FindingKind::PassRoleOnEveryRole, format!(
            "{} lets the role pass every role (iam:PassRole on every role{only}); name the roles the function passes",
            grant.label()
        ));
    }
}

/// The services in which the policies allow at least one write or permissions-management
/// action (on any resource): the function's purposes, as IAM sees them.
pub fn write_services(
    policies: &[NamedPolicy<'_>],
    catalog: &Catalog,
) -> std::collections::BTreeSet<String> {
    let allows = policies
        .iter()
        .flat_map(|named| named.policy.statements.iter())
        .filter(|statement| statement.effect == Effect::Allow && !statement.is_inert());
    let mut services = std::collections::BTreeSet::new();
    for statement in allows {
        for_each_reachable(&statement.action, catalog, |allowed| {
            let service = allowed.service;
            if service.writes == 0 || services.contains(service.prefix) {
                return;
            }
            let writes = allowed.is_whole_service()
                || service.actions().any(|action| {
                    action.level.is_write_or_permissions() && allowed.admits(&action)
                });
            if writes {
                services.insert(service.prefix.to_owned());
            }
        });
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_contains, assert_ends_with, assert_starts_with};

    fn analyze(policy: &str) -> IdentityPolicyAnalysis {
        analyze_identity_policy(&Policy::parse(policy).unwrap(), Catalog::embedded())
    }

    fn kinds(analysis: &IdentityPolicyAnalysis) -> Vec<FindingKind> {
        analysis.findings.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn given_administrator_access_when_analyzed_then_every_flag_is_raised() {
        let result = analyze(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        );
        assert!(result.full_admin && result.wildcard_action && result.service_wildcard);
        assert!(result.privilege_escalation && result.wildcard_resource_on_write);
        assert_eq!(kinds(&result)[0], FindingKind::FullAdmin);
    }

    #[test]
    fn given_a_scoped_single_purpose_policy_when_analyzed_then_nothing_is_found() {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],
            "Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/bookings"}]}"#,
        );
        assert_eq!(result, IdentityPolicyAnalysis::default());
    }

    #[test]
    fn given_a_service_wildcard_when_analyzed_then_it_is_a_wildcard_but_a_prefix_wildcard_is_not_a_service_one(
    ) {
        let s3_all = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}"#,
        );
        assert!(s3_all.service_wildcard && s3_all.wildcard_action && !s3_all.full_admin);
        let s3_get = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}]}"#,
        );
        assert!(s3_get.wildcard_action && !s3_get.service_wildcard);
    }

    #[test]
    fn given_write_actions_on_star_when_analyzed_then_they_are_named() {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":"*"}]}"#,
        );
        assert!(result.wildcard_resource_on_write && !result.wildcard_action);
        assert_contains(&result.findings[0].message, "sqs:SendMessage");
        assert!(!result.findings[0].message.contains("ReceiveMessage"));
    }

    #[test]
    fn given_reads_or_unscopable_writes_on_star_when_analyzed_then_they_are_not_writes_on_everything(
    ) {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","xray:PutTraceSegments","xray:PutTelemetryRecords"],"Resource":"*"}]}"#,
        );
        assert!(!result.wildcard_resource_on_write, "{:?}", result.findings);
    }

    #[test]
    fn given_pass_role_on_every_role_alone_then_it_is_named_but_is_not_escalation() {
        let result =
            analyze(r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#);
        assert!(!result.privilege_escalation);
        assert!(kinds(&result).contains(&FindingKind::PassRoleOnEveryRole));
        let scoped = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/worker"}]}"#,
        );
        assert!(!scoped.privilege_escalation);
        assert!(!kinds(&scoped).contains(&FindingKind::PassRoleOnEveryRole));
    }

    #[test]
    fn a_conditional_write_on_everything_is_still_reported_and_names_its_conditions() {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"}}}]}"#,
        );
        assert!(result.wildcard_resource_on_write);
        let finding = &result.findings[0];
        assert_eq!(finding.restricted_by, ["kms:ViaService"]);
        assert!(finding.message.contains("on every resource"));
        assert!(finding
            .message
            .ends_with("(only where its conditions on kms:ViaService hold)"));
        let open =
            analyze(r#"{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#);
        assert!(open.findings[0].restricted_by.is_empty());
    }

    #[test]
    fn every_escalation_method_is_found_and_its_near_miss_is_not() {
        let catalog = Catalog::embedded();
        let analyze_actions = |actions: &[&str], resource: &str| {
            let policy = serde_json::json!({"Statement": [{
                "Effect": "Allow", "Action": actions, "Resource": resource
            }]});
            analyze_identity_policy(&Policy::parse(&policy.to_string()).unwrap(), catalog)
        };
        for method in escalation::methods().unwrap() {
            let granted = analyze_actions(&method.actions, "*");
            assert!(
                granted.escalation_methods.contains(&method.name),
                "{}: {:?}",
                method.name,
                granted.escalation_methods
            );
            // One action short, or everything on one named resource only: not this method.
            let (_, fewer) = method.actions.split_last().unwrap();
            let near_miss = if fewer.is_empty() {
                analyze_actions(&method.actions, "arn:aws:iam::111122223333:user/build")
            } else {
                analyze_actions(fewer, "*")
            };
            assert!(
                !near_miss.escalation_methods.contains(&method.name),
                "{} near miss: {:?}",
                method.name,
                near_miss.escalation_methods
            );
        }
    }

    #[test]
    fn given_passed_to_service_then_only_the_methods_of_those_services_count() {
        let to = |service: &str| {
            analyze(&format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":["ec2:RunInstances","lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"}},
                {{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{{"StringEquals":{{"iam:PassedToService":"{service}"}}}}}}]}}"#
            ))
        };
        let lambda = to("lambda.amazonaws.com");
        let escalation = lambda
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::PrivilegeEscalation)
            .unwrap();
        assert!(escalation
            .message
            .contains("PassExistingRoleToNewLambdaThenInvoke"));
        assert!(!escalation.message.contains("CreateEC2WithExistingIP"));
        assert_eq!(escalation.restricted_by, ["iam:PassedToService"]);
        assert_ends_with(
            &escalation.message,
            "(only where its conditions on iam:PassedToService hold)",
        );
        let rds = to("rds.amazonaws.com");
        assert!(!rds.privilege_escalation);
        let milder = rds
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::PassRoleOnEveryRole)
            .unwrap();
        assert_contains(&milder.message, "only to rds.amazonaws.com");
    }

    #[test]
    fn given_a_combination_split_across_statements_when_analyzed_then_it_is_found() {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:UpdateAssumeRolePolicy","Resource":"*"},
            {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
        );
        assert!(result.privilege_escalation);
        assert!(result
            .findings
            .iter()
            .any(|f| f.message.contains("UpdateRolePolicyToAssumeIt")));
    }

    #[test]
    fn given_an_explicit_deny_when_analyzed_then_the_effective_grant_is_narrowed() {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
            {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
        );
        assert_eq!(result, IdentityPolicyAnalysis::default());
        let partly = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
        );
        assert!(!partly.full_admin && partly.wildcard_action && partly.service_wildcard);
        let escalation = partly
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::PrivilegeEscalation)
            .unwrap();
        let methods = escalation
            .message
            .split("methods: ")
            .nth(1)
            .unwrap()
            .split(')')
            .next()
            .unwrap();
        assert_starts_with(
            methods,
            "UpdateExistingGlueDevEndpoint, EditExistingLambdaFunctionWithRole",
        );
        for needs_iam in [
            "PolicyVersion",
            "AccessKey",
            "LoginProfile",
            "PassExistingRole",
        ] {
            assert!(!methods.contains(needs_iam), "iam:* is denied: {methods}");
        }
    }

    #[test]
    fn given_a_conditional_deny_when_analyzed_then_it_does_not_narrow() {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"},
            {"Effect":"Deny","Action":"iam:CreateAccessKey","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        );
        assert!(result.privilege_escalation);
    }

    #[test]
    fn given_not_action_when_analyzed_then_it_is_a_wildcard_grant() {
        let result = analyze(
            r#"{"Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#,
        );
        assert!(
            result.wildcard_action && result.service_wildcard && result.wildcard_resource_on_write
        );
        assert!(!result.full_admin);
        assert!(
            result.privilege_escalation,
            "lambda:UpdateFunctionCode is still granted"
        );
    }

    #[test]
    fn write_services_count_the_services_a_role_can_change() {
        let policy = Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem","sns:Publish","s3:GetObject"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let services = write_services(
            &[NamedPolicy {
                name: None,
                policy: &policy,
            }],
            Catalog::embedded(),
        );
        assert_eq!(
            services.into_iter().collect::<Vec<_>>(),
            vec!["dynamodb", "sns"]
        );
    }

    #[test]
    fn given_an_unknown_named_action_then_it_is_reported_and_an_unknown_service_cannot_decide() {
        let result =
            analyze(r#"{"Statement":[{"Effect":"Allow","Action":"s3:PutObjekt","Resource":"*"}]}"#);
        assert_eq!(kinds(&result), vec![FindingKind::UnknownAction]);
        let unknown_service = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"notaservice:Get*","Resource":"*"}]}"#,
        );
        assert!(kinds(&unknown_service).contains(&FindingKind::CannotDecide));
        let known_service = analyze(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:NotAnAction*","Resource":"*"}]}"#,
        );
        assert!(!kinds(&known_service).contains(&FindingKind::CannotDecide));
    }
}

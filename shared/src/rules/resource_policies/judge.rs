//! The verdict on one resource's policy: who it admits, judged by the analyzer. Pure.

use serde_json::Value;

use super::bucket::BucketAccess;
use super::Parameters;
use crate::config::evaluation::annotate;
use crate::config::{Compliance, ConfigurationItem, Verdict};
use crate::policy::{
    analyze_resource_policy, FindingKind, Policy, ResourceContext, ResourceService,
};

/// Judges one resource's policy, and for a bucket its ACL and its own Block Public Access too:
/// pure, so every scenario is tested without I/O.
pub fn judge(
    item: &ConfigurationItem,
    service: ResourceService,
    policy: Option<&Value>,
    parameters: &Parameters,
) -> Verdict {
    if service != ResourceService::S3 {
        let resource = ResourcePolicy::only(service, policy);
        return judge_policy(item.account_id.as_deref(), resource, parameters);
    }
    match BucketAccess::of(item) {
        Ok(access) => judge_bucket(item, &access, policy, parameters),
        Err(problem) => Verdict::non_compliant(problem),
    }
}

/// Judges a bucket's policy and ACL under the Block Public Access settings in `access`.
pub fn judge_bucket(
    item: &ConfigurationItem,
    access: &BucketAccess,
    policy: Option<&Value>,
    parameters: &Parameters,
) -> Verdict {
    let restrict = access
        .restricts_public_policy()
        .then(|| access.restrict_setting());
    let verdict = judge_policy(
        item.account_id.as_deref(),
        ResourcePolicy {
            service: ResourceService::S3,
            policy,
            restrict_public: restrict.as_deref(),
            notes: &access.acl_notes(),
        },
        parameters,
    );
    let problems = access.acl_problems();
    if problems.is_empty() {
        return verdict;
    }
    let mut messages: Vec<&str> = problems.iter().map(String::as_str).collect();
    if verdict.compliance != Compliance::Compliant {
        messages.push(&verdict.annotation);
    }
    Verdict::non_compliant(annotate(&messages))
}

/// One resource's policy and what else decides who its grants admit.
pub(super) struct ResourcePolicy<'a> {
    pub service: ResourceService,
    pub policy: Option<&'a Value>,
    /// S3's RestrictPublicBuckets setting when one is in effect (named as the annotation names
    /// it), under which a public grant admits only AWS services and the owner's account.
    pub restrict_public: Option<&'a str>,
    /// What else a passing verdict says, before its summary (a bucket ACL's ignored grants).
    pub notes: &'a [String],
}

impl<'a> ResourcePolicy<'a> {
    /// The policy of a resource no other setting bears on.
    pub fn only(service: ResourceService, policy: Option<&'a Value>) -> Self {
        ResourcePolicy {
            service,
            policy,
            restrict_public: None,
            notes: &[],
        }
    }
}

/// Judges one resource's policy in the owner's `account`.
pub(super) fn judge_policy(
    account: Option<&str>,
    resource: ResourcePolicy<'_>,
    parameters: &Parameters,
) -> Verdict {
    let ResourcePolicy {
        service,
        policy,
        restrict_public,
        notes,
    } = resource;
    let Some(policy) = policy else {
        let summary = "no resource-based policy: only principals of this account with IAM permissions can reach it";
        let messages: Vec<&str> = notes
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(summary))
            .collect();
        return Verdict::compliant(annotate(&messages));
    };
    let Some(account) = account else {
        return Verdict::non_compliant(
            "the configuration item names no account, so outside access cannot be judged",
        );
    };
    let policy = match Policy::from_json_value(policy) {
        Ok(policy) => policy,
        Err(err) => {
            return Verdict::non_compliant(format!("could not read the resource policy: {err}"))
        }
    };
    let context = ResourceContext::new(service, account)
        .trusting(
            &parameters.allowed_account_ids,
            &parameters.allowed_organization_ids,
        )
        .allowing_any_api(parameters.allow_any_api_in_account)
        .trusting_source_ips(&parameters.allowed_source_ip_ranges);
    let analysis = analyze_resource_policy(&policy, &context);
    let is_network_only = |restricted_by: &[String]| {
        !restricted_by.is_empty()
            && restricted_by.iter().all(|key| {
                let key = key.to_ascii_lowercase();
                key == "aws:sourcevpce" || key == "aws:sourcevpc"
            })
    };
    let (advice, findings): (Vec<_>, Vec<_>) = analysis
        .findings
        .iter()
        .partition(|finding| finding.kind.is_advice());
    let (neutralised, findings): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|finding| restrict_public.is_some() && finding.kind == FindingKind::Public);
    let (network_only, mut problems): (Vec<_>, Vec<_>) =
        findings.into_iter().partition(|finding| {
            finding.kind == FindingKind::CrossAccount && is_network_only(&finding.restricted_by)
        });
    if problems.is_empty() {
        let summary = if network_only.is_empty() {
            "the resource policy grants only this account, trusted accounts and guarded service principals"
        } else {
            "the resource policy admits callers only through VPC endpoints or VPCs (aws:SourceVpce / aws:SourceVpc)"
        };
        let neutralised: Vec<String> = neutralised
            .iter()
            .map(|finding| {
                let statement = finding
                    .statement
                    .map_or_else(|| "a statement".to_owned(), |i| format!("Statement[{i}]"));
                let setting = restrict_public.unwrap_or("RestrictPublicBuckets");
                format!("the public grant of {statement} is neutralised by Block Public Access {setting} (only AWS services and this account)")
            })
            .collect();
        // What Block Public Access neutralises, then advice: what a person should know first.
        let messages: Vec<&str> = neutralised
            .iter()
            .chain(notes)
            .map(String::as_str)
            .chain(advice.iter().map(|finding| finding.message.as_str()))
            .chain(std::iter::once(summary))
            .collect();
        return Verdict::compliant(annotate(&messages));
    }
    problems.sort_by_key(|finding| severity(finding.kind));
    let messages: Vec<&str> = problems
        .iter()
        .map(|finding| finding.message.as_str())
        .collect();
    Verdict::non_compliant(annotate(&messages))
}

fn severity(kind: FindingKind) -> u8 {
    match kind {
        FindingKind::Public => 0,
        FindingKind::CannotDecide => 1,
        FindingKind::CrossAccount => 2,
        FindingKind::UnguardedServicePrincipal | FindingKind::UnpinnedApi => 3,
        _ => 4,
    }
}

//! The verdict on one resource's policy: who it admits, judged by the analyzer. Pure.

use serde_json::Value;

use super::bucket::BucketAccess;
use super::Parameters;
use crate::config::{Compliance, ConfigurationItem, Finding, Severity, Verdict};
use crate::policy::{
    analyze_resource_policy, FindingKind, Policy, ResourceContext, ResourceService,
};
use crate::rules::public_by_design::{self, Marking};

/// No tags: a resource that cannot carry any (a layer version).
static NO_TAGS: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();

/// Judges one resource's policy, and for a bucket its ACL and its own Block Public Access too:
/// pure, so every scenario is tested without I/O.
pub fn judge(
    item: &ConfigurationItem,
    service: ResourceService,
    policy: Option<&Value>,
    parameters: &Parameters,
) -> Verdict {
    if service != ResourceService::S3 {
        // A mark of public by design is honoured where every path reads the same tags: a
        // function's (the rule reads them when Config's item carries none, as its periodic
        // listing does not); the other types' tags reach the periodic run nowhere.
        let tags = if service == ResourceService::Lambda {
            &item.tags
        } else {
            &NO_TAGS
        };
        let resource = ResourcePolicy {
            tags,
            ..ResourcePolicy::only(service, policy)
        };
        return judge_policy(item.account_id.as_deref(), resource, parameters);
    }
    match BucketAccess::of(item) {
        Ok(access) => judge_bucket(item, &access, policy, parameters),
        Err(problem) => Verdict::non_compliant(problem),
    }
}

/// Judges a policy document alone, of a resource no other setting bears on, in the owner's
/// `account` and with the resource's `tags` (a mark of public by design): what a template
/// declares before deploy.
pub fn judge_document(
    account: &str,
    service: ResourceService,
    policy: &Value,
    tags: &std::collections::BTreeMap<String, String>,
    parameters: &Parameters,
) -> Verdict {
    let resource = ResourcePolicy {
        tags,
        ..ResourcePolicy::only(service, Some(policy))
    };
    judge_policy(Some(account), resource, parameters)
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
    let tags = bucket_tags(item);
    let verdict = judge_policy(
        item.account_id.as_deref(),
        ResourcePolicy {
            service: ResourceService::S3,
            policy,
            restrict_public: restrict.as_deref(),
            notes: &access.acl_notes(),
            tags: &tags,
        },
        parameters,
    );
    let problems = access.acl_problems();
    if problems.is_empty() {
        return verdict;
    }
    let tag = &parameters.public_by_design_tag;
    let marking = Marking::of(&tags, tag, &public_by_design::today());
    if let Some(public) = marking.honoured() {
        let by_design = format!("the bucket ACL's public grants are {public}");
        return match verdict.compliance {
            Compliance::Compliant => {
                verdict.led_by(Compliance::Compliant, Finding::note(by_design).at("ACL"))
            }
            _ => verdict,
        };
    }
    let mut findings: Vec<Finding> = problems
        .into_iter()
        .map(|problem| {
            Finding::note(problem)
                .at("ACL")
                .rated(Severity::Critical)
                .fixed_by("Remove the ACL's grants to AllUsers and AuthenticatedUsers (or set Object Ownership to BucketOwnerEnforced), and keep Block Public Access on.")
        })
        .collect();
    if matches!(marking, Marking::Refused { .. }) {
        findings.insert(
            0,
            Finding::note(marking.advice(tag)).at(format!("tag {tag}")),
        );
    }
    if verdict.compliance != Compliance::Compliant {
        findings.extend(verdict.findings);
    }
    Verdict::detailed(Compliance::NonCompliant, findings)
}

/// A bucket's tags: Config records them in the supplementary BucketTaggingConfiguration
/// (`{"tagSets": [{"tags": {...}}]}`), which its resource listing returns too, and in the item's
/// own `tags` on a change.
fn bucket_tags(item: &ConfigurationItem) -> std::collections::BTreeMap<String, String> {
    let mut tags = item.tags.clone();
    let sets = item
        .supplementary_at(&["BucketTaggingConfiguration", "tagSets"])
        .and_then(Value::as_array);
    for set in sets.into_iter().flatten() {
        if let Some(pairs) = set.get("tags").and_then(Value::as_object) {
            for (key, value) in pairs {
                if let Some(value) = value.as_str() {
                    tags.insert(key.clone(), value.to_owned());
                }
            }
        }
    }
    tags
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
    /// The resource's tags: a public grant on a resource marked public by design passes.
    pub tags: &'a std::collections::BTreeMap<String, String>,
}

impl<'a> ResourcePolicy<'a> {
    /// The policy of a resource no other setting bears on.
    pub fn only(service: ResourceService, policy: Option<&'a Value>) -> Self {
        ResourcePolicy {
            service,
            policy,
            restrict_public: None,
            notes: &[],
            tags: &NO_TAGS,
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
        tags,
    } = resource;
    let Some(policy) = policy else {
        let summary = "no resource-based policy: only principals of this account with IAM permissions can reach it";
        let messages: Vec<&str> = notes
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(summary))
            .collect();
        return Verdict::listing(crate::config::Compliance::Compliant, &messages);
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
    let tag = &parameters.public_by_design_tag;
    let marking = Marking::of(tags, tag, &public_by_design::today());
    let (by_design, findings): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|finding| finding.kind == FindingKind::Public && marking.honoured().is_some());
    let (network_only, mut problems): (Vec<_>, Vec<_>) =
        findings.into_iter().partition(|finding| {
            finding.kind == FindingKind::CrossAccount && is_network_only(&finding.restricted_by)
        });
    let statement_of = |finding: &&crate::policy::Finding| {
        finding
            .statement
            .map_or_else(|| "a statement".to_owned(), |i| format!("Statement[{i}]"))
    };
    if problems.is_empty() {
        let summary = if network_only.is_empty() {
            "the resource policy grants only this account, trusted accounts and guarded service principals"
        } else {
            "the resource policy admits callers only through VPC endpoints or VPCs (aws:SourceVpce / aws:SourceVpc)"
        };
        let neutralised: Vec<String> = neutralised
            .iter()
            .map(|finding| {
                let setting = restrict_public.unwrap_or("RestrictPublicBuckets");
                format!("the public grant of {} is neutralised by Block Public Access {setting} (only AWS services and this account)", statement_of(finding))
            })
            .collect();
        let public = marking.honoured().unwrap_or_default();
        let by_design: Vec<String> = by_design
            .iter()
            .map(|finding| format!("the public grant of {} is {public}", statement_of(finding)))
            .collect();
        // What is public by design or neutralised by Block Public Access, then advice: what a
        // person should know first.
        let findings: Vec<Finding> = by_design
            .iter()
            .chain(&neutralised)
            .chain(notes)
            .map(Finding::note)
            .chain(advice.iter().map(|finding| {
                let mut advice = finding.reported(Severity::Low);
                advice.severity = None;
                advice
            }))
            .chain(std::iter::once(Finding::note(summary)))
            .collect();
        return Verdict::detailed(crate::config::Compliance::Compliant, findings);
    }
    // Most severe first; a stable sort keeps the policy's order within a severity.
    problems.sort_by_key(|finding| std::cmp::Reverse(severity(finding.kind)));
    let mut findings: Vec<Finding> = problems
        .iter()
        .map(|finding| finding.reported(severity(finding.kind)))
        .collect();
    // A mark that is there but not honoured comes first: its owner meant the grant to be public.
    if matches!(marking, Marking::Refused { .. })
        && problems
            .iter()
            .any(|finding| finding.kind == FindingKind::Public)
    {
        findings.insert(
            0,
            Finding::note(marking.advice(tag)).at(format!("tag {tag}")),
        );
    }
    Verdict::detailed(crate::config::Compliance::NonCompliant, findings)
}

/// How urgent a resource policy's finding is: anyone may call, then what cannot be read, then
/// an unexpected account, then a principal that could be a confused deputy.
fn severity(kind: FindingKind) -> Severity {
    match kind {
        FindingKind::Public => Severity::Critical,
        FindingKind::CannotDecide | FindingKind::CrossAccount => Severity::High,
        FindingKind::UnguardedServicePrincipal | FindingKind::UnpinnedApi => Severity::Medium,
        _ => Severity::Low,
    }
}

//! Rule `sec2-resource-policies` (SEC2 practice 1, "Evaluate and define resource policies").
//!
//! Trigger: configuration changes of the resource types below. Scenarios:
//! 1. No resource policy: COMPLIANT.
//! 2. A public grant (including a function URL with AuthType NONE): NON_COMPLIANT.
//! 3. A grant to an account outside AllowedAccountIds, or an organization outside
//!    AllowedOrganizationIds: NON_COMPLIANT.
//! 4. A service principal without a confused-deputy guard: NON_COMPLIANT; so is a permission
//!    for API Gateway whose aws:SourceArn does not name the API (any API in the account could
//!    invoke), unless AllowAnyApiInAccount. Naming only the API passes, with advice to name the
//!    stage, method and path too.
//!    A grant that aws:SourceIp pins inside AllowedSourceIpRanges (the owner's networks) is
//!    not public on any service; without the parameter only S3 reads aws:SourceIp.
//! 5. Access limited to VPC endpoints or VPCs (aws:SourceVpce / aws:SourceVpc, including
//!    "Deny unless SourceVpce"): COMPLIANT, and the annotation says so.
//! 6. A policy that cannot be read or judged: NON_COMPLIANT, saying what could not be read.
//! 7. A function's aliases and published versions hold policies of their own, which Config does
//!    not record: each is read and judged, and the annotation names the one at fault.
//! 8. Layer versions (`AWS::Lambda::LayerVersion`, which Config does not record) are judged by
//!    the daily periodic run: shared with everyone, or with an account or organization not
//!    allowed, is NON_COMPLIANT; a deleted version's result is retired.
//! 9. The daily run also judges every resource Config records of the types above, as a change
//!    would, so a verdict that depends on what Config does not record (a bus or table policy, an
//!    alias's policy, the account's Block Public Access) is never older than a day.

mod bucket;
mod judge;
mod layers;
mod locate;
mod qualifiers;

use std::future::Future;

use futures_util::StreamExt;
use serde_json::Value;

use crate::config::engine::{Assessed, Periodic};
use crate::config::periodic::{judge_recorded, PeriodicContext, READ_CONCURRENCY};
use crate::config::views::LambdaFunction;
use crate::config::{
    Compliance, ConfigurationItem, EventError, FromRuleParameters, ReadError, RecordedResources,
    Rule, RuleParameters, Verdict,
};
use crate::policy::ResourceService;
use crate::registry::{RuleSpec, LAYER_VERSION, RESOURCE_POLICIES};
use crate::rules::public_by_design;

pub use bucket::{BucketAccess, PublicAccessBlock, PublicGrant};
pub use judge::{judge, judge_bucket, judge_document};
pub use layers::{judge_layer_version, LayerVersion};
pub use locate::{locate_policy, LocateError, PolicySource};
pub use qualifiers::{combine, Qualifier, MAX_QUALIFIERS};

pub const RESOURCE_TYPES: &[&str] = RESOURCE_POLICIES.resource_types;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameters {
    pub allowed_account_ids: Vec<String>,
    pub allowed_organization_ids: Vec<String>,
    /// Whether API Gateway may invoke a function from any API in the account
    /// (`AllowAnyApiInAccount`); by default its permission must name the API.
    pub allow_any_api_in_account: bool,
    /// The owner's own address ranges (`AllowedSourceIpRanges`): a grant `aws:SourceIp` pins
    /// inside them is not public on any service.
    pub allowed_source_ip_ranges: Vec<ipnet::IpNet>,
    /// The tag that marks a resource public by design (`PublicByDesignTag`), as network-controls
    /// reads it: a public grant on a resource so marked, with a reason, passes and says so.
    pub public_by_design_tag: String,
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            allowed_account_ids: Vec::new(),
            allowed_organization_ids: Vec::new(),
            allow_any_api_in_account: false,
            allowed_source_ip_ranges: Vec::new(),
            public_by_design_tag: public_by_design::DEFAULT_TAG.to_owned(),
        }
    }
}

impl FromRuleParameters for Parameters {
    const NAMES: &'static [&'static str] = RESOURCE_POLICIES.parameters;
    fn from_parameters(parameters: &RuleParameters<'_>) -> Result<Self, EventError> {
        Ok(Parameters {
            allowed_account_ids: parameters.account_ids("AllowedAccountIds")?,
            allowed_organization_ids: parameters.organization_ids("AllowedOrganizationIds")?,
            allow_any_api_in_account: parameters.flag("AllowAnyApiInAccount", false)?,
            allowed_source_ip_ranges: parameters.ip_ranges("AllowedSourceIpRanges")?,
            public_by_design_tag: parameters
                .text(public_by_design::PARAMETER)?
                .unwrap_or_else(|| public_by_design::DEFAULT_TAG.to_owned()),
        })
    }
}

/// Reads the policies AWS Config does not record.
pub trait PolicyReader: Sync {
    /// events:DescribeEventBus `Policy`; `None` when the bus has none.
    fn event_bus_policy(
        &self,
        bus_name: &str,
    ) -> impl Future<Output = Result<Option<String>, ReadError>> + Send;
    /// dynamodb:GetResourcePolicy; `None` when the table has none.
    fn table_policy(
        &self,
        table_arn: &str,
    ) -> impl Future<Output = Result<Option<String>, ReadError>> + Send;
    /// lambda:ListAliases and lambda:ListVersionsByFunction: the qualifiers that hold policies
    /// of their own, at most `MAX_QUALIFIERS + 1` (one more says there are too many).
    fn function_qualifiers(
        &self,
        function_name: &str,
    ) -> impl Future<Output = Result<Vec<Qualifier>, ReadError>> + Send;
    /// lambda:ListTags: a function's tags, read when the item carries none (Config's listing
    /// for the periodic run has no tags), for a mark of public by design.
    fn tags_of_function(
        &self,
        function_arn: &str,
    ) -> impl Future<Output = Result<std::collections::BTreeMap<String, String>, ReadError>> + Send;
    /// lambda:GetPolicy with `Qualifier`; `None` when the qualifier has no policy.
    fn qualified_policy(
        &self,
        function_name: &str,
        qualifier: &str,
    ) -> impl Future<Output = Result<Option<String>, ReadError>> + Send;
    /// lambda:ListLayers and lambda:ListLayerVersions: every version of every layer in the
    /// region.
    fn layer_versions(&self) -> impl Future<Output = Result<Vec<LayerVersion>, ReadError>> + Send;
    /// lambda:GetLayerVersionPolicy; `None` when the version has no policy.
    fn layer_version_policy(
        &self,
        layer: &LayerVersion,
    ) -> impl Future<Output = Result<Option<String>, ReadError>> + Send;
    /// s3:GetAccountPublicAccessBlock (S3 Control GetPublicAccessBlock): the account's Block
    /// Public Access settings, which Config records on no bucket; `None` when it has none.
    fn account_public_access_block(
        &self,
        account_id: &str,
    ) -> impl Future<Output = Result<Option<PublicAccessBlock>, ReadError>> + Send;
}

/// The rule, with the reader for policies Config does not record.
#[derive(Debug, Clone)]
pub struct ResourcePolicies<R> {
    reader: R,
}

impl<R: PolicyReader + RecordedResources> ResourcePolicies<R> {
    pub fn new(reader: R) -> Self {
        ResourcePolicies { reader }
    }
}

impl<R: PolicyReader + RecordedResources> Rule for ResourcePolicies<R> {
    const SPEC: &'static RuleSpec = &RESOURCE_POLICIES;
    type Parameters = Parameters;

    async fn evaluate(&self, item: &ConfigurationItem, parameters: &Parameters) -> Verdict {
        let (service, source) = match locate_policy(item) {
            Ok(found) => found,
            Err(problem) => return Verdict::non_compliant(problem.to_string()),
        };
        let read = match source {
            PolicySource::Recorded(policy) if service == ResourceService::Lambda => {
                let function = judge(item, service, policy, parameters);
                let verdict = self.with_qualifiers(item, function, parameters).await;
                // Only a failing function can be saved by a public-by-design mark: its tags are
                // read (when the item has none) only then, and only a marked one is judged again.
                if verdict.compliance != Compliance::NonCompliant {
                    return verdict;
                }
                let tag = &parameters.public_by_design_tag;
                let Some(tagged) = self.with_function_tags(item, tag).await else {
                    return verdict;
                };
                let function = judge(&tagged, service, policy, parameters);
                return self.with_qualifiers(&tagged, function, parameters).await;
            }
            PolicySource::Recorded(policy) if service == ResourceService::S3 => {
                return self.bucket(item, policy, parameters).await;
            }
            PolicySource::Recorded(policy) => return judge(item, service, policy, parameters),
            PolicySource::EventBus(name) => self
                .reader
                .event_bus_policy(name)
                .await
                .map_err(|error| error.annotation("the event bus policy")),
            PolicySource::Table(arn) => self
                .reader
                .table_policy(&arn)
                .await
                .map_err(|error| error.annotation("the table policy")),
        };
        match read {
            Ok(policy) => judge(
                item,
                service,
                policy.map(Value::String).as_ref(),
                parameters,
            ),
            Err(problem) => Verdict::non_compliant(problem),
        }
    }

    /// Every recorded resource, judged as a change would be, and every layer version, judged
    /// by its policy; what was not read by the deadline is left for the next run.
    async fn evaluate_periodic(
        &self,
        parameters: &Parameters,
        context: &PeriodicContext,
    ) -> Result<Option<Periodic>, ReadError> {
        let recorded = judge_recorded(self, &self.reader, parameters, context.deadline).await;
        let layers = self.reader.layer_versions().await?;
        let total = layers.len();
        let judged = layers.into_iter().map(|layer| async move {
            let read = context
                .deadline
                .bound(self.reader.layer_version_policy(&layer))
                .await?;
            let verdict = match read {
                Ok(policy) => judge_layer_version(&layer, policy.as_deref(), parameters),
                Err(error) => Verdict::non_compliant(error.annotation("the layer version policy")),
            };
            Some(Assessed {
                tags: None,
                resource_type: LAYER_VERSION.to_owned(),
                resource_id: layer.arn,
                verdict,
            })
        });
        let assessed: Vec<Assessed> = futures_util::stream::iter(judged)
            .buffer_unordered(READ_CONCURRENCY)
            .filter_map(std::future::ready)
            .collect()
            .await;
        let unfinished = recorded.unfinished + total - assessed.len();
        Ok(Some(Periodic {
            unfinished,
            assessed: recorded.assessed.into_iter().chain(assessed).collect(),
            unlisted: recorded.unlisted,
        }))
    }
}

impl<R: PolicyReader + RecordedResources> ResourcePolicies<R> {
    /// A bucket judged under its own Block Public Access settings, then, when that fails and
    /// the account's settings could change it, under the account's too (read only then: most
    /// buckets pass on their own). Unread account settings cannot open a bucket further, so
    /// a pass stands without them, and a failure says they were not read.
    async fn bucket(
        &self,
        item: &ConfigurationItem,
        policy: Option<&Value>,
        parameters: &Parameters,
    ) -> Verdict {
        let access = match BucketAccess::of(item) {
            Ok(access) => access,
            Err(problem) => return Verdict::non_compliant(problem),
        };
        let verdict = judge_bucket(item, &access, policy, parameters);
        let all_on = PublicAccessBlock {
            ignore_public_acls: true,
            restrict_public_buckets: true,
        };
        let Some(account) = item.account_id.as_deref() else {
            return verdict;
        };
        if verdict.compliance == Compliance::Compliant || !access.block.could_gain_from(&all_on) {
            return verdict;
        }
        match self.reader.account_public_access_block(account).await {
            Ok(Some(account_block)) if access.block.could_gain_from(&account_block) => {
                let access = access.with_account_block(account_block);
                judge_bucket(item, &access, policy, parameters)
            }
            Ok(_) => verdict,
            Err(error) => {
                let why = format!(
                    "the account's Block Public Access was not read ({}, {})",
                    error.action, error.kind
                );
                verdict.followed_by(
                    crate::config::Compliance::NonCompliant,
                    crate::config::Finding::note(why)
                        .at("Block Public Access (account)")
                        .rated(crate::config::Severity::High),
                )
            }
        }
    }

    /// The function's item with its tags read, when the item carries none, names the
    /// function's ARN and the tags hold the public-by-design `tag`; `None` to keep the verdict
    /// on the item as it is. Tags that cannot be read leave it as it is: no mark, so a public
    /// grant still fails.
    async fn with_function_tags(
        &self,
        item: &ConfigurationItem,
        tag: &str,
    ) -> Option<ConfigurationItem> {
        if !item.tags.is_empty() {
            return None;
        }
        let arn = item.arn.as_deref()?;
        let tags = self.reader.tags_of_function(arn).await.ok()?;
        tags.contains_key(tag).then(|| ConfigurationItem {
            tags,
            ..item.clone()
        })
    }

    /// The function's verdict together with each of its aliases' and versions'.
    async fn with_qualifiers(
        &self,
        item: &ConfigurationItem,
        function: Verdict,
        parameters: &Parameters,
    ) -> Verdict {
        let name = match LambdaFunction::of(item) {
            Ok(view) => view.name,
            Err(problem) => return Verdict::non_compliant(problem.to_string()),
        };
        let qualifiers = match self.reader.function_qualifiers(&name).await {
            Ok(qualifiers) if qualifiers.len() > MAX_QUALIFIERS => {
                return qualifiers::unjudged(function, &qualifiers::too_many(qualifiers.len()));
            }
            Ok(qualifiers) => qualifiers,
            Err(error) => {
                let why = error.annotation("the function's aliases and versions");
                return qualifiers::unjudged(function, &why);
            }
        };
        let name = name.as_str();
        let judged = qualifiers.into_iter().map(|qualifier| async move {
            let verdict = match self.reader.qualified_policy(name, qualifier.name()).await {
                Ok(policy) => judge(
                    item,
                    ResourceService::Lambda,
                    policy.map(Value::String).as_ref(),
                    parameters,
                ),
                Err(error) => Verdict::non_compliant(error.annotation("its resource policy")),
            };
            (qualifier, verdict)
        });
        let judged: Vec<(Qualifier, Verdict)> = futures_util::stream::iter(judged)
            .buffered(READ_CONCURRENCY)
            .collect()
            .await;
        combine(function, &judged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_contains, assert_starts_with, config_item as item};
    use serde_json::json;

    /// A bucket ACL as Config records it (JSON in a string): the owner's full control only.
    fn private_acl() -> String {
        acl(json!([{"grantee": {"id": "owner"}, "permission": "FullControl"}]))
    }

    fn acl(grants: Value) -> String {
        json!({"grantSet": null, "grantList": grants, "owner": {"id": "owner"}}).to_string()
    }

    fn public_policy(action: &str) -> String {
        json!({"Version":"2012-10-17","Statement":[{"Sid":"Open","Effect":"Allow","Principal":"*","Action":action,"Resource":"*"}]}).to_string()
    }

    /// Answers each read one way; by default nothing is there (no policy, no alias or version).
    struct Reads {
        bus: Result<Option<String>, ReadError>,
        table: Result<Option<String>, ReadError>,
        qualifiers: Result<Vec<Qualifier>, ReadError>,
        /// Each qualifier's (by name) or layer version's (by ARN) policy; one not listed has
        /// none.
        policies: Vec<(&'static str, Result<Option<String>, ReadError>)>,
        layers: Result<Vec<LayerVersion>, ReadError>,
        account_block: Result<Option<PublicAccessBlock>, ReadError>,
        /// What Config records, for the periodic run.
        recorded: Vec<ConfigurationItem>,
        /// The function's tags, read live.
        function_tags: std::collections::BTreeMap<String, String>,
        /// How many times they were read.
        tag_reads: std::sync::atomic::AtomicUsize,
    }

    impl Default for Reads {
        fn default() -> Self {
            Reads {
                bus: Ok(None),
                table: Ok(None),
                qualifiers: Ok(Vec::new()),
                policies: Vec::new(),
                layers: Ok(Vec::new()),
                account_block: Ok(None),
                recorded: Vec::new(),
                function_tags: std::collections::BTreeMap::new(),
                tag_reads: std::sync::atomic::AtomicUsize::new(0),
            }
        }
    }

    impl PolicyReader for Reads {
        async fn event_bus_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
            self.bus.clone()
        }
        async fn table_policy(&self, _: &str) -> Result<Option<String>, ReadError> {
            self.table.clone()
        }
        async fn function_qualifiers(&self, _: &str) -> Result<Vec<Qualifier>, ReadError> {
            self.qualifiers.clone()
        }
        async fn qualified_policy(&self, _: &str, name: &str) -> Result<Option<String>, ReadError> {
            self.policy_of(name)
        }
        async fn tags_of_function(
            &self,
            _: &str,
        ) -> Result<std::collections::BTreeMap<String, String>, ReadError> {
            self.tag_reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(self.function_tags.clone())
        }
        async fn layer_versions(&self) -> Result<Vec<LayerVersion>, ReadError> {
            self.layers.clone()
        }
        async fn layer_version_policy(
            &self,
            layer: &LayerVersion,
        ) -> Result<Option<String>, ReadError> {
            self.policy_of(&layer.arn)
        }
        async fn account_public_access_block(
            &self,
            _: &str,
        ) -> Result<Option<PublicAccessBlock>, ReadError> {
            self.account_block.clone()
        }
    }

    impl RecordedResources for Reads {
        async fn recorded_items(
            &self,
            resource_type: &str,
        ) -> Result<Vec<ConfigurationItem>, ReadError> {
            Ok(self
                .recorded
                .iter()
                .filter(|item| item.resource_type == resource_type)
                .cloned()
                .collect())
        }
    }

    impl Reads {
        fn policy_of(&self, name: &str) -> Result<Option<String>, ReadError> {
            let found = self
                .policies
                .iter()
                .find(|(qualifier, _)| *qualifier == name);
            found.map_or(Ok(None), |(_, policy)| policy.clone())
        }
    }

    async fn evaluate(item: &ConfigurationItem) -> Verdict {
        ResourcePolicies::new(Reads::default())
            .evaluate(item, &Parameters::default())
            .await
    }

    #[tokio::test]
    async fn scenario_1_no_policy_is_compliant() {
        let verdict = evaluate(&item("AWS::Lambda::Function", json!({}), json!({}))).await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        let empty_bucket = item(
            "AWS::S3::Bucket",
            json!({}),
            json!({"BucketPolicy": {"policyText": null}, "AccessControlList": private_acl()}),
        );
        assert_eq!(
            evaluate(&empty_bucket).await.compliance,
            Compliance::Compliant
        );
    }

    #[tokio::test]
    async fn scenario_2_public_policies_are_found_where_each_service_records_them() {
        let cases = [
            item(
                "AWS::Lambda::Function",
                json!({}),
                json!({"Policy": public_policy("lambda:InvokeFunction")}),
            ),
            item(
                "AWS::SQS::Queue",
                json!({"Policy": public_policy("sqs:SendMessage")}),
                json!({}),
            ),
            item(
                "AWS::SNS::Topic",
                json!({"Policy": public_policy("sns:Publish")}),
                json!({}),
            ),
            item(
                "AWS::S3::Bucket",
                json!({}),
                json!({
                    "BucketPolicy": json!({"policyText": public_policy("s3:GetObject")}).to_string(),
                    "AccessControlList": private_acl(),
                }),
            ),
            item(
                "AWS::ApiGateway::RestApi",
                json!({"policy": public_policy("execute-api:Invoke").replace('"', "\\\"")}),
                json!({}),
            ),
        ];
        for case in &cases {
            let verdict = evaluate(case).await;
            assert_eq!(
                verdict.compliance,
                Compliance::NonCompliant,
                "{}",
                case.resource_type
            );
            assert_starts_with(
                &verdict.annotation,
                "Statement[0] (Sid \"Open\") allows anyone",
            );
        }
    }

    #[tokio::test]
    async fn scenario_3_foreign_accounts_are_non_compliant_unless_allowed() {
        let policy = json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sqs:SendMessage","Resource":"*"}]}).to_string();
        let queue = item("AWS::SQS::Queue", json!({"Policy": policy}), json!({}));
        assert_eq!(evaluate(&queue).await.compliance, Compliance::NonCompliant);
        let allowed = Parameters {
            allowed_account_ids: vec!["444455556666".to_owned()],
            ..Parameters::default()
        };
        let verdict = ResourcePolicies::new(Reads::default())
            .evaluate(&queue, &allowed)
            .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
    }

    #[tokio::test]
    async fn scenario_4_unguarded_service_principals_are_non_compliant() {
        let policy = json!({"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*"}]}).to_string();
        let verdict = evaluate(&item(
            "AWS::Lambda::Function",
            json!({}),
            json!({"Policy": policy}),
        ))
        .await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "confused deputy");
    }

    #[tokio::test]
    async fn scenario_5_vpc_endpoint_only_access_is_compliant_and_says_so() {
        let policy = json!({"Statement":[
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}},
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}).to_string();
        let verdict = evaluate(&item(
            "AWS::ApiGateway::RestApi",
            json!({"policy": policy}),
            json!({}),
        ))
        .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert!(verdict.annotation.contains("VPC endpoints"));
    }

    #[tokio::test]
    async fn scenario_6_unreadable_policies_and_failed_reads_are_never_compliant() {
        let broken = evaluate(&item(
            "AWS::SQS::Queue",
            json!({"Policy": "{\"Statement\": 5}"}),
            json!({}),
        ))
        .await;
        assert_eq!(broken.compliance, Compliance::NonCompliant);
        assert_starts_with(&broken.annotation, "could not read the resource policy");
        let reads = Reads {
            bus: Err(ReadError::new(
                "events:DescribeEventBus",
                crate::config::ReadErrorKind::Denied,
                "AccessDeniedException: not authorized",
            )),
            ..Reads::default()
        };
        let bus = item("AWS::Events::EventBus", json!({"Name": "r"}), json!({}));
        let verdict = ResourcePolicies::new(reads)
            .evaluate(&bus, &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_eq!(verdict.annotation, "could not read the event bus policy (events:DescribeEventBus, access denied): AccessDeniedException: not authorized");
    }

    #[tokio::test]
    async fn unrecorded_policies_are_read_through_the_reader() {
        let reads = Reads {
            bus: Ok(Some(public_policy("events:PutEvents"))),
            ..Reads::default()
        };
        let rule = ResourcePolicies::new(reads);
        let bus = item("AWS::Events::EventBus", json!({"Name": "r"}), json!({}));
        assert_eq!(
            rule.evaluate(&bus, &Parameters::default()).await.compliance,
            Compliance::NonCompliant
        );
        let table = item("AWS::DynamoDB::Table", json!({"TableName": "r"}), json!({}));
        assert_eq!(
            rule.evaluate(&table, &Parameters::default())
                .await
                .compliance,
            Compliance::Compliant
        );
    }

    #[tokio::test]
    async fn scenario_9_a_public_grant_on_a_resource_public_by_design_passes_and_says_why() {
        let tagged = |value: &str, policy: Value| {
            let mut item = item(
                "AWS::Lambda::Function",
                json!({}),
                json!({"Policy": policy.to_string()}),
            );
            item.tags
                .insert(public_by_design::DEFAULT_TAG.to_owned(), value.to_owned());
            item
        };
        let open: Value = serde_json::from_str(&public_policy("lambda:InvokeFunctionUrl")).unwrap();
        let verdict = evaluate(&tagged("public flight status page", open.clone())).await;
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        assert_contains(
            &verdict.annotation,
            "the public grant of Statement[0] is public by design: public flight status page (tag sec2:public-by-design)",
        );
        // A mark without a reason is not honoured, and the annotation says so.
        let verdict = evaluate(&tagged("true", open)).await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "gives no reason");
        // Config's listing for the periodic run carries no tags: the rule reads them.
        let mut untagged = tagged(
            "public flight status page",
            serde_json::from_str(&public_policy("lambda:InvokeFunctionUrl")).unwrap(),
        );
        untagged.tags.clear();
        untagged.arn = Some("arn:aws:lambda:us-east-1:111122223333:function:status".to_owned());
        let reads = Reads {
            function_tags: std::collections::BTreeMap::from([(
                public_by_design::DEFAULT_TAG.to_owned(),
                "public flight status page".to_owned(),
            )]),
            ..Reads::default()
        };
        let rule = ResourcePolicies::new(reads);
        let verdict = rule.evaluate(&untagged, &Parameters::default()).await;
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        // A function that passes without the mark has its tags read never.
        let mut private = untagged.clone();
        private.supplementary.remove("Policy");
        let reads_before = rule
            .reader
            .tag_reads
            .load(std::sync::atomic::Ordering::Relaxed);
        let verdict = rule.evaluate(&private, &Parameters::default()).await;
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        assert_eq!(
            rule.reader
                .tag_reads
                .load(std::sync::atomic::Ordering::Relaxed),
            reads_before
        );
        // The mark covers being public, not an unexpected account.
        let other_account = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"lambda:InvokeFunction","Resource":"*"}]});
        let verdict = evaluate(&tagged("public flight status page", other_account)).await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "999988887777");
    }

    fn function_item() -> ConfigurationItem {
        item(
            "AWS::Lambda::Function",
            json!({"functionName": "airline-booking"}),
            json!({}),
        )
    }

    fn versions(names: &[&str]) -> Vec<Qualifier> {
        names
            .iter()
            .map(|name| Qualifier::Version((*name).to_owned()))
            .collect()
    }

    #[tokio::test]
    async fn scenario_7_a_public_alias_fails_a_private_function_and_is_named() {
        let mut qualifiers = versions(&["1", "2"]);
        qualifiers.push(Qualifier::Alias("prod".to_owned()));
        let reads = Reads {
            qualifiers: Ok(qualifiers),
            policies: vec![("prod", Ok(Some(public_policy("lambda:InvokeFunction"))))],
            ..Reads::default()
        };
        let verdict = ResourcePolicies::new(reads)
            .evaluate(&function_item(), &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &verdict.annotation,
            "alias prod: Statement[0] (Sid \"Open\") allows anyone",
        );
        // Each finding names the element at fault, how urgent and how to fix it.
        let finding = &verdict.findings[0];
        assert_eq!(
            finding.element.as_deref(),
            Some("alias prod Statement[0] \"Open\"")
        );
        assert_eq!(finding.severity, Some(crate::config::Severity::Critical));
        assert_contains(
            finding.fix.as_deref().unwrap_or_default(),
            "Principal \"*\"",
        );
        let private = Reads {
            qualifiers: Ok(versions(&["1", "2"])),
            ..Reads::default()
        };
        let verdict = ResourcePolicies::new(private)
            .evaluate(&function_item(), &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_contains(&verdict.annotation, "aliases and versions (1, 2)");
    }

    #[tokio::test]
    async fn scenario_7_qualifiers_not_read_are_never_compliant() {
        let denied = ReadError::new(
            "lambda:ListAliases",
            crate::config::ReadErrorKind::Denied,
            "AccessDeniedException",
        );
        let unlisted = Reads {
            qualifiers: Err(denied.clone()),
            ..Reads::default()
        };
        let too_many = Reads {
            qualifiers: Ok(vec![Qualifier::Version("1".to_owned()); MAX_QUALIFIERS + 1]),
            ..Reads::default()
        };
        let unread = Reads {
            qualifiers: Ok(versions(&["7"])),
            policies: vec![("7", Err(denied))],
            ..Reads::default()
        };
        let mut annotations = Vec::new();
        for reads in [unlisted, too_many, unread] {
            let verdict = ResourcePolicies::new(reads)
                .evaluate(&function_item(), &Parameters::default())
                .await;
            assert_eq!(verdict.compliance, Compliance::NonCompliant);
            annotations.push(verdict.annotation);
        }
        assert_starts_with(&annotations[0], "could not read the function's aliases and versions (lambda:ListAliases, access denied)");
        assert_starts_with(&annotations[1], "the function has more than 100 aliases");
        assert_starts_with(
            &annotations[2],
            "version 7: could not read its resource policy",
        );
    }

    #[tokio::test]
    async fn scenario_4_api_gateway_must_name_the_api_and_is_advised_on_the_route() {
        let permission = |source_arn: &str| {
            let policy = json!({"Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{"ArnLike":{"AWS:SourceArn":source_arn}}}]});
            item(
                "AWS::Lambda::Function",
                json!({"functionName": "airline-booking"}),
                json!({"Policy": policy.to_string()}),
            )
        };
        let any_api = permission("arn:aws:execute-api:us-east-1:111122223333:*");
        let verdict = evaluate(&any_api).await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "from any API in the account");
        let relaxed = Parameters {
            allow_any_api_in_account: true,
            ..Parameters::default()
        };
        let verdict = ResourcePolicies::new(Reads::default())
            .evaluate(&any_api, &relaxed)
            .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        let one_api = evaluate(&permission(
            "arn:aws:execute-api:us-east-1:111122223333:a1b2c3/*",
        ))
        .await;
        assert_eq!(one_api.compliance, Compliance::Compliant);
        assert_contains(&one_api.annotation, "name the method and path too");
        let route = permission("arn:aws:execute-api:us-east-1:111122223333:a1b2c3/*/GET/orders");
        let verdict = evaluate(&route).await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert!(
            !verdict.annotation.contains("naming the stage"),
            "{}",
            verdict.annotation
        );
    }

    #[test]
    fn allow_any_api_and_source_ip_ranges_are_read_from_the_rule_parameters() {
        let parse = |raw: Value| {
            let values = raw.as_object().cloned().unwrap_or_default();
            crate::config::parameters::parse_parameters::<Parameters>(&values).unwrap()
        };
        assert!(parse(json!({"AllowAnyApiInAccount": "true"})).allow_any_api_in_account);
        assert!(!parse(json!({})).allow_any_api_in_account);
        let ranges = parse(json!({"AllowedSourceIpRanges": "203.0.113.0/24, 2001:db8::/32"}));
        assert_eq!(ranges.allowed_source_ip_ranges.len(), 2);
        let values = json!({"AllowedSourceIpRanges": "203.0.113.0/33"});
        let refused =
            crate::config::parameters::parse_parameters::<Parameters>(values.as_object().unwrap());
        assert_contains(
            &refused.unwrap_err().to_string(),
            "`203.0.113.0/33` is not an IP address range",
        );
    }

    fn bucket(policy: Option<String>, grants: Value, block: Option<Value>) -> ConfigurationItem {
        let mut supplementary = json!({
            "BucketPolicy": {"policyText": policy},
            "AccessControlList": acl(grants),
        });
        if let Some(block) = block {
            supplementary["PublicAccessBlockConfiguration"] = Value::String(block.to_string());
        }
        item("AWS::S3::Bucket", json!({}), supplementary)
    }

    #[tokio::test]
    async fn scenario_8_a_bucket_public_through_its_acl_fails_unless_public_acls_are_ignored() {
        let everyone = json!([{"grantee": "AllUsers", "permission": "Read"}]);
        let verdict = evaluate(&bucket(None, everyone.clone(), None)).await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &verdict.annotation,
            "the bucket ACL grants Read to everyone",
        );
        let ignored = json!({"ignorePublicAcls": true, "restrictPublicBuckets": false});
        let verdict = evaluate(&bucket(None, everyone, Some(ignored))).await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_starts_with(
            &verdict.annotation,
            "the bucket ACL's public grants are ignored",
        );
    }

    #[tokio::test]
    async fn scenario_8_restrict_public_buckets_neutralises_a_public_policy_and_says_so() {
        let policy = Some(public_policy("s3:GetObject"));
        let private = json!([]);
        let open = evaluate(&bucket(policy.clone(), private.clone(), None)).await;
        assert_eq!(open.compliance, Compliance::NonCompliant);
        let restricted = json!({"ignorePublicAcls": false, "restrictPublicBuckets": true});
        let verdict = evaluate(&bucket(policy, private, Some(restricted.clone()))).await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_starts_with(
            &verdict.annotation,
            "the public grant of Statement[0] is neutralised by Block Public Access RestrictPublicBuckets",
        );
        // It neutralises public grants only: a named foreign account still gets in.
        let foreign = json!({"Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:GetObject","Resource":"*"}]}).to_string();
        let verdict = evaluate(&bucket(Some(foreign), json!([]), Some(restricted))).await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
    }

    fn layer(name: &str, version: i64) -> LayerVersion {
        LayerVersion {
            layer_name: name.to_owned(),
            version,
            arn: format!("arn:aws:lambda:us-east-1:111122223333:layer:{name}:{version}"),
        }
    }

    fn periodic_context(deadline: crate::config::deadline::Deadline) -> PeriodicContext {
        PeriodicContext {
            account_id: Some("111122223333".to_owned()),
            deadline,
            now: 0,
        }
    }

    #[tokio::test]
    async fn scenario_8_9_the_periodic_run_reports_every_layer_version_and_recorded_resource() {
        const PUBLIC: &str = "arn:aws:lambda:us-east-1:111122223333:layer:airline-common:2";
        const UNREAD: &str = "arn:aws:lambda:us-east-1:111122223333:layer:airline-common:3";
        let denied = ReadError::new(
            "lambda:GetLayerVersionPolicy",
            crate::config::ReadErrorKind::Denied,
            "AccessDeniedException",
        );
        let reads = Reads {
            layers: Ok(vec![
                layer("airline-common", 1),
                layer("airline-common", 2),
                layer("airline-common", 3),
            ]),
            policies: vec![
                (PUBLIC, Ok(Some(public_policy("lambda:GetLayerVersion")))),
                (UNREAD, Err(denied)),
            ],
            recorded: vec![item(
                "AWS::SQS::Queue",
                json!({"Policy": public_policy("sqs:SendMessage")}),
                json!({}),
            )],
            ..Reads::default()
        };
        let context = periodic_context(crate::config::deadline::Deadline::NONE);
        let run = ResourcePolicies::new(reads)
            .evaluate_periodic(&Parameters::default(), &context)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(run.unfinished, 0);
        let mut verdicts: Vec<(&str, Compliance)> = run
            .assessed
            .iter()
            .filter(|a| a.resource_type == LAYER_VERSION)
            .map(|a| (a.resource_id.as_str(), a.verdict.compliance))
            .collect();
        verdicts.sort_by_key(|(id, _)| *id);
        assert_eq!(
            verdicts,
            [
                (
                    "arn:aws:lambda:us-east-1:111122223333:layer:airline-common:1",
                    Compliance::Compliant
                ),
                (PUBLIC, Compliance::NonCompliant),
                (UNREAD, Compliance::NonCompliant),
            ]
        );
        // Every recorded resource too, judged as its change would be.
        let queue = run
            .assessed
            .iter()
            .find(|a| a.resource_type == "AWS::SQS::Queue")
            .unwrap();
        assert_eq!(queue.verdict.compliance, Compliance::NonCompliant);
        assert_eq!(run.assessed.len(), 4);
        let unread = run
            .assessed
            .iter()
            .find(|a| a.resource_id == UNREAD)
            .unwrap();
        assert_starts_with(
            &unread.verdict.annotation,
            "could not read the layer version policy (lambda:GetLayerVersionPolicy, access denied)",
        );
    }

    #[tokio::test]
    async fn scenario_8_layers_not_listed_fail_the_run_and_unread_versions_are_left_for_the_next() {
        let unlisted = Reads {
            layers: Err(ReadError::new(
                "lambda:ListLayers",
                crate::config::ReadErrorKind::Throttled,
                "TooManyRequestsException",
            )),
            ..Reads::default()
        };
        let context = periodic_context(crate::config::deadline::Deadline::NONE);
        let failed = ResourcePolicies::new(unlisted)
            .evaluate_periodic(&Parameters::default(), &context)
            .await;
        assert_eq!(failed.unwrap_err().action, "lambda:ListLayers");
        let late = Reads {
            layers: Ok(vec![layer("a", 1), layer("b", 1)]),
            ..Reads::default()
        };
        let past = crate::config::deadline::Deadline::at(std::time::Instant::now());
        let run = ResourcePolicies::new(late)
            .evaluate_periodic(&Parameters::default(), &periodic_context(past))
            .await
            .unwrap()
            .unwrap();
        assert!(run.assessed.is_empty());
        assert_eq!(run.unfinished, 2);
    }

    #[tokio::test]
    async fn scenario_8_the_accounts_block_public_access_neutralises_what_the_bucket_does_not() {
        let policy = Some(public_policy("s3:GetObject"));
        let everyone = json!([{"grantee": "AllUsers", "permission": "Read"}]);
        let open = bucket(policy, everyone, None);
        let account_blocks = |block: Result<Option<PublicAccessBlock>, ReadError>| Reads {
            account_block: block,
            ..Reads::default()
        };
        let both = PublicAccessBlock {
            ignore_public_acls: true,
            restrict_public_buckets: true,
        };
        let verdict = ResourcePolicies::new(account_blocks(Ok(Some(both))))
            .evaluate(&open, &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_contains(&verdict.annotation, "IgnorePublicAcls of the account");
        assert_contains(
            &verdict.annotation,
            "neutralised by Block Public Access RestrictPublicBuckets of the account",
        );
        // Only the ACL is neutralised: the public policy still fails.
        let acls_only = PublicAccessBlock {
            ignore_public_acls: true,
            restrict_public_buckets: false,
        };
        let verdict = ResourcePolicies::new(account_blocks(Ok(Some(acls_only))))
            .evaluate(&open, &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &verdict.annotation,
            "Statement[0] (Sid \"Open\") allows anyone",
        );
        let none = ResourcePolicies::new(account_blocks(Ok(None)))
            .evaluate(&open, &Parameters::default())
            .await;
        assert_eq!(none.compliance, Compliance::NonCompliant);
        let denied = ReadError::new(
            "s3:GetAccountPublicAccessBlock",
            crate::config::ReadErrorKind::Denied,
            "AccessDenied",
        );
        let public_acl = bucket(
            None,
            json!([{"grantee": "AllUsers", "permission": "Read"}]),
            None,
        );
        let unread = ResourcePolicies::new(account_blocks(Err(denied)))
            .evaluate(&public_acl, &Parameters::default())
            .await;
        assert_eq!(unread.compliance, Compliance::NonCompliant);
        assert_contains(&unread.annotation, "the account's Block Public Access was not read (s3:GetAccountPublicAccessBlock, access denied)");
    }

    #[tokio::test]
    async fn scenario_8_a_private_bucket_passes_without_reading_the_account_settings() {
        let denied = ReadError::new(
            "s3:GetAccountPublicAccessBlock",
            crate::config::ReadErrorKind::Denied,
            "AccessDenied",
        );
        let reads = Reads {
            account_block: Err(denied),
            ..Reads::default()
        };
        let private = bucket(None, json!([]), None);
        let verdict = ResourcePolicies::new(reads)
            .evaluate(&private, &Parameters::default())
            .await;
        assert_eq!(verdict.compliance, Compliance::Compliant);
    }
}

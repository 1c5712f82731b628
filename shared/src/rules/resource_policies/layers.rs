//! Lambda layer versions hold resource policies of their own (`lambda
//! add-layer-version-permission`), which share the layer with an account, an organization or
//! everyone. AWS Config records neither the version nor its policy, so the periodic run lists
//! them and each version is judged here. Pure.

use serde_json::Value;

use super::judge::{judge_policy, ResourcePolicy};
use super::Parameters;
use crate::config::Verdict;
use crate::policy::{Arn, ResourceService};

/// One published version of a layer, as `lambda:ListLayerVersions` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerVersion {
    pub layer_name: String,
    pub version: i64,
    /// `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`: the id it is reported under.
    pub arn: String,
}

impl LayerVersion {
    /// The account that owns the layer, from its ARN.
    pub fn account(&self) -> Option<&str> {
        Arn::parse(&self.arn).and_then(|arn| arn.fixed_account())
    }
}

/// The verdict on one layer version given its policy (`None`: it has none).
pub fn judge_layer_version(
    layer: &LayerVersion,
    policy: Option<&str>,
    parameters: &Parameters,
) -> Verdict {
    let Some(account) = layer.account() else {
        return Verdict::non_compliant(format!(
            "the layer version ARN `{}` names no account, so outside access cannot be judged",
            layer.arn
        ));
    };
    let policy = policy.map(|text| Value::String(text.to_owned()));
    let resource = ResourcePolicy::only(ResourceService::Lambda, policy.as_ref());
    judge_policy(Some(account), resource, parameters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compliance;
    use crate::testing::{assert_contains, assert_starts_with};
    use serde_json::json;

    fn layer() -> LayerVersion {
        LayerVersion {
            layer_name: "airline-common".to_owned(),
            version: 3,
            arn: "arn:aws:lambda:us-east-1:111122223333:layer:airline-common:3".to_owned(),
        }
    }

    /// The policy Lambda writes for `add-layer-version-permission --principal P
    /// [--organization-id O]`.
    fn shared_with(principal: Value, organization: Option<&str>) -> String {
        let mut statement = json!({
            "Sid": "share", "Effect": "Allow", "Principal": principal,
            "Action": "lambda:GetLayerVersion",
            "Resource": "arn:aws:lambda:us-east-1:111122223333:layer:airline-common:3",
        });
        if let Some(organization) = organization {
            statement["Condition"] = json!({"StringEquals": {"aws:PrincipalOrgID": organization}});
        }
        json!({"Version": "2012-10-17", "Id": "default", "Statement": [statement]}).to_string()
    }

    fn verdict(policy: Option<&str>, parameters: &Parameters) -> Verdict {
        judge_layer_version(&layer(), policy, parameters)
    }

    #[test]
    fn a_layer_version_shared_with_everyone_is_non_compliant() {
        let public = shared_with(json!("*"), None);
        let verdict = verdict(Some(&public), &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &verdict.annotation,
            "Statement[0] (Sid \"share\") allows anyone",
        );
    }

    #[test]
    fn a_version_with_no_policy_or_shared_only_within_the_account_is_compliant() {
        let none = verdict(None, &Parameters::default());
        assert_eq!(none.compliance, Compliance::Compliant);
        assert_contains(&none.annotation, "no resource-based policy");
        let own = shared_with(json!({"AWS": "arn:aws:iam::111122223333:root"}), None);
        let verdict = verdict(Some(&own), &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::Compliant);
    }

    #[test]
    fn sharing_with_another_account_or_organization_passes_only_when_allowed() {
        let partner = shared_with(json!({"AWS": "arn:aws:iam::444455556666:root"}), None);
        let organization = shared_with(json!("*"), Some("o-a1b2c3d4e5"));
        for policy in [&partner, &organization] {
            let refused = verdict(Some(policy), &Parameters::default());
            assert_eq!(refused.compliance, Compliance::NonCompliant, "{policy}");
        }
        let trusted = Parameters {
            allowed_account_ids: vec!["444455556666".to_owned()],
            allowed_organization_ids: vec!["o-a1b2c3d4e5".to_owned()],
            ..Parameters::default()
        };
        for policy in [&partner, &organization] {
            let allowed = verdict(Some(policy), &trusted);
            assert_eq!(allowed.compliance, Compliance::Compliant, "{policy}");
        }
        let other_organization = shared_with(json!("*"), Some("o-zzzzzzzzzz"));
        let verdict = verdict(Some(&other_organization), &trusted);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
    }

    #[test]
    fn an_unreadable_policy_or_an_arn_without_account_is_never_compliant() {
        let broken = verdict(Some("{\"Statement\": 5}"), &Parameters::default());
        assert_eq!(broken.compliance, Compliance::NonCompliant);
        assert_starts_with(&broken.annotation, "could not read the resource policy");
        let odd = LayerVersion {
            arn: "airline-common:3".to_owned(),
            ..layer()
        };
        let verdict = judge_layer_version(&odd, None, &Parameters::default());
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "`airline-common:3` names no account");
    }
}

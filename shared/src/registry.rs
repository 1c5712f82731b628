//! The one list of the rules. The command line (`evaluate`, `scan`, `config-events`, `rules`),
//! the re-evaluation triggers, the template checks and the bench and demo scripts (through
//! `sec2 rules --format json`) all read it. A new rule is one folder under `rules/` and one entry
//! here.

use serde::Serialize;

use crate::config::{Compliance, Finding, Severity};

/// The sec2 rules, by the name their function carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    ResourcePolicies,
    TemporaryCredentials,
    LeastPrivilege,
    NetworkControls,
    Guardrails,
}

/// The SEC2 best practice a rule checks, as the Serverless Lens numbers and names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Practice {
    pub number: u8,
    pub title: &'static str,
}

/// What starts an evaluation of the rule in AWS Config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Triggers {
    /// A configuration change of one of the rule's resource types.
    pub change: bool,
    /// The resource types a daily run judges, and whose stale results it retires (empty: no
    /// periodic run). A type no change can trigger, such as a layer version AWS Config does not
    /// record, is judged only here.
    pub periodic: &'static [&'static str],
    /// Whether the periodic run finds the resources it judges in AWS Config's inventory
    /// (ListDiscoveredResources) rather than in the services' own listings.
    pub periodic_from_config: bool,
}

impl Triggers {
    pub fn is_periodic(&self) -> bool {
        !self.periodic.is_empty()
    }
}

/// A Lambda layer version: AWS Config does not record it, so only a periodic run reports it.
pub const LAYER_VERSION: &str = "AWS::Lambda::LayerVersion";

/// One rule: everything the tools around it need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleSpec {
    #[serde(skip)]
    pub id: RuleId,
    /// The name without the `sec2-` prefix; the Config rule is `sec2-NAME`.
    pub name: &'static str,
    pub practice: Practice,
    /// One line on what it checks.
    pub summary: &'static str,
    /// How to fix what it finds, in general (each finding says what is wrong in particular).
    pub remediation: &'static str,
    /// How urgent a finding is that does not rate itself: a door open to anyone or a secret
    /// in plain sight is HIGH.
    pub severity: Severity,
    pub resource_types: &'static [&'static str],
    pub triggers: Triggers,
    /// The rule parameters it takes, as AWS Config passes them.
    pub parameters: &'static [&'static str],
    /// The crate under `functions/` that runs it on Lambda.
    pub function: &'static str,
    /// The function's logical id in `template.yaml`.
    pub template_function: &'static str,
}

/// The sec2 rules, in SEC2 practice order.
pub const RULES: &[RuleSpec] = &[
    RESOURCE_POLICIES,
    TEMPORARY_CREDENTIALS,
    LEAST_PRIVILEGE,
    NETWORK_CONTROLS,
    GUARDRAILS,
];

pub const RESOURCE_POLICIES: RuleSpec = RuleSpec {
    id: RuleId::ResourcePolicies,
    name: "resource-policies",
    practice: Practice {
        number: 1,
        title: "Evaluate and define resource policies",
    },
    summary: "resource policies only permit necessary callers: nothing public, no unexpected account, every service principal guarded against the confused deputy",
    remediation: "Remove Principal \"*\" and unknown accounts from the policy (or add them to AllowedAccountIds / AllowedOrganizationIds when they are meant), guard every service principal with aws:SourceArn or aws:SourceAccount, keep Block Public Access on, and give function URLs AuthType AWS_IAM.",
    severity: Severity::High,
    resource_types: &[
        "AWS::Lambda::Function",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::S3::Bucket",
        "AWS::ApiGateway::RestApi",
        "AWS::Events::EventBus",
        "AWS::DynamoDB::Table",
    ],
    triggers: Triggers {
        change: true,
        periodic: &[
            "AWS::Lambda::Function",
            "AWS::SQS::Queue",
            "AWS::SNS::Topic",
            "AWS::S3::Bucket",
            "AWS::ApiGateway::RestApi",
            "AWS::Events::EventBus",
            "AWS::DynamoDB::Table",
            LAYER_VERSION,
        ],
        periodic_from_config: true,
    },
    parameters: &[
        "AllowedAccountIds",
        "AllowedOrganizationIds",
        "AllowAnyApiInAccount",
        "AllowedSourceIpRanges",
        "PublicByDesignTag",
    ],
    function: "resource-policies",
    template_function: "ResourcePoliciesFunction",
};

pub const TEMPORARY_CREDENTIALS: RuleSpec = RuleSpec {
    id: RuleId::TemporaryCredentials,
    name: "temporary-credentials",
    practice: Practice {
        number: 2,
        title: "Use temporary credentials between resources and components",
    },
    summary: "no long-term keys or secrets in function configuration; each function its own role, assumable only by Lambda",
    remediation: "Move secrets out of environment variables into Secrets Manager or Parameter Store and read them at run time; delete access keys; give each function a role of its own whose trust policy admits only lambda.amazonaws.com, guarded by aws:SourceAccount.",
    severity: Severity::High,
    resource_types: &["AWS::Lambda::Function"],
    triggers: Triggers {
        change: true,
        periodic: &["AWS::Lambda::Function"],
        periodic_from_config: false,
    },
    parameters: &[
        "SecretNamePatterns",
        "AllowedVariables",
        "RoleSharingRegions",
        "AllowedSharedPolicies",
    ],
    function: "temporary-credentials",
    template_function: "TemporaryCredentialsFunction",
};

pub const LEAST_PRIVILEGE: RuleSpec = RuleSpec {
    id: RuleId::LeastPrivilege,
    name: "least-privilege",
    practice: Practice {
        number: 3,
        title: "Design smaller, single purpose functions",
    },
    summary: "roles hold only what small, single-purpose functions use: no admin, escalation or wildcard grants; unused services found with Access Advisor",
    remediation: "Replace admin, wildcard and escalation grants with the actions and resources the function uses (Access Advisor and CloudTrail show which), drop the services it has not used, and attach a permissions boundary where required.",
    severity: Severity::Medium,
    resource_types: &["AWS::Lambda::Function"],
    triggers: Triggers {
        change: true,
        periodic: &["AWS::Lambda::Function"],
        periodic_from_config: false,
    },
    parameters: &[
        "BlockedPolicyArns",
        "RequirePermissionsBoundary",
        "MaxServices",
        "UnusedDays",
        "SeverityThreshold",
    ],
    function: "least-privilege",
    template_function: "LeastPrivilegeFunction",
};

pub const NETWORK_CONTROLS: RuleSpec = RuleSpec {
    id: RuleId::NetworkControls,
    name: "network-controls",
    practice: Practice {
        number: 4,
        title: "Control network traffic at all layers",
    },
    summary: "ingress and egress controlled at every layer: VPC placement, security group egress, flow logs, endpoints, function URL auth, API methods and routes, WAF on stages and AppSync, private APIs",
    remediation: "Put functions that reach private resources in private subnets of an allowed VPC, restrict security group egress to the ports they need, keep flow logs and the required VPC endpoints, authorize every API method and route, require AWS_IAM on function URLs, and associate a WAF web ACL with public stages and GraphQL APIs.",
    severity: Severity::Medium,
    resource_types: &[
        "AWS::Lambda::Function",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGatewayV2::Api",
        "AWS::AppSync::GraphQLApi",
    ],
    triggers: Triggers {
        change: true,
        periodic: &[
            "AWS::Lambda::Function",
            "AWS::ApiGateway::Stage",
            "AWS::ApiGateway::RestApi",
            "AWS::ApiGatewayV2::Api",
            "AWS::AppSync::GraphQLApi",
        ],
        periodic_from_config: true,
    },
    parameters: &[
        "RequireVpc",
        "AllowedSubnetIds",
        "AllowedVpcIds",
        "RestrictedEgressPorts",
        "AllowOpenEgress",
        "RequireVpcEndpoints",
        "PublicByDesignTag",
        "AllowedWebAclArns",
        "RequirePrivateApi",
    ],
    function: "network-controls",
    template_function: "NetworkControlsFunction",
};

pub const GUARDRAILS: RuleSpec = RuleSpec {
    id: RuleId::Guardrails,
    name: "guardrails",
    practice: Practice {
        number: 5,
        title: "Prevent unsafe changes with the organization's guardrails",
    },
    summary: "the organization's service control policies deny public functions, function URLs without IAM auth, access keys and stopping AWS Config, for every account (from the management account)",
    remediation: "Attach service control policies that deny the unsafe calls (public function permissions, function URLs without IAM auth, access keys, stopping AWS Config) at the root or the OU the finding names.",
    // Judged on the periodic run only: an account's SCPs change without a configuration item.
    severity: Severity::Medium,
    resource_types: &[],
    triggers: Triggers {
        change: false,
        periodic: &[ACCOUNT],
        periodic_from_config: false,
    },
    parameters: &[
        "DenyPublicFunctions",
        "RequireFunctionUrlIamAuth",
        "RequireFunctionsInVpc",
        "AllowedVpcIds",
        "DenyAccessKeys",
        "AccessKeyExemptAccountIds",
        "PermissionsBoundaryArn",
        "ProtectConfig",
    ],
    function: "guardrails",
    template_function: "GuardrailsFunction",
};

impl RuleSpec {
    /// The findings as they are reported: a failing resource's each with a severity and a fix
    /// (the rule's own where the finding has none); a passing one's as they are.
    pub fn reported(&self, compliance: Compliance, findings: &[Finding]) -> Vec<Finding> {
        findings
            .iter()
            .cloned()
            .map(|finding| match compliance {
                Compliance::NonCompliant => finding.completed(self.severity, self.remediation),
                _ => finding,
            })
            .collect()
    }
}

/// An AWS account, as AWS Config names it.
pub const ACCOUNT: &str = "AWS::::Account";

impl RuleId {
    /// Every rule, in registry order.
    pub fn all() -> impl Iterator<Item = RuleId> {
        RULES.iter().map(|spec| spec.id)
    }

    pub fn spec(self) -> &'static RuleSpec {
        match self {
            RuleId::ResourcePolicies => &RESOURCE_POLICIES,
            RuleId::TemporaryCredentials => &TEMPORARY_CREDENTIALS,
            RuleId::LeastPrivilege => &LEAST_PRIVILEGE,
            RuleId::NetworkControls => &NETWORK_CONTROLS,
            RuleId::Guardrails => &GUARDRAILS,
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<RuleId> {
        RULES
            .iter()
            .find(|spec| spec.name == name || spec.name == name.trim_start_matches("sec2-"))
            .map(|spec| spec.id)
    }

    /// Every rule's name, for messages: `a, b, c, d`.
    pub fn names() -> String {
        RULES
            .iter()
            .map(|spec| spec.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The spec of the rule named `name` (with or without `sec2-`).
pub fn find(name: &str) -> Option<&'static RuleSpec> {
    RuleId::from_name(name).map(RuleId::spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_exactly_one_entry() {
        for id in [
            RuleId::ResourcePolicies,
            RuleId::TemporaryCredentials,
            RuleId::LeastPrivilege,
            RuleId::NetworkControls,
            RuleId::Guardrails,
        ] {
            assert_eq!(RULES.iter().filter(|spec| spec.id == id).count(), 1);
            assert_eq!(id.spec().id, id);
        }
        assert_eq!(RULES.len(), 5);
    }

    #[test]
    fn names_are_found_with_or_without_the_prefix() {
        assert_eq!(
            RuleId::from_name("sec2-least-privilege"),
            Some(RuleId::LeastPrivilege)
        );
        assert_eq!(
            RuleId::from_name("network-controls"),
            Some(RuleId::NetworkControls)
        );
        assert_eq!(RuleId::from_name("firewall"), None);
    }

    #[test]
    fn a_periodic_type_is_one_the_rule_judges_or_one_no_change_reports() {
        for spec in RULES {
            for resource_type in spec.triggers.periodic {
                assert!(
                    spec.resource_types.contains(resource_type)
                        || [LAYER_VERSION, ACCOUNT].contains(resource_type),
                    "{}: {resource_type}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn every_type_a_change_judges_is_judged_daily_too() {
        // A verdict can depend on what Config does not record (a linked security group, a
        // policy read live); only a periodic run keeps it from going stale.
        for spec in RULES {
            for resource_type in spec.resource_types {
                assert!(
                    spec.triggers.periodic.contains(resource_type),
                    "{}: {resource_type}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn practices_are_numbered_in_order() {
        let numbers: Vec<u8> = RULES.iter().map(|spec| spec.practice.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5]);
    }
}

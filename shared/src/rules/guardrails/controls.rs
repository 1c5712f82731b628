//! The preventive controls the rule looks for, each as the unsafe calls an SCP must deny. Every
//! call is made, in the judgement, by an ordinary principal of the account: an assumed role no
//! exemption names, without tags, not an AWS service. A guardrail holds only where every one of
//! its calls is surely denied.

use crate::policy::Request;

/// One guardrail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Guardrail {
    PublicFunctions,
    FunctionUrlAuth,
    FunctionsInVpc,
    AccessKeys,
    PermissionsBoundary,
    ProtectConfig,
}

/// The role name the judgement's calls are made as: a pattern that exempts it exempts any
/// ordinary role.
pub const PROBE_NAME: &str = "sec2-guardrail-probe";

/// Where the calls are made.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    pub organization: &'a str,
}

impl Guardrail {
    pub const ALL: [Guardrail; 6] = [
        Guardrail::PublicFunctions,
        Guardrail::FunctionUrlAuth,
        Guardrail::FunctionsInVpc,
        Guardrail::AccessKeys,
        Guardrail::PermissionsBoundary,
        Guardrail::ProtectConfig,
    ];

    /// How annotations name it.
    pub fn name(self) -> &'static str {
        match self {
            Guardrail::PublicFunctions => "public function grants",
            Guardrail::FunctionUrlAuth => "function URLs without IAM auth",
            Guardrail::FunctionsInVpc => "functions outside the approved VPCs",
            Guardrail::AccessKeys => "IAM access keys",
            Guardrail::PermissionsBoundary => "roles without the permissions boundary",
            Guardrail::ProtectConfig => "stopping or deleting AWS Config",
        }
    }

    /// What the missing SCP statement looks like.
    pub fn advice(self) -> &'static str {
        match self {
            Guardrail::PublicFunctions => {
                "Deny lambda:AddPermission when lambda:Principal is *"
            }
            Guardrail::FunctionUrlAuth => {
                "Deny lambda:CreateFunctionUrlConfig and UpdateFunctionUrlConfig unless lambda:FunctionUrlAuthType is AWS_IAM"
            }
            Guardrail::FunctionsInVpc => {
                "Deny lambda:CreateFunction and UpdateFunctionConfiguration when lambda:VpcIds is null or not approved"
            }
            Guardrail::AccessKeys => "Deny iam:CreateAccessKey",
            Guardrail::PermissionsBoundary => {
                "Deny iam:CreateRole and PutRolePermissionsBoundary unless iam:PermissionsBoundary is the boundary, and DeleteRolePermissionsBoundary"
            }
            Guardrail::ProtectConfig => {
                "Deny config:StopConfigurationRecorder, DeleteConfigurationRecorder, DeleteDeliveryChannel and DeleteConfigRule except for the administrator role"
            }
        }
    }

    /// The unsafe calls: every one must be denied. `allowed_vpcs` are the approved VPCs of
    /// FunctionsInVpc (any VPC when empty).
    pub fn calls(self, caller: Caller<'_>, allowed_vpcs: &[String]) -> Vec<Request> {
        let Caller {
            partition, account, ..
        } = caller;
        // `*` for the region: a resource pattern matches it only if it covers every region.
        let function = format!("arn:{partition}:lambda:*:{account}:function:{PROBE_NAME}");
        let call = |action: &str, resource: &str| ordinary(caller, action, resource);
        match self {
            Guardrail::PublicFunctions => vec![call("lambda:AddPermission", &function)
                .with("lambda:Principal", &["*"])
                .without("lambda:FunctionUrlAuthType")],
            Guardrail::FunctionUrlAuth => [
                "lambda:CreateFunctionUrlConfig",
                "lambda:UpdateFunctionUrlConfig",
            ]
            .into_iter()
            .map(|action| call(action, &function).with("lambda:FunctionUrlAuthType", &["NONE"]))
            .collect(),
            Guardrail::FunctionsInVpc => {
                let mut calls: Vec<Request> = [
                    "lambda:CreateFunction",
                    "lambda:UpdateFunctionConfiguration",
                ]
                .into_iter()
                .map(|action| {
                    call(action, &function)
                        .without("lambda:VpcIds")
                        .without("lambda:SubnetIds")
                        .without("lambda:SecurityGroupIds")
                })
                .collect();
                if !allowed_vpcs.is_empty() {
                    calls.push(
                        call("lambda:CreateFunction", &function)
                            .with("lambda:VpcIds", &["vpc-0sec2guardrailprobe"]),
                    );
                }
                calls
            }
            Guardrail::AccessKeys => vec![call(
                "iam:CreateAccessKey",
                &format!("arn:{partition}:iam::{account}:user/{PROBE_NAME}"),
            )],
            Guardrail::PermissionsBoundary => {
                let role = format!("arn:{partition}:iam::{account}:role/{PROBE_NAME}");
                let other_boundary = format!("arn:{partition}:iam::{account}:policy/{PROBE_NAME}");
                vec![
                    call("iam:CreateRole", &role).without("iam:PermissionsBoundary"),
                    call("iam:CreateRole", &role)
                        .with("iam:PermissionsBoundary", &[&other_boundary]),
                    call("iam:PutRolePermissionsBoundary", &role)
                        .with("iam:PermissionsBoundary", &[&other_boundary]),
                    call("iam:DeleteRolePermissionsBoundary", &role),
                ]
            }
            Guardrail::ProtectConfig => {
                let rule = format!(
                    "arn:{partition}:config:*:{account}:config-rule/config-rule-{PROBE_NAME}"
                );
                vec![
                    // These three have no resource-level permissions: a request names `*`.
                    call("config:StopConfigurationRecorder", "*"),
                    call("config:DeleteConfigurationRecorder", "*"),
                    call("config:DeleteDeliveryChannel", "*"),
                    call("config:DeleteConfigRule", &rule),
                ]
            }
        }
    }
}

/// A call by an ordinary principal of the account.
fn ordinary(caller: Caller<'_>, action: &str, resource: &str) -> Request {
    let Caller {
        partition,
        account,
        organization,
    } = caller;
    let role = format!("arn:{partition}:iam::{account}:role/{PROBE_NAME}");
    Request::new(action, resource)
        .with("aws:PrincipalArn", &[&role])
        .with("aws:PrincipalAccount", &[account])
        .with("aws:PrincipalOrgID", &[organization])
        .with("aws:PrincipalType", &["AssumedRole"])
        .with("aws:PrincipalIsAWSService", &["false"])
        .with("aws:ViaAWSService", &["false"])
        .without("aws:PrincipalServiceName")
        .without("aws:CalledVia")
        .without("aws:TagKeys")
        .without_any("aws:PrincipalTag/")
        .without_any("aws:RequestTag/")
        .without_any("aws:ResourceTag/")
}

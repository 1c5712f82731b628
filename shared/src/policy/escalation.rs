//! Grants that let an identity give itself more permissions.
//!
//! Source: Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation"
//! (<https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/>), as
//! collected in salesforce/cloudsplaining `shared/constants.py` (PRIVILEGE_ESCALATION_METHODS)
//! and duo-labs/parliament's privilege-escalation auditor. A method counts only when every
//! action in it is granted on `"*"`. `iam:PassRole` on `"*"` also counts alone, as IAM Access
//! Analyzer's "Pass role with star in resource" check warns.

/// Each method: a name people can look up, and the actions (lowercase) it needs together.
pub const METHODS: &[(&str, &[&str])] = &[
    ("CreateNewPolicyVersion", &["iam:createpolicyversion"]),
    (
        "SetExistingDefaultPolicyVersion",
        &["iam:setdefaultpolicyversion"],
    ),
    ("CreateAccessKey", &["iam:createaccesskey"]),
    ("CreateLoginProfile", &["iam:createloginprofile"]),
    ("UpdateLoginProfile", &["iam:updateloginprofile"]),
    ("AttachUserPolicy", &["iam:attachuserpolicy"]),
    ("AttachGroupPolicy", &["iam:attachgrouppolicy"]),
    ("AttachRolePolicy", &["iam:attachrolepolicy"]),
    ("PutUserPolicy", &["iam:putuserpolicy"]),
    ("PutGroupPolicy", &["iam:putgrouppolicy"]),
    ("PutRolePolicy", &["iam:putrolepolicy"]),
    ("AddUserToGroup", &["iam:addusertogroup"]),
    (
        "UpdateRolePolicyToAssumeIt",
        &["iam:updateassumerolepolicy", "sts:assumerole"],
    ),
    ("PassRole", &["iam:passrole"]),
    (
        "PassExistingRoleToNewEc2Instance",
        &["iam:passrole", "ec2:runinstances"],
    ),
    (
        "PassExistingRoleToNewLambdaThenInvoke",
        &[
            "iam:passrole",
            "lambda:createfunction",
            "lambda:invokefunction",
        ],
    ),
    (
        "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
        &[
            "iam:passrole",
            "lambda:createfunction",
            "lambda:createeventsourcemapping",
        ],
    ),
    (
        "PassExistingRoleToNewGlueDevEndpoint",
        &["iam:passrole", "glue:createdevendpoint"],
    ),
    ("UpdateExistingGlueDevEndpoint", &["glue:updatedevendpoint"]),
    (
        "PassExistingRoleToCloudFormation",
        &["iam:passrole", "cloudformation:createstack"],
    ),
    (
        "PassExistingRoleToNewDataPipeline",
        &["iam:passrole", "datapipeline:createpipeline"],
    ),
    (
        "EditExistingLambdaFunctionWithRole",
        &["lambda:updatefunctioncode"],
    ),
];

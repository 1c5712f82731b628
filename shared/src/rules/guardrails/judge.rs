//! Every account of the organization judged against the guardrails its parameters turn on: the
//! SCPs in effect for it must surely deny every unsafe call of each. A missing guardrail is
//! named with the highest unit where attaching it covers the account and only accounts that lack
//! it too.

use std::collections::BTreeMap;

use super::controls::{Caller, Guardrail};
use super::organization::{Account, Decision, Organization, Placed, Unit};
use super::Parameters;
use crate::config::Verdict;

/// The guardrails the parameters turn on.
pub fn enabled(parameters: &Parameters) -> Vec<Guardrail> {
    Guardrail::ALL
        .into_iter()
        .filter(|guardrail| match guardrail {
            Guardrail::PublicFunctions => parameters.deny_public_functions,
            Guardrail::FunctionUrlAuth => parameters.require_function_url_iam_auth,
            Guardrail::FunctionsInVpc => parameters.require_functions_in_vpc,
            Guardrail::AccessKeys => parameters.deny_access_keys,
            Guardrail::PermissionsBoundary => !parameters.permissions_boundary_arn.is_empty(),
            Guardrail::ProtectConfig => parameters.protect_config,
        })
        .collect()
}

/// What one guardrail comes to for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Held {
    /// By the first denial found.
    Yes(String),
    /// Not required here (an exempted account).
    Exempt,
    /// Missing: the call left open, and what might still deny it.
    No { call: String, open: Vec<String> },
}

/// Each account's verdict, by account id, in tree order.
pub fn judge_organization(
    organization: &Organization,
    partition: &str,
    parameters: &Parameters,
) -> Vec<(String, Verdict)> {
    let guardrails = enabled(parameters);
    let accounts = organization.accounts();
    let judged: Vec<Judged<'_>> = accounts
        .iter()
        .map(|(account, path)| Judged {
            account,
            path,
            held: judgeable(organization, account).then(|| {
                guardrails
                    .iter()
                    .map(|guardrail| {
                        let placed = Placed { account, path };
                        let held = hold(organization, placed, *guardrail, partition, parameters);
                        (*guardrail, held)
                    })
                    .collect()
            }),
        })
        .collect();
    // For where to attach each missing guardrail: counted once, unit by unit.
    let mut tally = Tally::default();
    for judged in &judged {
        let Some(held) = &judged.held else { continue };
        for unit in judged.path {
            *tally.judged.entry(unit.id.as_str()).or_default() += 1;
            for (guardrail, outcome) in held {
                if matches!(outcome, Held::No { .. }) {
                    *tally
                        .lacking
                        .entry((*guardrail, unit.id.as_str()))
                        .or_default() += 1;
                }
            }
        }
    }
    judged
        .iter()
        .map(|judged| {
            let verdict = match &judged.held {
                None => not_judged(organization, judged.account),
                Some(_) if guardrails.is_empty() => Verdict::not_applicable(
                    "every guardrail is turned off by the rule's parameters",
                ),
                Some(held) => verdict(held, judged.path, &tally),
            };
            (judged.account.id.clone(), verdict)
        })
        .collect()
}

/// How many judged accounts each unit holds (itself and below), and how many of them lack each
/// guardrail.
#[derive(Default)]
struct Tally<'a> {
    judged: BTreeMap<&'a str, usize>,
    lacking: BTreeMap<(Guardrail, &'a str), usize>,
}

/// An account with its path and, when SCPs apply to it, each guardrail's outcome.
struct Judged<'a> {
    account: &'a Account,
    path: &'a [&'a Unit],
    held: Option<Vec<(Guardrail, Held)>>,
}

/// Whether SCPs apply to the account, so that it is judged: an active member account.
fn judgeable(organization: &Organization, account: &Account) -> bool {
    account.id != organization.management_account
        && account.status.eq_ignore_ascii_case("ACTIVE")
        && organization.scps_enabled
}

fn not_judged(organization: &Organization, account: &Account) -> Verdict {
    if account.id == organization.management_account {
        Verdict::not_applicable(
            "the management account: service control policies never apply to it, so guard it by other means (few users, MFA, no workloads)",
        )
    } else if !account.status.eq_ignore_ascii_case("ACTIVE") {
        Verdict::not_applicable(format!("the account is {}", account.status))
    } else {
        Verdict::non_compliant(format!(
            "service control policies are not enabled in organization {}, so no guardrail holds; enable the SERVICE_CONTROL_POLICY type on the root",
            organization.id
        ))
    }
}

fn hold(
    organization: &Organization,
    placed: Placed<'_>,
    guardrail: Guardrail,
    partition: &str,
    parameters: &Parameters,
) -> Held {
    if guardrail == Guardrail::AccessKeys
        && parameters
            .access_key_exempt_account_ids
            .iter()
            .any(|id| id == &placed.account.id)
    {
        return Held::Exempt;
    }
    let caller = Caller {
        partition,
        account: &placed.account.id,
        organization: &organization.id,
    };
    let mut first_denial = None;
    for call in guardrail.calls(caller, &parameters.allowed_vpc_ids) {
        match organization.decide(placed, &call) {
            Decision::Denied(how) => {
                first_denial.get_or_insert(how);
            }
            Decision::NotDenied(open) => {
                return Held::No {
                    call: call.action.clone(),
                    open,
                }
            }
        }
    }
    Held::Yes(first_denial.unwrap_or_default())
}

fn verdict(held: &[(Guardrail, Held)], path: &[&Unit], tally: &Tally<'_>) -> Verdict {
    let mut missing = Vec::new();
    let mut holding = Vec::new();
    for (guardrail, outcome) in held {
        match outcome {
            Held::Yes(how) => holding.push(format!("{}: denied by {how}", guardrail.name())),
            Held::Exempt => holding.push(format!(
                "{}: not required (AccessKeyExemptAccountIds)",
                guardrail.name()
            )),
            Held::No { call, open } => {
                let unit = attach_at(path, *guardrail, tally);
                let may = match open.first() {
                    Some(first) => format!(" ({first})"),
                    None => String::new(),
                };
                missing.push(format!(
                    "no SCP denies {} ({call} is allowed{may}); attach \"{}\" to {unit}",
                    guardrail.name(),
                    guardrail.advice()
                ));
            }
        }
    }
    if missing.is_empty() {
        Verdict::listing(crate::config::Compliance::Compliant, &holding)
    } else {
        Verdict::listing(crate::config::Compliance::NonCompliant, &missing)
    }
}

/// The highest unit on the account's path all of whose judged accounts lack the guardrail (so
/// attaching it there covers this account and disturbs none that has it), else the account.
fn attach_at(path: &[&Unit], guardrail: Guardrail, tally: &Tally<'_>) -> String {
    path.iter()
        .find(|unit| {
            let judged = tally.judged.get(unit.id.as_str()).copied().unwrap_or(0);
            let lacking = tally
                .lacking
                .get(&(guardrail, unit.id.as_str()))
                .copied()
                .unwrap_or(0);
            judged > 0 && lacking == judged
        })
        .map_or_else(|| "the account itself".to_owned(), |unit| unit.label())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::Compliance;
    use crate::rules::guardrails::organization::Scp;
    use crate::testing::{assert_contains, assert_starts_with};

    const FULL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const DENY_PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoPublicFunctions","Effect":"Deny","Action":"lambda:AddPermission","Resource":"*","Condition":{"StringEquals":{"lambda:Principal":"*"}}}]}"#;

    fn account(id: &str, policies: &[&str]) -> Account {
        Account {
            id: id.to_owned(),
            name: format!("account-{id}"),
            status: "ACTIVE".to_owned(),
            policy_ids: policies.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn unit(
        id: &str,
        name: &str,
        policies: &[&str],
        units: Vec<Unit>,
        accounts: Vec<Account>,
    ) -> Unit {
        Unit {
            id: id.to_owned(),
            name: name.to_owned(),
            policy_ids: policies.iter().map(|p| (*p).to_owned()).collect(),
            units,
            accounts,
        }
    }

    /// root (full) ─ management 999…, OU Workloads (full + `workloads`) ─ 111…, OU Prod ─ 222…;
    /// OU Sandbox (`sandbox`, default full) ─ 333…. Extra SCPs by id.
    fn sample(workloads: &str, sandbox: &str, extra: &[(&str, &str)]) -> Organization {
        let mut policies = BTreeMap::from([(
            "p-full".to_owned(),
            Scp {
                name: "FullAWSAccess".to_owned(),
                document: Ok(FULL.to_owned()),
            },
        )]);
        for (id, text) in extra {
            policies.insert(
                (*id).to_owned(),
                Scp {
                    name: format!("scp-{id}"),
                    document: Ok((*text).to_owned()),
                },
            );
        }
        let workloads_policies: Vec<&str> = if workloads.is_empty() {
            vec!["p-full"]
        } else {
            vec!["p-full", workloads]
        };
        let sandbox_policies: Vec<&str> = if sandbox.is_empty() {
            vec!["p-full"]
        } else {
            vec![sandbox]
        };
        Organization {
            id: "o-a1b2c3d4e5".to_owned(),
            partition: "aws".to_owned(),
            management_account: "999999999999".to_owned(),
            scps_enabled: true,
            policies,
            root: unit(
                "r-root",
                "Root",
                &["p-full"],
                vec![
                    unit(
                        "ou-work",
                        "Workloads",
                        &workloads_policies,
                        vec![unit(
                            "ou-prod",
                            "Prod",
                            &["p-full"],
                            Vec::new(),
                            vec![account("222222222222", &["p-full"])],
                        )],
                        vec![account("111111111111", &["p-full"])],
                    ),
                    unit(
                        "ou-sand",
                        "Sandbox",
                        &sandbox_policies,
                        Vec::new(),
                        vec![account("333333333333", &["p-full"])],
                    ),
                ],
                vec![account("999999999999", &["p-full"])],
            ),
        }
    }

    fn only(guardrail: Guardrail) -> Parameters {
        Parameters {
            deny_public_functions: guardrail == Guardrail::PublicFunctions,
            require_function_url_iam_auth: guardrail == Guardrail::FunctionUrlAuth,
            require_functions_in_vpc: guardrail == Guardrail::FunctionsInVpc,
            deny_access_keys: guardrail == Guardrail::AccessKeys,
            permissions_boundary_arn: if guardrail == Guardrail::PermissionsBoundary {
                "arn:aws:iam::111111111111:policy/developer-boundary".to_owned()
            } else {
                String::new()
            },
            protect_config: guardrail == Guardrail::ProtectConfig,
            ..Parameters::default()
        }
    }

    fn judged(organization: &Organization, parameters: &Parameters) -> BTreeMap<String, Verdict> {
        judge_organization(organization, "aws", parameters)
            .into_iter()
            .collect()
    }

    fn verdict_of<'a>(verdicts: &'a BTreeMap<String, Verdict>, account: &str) -> &'a Verdict {
        verdicts.get(account).unwrap()
    }

    #[test]
    fn a_deny_on_an_ou_covers_its_accounts_and_the_sibling_ou_is_named_for_the_rest() {
        let organization = sample("p-deny", "", &[("p-deny", DENY_PUBLIC)]);
        let verdicts = judged(&organization, &only(Guardrail::PublicFunctions));
        for covered in ["111111111111", "222222222222"] {
            let verdict = verdict_of(&verdicts, covered);
            assert_eq!(
                verdict.compliance,
                Compliance::Compliant,
                "{}",
                verdict.annotation
            );
            assert_contains(
                &verdict.annotation,
                "public function grants: denied by SCP scp-p-deny (p-deny) Statement[0] (Sid \"NoPublicFunctions\") at OU Workloads (ou-work)",
            );
        }
        let sandbox = verdict_of(&verdicts, "333333333333");
        assert_eq!(sandbox.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &sandbox.annotation,
            "no SCP denies public function grants (lambda:AddPermission is allowed); attach \"Deny lambda:AddPermission when lambda:Principal is *\" to OU Sandbox (ou-sand)",
        );
        let management = verdict_of(&verdicts, "999999999999");
        assert_eq!(management.compliance, Compliance::NotApplicable);
        assert_contains(&management.annotation, "never apply to it");
    }

    #[test]
    fn a_guardrail_no_account_has_is_best_attached_at_the_root() {
        let verdicts = judged(&sample("", "", &[]), &only(Guardrail::AccessKeys));
        for account in ["111111111111", "222222222222", "333333333333"] {
            let verdict = verdict_of(&verdicts, account);
            assert_eq!(verdict.compliance, Compliance::NonCompliant);
            assert_contains(&verdict.annotation, "iam:CreateAccessKey is allowed");
            assert_contains(&verdict.annotation, "to the root (r-root)");
        }
    }

    #[test]
    fn a_deny_with_the_wrong_condition_key_denies_nothing_it_should() {
        let wrong_key = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"lambda:AddPermission","Resource":"*","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}]}"#;
        let organization = sample("p-wrong", "", &[("p-wrong", wrong_key)]);
        let verdicts = judged(&organization, &only(Guardrail::PublicFunctions));
        assert_eq!(
            verdict_of(&verdicts, "111111111111").compliance,
            Compliance::NonCompliant
        );
        // A Deny that turns on a key the call leaves open is not counted, and is named.
        let regional = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"lambda:AddPermission","Resource":"*","Condition":{"StringEquals":{"lambda:Principal":"*","aws:RequestedRegion":"eu-west-1"}}}]}"#;
        let organization = sample("p-regional", "", &[("p-regional", regional)]);
        let verdicts = judged(&organization, &only(Guardrail::PublicFunctions));
        let verdict = verdict_of(&verdicts, "111111111111");
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(
            &verdict.annotation,
            "denies it only depending on aws:RequestedRegion",
        );
    }

    #[test]
    fn an_allow_list_scp_that_omits_lambda_denies_every_lambda_call_below_it() {
        let allow_list = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","dynamodb:*","iam:*","config:*"],"Resource":"*"}]}"#;
        let organization = sample("", "p-allow", &[("p-allow", allow_list)]);
        let verdicts = judged(&organization, &only(Guardrail::PublicFunctions));
        let sandbox = verdict_of(&verdicts, "333333333333");
        assert_eq!(
            sandbox.compliance,
            Compliance::Compliant,
            "{}",
            sandbox.annotation
        );
        assert_contains(
            &sandbox.annotation,
            "no SCP at OU Sandbox (ou-sand) allows it",
        );
        // The same allow-list keeps iam:* and so leaves access keys open.
        let verdicts = verdicts_for_keys(&organization);
        assert_eq!(
            verdict_of(&verdicts, "333333333333").compliance,
            Compliance::NonCompliant
        );
    }

    fn verdicts_for_keys(organization: &Organization) -> BTreeMap<String, Verdict> {
        judged(organization, &only(Guardrail::AccessKeys))
    }

    #[test]
    fn an_administrator_exemption_holds_only_while_it_names_administrators() {
        let protect = |pattern: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["config:StopConfigurationRecorder","config:DeleteConfigurationRecorder","config:DeleteDeliveryChannel","config:DeleteConfigRule"],"Resource":"*","Condition":{{"ArnNotLike":{{"aws:PrincipalArn":"{pattern}"}}}}}}]}}"#
            )
        };
        let narrow = protect("arn:aws:iam::*:role/OrgConfigAdmin");
        let organization = sample("", "", &[("p-protect", &narrow)]);
        let mut organization = organization;
        organization.root.policy_ids.push("p-protect".to_owned());
        let verdicts = judged(&organization, &only(Guardrail::ProtectConfig));
        assert_eq!(
            verdict_of(&verdicts, "222222222222").compliance,
            Compliance::Compliant
        );

        let broad = protect("arn:aws:iam::*:role/*");
        if let Some(scp) = organization.policies.get_mut("p-protect") {
            scp.document = Ok(broad);
        }
        let verdicts = judged(&organization, &only(Guardrail::ProtectConfig));
        let verdict = verdict_of(&verdicts, "222222222222");
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(
            &verdict.annotation,
            "config:StopConfigurationRecorder is allowed",
        );
    }

    #[test]
    fn an_unreadable_scp_never_counts_as_a_denial() {
        let mut organization = sample("p-deny", "", &[("p-deny", DENY_PUBLIC)]);
        if let Some(scp) = organization.policies.get_mut("p-deny") {
            scp.document = Err("AccessDeniedException".to_owned());
        }
        let verdicts = judged(&organization, &only(Guardrail::PublicFunctions));
        let verdict = verdict_of(&verdicts, "111111111111");
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(&verdict.annotation, "is unreadable: AccessDeniedException");
    }

    #[test]
    fn url_auth_vpc_and_boundary_guardrails_need_each_of_their_calls_denied() {
        let url = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["lambda:CreateFunctionUrlConfig","lambda:UpdateFunctionUrlConfig"],"Resource":"*","Condition":{"StringNotEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}}}]}"#;
        let create_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"lambda:CreateFunctionUrlConfig","Resource":"*","Condition":{"StringNotEquals":{"lambda:FunctionUrlAuthType":"AWS_IAM"}}}]}"#;
        let vpc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["lambda:CreateFunction","lambda:UpdateFunctionConfiguration"],"Resource":"*","Condition":{"Null":{"lambda:VpcIds":"true"}}}]}"#;
        let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["iam:CreateRole","iam:PutRolePermissionsBoundary"],"Resource":"*","Condition":{"StringNotEquals":{"iam:PermissionsBoundary":"arn:aws:iam::${aws:PrincipalAccount}:policy/developer-boundary"}}},{"Effect":"Deny","Action":"iam:DeleteRolePermissionsBoundary","Resource":"*"}]}"#;
        for (guardrail, holding, partial) in [
            (Guardrail::FunctionUrlAuth, url, Some(create_only)),
            (Guardrail::FunctionsInVpc, vpc, None),
            (Guardrail::PermissionsBoundary, boundary, None),
        ] {
            let organization = sample("", "", &[("p-g", holding)]);
            let mut organization = organization;
            organization.root.policy_ids.push("p-g".to_owned());
            let verdicts = judged(&organization, &only(guardrail));
            let verdict = verdict_of(&verdicts, "333333333333");
            assert_eq!(
                verdict.compliance,
                Compliance::Compliant,
                "{guardrail:?}: {}",
                verdict.annotation
            );
            if let Some(partial) = partial {
                if let Some(scp) = organization.policies.get_mut("p-g") {
                    scp.document = Ok(partial.to_owned());
                }
                let verdicts = judged(&organization, &only(guardrail));
                let verdict = verdict_of(&verdicts, "333333333333");
                assert_eq!(verdict.compliance, Compliance::NonCompliant);
                assert_contains(
                    &verdict.annotation,
                    "lambda:UpdateFunctionUrlConfig is allowed",
                );
            }
        }
        // With approved VPCs, a Deny on a missing VPC alone leaves other VPCs open.
        let organization = {
            let mut organization = sample("", "", &[("p-g", vpc)]);
            organization.root.policy_ids.push("p-g".to_owned());
            organization
        };
        let parameters = Parameters {
            allowed_vpc_ids: vec!["vpc-0approved".to_owned()],
            ..only(Guardrail::FunctionsInVpc)
        };
        let verdicts = judged(&organization, &parameters);
        assert_eq!(
            verdict_of(&verdicts, "333333333333").compliance,
            Compliance::NonCompliant
        );
    }

    #[test]
    fn exempt_suspended_and_no_scps() {
        let mut organization = sample("", "", &[]);
        let parameters = Parameters {
            access_key_exempt_account_ids: vec!["111111111111".to_owned()],
            ..only(Guardrail::AccessKeys)
        };
        let verdicts = judged(&organization, &parameters);
        assert_eq!(
            verdict_of(&verdicts, "111111111111").compliance,
            Compliance::Compliant
        );
        assert_eq!(
            verdict_of(&verdicts, "333333333333").compliance,
            Compliance::NonCompliant
        );

        if let Some(sandbox) = organization.root.units.get_mut(1) {
            if let Some(account) = sandbox.accounts.get_mut(0) {
                account.status = "SUSPENDED".to_owned();
            }
        }
        organization.scps_enabled = false;
        let verdicts = judged(&organization, &Parameters::default());
        assert_eq!(
            verdict_of(&verdicts, "333333333333").compliance,
            Compliance::NotApplicable
        );
        let verdict = verdict_of(&verdicts, "111111111111");
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(
            &verdict.annotation,
            "service control policies are not enabled",
        );
    }
}

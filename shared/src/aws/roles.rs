//! `RoleReader` (least-privilege): a role's whole grant and its Access Advisor report, on IAM;
//! and the listing of every role at once that periodic runs and the scan read from.

use std::collections::HashMap;

use super::error::{kind_of_code, read_error};
use super::memo::ListedRole;
use super::AwsClients;
use crate::config::{FunctionRole, ReadError};
use crate::rules::least_privilege::{AccessAdvice, PolicyText, RoleGrant, RoleReader};
use crate::rules::temporary_credentials::FunctionReader;

impl RoleReader for AwsClients {
    async fn role_grant(&self, role_name: &str) -> Result<RoleGrant, ReadError> {
        match self.memo.listed_role(role_name) {
            Some(listed) => self.grant_of(role_name, listed).await,
            None => {
                self.grant_of(role_name, &self.read_role(role_name).await?)
                    .await
            }
        }
    }

    async fn function_roles(&self) -> Result<Vec<FunctionRole>, ReadError> {
        let functions = FunctionReader::all_functions(self).await?;
        Ok(functions
            .into_iter()
            .map(|f| FunctionRole {
                function_name: f.name,
                role_arn: f.role_arn,
            })
            .collect())
    }

    async fn access_advice(&self, role_arn: &str) -> Result<AccessAdvice, ReadError> {
        let read = access_advice(self.iam(), role_arn);
        self.memo.access_advice(role_arn, read).await
    }

    async fn list_roles(&self) -> Result<(), ReadError> {
        self.all_roles().await.map(|_| ())
    }
}

/// Roles a page of iam:GetAccountAuthorizationDetails holds (IAM allows up to 1,000).
const ROLES_PER_PAGE: i32 = 1_000;

/// How often, at most, we ask whether Access Advisor's report is ready.
const MAX_POLLS: u32 = 30;

/// Generates a role's Access Advisor report and waits (bounded) until it is ready.
pub async fn access_advice(
    iam: &aws_sdk_iam::Client,
    role_arn: &str,
) -> Result<AccessAdvice, ReadError> {
    use aws_sdk_iam::types::JobStatusType;
    const GENERATE: &str = "iam:GenerateServiceLastAccessedDetails";
    const GET: &str = "iam:GetServiceLastAccessedDetails";
    let job = call!(
        iam.generate_service_last_accessed_details().arn(role_arn),
        GENERATE
    )?;
    let job_id = job
        .job_id()
        .ok_or_else(|| ReadError::invalid(GENERATE, "IAM returned no job id"))?
        .to_owned();
    let mut services = Vec::new();
    let mut marker: Option<String> = None;
    for attempt in 1..=MAX_POLLS {
        let page = call!(
            iam.get_service_last_accessed_details()
                .job_id(&job_id)
                .set_marker(marker.clone()),
            GET
        )?;
        match page.job_status() {
            JobStatusType::InProgress => {
                tokio::time::sleep(std::time::Duration::from_millis(
                    200 * u64::from(attempt.min(10)),
                ))
                .await;
                continue;
            }
            JobStatusType::Failed => {
                let error = page.error();
                let kind = error.map_or(crate::config::ReadErrorKind::Unavailable, |e| {
                    kind_of_code(e.code())
                });
                let reason = error.map_or("the report failed", |e| e.message());
                return Err(ReadError::new(GET, kind, reason));
            }
            _ => {}
        }
        services.extend(page.services_last_accessed().iter().map(|s| {
            (
                s.service_namespace().to_owned(),
                s.last_authenticated().map(|t| t.secs()),
            )
        }));
        match page.marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_owned()),
            _ => return Ok(AccessAdvice { services }),
        }
    }
    Err(ReadError::new(
        GET,
        crate::config::ReadErrorKind::TimedOut,
        format!("the Access Advisor report was not ready after {MAX_POLLS} polls"),
    ))
}

impl AwsClients {
    /// Every role in the account by name, listed once per run.
    pub(crate) async fn all_roles(&self) -> Result<&HashMap<String, ListedRole>, ReadError> {
        self.memo.roles(self.list_all_roles()).await
    }

    async fn list_all_roles(&self) -> Result<HashMap<String, ListedRole>, ReadError> {
        use aws_sdk_iam::types::EntityType;
        let pages = self
            .iam()
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .max_items(ROLES_PER_PAGE)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(read_error("iam:GetAccountAuthorizationDetails"))?;
        let mut roles = HashMap::new();
        for role in pages.iter().flat_map(|page| page.role_detail_list()) {
            let (Some(name), Some(arn)) = (role.role_name(), role.arn()) else {
                continue;
            };
            let inline = role
                .role_policy_list()
                .iter()
                .map(|policy| PolicyText {
                    name: format!("inline policy {}", policy.policy_name().unwrap_or_default()),
                    document: policy.policy_document().unwrap_or_default().to_owned(),
                })
                .collect();
            let listed = ListedRole {
                arn: arn.to_owned(),
                trust_policy: role.assume_role_policy_document().map(str::to_owned),
                inline,
                attached_policy_arns: role
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned))
                    .collect(),
                boundary_arn: role
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_owned),
                created: role.create_date().map(|date| date.secs()),
            };
            roles.insert(name.to_owned(), listed);
        }
        Ok(roles)
    }

    /// One role, read role by role (GetRole, ListRolePolicies, GetRolePolicy,
    /// ListAttachedRolePolicies) into the shape the listing of every role gives.
    async fn read_role(&self, role_name: &str) -> Result<ListedRole, ReadError> {
        let role = call!(self.iam().get_role().role_name(role_name), "iam:GetRole")?;
        let role = role.role();
        let mut inline = Vec::new();
        for name in self.inline_policy_names(role_name).await? {
            let policy = call!(
                self.iam()
                    .get_role_policy()
                    .role_name(role_name)
                    .policy_name(&name),
                "iam:GetRolePolicy"
            )?;
            inline.push(PolicyText {
                name: format!("inline policy {name}"),
                document: policy.policy_document().to_owned(),
            });
        }
        Ok(ListedRole {
            arn: role.map(|r| r.arn().to_owned()).unwrap_or_default(),
            trust_policy: role
                .and_then(|r| r.assume_role_policy_document())
                .map(str::to_owned),
            inline,
            attached_policy_arns: self.attached_policy_arns(role_name).await?,
            boundary_arn: role
                .and_then(|r| r.permissions_boundary())
                .and_then(|boundary| boundary.permissions_boundary_arn())
                .map(str::to_owned),
            created: role.map(|r| r.create_date().secs()),
        })
    }

    /// A role's grant: its managed policies and boundary read once per run.
    async fn grant_of(&self, role_name: &str, role: &ListedRole) -> Result<RoleGrant, ReadError> {
        let mut attached = Vec::new();
        for arn in &role.attached_policy_arns {
            attached.push(self.run_managed_policy(arn).await?);
        }
        let boundary = match &role.boundary_arn {
            Some(arn) => Some(self.run_managed_policy(arn).await?),
            None => None,
        };
        Ok(RoleGrant {
            role_name: role_name.to_owned(),
            inline: role.inline.clone(),
            attached,
            boundary,
            created: role.created,
        })
    }

    /// A managed policy, read once per run however many roles attach it.
    async fn run_managed_policy(&self, arn: &str) -> Result<PolicyText, ReadError> {
        self.memo
            .managed_policy(arn, self.managed_policy(arn))
            .await
    }

    async fn inline_policy_names(&self, role_name: &str) -> Result<Vec<String>, ReadError> {
        every_item!(
            self.iam().list_role_policies().role_name(role_name),
            "iam:ListRolePolicies"
        )
    }

    async fn attached_policy_arns(&self, role_name: &str) -> Result<Vec<String>, ReadError> {
        let attached = every_item!(
            self.iam()
                .list_attached_role_policies()
                .role_name(role_name),
            "iam:ListAttachedRolePolicies"
        )?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_owned))
            .collect())
    }

    /// A managed policy's default version, named by its ARN.
    async fn managed_policy(&self, arn: &str) -> Result<PolicyText, ReadError> {
        const GET_POLICY: &str = "iam:GetPolicy";
        const GET_VERSION: &str = "iam:GetPolicyVersion";
        let policy = call!(self.iam().get_policy().policy_arn(arn), GET_POLICY)?;
        let version_id = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .ok_or_else(|| {
                ReadError::invalid(GET_POLICY, format!("{arn} has no default version"))
            })?;
        let version = call!(
            self.iam()
                .get_policy_version()
                .policy_arn(arn)
                .version_id(version_id),
            GET_VERSION
        )?;
        let document = version
            .policy_version()
            .and_then(|v| v.document())
            .ok_or_else(|| {
                ReadError::invalid(
                    GET_VERSION,
                    format!("{arn} version {version_id} has no document"),
                )
            })?;
        Ok(PolicyText {
            name: arn.to_owned(),
            document: document.to_owned(),
        })
    }
}

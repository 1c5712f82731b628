//! `OrganizationReader` (guardrails): the organization's tree and its service control policies,
//! read from the management account or a delegated administrator.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_organizations::types::{PolicyType, PolicyTypeStatus};
use futures_util::stream::{self, StreamExt};

use super::error::read_error;
use super::AwsClients;
use crate::config::{ReadError, ReadErrorKind};
use crate::policy::Arn;
use crate::rules::guardrails::{
    Account, Organization, OrganizationReader, OrganizationView, Scp, Unit,
};

/// Organizations allows a few calls a second per account: reads in flight at once.
const CONCURRENCY: usize = 4;
/// More units than any organization holds (the quota is 2,000 OUs): a tree larger than this is
/// not read on.
const MAX_UNITS: usize = 5_000;

/// Every page of an Organizations listing (its paginators have no item stream), `$field`'s
/// items collected, or the `ReadError` for `$action`.
macro_rules! every_page {
    ($request:expr, $action:expr, $field:ident) => {
        $request
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(read_error($action))
            .map(|pages: Vec<_>| {
                pages
                    .iter()
                    .flat_map(|page| page.$field().to_vec())
                    .collect::<Vec<_>>()
            })
    };
}

impl AwsClients {
    /// The ids of the organization's ACTIVE accounts (organizations:ListAccounts), for a scan of
    /// every account.
    pub async fn active_accounts(&self) -> Result<Vec<String>, ReadError> {
        let accounts: Vec<_> = every_page!(
            self.organizations().list_accounts(),
            "organizations:ListAccounts",
            accounts
        )?;
        Ok(accounts
            .iter()
            .filter(|account| {
                account.state().is_none_or(|state| {
                    *state == aws_sdk_organizations::types::AccountState::Active
                })
            })
            .filter_map(|account| account.id().map(str::to_owned))
            .collect())
    }
}

/// One unit as listed: its name, its child units and its accounts.
struct Listed {
    name: String,
    children: Vec<String>,
    accounts: Vec<Account>,
}

impl OrganizationReader for AwsClients {
    async fn organization(&self) -> Result<OrganizationView, ReadError> {
        let client = self.organizations();
        let described = match client.describe_organization().send().await {
            Ok(described) => described,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_aws_organizations_not_in_use_exception()) =>
            {
                return Ok(OrganizationView::None)
            }
            Err(error) => return Err(read_error("organizations:DescribeOrganization")(error)),
        };
        let Some(organization) = described.organization() else {
            return Err(ReadError::invalid(
                "organizations:DescribeOrganization",
                "Organizations returned no organization",
            ));
        };
        let management_account = organization
            .master_account_id()
            .unwrap_or_default()
            .to_owned();
        let roots: Vec<_> = match every_page!(client.list_roots(), "organizations:ListRoots", roots)
        {
            Ok(roots) => roots,
            Err(error) if error.kind == ReadErrorKind::Denied => {
                return Ok(OrganizationView::Member { management_account })
            }
            Err(error) => return Err(error),
        };
        let root = roots.first().ok_or_else(|| {
            ReadError::invalid("organizations:ListRoots", "the organization has no root")
        })?;
        let root_id = root.id().unwrap_or_default().to_owned();
        let scps_enabled = root.policy_types().iter().any(|kind| {
            kind.r#type() == Some(&PolicyType::ServiceControlPolicy)
                && kind.status() == Some(&PolicyTypeStatus::Enabled)
        });
        let listed = self.tree(&root_id, root.name().unwrap_or("Root")).await?;
        let (policies, attached) = if scps_enabled {
            self.service_control_policies().await?
        } else {
            (BTreeMap::new(), HashMap::new())
        };
        let root = assemble(&root_id, &listed, &attached);
        Ok(OrganizationView::Whole(Organization {
            id: organization.id().unwrap_or_default().to_owned(),
            partition: organization
                .arn()
                .and_then(Arn::parse)
                .map_or("aws", |arn| arn.partition)
                .to_owned(),
            management_account,
            scps_enabled,
            root,
            policies,
        }))
    }
}

impl AwsClients {
    /// Every unit under the root, level by level, with its accounts.
    async fn tree(
        &self,
        root_id: &str,
        root_name: &str,
    ) -> Result<HashMap<String, Listed>, ReadError> {
        let client = self.organizations();
        let mut listed: HashMap<String, Listed> = HashMap::new();
        let mut level: Vec<(String, String)> = vec![(root_id.to_owned(), root_name.to_owned())];
        while !level.is_empty() {
            let read = stream::iter(level.drain(..))
                .map(|(id, name)| async move {
                    let units: Vec<_> = every_page!(
                        client.list_organizational_units_for_parent().parent_id(&id),
                        "organizations:ListOrganizationalUnitsForParent",
                        organizational_units
                    )?;
                    let accounts: Vec<_> = every_page!(
                        client.list_accounts_for_parent().parent_id(&id),
                        "organizations:ListAccountsForParent",
                        accounts
                    )?;
                    Ok::<_, ReadError>((id, name, units, accounts))
                })
                .buffer_unordered(CONCURRENCY)
                .collect::<Vec<_>>()
                .await;
            for result in read {
                let (id, name, units, accounts) = result?;
                let children: Vec<(String, String)> = units
                    .iter()
                    .map(|unit| {
                        (
                            unit.id().unwrap_or_default().to_owned(),
                            unit.name().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
                level.extend(children.iter().cloned());
                listed.insert(
                    id,
                    Listed {
                        name,
                        children: children.into_iter().map(|(id, _)| id).collect(),
                        accounts: accounts
                            .iter()
                            .map(|account| Account {
                                id: account.id().unwrap_or_default().to_owned(),
                                name: account.name().unwrap_or_default().to_owned(),
                                status: account
                                    .status()
                                    .map_or("ACTIVE", |status| status.as_str())
                                    .to_owned(),
                                policy_ids: Vec::new(),
                            })
                            .collect(),
                    },
                );
            }
            if listed.len() + level.len() > MAX_UNITS {
                return Err(ReadError::invalid(
                    "organizations:ListOrganizationalUnitsForParent",
                    format!("more than {MAX_UNITS} organizational units"),
                ));
            }
        }
        Ok(listed)
    }

    /// Every SCP's document (or why it could not be read), and the SCPs attached to each
    /// target (root, OU or account) by id.
    async fn service_control_policies(
        &self,
    ) -> Result<(BTreeMap<String, Scp>, HashMap<String, Vec<String>>), ReadError> {
        let client = self.organizations();
        let summaries: Vec<_> = every_page!(
            client
                .list_policies()
                .filter(PolicyType::ServiceControlPolicy),
            "organizations:ListPolicies",
            policies
        )?;
        let read = stream::iter(summaries)
            .map(|summary| async move {
                let id = summary.id().unwrap_or_default().to_owned();
                let targets: Vec<_> = every_page!(
                    client.list_targets_for_policy().policy_id(&id),
                    "organizations:ListTargetsForPolicy",
                    targets
                )?;
                let document = match client.describe_policy().policy_id(&id).send().await {
                    Ok(described) => described
                        .policy()
                        .and_then(|policy| policy.content())
                        .map(str::to_owned)
                        .ok_or_else(|| "Organizations returned no content".to_owned()),
                    Err(error) => {
                        Err(read_error("organizations:DescribePolicy")(error).to_string())
                    }
                };
                let scp = Scp {
                    name: summary.name().unwrap_or_default().to_owned(),
                    document,
                };
                let targets: Vec<String> = targets
                    .iter()
                    .filter_map(|target| target.target_id().map(str::to_owned))
                    .collect();
                Ok::<_, ReadError>((id, scp, targets))
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        let mut policies = BTreeMap::new();
        let mut attached: HashMap<String, Vec<String>> = HashMap::new();
        for result in read {
            let (id, scp, targets) = result?;
            for target in targets {
                attached.entry(target).or_default().push(id.clone());
            }
            policies.insert(id, scp);
        }
        for ids in attached.values_mut() {
            ids.sort();
        }
        Ok((policies, attached))
    }
}

/// The unit `id` and everything under it, with the SCPs attached to each.
fn assemble(
    id: &str,
    listed: &HashMap<String, Listed>,
    attached: &HashMap<String, Vec<String>>,
) -> Unit {
    let policy_ids = |target: &str| attached.get(target).cloned().unwrap_or_default();
    let Some(unit) = listed.get(id) else {
        return Unit {
            id: id.to_owned(),
            policy_ids: policy_ids(id),
            ..Unit::default()
        };
    };
    Unit {
        id: id.to_owned(),
        name: unit.name.clone(),
        policy_ids: policy_ids(id),
        units: unit
            .children
            .iter()
            .map(|child| assemble(child, listed, attached))
            .collect(),
        accounts: unit
            .accounts
            .iter()
            .map(|account| Account {
                policy_ids: policy_ids(&account.id),
                ..account.clone()
            })
            .collect(),
    }
}

//! The organization as the guardrails rule sees it: the tree of the root, its OUs and accounts,
//! the service control policies attached to each, and what the SCPs in effect for an account
//! decide about one request.
//!
//! SCP evaluation, as AWS Organizations documents it: at every level from the root down to the
//! account, some attached SCP must allow an action (an allow-list SCP that omits it denies it
//! there), and a Deny in any of them denies it everywhere below.

use std::collections::BTreeMap;

use crate::policy::{statement_applies, Applies, Effect, Policy, Request};

/// An organization, read whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organization {
    /// `o-a1b2c3d4e5`.
    pub id: String,
    /// The partition of its ARNs: `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    pub management_account: String,
    /// Whether the SERVICE_CONTROL_POLICY type is enabled on the root.
    pub scps_enabled: bool,
    pub root: Unit,
    /// Every SCP attached anywhere, by id.
    pub policies: BTreeMap<String, Scp>,
}

/// The root or an organizational unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unit {
    /// `r-ab12` or `ou-ab12-cd34ef56`.
    pub id: String,
    pub name: String,
    /// The SCPs attached to it, by id.
    pub policy_ids: Vec<String>,
    pub units: Vec<Unit>,
    pub accounts: Vec<Account>,
}

/// A member account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// ACTIVE, SUSPENDED, PENDING_CLOSURE.
    pub status: String,
    pub policy_ids: Vec<String>,
}

/// A service control policy: its name and document, or why the document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scp {
    pub name: String,
    pub document: Result<String, String>,
}

impl Unit {
    /// `root r-ab12` or `OU Workloads (ou-ab12-cd34ef56)`.
    pub fn label(&self) -> String {
        if self.id.starts_with("r-") {
            format!("the root ({})", self.id)
        } else {
            format!("OU {} ({})", self.name, self.id)
        }
    }
}

/// An account with the units above it, root first.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    pub account: &'a Account,
    pub path: &'a [&'a Unit],
}

impl Organization {
    /// Every account with its path, in tree order.
    pub fn accounts(&self) -> Vec<(&Account, Vec<&Unit>)> {
        fn walk<'a>(
            unit: &'a Unit,
            path: &mut Vec<&'a Unit>,
            out: &mut Vec<(&'a Account, Vec<&'a Unit>)>,
        ) {
            path.push(unit);
            for account in &unit.accounts {
                out.push((account, path.clone()));
            }
            for child in &unit.units {
                walk(child, path, out);
            }
            path.pop();
        }
        let mut out = Vec::new();
        walk(&self.root, &mut Vec::new(), &mut out);
        out
    }

    /// What the SCPs in effect for `placed` decide about `request`.
    pub fn decide(&self, placed: Placed<'_>, request: &Request) -> Decision {
        let levels = placed
            .path
            .iter()
            .map(|unit| (unit.label(), unit.policy_ids.as_slice()))
            .chain(std::iter::once((
                format!("account {}", placed.account.id),
                placed.account.policy_ids.as_slice(),
            )));
        let mut open: Vec<String> = Vec::new();
        for (level, policy_ids) in levels {
            match self.decide_level(&level, policy_ids, request) {
                Level::Denied(how) => return Decision::Denied(how),
                Level::Allowed(notes) => open.extend(notes),
                Level::Undecided(why) => open.push(why),
            }
        }
        Decision::NotDenied(open)
    }

    fn decide_level(&self, level: &str, policy_ids: &[String], request: &Request) -> Level {
        let mut allowed = false;
        // What may deny it, what may allow it, and the SCPs that may do either.
        let mut may_deny = Vec::new();
        let mut unreadable = Vec::new();
        let mut open = Vec::new();
        for id in policy_ids {
            let Some(scp) = self.policies.get(id) else {
                unreadable.push(format!("SCP {id} at {level} was not read"));
                continue;
            };
            let policy = match &scp.document {
                Ok(text) => Policy::parse_identity(text).map_err(|error| error.to_string()),
                Err(why) => Err(why.clone()),
            };
            let policy = match policy {
                Ok(policy) => policy,
                Err(why) => {
                    unreadable.push(format!(
                        "SCP {} ({id}) at {level} is unreadable: {why}",
                        scp.name
                    ));
                    continue;
                }
            };
            for statement in &policy.statements {
                match (statement.effect, statement_applies(statement, request)) {
                    (Effect::Deny, Applies::Yes) => {
                        return Level::Denied(format!(
                            "SCP {} ({id}) {} at {level}",
                            scp.name,
                            statement.label()
                        ))
                    }
                    (Effect::Deny, Applies::Maybe(key)) => may_deny.push(format!(
                        "SCP {} ({id}) at {level} denies it only depending on {key}",
                        scp.name
                    )),
                    (Effect::Allow, Applies::Yes) => allowed = true,
                    (Effect::Allow, Applies::Maybe(key)) => open.push(format!(
                        "SCP {} ({id}) at {level} may allow it, depending on {key}",
                        scp.name
                    )),
                    (_, Applies::No) => {}
                }
            }
        }
        if allowed {
            unreadable.extend(may_deny);
            Level::Allowed(unreadable)
        } else if open.is_empty() && unreadable.is_empty() {
            Level::Denied(format!("no SCP at {level} allows it"))
        } else {
            open.extend(unreadable);
            open.extend(may_deny);
            Level::Undecided(open.join("; "))
        }
    }
}

/// What one level (the root, an OU, the account) decides.
enum Level {
    Denied(String),
    /// Allowed here; what may still deny it.
    Allowed(Vec<String>),
    /// Neither surely: why.
    Undecided(String),
}

/// What the SCPs in effect decide about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Surely denied, and by what.
    Denied(String),
    /// Not surely denied; what might still deny it, when anything might.
    NotDenied(Vec<String>),
}

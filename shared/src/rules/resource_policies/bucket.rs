//! What S3 applies besides a bucket's policy, as AWS Config records it: the bucket ACL's grants
//! to everyone, and the Block Public Access settings of the bucket and of its account, of which
//! S3 applies the most restrictive combination (`docs/policy-semantics.md`, section 2.1). Pure.

use serde_json::Value;

use crate::config::ConfigurationItem;

/// Block Public Access settings, of a bucket or of an account; all off when none are set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    /// Public ACL grants are ignored when S3 authorizes a request.
    pub ignore_public_acls: bool,
    /// A public policy admits only AWS services and the owner's account.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Whether a setting is left that `other` could turn on.
    pub fn could_gain_from(&self, other: &PublicAccessBlock) -> bool {
        (other.ignore_public_acls && !self.ignore_public_acls)
            || (other.restrict_public_buckets && !self.restrict_public_buckets)
    }
}

/// Where a setting in effect is turned on: S3 applies it when either level does.
fn level(bucket: bool, account: bool) -> &'static str {
    match (bucket, account) {
        (false, true) => " of the account",
        _ => "",
    }
}

/// A bucket ACL grant to one of S3's groups of everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicGrant {
    /// `AllUsers` (anyone, anonymous included) or `AuthenticatedUsers` (any AWS account).
    pub group: String,
    /// `Read`, `Write`, `ReadAcp`, `WriteAcp` or `FullControl`.
    pub permission: String,
}

/// The bucket's ACL grants to everyone and the Block Public Access settings of the bucket and
/// of its account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketAccess {
    pub public_grants: Vec<PublicGrant>,
    pub block: PublicAccessBlock,
    pub account_block: PublicAccessBlock,
}

const PUBLIC_GROUPS: &[&str] = &["AllUsers", "AuthenticatedUsers"];

impl BucketAccess {
    /// Reads the item's `AccessControlList` and `PublicAccessBlockConfiguration`. An item with
    /// no ACL cannot say whether the bucket is public through it: that is an error, never a pass.
    pub fn of(item: &ConfigurationItem) -> Result<Self, String> {
        let acl = item.supplementary_at(&["AccessControlList"]).ok_or(
            "the configuration item has no AccessControlList, so whether the bucket ACL makes it public cannot be told",
        )?;
        let grants = match acl.get("grantList") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(grants)) => grants.clone(),
            Some(_) => return Err("the bucket ACL's grantList is not a list".to_owned()),
        };
        let public_grants = grants
            .iter()
            .filter_map(|grant| {
                let group = grant.get("grantee")?.as_str()?;
                let group = group.rsplit('/').next().unwrap_or(group);
                PUBLIC_GROUPS.contains(&group).then(|| PublicGrant {
                    group: group.to_owned(),
                    permission: grant
                        .get("permission")
                        .and_then(Value::as_str)
                        .unwrap_or("an unknown permission")
                        .to_owned(),
                })
            })
            .collect();
        let setting = |name: &str| {
            item.supplementary_at(&["PublicAccessBlockConfiguration", name])
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        Ok(BucketAccess {
            public_grants,
            block: PublicAccessBlock {
                ignore_public_acls: setting("ignorePublicAcls"),
                restrict_public_buckets: setting("restrictPublicBuckets"),
            },
            account_block: PublicAccessBlock::default(),
        })
    }

    /// This access under the account's settings too.
    pub fn with_account_block(self, account_block: PublicAccessBlock) -> Self {
        BucketAccess {
            account_block,
            ..self
        }
    }

    /// Whether S3 ignores public ACL grants (either level).
    pub fn ignores_public_acls(&self) -> bool {
        self.block.ignore_public_acls || self.account_block.ignore_public_acls
    }

    /// Whether S3 restricts a public policy to AWS services and the owner (either level).
    pub fn restricts_public_policy(&self) -> bool {
        self.block.restrict_public_buckets || self.account_block.restrict_public_buckets
    }

    /// `RestrictPublicBuckets`, and ` of the account` when only the account sets it.
    pub fn restrict_setting(&self) -> String {
        let at = level(
            self.block.restrict_public_buckets,
            self.account_block.restrict_public_buckets,
        );
        format!("RestrictPublicBuckets{at}")
    }

    /// What the ACL opens to everyone, unless IgnorePublicAcls makes S3 ignore it.
    pub fn acl_problems(&self) -> Vec<String> {
        if self.ignores_public_acls() {
            return Vec::new();
        }
        self.public_grants
            .iter()
            .map(|grant| {
                let who = if grant.group == "AllUsers" {
                    "everyone, anonymous callers included (AllUsers)"
                } else {
                    "any AWS account's authenticated users (AuthenticatedUsers)"
                };
                format!(
                    "the bucket ACL grants {} to {who}; remove the grant, or turn on Block Public Access IgnorePublicAcls",
                    grant.permission
                )
            })
            .collect()
    }

    /// What the ACL would open but IgnorePublicAcls keeps closed, for the annotation.
    pub fn acl_notes(&self) -> Vec<String> {
        if !self.ignores_public_acls() || self.public_grants.is_empty() {
            return Vec::new();
        }
        let at = level(
            self.block.ignore_public_acls,
            self.account_block.ignore_public_acls,
        );
        vec![format!(
            "the bucket ACL's public grants are ignored (Block Public Access IgnorePublicAcls{at})"
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::config_item;
    use serde_json::json;

    fn bucket(supplementary: Value) -> ConfigurationItem {
        config_item("AWS::S3::Bucket", json!({}), supplementary)
    }

    fn acl(grants: Value) -> String {
        // Config writes the ACL as JSON in a string, and moto wraps it twice.
        json!(json!({"grantSet": null, "grantList": grants, "owner": {"id": "abc"}}).to_string())
            .to_string()
    }

    #[test]
    fn grants_to_everyone_are_found_and_ignore_public_acls_neutralises_them() {
        let public = bucket(json!({
            "AccessControlList": acl(json!([
                {"grantee": "AllUsers", "permission": "Read"},
                {"grantee": {"id": "abc", "displayName": null}, "permission": "FullControl"},
                {"grantee": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "permission": "Write"}
            ]))
        }));
        let access = BucketAccess::of(&public).unwrap();
        let problems = access.acl_problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("the bucket ACL grants Read to everyone"));
        assert!(problems[1].contains("Write to any AWS account's authenticated users"));
        let ignored = bucket(json!({
            "AccessControlList": acl(json!([{"grantee": "AllUsers", "permission": "Read"}])),
            "PublicAccessBlockConfiguration": "{\"blockPublicAcls\":true,\"ignorePublicAcls\":true,\"blockPublicPolicy\":false,\"restrictPublicBuckets\":false}"
        }));
        let access = BucketAccess::of(&ignored).unwrap();
        assert!(access.acl_problems().is_empty());
        assert_eq!(access.acl_notes().len(), 1);
    }

    #[test]
    fn a_private_acl_is_fine_and_a_missing_one_cannot_be_judged() {
        let private = bucket(json!({"AccessControlList": acl(json!([
            {"grantee": {"id": "abc"}, "permission": "FullControl"}
        ]))}));
        let access = BucketAccess::of(&private).unwrap();
        assert!(access.acl_problems().is_empty() && access.acl_notes().is_empty());
        assert_eq!(access.block, PublicAccessBlock::default());
        let missing = BucketAccess::of(&bucket(json!({}))).unwrap_err();
        assert!(missing.contains("no AccessControlList"), "{missing}");
    }

    #[test]
    fn the_account_settings_apply_when_the_bucket_has_none_and_the_note_says_so() {
        let public = bucket(json!({
            "AccessControlList": acl(json!([{"grantee": "AllUsers", "permission": "Read"}]))
        }));
        let account = PublicAccessBlock {
            ignore_public_acls: true,
            restrict_public_buckets: true,
        };
        let bucket_only = BucketAccess::of(&public).unwrap();
        assert!(bucket_only.block.could_gain_from(&account));
        assert!(!account.could_gain_from(&bucket_only.block));
        let access = bucket_only.with_account_block(account);
        assert!(access.acl_problems().is_empty());
        assert_eq!(
            access.acl_notes(),
            ["the bucket ACL's public grants are ignored (Block Public Access IgnorePublicAcls of the account)"]
        );
        assert_eq!(
            access.restrict_setting(),
            "RestrictPublicBuckets of the account"
        );
    }
}

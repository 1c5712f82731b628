//! The few facts about ARNs and account ids the analyzer needs.

/// Whether the value is a 12-digit AWS account id.
pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// The fields of `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits an ARN (or ARN pattern) into its fields; `None` when it is not one. Five fields
    /// with no resource (`arn:aws:sns:us-east-1:111122223333`) still name their account.
    pub fn parse(value: &'a str) -> Option<Self> {
        let mut fields = value.splitn(6, ':');
        if !fields.next()?.eq_ignore_ascii_case("arn") {
            return None;
        }
        Some(Arn {
            partition: fields.next()?,
            service: fields.next()?,
            region: fields.next()?,
            account: fields.next()?,
            resource: fields.next().unwrap_or_default(),
        })
    }

    /// The account field when it is a fixed 12-digit id (not empty, not a wildcard).
    pub fn fixed_account(&self) -> Option<&'a str> {
        is_account_id(self.account).then_some(self.account)
    }
}

/// The account an AWS principal value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsPrincipal<'a> {
    /// `*`: every principal, anonymous included.
    Anyone,
    /// An account id, an account root ARN, or an IAM/STS principal ARN in that account.
    InAccount(&'a str),
    /// A unique id (`AROA…`, `AIDA…`), as IAM shows a principal that was deleted: its
    /// account cannot be told from the policy.
    UniqueId(&'a str),
    /// A CloudFront origin access identity
    /// (`arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E…`): an identity the
    /// owner created for its own distribution, reachable only through CloudFront.
    CloudFrontOriginAccessIdentity(&'a str),
}

/// How IAM writes a CloudFront origin access identity as a principal.
const ORIGIN_ACCESS_IDENTITY: &str = "user/CloudFront Origin Access Identity ";

/// Why an AWS principal value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalProblem {
    PartialWildcard,
    Unrecognized,
}

/// Classifies one `Principal.AWS` value as IAM reads it.
pub fn classify_aws_principal(value: &str) -> Result<AwsPrincipal<'_>, PrincipalProblem> {
    if value == "*" {
        return Ok(AwsPrincipal::Anyone);
    }
    if value.contains(['*', '?']) {
        return Err(PrincipalProblem::PartialWildcard);
    }
    if is_account_id(value) {
        return Ok(AwsPrincipal::InAccount(value));
    }
    if let Some(arn) = Arn::parse(value) {
        let identity = arn.resource.strip_prefix(ORIGIN_ACCESS_IDENTITY);
        if let (true, "cloudfront", Some(id)) = (arn.service == "iam", arn.account, identity) {
            if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Ok(AwsPrincipal::CloudFrontOriginAccessIdentity(id));
            }
        }
        let service_ok =
            arn.service.eq_ignore_ascii_case("iam") || arn.service.eq_ignore_ascii_case("sts");
        return match arn.fixed_account() {
            Some(account) if service_ok && !arn.resource.is_empty() => {
                Ok(AwsPrincipal::InAccount(account))
            }
            _ => Err(PrincipalProblem::Unrecognized),
        };
    }
    let looks_like_unique_id = value.len() >= 16
        && value.starts_with('A')
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if looks_like_unique_id {
        return Ok(AwsPrincipal::UniqueId(value));
    }
    Err(PrincipalProblem::Unrecognized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_root_arn_and_role_arn_all_name_their_account() {
        for (principal, account) in [
            ("111122223333", "111122223333"),
            ("arn:aws:iam::111122223333:root", "111122223333"),
            ("arn:aws:iam::444455556666:role/path/app", "444455556666"),
            (
                "arn:aws:sts::444455556666:assumed-role/app/session",
                "444455556666",
            ),
            ("arn:aws-cn:iam::444455556666:user/bob", "444455556666"),
        ] {
            assert_eq!(
                classify_aws_principal(principal),
                Ok(AwsPrincipal::InAccount(account)),
                "{principal}"
            );
        }
    }

    #[test]
    fn star_is_anyone_but_a_partial_wildcard_is_refused() {
        assert_eq!(classify_aws_principal("*"), Ok(AwsPrincipal::Anyone));
        assert_eq!(
            classify_aws_principal("arn:aws:iam::*:root"),
            Err(PrincipalProblem::PartialWildcard)
        );
        assert_eq!(
            classify_aws_principal("arn:aws:iam::111122223333:role/app-*"),
            Err(PrincipalProblem::PartialWildcard)
        );
    }

    #[test]
    fn a_cloudfront_origin_access_identity_is_a_principal_and_a_five_field_arn_names_its_account() {
        assert_eq!(
            classify_aws_principal(
                "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
            ),
            Ok(AwsPrincipal::CloudFrontOriginAccessIdentity(
                "E2QWRUHAPOMQZL"
            ))
        );
        assert_eq!(
            classify_aws_principal("arn:aws:iam::cloudfront:user/someone-else"),
            Err(PrincipalProblem::Unrecognized)
        );
        let bare = Arn::parse("arn:aws:sns:us-east-1:111122223333").unwrap();
        assert_eq!(bare.fixed_account(), Some("111122223333"));
        assert_eq!(bare.resource, "");
    }

    #[test]
    fn unique_ids_of_deleted_principals_have_no_known_account() {
        assert_eq!(
            classify_aws_principal("AROAEXAMPLEID12345678"),
            Ok(AwsPrincipal::UniqueId("AROAEXAMPLEID12345678"))
        );
        assert_eq!(
            classify_aws_principal("bob"),
            Err(PrincipalProblem::Unrecognized)
        );
        assert_eq!(
            classify_aws_principal("arn:aws:s3:::bucket"),
            Err(PrincipalProblem::Unrecognized)
        );
    }

    #[test]
    fn arn_fields_split_on_the_first_five_colons() {
        let arn = Arn::parse("arn:aws:execute-api:us-east-1:111122223333:api/*/POST/x:y").unwrap();
        assert_eq!(arn.service, "execute-api");
        assert_eq!(arn.fixed_account(), Some("111122223333"));
        assert_eq!(arn.resource, "api/*/POST/x:y");
        assert_eq!(
            Arn::parse("arn:aws:s3:::bucket").unwrap().fixed_account(),
            None
        );
        assert!(Arn::parse("not-an-arn").is_none());
    }
}

//! Long-term secrets in a function's environment variables. Reports which variable holds what
//! kind of secret; never the value.

use std::fmt;

use crate::policy::glob_matches;

/// What kind of secret a variable holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    AccessKeyId,
    SecretAccessKey,
    PrivateKey,
    LiteralSecret,
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SecretKind::AccessKeyId => "an AWS access key id",
            SecretKind::SecretAccessKey => "an AWS secret access key",
            SecretKind::PrivateKey => "a private key",
            SecretKind::LiteralSecret => "a literal secret",
        })
    }
}

/// Variable names that hold secrets unless they hold a reference (case-insensitive globs).
pub const SECRET_NAME_PATTERNS: &[&str] = &[
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*TOKEN*",
    "*API_KEY*",
    "*APIKEY*",
    "*PRIVATE_KEY*",
    "*CREDENTIAL*",
];

/// Finds the secrets among `(name, value)` variables. `extra_patterns` add secret-looking names;
/// `allowed` names are exempt.
pub fn find_secrets<'a>(
    variables: impl IntoIterator<Item = (&'a str, &'a str)>,
    extra_patterns: &[String],
    allowed: &[String],
) -> Vec<(&'a str, SecretKind)> {
    variables
        .into_iter()
        .filter(|(name, _)| !allowed.iter().any(|a| a == name))
        .filter_map(|(name, value)| classify(name, value, extra_patterns).map(|kind| (name, kind)))
        .collect()
}

fn classify(name: &str, value: &str, extra_patterns: &[String]) -> Option<SecretKind> {
    let value = value.trim();
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some(SecretKind::PrivateKey);
    }
    if tokens(value).any(is_access_key_id) {
        return Some(SecretKind::AccessKeyId);
    }
    if tokens(value).any(is_secret_access_key) {
        return Some(SecretKind::SecretAccessKey);
    }
    let secret_name = SECRET_NAME_PATTERNS
        .iter()
        .copied()
        .chain(extra_patterns.iter().map(String::as_str))
        .any(|p| glob_matches(p, name));
    (secret_name && !is_reference(value) && looks_random(value))
        .then_some(SecretKind::LiteralSecret)
}

/// Runs of characters that can make up a key, split on everything else.
fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '+'))
        .filter(|t| !t.is_empty())
}

/// `AKIA…` (long-term) or `ASIA…` (session) followed by 16 upper-case letters or digits.
fn is_access_key_id(token: &str) -> bool {
    token.len() == 20
        && (token.starts_with("AKIA") || token.starts_with("ASIA"))
        && token
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// 40 base64 characters with upper and lower case, as AWS secret access keys are.
fn is_secret_access_key(token: &str) -> bool {
    token.len() == 40
        && token.bytes().any(|b| b.is_ascii_uppercase())
        && token.bytes().any(|b| b.is_ascii_lowercase())
        && token
            .bytes()
            .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+')
}

/// A pointer to a secret kept elsewhere: Secrets Manager, SSM Parameter Store, a KMS-encrypted
/// blob, a CloudFormation dynamic reference, or a variable to expand.
fn is_reference(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.is_empty()
        || lower.starts_with("arn:aws:secretsmanager:")
        || lower.starts_with("arn:aws:ssm:")
        || lower.starts_with("arn:aws:kms:")
        || lower.starts_with("{{resolve:")
        || lower.starts_with("ssm:")
        || lower.starts_with("secretsmanager:")
        || lower.starts_with("${")
        || (value.starts_with('/') && !value.contains(char::is_whitespace))
        || is_kms_ciphertext(value)
}

/// KMS ciphertext blobs, base64-encoded, start with a version and key-wrapping header.
fn is_kms_ciphertext(value: &str) -> bool {
    (value.starts_with("AQICAH") || value.starts_with("AQIBAH") || value.starts_with("AQIDAH"))
        && value.len() > 100
}

/// A value a person or generator chose to be hard to guess, rather than a setting such as a
/// number, a boolean or a duration.
fn looks_random(value: &str) -> bool {
    if value.len() < 8 || value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
    {
        return false;
    }
    if value.parse::<f64>().is_ok() {
        return false;
    }
    let classes = [
        value.bytes().any(|b| b.is_ascii_lowercase()),
        value.bytes().any(|b| b.is_ascii_uppercase()),
        value.bytes().any(|b| b.is_ascii_digit()),
        value.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|present| **present)
    .count();
    classes >= 3 || entropy_bits_per_char(value) >= 3.5
}

fn entropy_bits_per_char(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    for byte in value.bytes() {
        if let Some(count) = counts.get_mut(usize::from(byte)) {
            *count += 1;
        }
    }
    let length = value.len() as f64;
    counts
        .iter()
        .filter(|count| **count > 0)
        .map(|count| {
            let p = f64::from(*count) / length;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(variables: &[(&str, &str)]) -> Vec<(String, SecretKind)> {
        find_secrets(variables.iter().copied(), &[], &[])
            .into_iter()
            .map(|(n, k)| (n.to_owned(), k))
            .collect()
    }

    #[test]
    fn aws_example_keys_are_flagged_whatever_the_variable_is_called() {
        let found = secrets(&[
            ("KEY", "AKIAIOSFODNN7EXAMPLE"),
            ("CREDS", "id=ASIAIOSFODNN7EXAMPLE;x=1"),
            ("OTHER", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ]);
        assert_eq!(
            found,
            vec![
                ("KEY".to_owned(), SecretKind::AccessKeyId),
                ("CREDS".to_owned(), SecretKind::AccessKeyId),
                ("OTHER".to_owned(), SecretKind::SecretAccessKey),
            ]
        );
    }

    #[test]
    fn private_key_blocks_are_flagged() {
        let pem =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            secrets(&[("CERT", pem)]),
            vec![("CERT".to_owned(), SecretKind::PrivateKey)]
        );
    }

    #[test]
    fn secret_named_variables_with_literal_values_are_flagged() {
        assert_eq!(
            secrets(&[("DB_PASSWORD", "s3cr3t-Passw0rd!")]),
            vec![("DB_PASSWORD".to_owned(), SecretKind::LiteralSecret)]
        );
        assert_eq!(
            secrets(&[("stripe_api_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc")]).len(),
            1
        );
    }

    #[test]
    fn references_and_settings_are_not_secrets() {
        assert!(secrets(&[
            ("DB_PASSWORD_PARAMETER", "/airline/prod/db-password"),
            (
                "DB_PASSWORD",
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"
            ),
            (
                "API_TOKEN",
                "arn:aws:ssm:us-east-1:111122223333:parameter/api-token"
            ),
            ("TOKEN_TTL_SECONDS", "3600"),
            ("USE_TOKEN", "true"),
            ("SECRET_NAME", "airline"),
            ("TABLE_NAME", "bookings"),
            ("POWERTOOLS_SERVICE_NAME", "booking"),
        ])
        .is_empty());
    }

    #[test]
    fn allowed_variables_are_exempt_and_extra_patterns_widen_the_names() {
        let variables = [
            ("DB_PASSWORD", "s3cr3t-Passw0rd!"),
            ("STRIPE_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        ];
        let found = find_secrets(
            variables.iter().copied(),
            &["*_KEY".to_owned()],
            &["DB_PASSWORD".to_owned()],
        );
        assert_eq!(found, vec![("STRIPE_KEY", SecretKind::LiteralSecret)]);
    }
}

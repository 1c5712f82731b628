//! A Lambda function's aliases and published versions each hold a resource policy of their
//! own (`lambda add-permission --qualifier prod`), which AWS Config does not record: one verdict
//! over the function and every qualifier, naming the qualifier at fault. Pure.

use std::fmt;

use crate::config::{Compliance, Finding, Verdict};

/// How many aliases and versions a function may have before its policies are too many to read
/// in one evaluation: beyond it the verdict says so instead of passing what it did not read.
pub const MAX_QUALIFIERS: usize = 100;

/// A qualifier that can hold its own policy: an alias, or a published version (not `$LATEST`,
/// whose policy is the function's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qualifier {
    Alias(String),
    Version(String),
}

impl Qualifier {
    /// The name `lambda:GetPolicy` takes as `Qualifier`.
    pub fn name(&self) -> &str {
        match self {
            Qualifier::Alias(name) | Qualifier::Version(name) => name,
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Alias(name) => write!(f, "alias {name}"),
            Qualifier::Version(number) => write!(f, "version {number}"),
        }
    }
}

/// The function's verdict given its own and each qualifier's: non-compliant when any is, with
/// the function's problems first and each qualifier's after its name.
pub fn combine(function: Verdict, qualified: &[(Qualifier, Verdict)]) -> Verdict {
    let failing: Vec<Finding> = qualified
        .iter()
        .filter(|(_, verdict)| verdict.compliance != Compliance::Compliant)
        .flat_map(|(qualifier, verdict)| {
            let part = qualifier.to_string();
            verdict
                .findings
                .iter()
                .map(move |finding| finding.clone().within(&part))
        })
        .collect();
    if function.compliance != Compliance::Compliant {
        if failing.is_empty() {
            return function;
        }
        let mut findings = function.findings;
        findings.extend(failing);
        return Verdict::detailed(Compliance::NonCompliant, findings);
    }
    if !failing.is_empty() {
        return Verdict::detailed(Compliance::NonCompliant, failing);
    }
    if qualified.is_empty() {
        return function;
    }
    let names: Vec<&str> = qualified.iter().map(|(q, _)| q.name()).collect();
    Verdict::listing(
        crate::config::Compliance::Compliant,
        &[
            function.annotation.as_str(),
            &format!("so do its aliases and versions ({})", names.join(", ")),
        ],
    )
}

/// The function's verdict when its qualifiers' policies were not read (`why`): never
/// compliant, with the function's own problems first.
pub fn unjudged(function: Verdict, why: &str) -> Verdict {
    if function.compliance == Compliance::Compliant {
        Verdict::non_compliant(why)
    } else {
        function.followed_by(Compliance::NonCompliant, Finding::note(why))
    }
}

/// Why a function with `count` qualifiers listed is not judged qualifier by qualifier.
pub fn too_many(count: usize) -> String {
    format!(
        "the function has more than {MAX_QUALIFIERS} aliases and published versions ({count} listed), too many to read each one's resource policy: delete the versions nothing invokes"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_contains, assert_starts_with};

    fn alias(name: &str) -> Qualifier {
        Qualifier::Alias(name.to_owned())
    }

    #[test]
    fn a_public_alias_fails_a_private_function_and_is_named() {
        let verdict = combine(
            Verdict::compliant("the resource policy grants only this account"),
            &[
                (
                    Qualifier::Version("3".to_owned()),
                    Verdict::compliant("fine"),
                ),
                (
                    alias("prod"),
                    Verdict::non_compliant("Statement[0] allows anyone"),
                ),
            ],
        );
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_eq!(verdict.annotation, "alias prod: Statement[0] allows anyone");
    }

    #[test]
    fn the_functions_own_problems_come_first() {
        let verdict = combine(
            Verdict::non_compliant("Statement[1] lets 444455556666 in"),
            &[(
                Qualifier::Version("7".to_owned()),
                Verdict::non_compliant("could not read it"),
            )],
        );
        assert_eq!(
            verdict.annotation,
            "Statement[1] lets 444455556666 in; version 7: could not read it"
        );
        let alone = combine(
            Verdict::non_compliant("public"),
            &[(alias("a"), Verdict::compliant("ok"))],
        );
        assert_eq!(alone.annotation, "public");
    }

    #[test]
    fn all_private_is_compliant_and_says_which_qualifiers_were_read() {
        let function = Verdict::compliant("no resource-based policy");
        assert_eq!(combine(function.clone(), &[]), function);
        let verdict = combine(
            function,
            &[
                (
                    alias("prod"),
                    Verdict::compliant("no resource-based policy"),
                ),
                (Qualifier::Version("1".to_owned()), Verdict::compliant("x")),
            ],
        );
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_contains(
            &verdict.annotation,
            "so do its aliases and versions (prod, 1)",
        );
    }

    #[test]
    fn unread_or_too_many_qualifiers_is_never_compliant() {
        let private = Verdict::compliant("no resource-based policy");
        let verdict = unjudged(private, &too_many(MAX_QUALIFIERS + 1));
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_starts_with(
            &verdict.annotation,
            "the function has more than 100 aliases",
        );
        let public = unjudged(Verdict::non_compliant("public"), "could not list");
        assert_eq!(public.annotation, "public; could not list");
    }
}

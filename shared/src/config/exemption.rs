//! Exemptions: a risk someone accepted, with a reason and optionally an end date. One reading
//! for every rule, in the functions and in `sec2 scan`: a resource tag (`sec2:exempt` naming the
//! rules or `all`, `sec2:exempt-reason`, `sec2:exempt-until`) or a listed exemption (the
//! `Exemptions` rule parameter, or `sec2 scan --exemptions FILE`). An exempt resource is
//! NOT_APPLICABLE, saying "exempt: REASON (until DATE)"; an expired or incomplete exemption no
//! longer applies, and the verdict says so. This is not "public by design" (a deliberately public
//! endpoint, judged COMPLIANT): an exemption is a risk accepted, not a design judged sound.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::EventError;
use super::evaluation::{Compliance, Verdict};
use super::limits::excerpt;

/// The rule parameter listing exemptions: `RESOURCE|RULES|REASON|UNTIL` entries separated by
/// `;` (UNTIL may be left out; RULES is `all` or rule names separated by spaces or `+`).
pub const EXEMPTIONS_PARAMETER: &str = "Exemptions";
/// The tag naming the rules a resource is exempt from (`all`, or names separated by spaces or
/// `+`: tag values cannot hold commas).
pub const TAG_EXEMPT: &str = "sec2:exempt";
pub const TAG_REASON: &str = "sec2:exempt-reason";
pub const TAG_UNTIL: &str = "sec2:exempt-until";

/// One listed exemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemption {
    /// The resource's ARN, id or name, as Config or the scan names it.
    pub resource: String,
    /// `all`, or rule names (`least-privilege`, `sec2-least-privilege`).
    pub rules: Vec<String>,
    pub reason: String,
    /// The last day it applies, `YYYY-MM-DD` (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// The listed exemptions a run was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions(pub Vec<Exemption>);

/// The resource an exemption may name, as the rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub rule: &'a str,
    pub resource_id: &'a str,
    pub resource_name: Option<&'a str>,
    pub arn: Option<&'a str>,
    /// The account the resource is in, when known.
    pub account: Option<&'a str>,
    /// None when the run does not know the resource's tags.
    pub tags: Option<&'a BTreeMap<String, String>>,
}

/// Where a resource stands with its exemptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    None,
    Exempt {
        reason: String,
        until: Option<String>,
    },
    /// An exemption that no longer applies: expired, or missing its reason or a valid date.
    Lapsed(String),
}

impl Exemptions {
    /// Reads the `Exemptions` rule parameter.
    pub fn parse_parameter(text: &str) -> Result<Exemptions, EventError> {
        let problem = |problem: String| EventError::Parameter {
            name: EXEMPTIONS_PARAMETER.to_owned(),
            problem,
        };
        let mut listed = Vec::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let fields: Vec<&str> = entry.split('|').map(str::trim).collect();
            let (resource, rules, reason, until) = match fields.as_slice() {
                [resource, rules, reason] => (*resource, *rules, *reason, None),
                [resource, rules, reason, until] => (*resource, *rules, *reason, Some(*until)),
                _ => {
                    return Err(problem(format!(
                        "`{}` is not RESOURCE|RULES|REASON or RESOURCE|RULES|REASON|YYYY-MM-DD",
                        excerpt(entry)
                    )))
                }
            };
            let exemption = Exemption {
                resource: resource.to_owned(),
                rules: rule_names(rules),
                reason: reason.to_owned(),
                until: until.filter(|u| !u.is_empty()).map(str::to_owned),
            };
            exemption.check().map_err(problem)?;
            listed.push(exemption);
        }
        Ok(Exemptions(listed))
    }

    /// Reads an exemptions file: a JSON array of `{"resource", "rules", "reason", "until"}`.
    pub fn from_json(text: &str) -> Result<Exemptions, String> {
        let listed: Vec<Exemption> = serde_json::from_str(text).map_err(|err| err.to_string())?;
        for exemption in &listed {
            exemption.check()?;
        }
        Ok(Exemptions(listed))
    }

    /// Where `subject` stands on `today` (`YYYY-MM-DD`): its tags first, then the list.
    pub fn standing(&self, subject: &Subject<'_>, today: &str) -> Standing {
        if let Some(standing) = subject
            .tags
            .and_then(|tags| tag_standing(tags, subject.rule, today))
        {
            return standing;
        }
        self.0
            .iter()
            .filter(|exemption| names_subject(&exemption.resource, subject))
            .find(|exemption| covers(&exemption.rules, subject.rule))
            .map_or(Standing::None, |exemption| {
                dated(&exemption.reason, exemption.until.as_deref(), today)
            })
    }
}

impl Exemption {
    fn check(&self) -> Result<(), String> {
        if self.resource.is_empty() {
            return Err("an exemption names no resource".to_owned());
        }
        if self.rules.is_empty() {
            return Err(format!(
                "the exemption of `{}` names no rule (or `all`)",
                excerpt(&self.resource)
            ));
        }
        if self.reason.trim().is_empty() {
            return Err(format!(
                "the exemption of `{}` gives no reason",
                excerpt(&self.resource)
            ));
        }
        match &self.until {
            Some(until) if !is_date(until) => Err(format!(
                "the exemption of `{}`: `{}` is not a date (YYYY-MM-DD)",
                excerpt(&self.resource),
                excerpt(until)
            )),
            _ => Ok(()),
        }
    }
}

/// The verdict with the exemption applied. An exemption accepts a failure: a failing resource
/// is NOT_APPLICABLE while it holds, and once it lapsed the rule's verdict stands, saying so. A
/// resource that passes is COMPLIANT whatever its exemptions (so a daily run that cannot see a
/// passing resource's tags agrees with its change).
pub fn apply(standing: &Standing, verdict: Verdict) -> Verdict {
    if verdict.compliance != Compliance::NonCompliant {
        return verdict;
    }
    match standing {
        Standing::None => verdict,
        Standing::Exempt { .. } => exempt_verdict(standing).unwrap_or(verdict),
        Standing::Lapsed(why) => {
            let compliance = verdict.compliance;
            verdict.led_by(compliance, super::Finding::note(why.as_str()))
        }
    }
}

fn exempt_verdict(standing: &Standing) -> Option<Verdict> {
    match standing {
        Standing::Exempt { reason, until } => Some(Verdict::not_applicable(match until {
            Some(until) => format!("exempt: {reason} (until {until})"),
            None => format!("exempt: {reason}"),
        })),
        _ => None,
    }
}

/// Whether an exemption's `resource` names `subject`: its id, name or ARN; or, where the run
/// does not know the ARN (a periodic run), an ARN of the subject's account whose last part is
/// the subject's id, so that a change and the daily run read one exemption alike.
fn names_subject(resource: &str, subject: &Subject<'_>) -> bool {
    if [
        Some(subject.resource_id),
        subject.resource_name,
        subject.arn,
    ]
    .contains(&Some(resource))
    {
        return true;
    }
    if subject.arn.is_some() {
        return false;
    }
    let Some(arn) = crate::policy::Arn::parse(resource) else {
        return false;
    };
    let same_account = match (arn.fixed_account(), subject.account) {
        (Some(named), Some(account)) => named == account,
        _ => true,
    };
    same_account
        && arn
            .resource
            .rsplit([':', '/'])
            .next()
            .is_some_and(|last| last == subject.resource_id)
}

fn rule_names(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '+' || c == ',')
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `rules` (`all`, or names with or without `sec2-`) names `rule`.
fn covers(rules: &[String], rule: &str) -> bool {
    rules.iter().any(|named| {
        named.eq_ignore_ascii_case("all")
            || named == rule
            || named.strip_prefix("sec2-") == Some(rule)
    })
}

fn tag_standing(tags: &BTreeMap<String, String>, rule: &str, today: &str) -> Option<Standing> {
    let rules = rule_names(tags.get(TAG_EXEMPT)?);
    if !covers(&rules, rule) {
        return None;
    }
    let reason = tags.get(TAG_REASON).map(|r| r.trim()).unwrap_or_default();
    if reason.is_empty() {
        return Some(Standing::Lapsed(format!(
            "exemption ignored: the {TAG_EXEMPT} tag has no {TAG_REASON}"
        )));
    }
    let until = tags
        .get(TAG_UNTIL)
        .map(|u| u.trim())
        .filter(|u| !u.is_empty());
    if let Some(until) = until.filter(|until| !is_date(until)) {
        return Some(Standing::Lapsed(format!(
            "exemption ignored: {TAG_UNTIL} `{}` is not a date (YYYY-MM-DD)",
            excerpt(until)
        )));
    }
    Some(dated(reason, until, today))
}

fn dated(reason: &str, until: Option<&str>, today: &str) -> Standing {
    match until {
        Some(until) if until < today => {
            Standing::Lapsed(format!("exemption expired {until} ({})", excerpt(reason)))
        }
        _ => Standing::Exempt {
            reason: excerpt(reason),
            until: until.map(str::to_owned),
        },
    }
}

/// `YYYY-MM-DD` with a month 01-12 and a day 01-31.
fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|p| p.parse::<u8>().ok());
    bytes.len() == 10
        && digits(0..4)
        && bytes.get(4) == Some(&b'-')
        && digits(5..7)
        && bytes.get(7) == Some(&b'-')
        && digits(8..10)
        && number(5..7).is_some_and(|month| (1..=12).contains(&month))
        && number(8..10).is_some_and(|day| (1..=31).contains(&day))
}

/// The UTC date of `epoch_seconds`, `YYYY-MM-DD`.
pub fn date_of(epoch_seconds: i64) -> String {
    let text = super::item::epoch_to_rfc3339(epoch_seconds as f64);
    text.get(..10).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-12-05";

    fn subject<'a>(rule: &'a str, tags: Option<&'a BTreeMap<String, String>>) -> Subject<'a> {
        Subject {
            rule,
            resource_id: "legacy-webhook",
            resource_name: None,
            arn: Some("arn:aws:lambda:us-east-1:111122223333:function:legacy-webhook"),
            account: Some("111122223333"),
            tags,
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_tag_exempts_the_rules_it_names_with_its_reason_until_its_date() {
        let tagged = tags(&[
            (TAG_EXEMPT, "resource-policies+network-controls"),
            (TAG_REASON, "partner webhook, SEC-1234"),
            (TAG_UNTIL, "2026-12-31"),
        ]);
        let none = Exemptions::default();
        let standing = none.standing(&subject("resource-policies", Some(&tagged)), TODAY);
        let verdict = apply(
            &standing,
            Verdict::non_compliant("the policy allows everyone"),
        );
        assert_eq!(verdict.compliance, Compliance::NotApplicable);
        assert_eq!(
            verdict.annotation,
            "exempt: partner webhook, SEC-1234 (until 2026-12-31)"
        );
        // A rule the tag does not name judges as ever.
        assert_eq!(
            none.standing(&subject("least-privilege", Some(&tagged)), TODAY),
            Standing::None
        );
        // The last day still counts; the day after, it has lapsed and says so.
        assert!(matches!(
            none.standing(&subject("resource-policies", Some(&tagged)), "2026-12-31"),
            Standing::Exempt { .. }
        ));
        let lapsed = none.standing(&subject("resource-policies", Some(&tagged)), "2027-01-01");
        let verdict = apply(
            &lapsed,
            Verdict::non_compliant("the policy allows everyone"),
        );
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_eq!(
            verdict.annotation,
            "exemption expired 2026-12-31 (partner webhook, SEC-1234); the policy allows everyone"
        );
    }

    #[test]
    fn an_exemption_without_a_reason_or_with_a_bad_date_is_ignored_and_says_so() {
        let none = Exemptions::default();
        let no_reason = tags(&[(TAG_EXEMPT, "all")]);
        let standing = none.standing(&subject("guardrails", Some(&no_reason)), TODAY);
        assert!(
            matches!(&standing, Standing::Lapsed(why) if why.contains("no sec2:exempt-reason"))
        );
        let bad_date = tags(&[
            (TAG_EXEMPT, "all"),
            (TAG_REASON, "r"),
            (TAG_UNTIL, "31/12/2026"),
        ]);
        let standing = none.standing(&subject("guardrails", Some(&bad_date)), TODAY);
        assert!(matches!(&standing, Standing::Lapsed(why) if why.contains("not a date")));
    }

    #[test]
    fn the_parameter_lists_exemptions_by_arn_id_or_name() {
        let listed = Exemptions::parse_parameter(
            "arn:aws:lambda:us-east-1:111122223333:function:legacy-webhook|sec2-least-privilege|vendor code, SEC-9|2027-03-01; other|all|kept for audit",
        )
        .unwrap();
        assert_eq!(listed.0.len(), 2);
        let standing = listed.standing(&subject("least-privilege", None), TODAY);
        assert_eq!(
            standing,
            Standing::Exempt {
                reason: "vendor code, SEC-9".to_owned(),
                until: Some("2027-03-01".to_owned())
            }
        );
        assert_eq!(
            listed.standing(&subject("network-controls", None), TODAY),
            Standing::None
        );
        for bad in ["only|two", "x|all|", "x|all|r|tomorrow", "|all|r"] {
            let error = Exemptions::parse_parameter(bad).unwrap_err().to_string();
            assert!(
                error.starts_with("rule parameter `Exemptions`"),
                "{bad}: {error}"
            );
        }
        let file = Exemptions::from_json(
            r#"[{"resource": "legacy-webhook", "rules": ["all"], "reason": "sunset Q1", "until": "2026-12-01"}]"#,
        )
        .unwrap();
        assert!(matches!(
            file.standing(&subject("temporary-credentials", None), TODAY),
            Standing::Lapsed(why) if why == "exemption expired 2026-12-01 (sunset Q1)"
        ));
        assert!(
            Exemptions::from_json(r#"[{"resource": "x", "rules": ["all"], "reason": ""}]"#)
                .is_err()
        );
        // The daily run knows the function's name only: its ARN still names it, in its account.
        let by_name = |account| Subject {
            arn: None,
            account: Some(account),
            ..subject("least-privilege", None)
        };
        assert!(matches!(
            listed.standing(&by_name("111122223333"), TODAY),
            Standing::Exempt { .. }
        ));
        assert_eq!(
            listed.standing(&by_name("444455556666"), TODAY),
            Standing::None
        );
    }

    #[test]
    fn dates_are_read_strictly() {
        assert!(is_date("2026-02-28"));
        for bad in [
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "2026-01-32",
            "2026-01-01T",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
        assert_eq!(date_of(1_796_428_800), "2026-12-05");
    }
}

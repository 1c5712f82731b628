//! Evaluations as AWS Config takes them.

use serde::Serialize;

use super::finding::Finding;

/// The compliance types PutEvaluations accepts (it refuses INSUFFICIENT_DATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Compliance {
    #[serde(rename = "COMPLIANT")]
    Compliant,
    #[serde(rename = "NON_COMPLIANT")]
    NonCompliant,
    #[serde(rename = "NOT_APPLICABLE")]
    NotApplicable,
}

impl Compliance {
    pub fn as_str(self) -> &'static str {
        match self {
            Compliance::Compliant => "COMPLIANT",
            Compliance::NonCompliant => "NON_COMPLIANT",
            Compliance::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

/// What a rule decides about one resource: every finding whole (the scan's JSON and the
/// functions' logs carry them all); only the annotation AWS Config keeps is cut to fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub compliance: Compliance,
    /// Every finding's message, joined with "; ".
    pub annotation: String,
    /// Each finding on its own.
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn compliant(annotation: impl Into<String>) -> Self {
        Self::of(Compliance::Compliant, annotation.into())
    }

    pub fn non_compliant(annotation: impl Into<String>) -> Self {
        Self::of(Compliance::NonCompliant, annotation.into())
    }

    pub fn not_applicable(annotation: impl Into<String>) -> Self {
        Self::of(Compliance::NotApplicable, annotation.into())
    }

    fn of(compliance: Compliance, annotation: String) -> Self {
        Self::detailed(compliance, vec![Finding::note(annotation)])
    }

    /// A verdict of several findings that are only their messages.
    pub fn listing<S: AsRef<str>>(compliance: Compliance, messages: &[S]) -> Self {
        Self::detailed(
            compliance,
            messages.iter().map(|m| Finding::note(m.as_ref())).collect(),
        )
    }

    /// A verdict of several findings, each kept whole.
    pub fn detailed(compliance: Compliance, findings: Vec<Finding>) -> Self {
        let findings: Vec<Finding> = findings
            .into_iter()
            .map(|mut finding| {
                finding.message = finding.message.trim().to_owned();
                finding
            })
            .filter(|finding| !finding.message.is_empty())
            .collect();
        Verdict {
            compliance,
            annotation: findings
                .iter()
                .map(|finding| finding.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            findings,
        }
    }

    /// Every finding's message, one by one.
    pub fn messages(&self) -> Vec<&str> {
        self.findings
            .iter()
            .map(|finding| finding.message.as_str())
            .collect()
    }

    /// The verdict with `finding` before the others, as compliant as `compliance` says.
    pub fn led_by(self, compliance: Compliance, finding: Finding) -> Self {
        let mut findings = vec![finding];
        findings.extend(self.findings);
        Self::detailed(compliance, findings)
    }

    /// The verdict with `finding` after the others, as compliant as `compliance` says.
    pub fn followed_by(self, compliance: Compliance, finding: Finding) -> Self {
        let mut findings = self.findings;
        findings.push(finding);
        Self::detailed(compliance, findings)
    }
}

/// One evaluation, in PutEvaluations' terms (and field names, when printed as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Evaluation {
    pub compliance_resource_type: String,
    pub compliance_resource_id: String,
    pub compliance_type: Compliance,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotation: Option<String>,
    /// RFC 3339: the item's capture time, or the periodic notification's creation time.
    pub ordering_timestamp: String,
    /// Every finding whole, for the function's log (the annotation is cut to what Config keeps).
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

/// The longest annotation AWS Config accepts, in characters.
pub const MAX_ANNOTATION_CHARS: usize = 256;

impl Evaluation {
    pub fn new(
        resource_type: &str,
        resource_id: &str,
        verdict: Verdict,
        ordering_timestamp: &str,
    ) -> Self {
        let annotation = if verdict.findings.len() > 1 {
            fit_annotation(&annotate(&verdict.messages()))
        } else {
            fit_annotation(&verdict.annotation)
        };
        let findings = verdict.findings;
        Evaluation {
            compliance_resource_type: resource_type.to_owned(),
            compliance_resource_id: resource_id.to_owned(),
            compliance_type: verdict.compliance,
            annotation,
            ordering_timestamp: ordering_timestamp.to_owned(),
            findings,
        }
    }
}

/// Trims an annotation to what Config accepts: 1 to 256 characters, cut on a character
/// boundary with an ellipsis, or none at all when empty.
pub fn fit_annotation(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= MAX_ANNOTATION_CHARS {
        return Some(text.to_owned());
    }
    let mut cut: String = text.chars().take(MAX_ANNOTATION_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

/// Several findings in the annotation Config keeps: as many whole messages as fit, then how
/// many more and where they are, within 256 characters (a message too long on its own is cut
/// with an ellipsis). The function's log line for the evaluation carries them all.
pub fn annotate<S: AsRef<str>>(messages: &[S]) -> String {
    let suffix = |shown: usize| match messages.len() - shown {
        0 => String::new(),
        more => format!(" (+{more} more in the log)"),
    };
    let mut text = String::new();
    let mut shown = 0;
    for message in messages {
        let candidate = if text.is_empty() {
            message.as_ref().to_owned()
        } else {
            format!("{text}; {}", message.as_ref())
        };
        if candidate.chars().count() + suffix(shown + 1).chars().count() > MAX_ANNOTATION_CHARS {
            break;
        }
        text = candidate;
        shown += 1;
    }
    if shown == 0 {
        let first = messages.first().map(|m| m.as_ref()).unwrap_or_default();
        let tail = suffix(1);
        let room = MAX_ANNOTATION_CHARS - tail.chars().count() - 1;
        let cut: String = first.chars().take(room).collect();
        return if first.chars().count() > room {
            format!("{cut}…{tail}")
        } else {
            format!("{cut}{tail}")
        };
    }
    format!("{text}{}", suffix(shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_finding_is_kept_and_only_configs_annotation_is_cut() {
        let messages: Vec<String> = (0..12)
            .map(|i| format!("Statement[{i}] allows everyone to invoke the function from anywhere"))
            .collect();
        let verdict = Verdict::listing(Compliance::NonCompliant, &messages);
        assert_eq!(verdict.messages().len(), 12);
        assert_eq!(verdict.annotation, messages.join("; "));
        let evaluation = Evaluation::new(
            "AWS::Lambda::Function",
            "f",
            verdict,
            "2026-12-05T00:00:00Z",
        );
        let kept = evaluation.annotation.unwrap();
        assert!(kept.chars().count() <= MAX_ANNOTATION_CHARS, "{kept}");
        assert!(kept.ends_with("more in the log)"), "{kept}");
        let logged: Vec<&str> = evaluation
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(logged, messages);
        // One finding is the annotation itself.
        let one = Evaluation::new(
            "AWS::Lambda::Function",
            "f",
            Verdict::non_compliant("x"),
            "t",
        );
        assert_eq!(one.findings, [Finding::note("x")]);
    }
    use crate::testing::assert_ends_with;

    #[test]
    fn annotations_are_cut_to_256_characters_on_a_character_boundary() {
        let long = "é".repeat(300);
        let fitted = fit_annotation(&long).unwrap();
        assert_eq!(fitted.chars().count(), 256);
        assert!(fitted.ends_with('…'));
        assert_eq!(fit_annotation("  "), None);
        assert_eq!(fit_annotation(&"a".repeat(256)).unwrap().len(), 256);
    }

    #[test]
    fn several_messages_fit_whole_with_a_count_of_the_rest() {
        let long = "x".repeat(300);
        let cut = annotate(&[long.as_str(), "second", "third"]);
        assert_eq!(cut.chars().count(), 256);
        assert_ends_with(&cut, "… (+2 more in the log)");
        assert_eq!(annotate(&["only"]), "only");
        let medium = "m".repeat(100);
        let three = annotate(&[medium.as_str(), medium.as_str(), medium.as_str()]);
        assert_eq!(three, format!("{medium}; {medium} (+1 more in the log)"));
        assert!(three.chars().count() <= 256);
        assert_eq!(annotate(&["a", "b"]), "a; b");
    }

    #[test]
    fn evaluations_print_with_put_evaluations_field_names() {
        let evaluation = Evaluation::new(
            "AWS::SQS::Queue",
            "q",
            Verdict::non_compliant("public"),
            "2026-11-20T10:00:00Z",
        );
        let json = serde_json::to_value(&evaluation).unwrap();
        assert_eq!(json["ComplianceResourceType"], "AWS::SQS::Queue");
        assert_eq!(json["ComplianceType"], "NON_COMPLIANT");
        assert_eq!(json["Annotation"], "public");
        assert_eq!(json["OrderingTimestamp"], "2026-11-20T10:00:00Z");
        let silent = Evaluation::new(
            "AWS::SQS::Queue",
            "q",
            Verdict::compliant(""),
            "2026-11-20T10:00:00Z",
        );
        assert!(serde_json::to_value(&silent)
            .unwrap()
            .get("Annotation")
            .is_none());
    }
}

//! One finding as people triage it: the element at fault, what is wrong, how to fix it and how
//! urgent it is. Every rule's verdict is a list of these; the scan's outputs and the functions'
//! log lines carry them whole.

use serde::Serialize;

/// How urgent a finding is, lowest first (Security Hub's labels, printed in capitals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Low,
    Medium,
    High,
    /// Anything that could not be read or decided, and full administrator.
    Critical,
}

impl Severity {
    pub const NAMES: &'static [&'static str] = &["low", "medium", "high", "critical"];

    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// The name a rule parameter takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One level lower (least-privilege: for a grant a permissions boundary caps).
    pub fn capped(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium | Severity::Low => Severity::Low,
        }
    }

    /// Security Hub's label (ASFF `Severity.Label`).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// One finding. In a passing verdict it says what holds, with no severity or fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The statement or setting at fault (`Statement[0] "Sid" of POLICY`), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// What is wrong, in a sentence a person can act on.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// How to fix it, when the finding knows better than its rule's general remediation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// A finding that is only its message.
    pub fn note(message: impl Into<String>) -> Self {
        Finding {
            element: None,
            message: message.into(),
            severity: None,
            fix: None,
        }
    }

    pub fn at(mut self, element: impl Into<String>) -> Self {
        self.element = Some(element.into());
        self
    }

    pub fn rated(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }

    pub fn fixed_by(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// The finding as a failing resource's finding is reported: with a severity and a fix,
    /// the rule's own where the finding has none.
    pub fn completed(mut self, severity: Severity, fix: &str) -> Self {
        self.severity.get_or_insert(severity);
        if self.fix.is_none() {
            self.fix = Some(fix.to_owned());
        }
        self
    }

    /// The finding of a part of the resource (an alias, a version): its element is within it.
    pub fn within(mut self, part: &str) -> Self {
        self.element = Some(match self.element.take() {
            Some(element) => format!("{part} {element}"),
            None => part.to_owned(),
        });
        self.message = format!("{part}: {}", self.message);
        self
    }
}

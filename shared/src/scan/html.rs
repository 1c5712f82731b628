//! `sec2 scan --format html`: one self-contained page a security lead can read at a glance (no
//! script, font or image from anywhere: the CSS is inline and the charts are inline SVG). Per
//! SEC2 practice and per account, how many resources pass and fail, with a bar each; then the
//! findings by rule and resource with how to fix them; the exemptions with their reasons; and
//! when and where the scan ran.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Row;
use crate::config::Compliance;
use crate::registry::{RuleId, RULES};

/// One finding as a list item: how urgent, where, what is wrong and, when it says more than
/// the rule's general advice, how to fix it.
fn finding_item(finding: &crate::config::Finding) -> String {
    let severity = finding
        .severity
        .map(|s| {
            format!(
                "<span class=\"severity {}\">{}</span> ",
                s.as_str(),
                s.label()
            )
        })
        .unwrap_or_default();
    let element = finding
        .element
        .as_deref()
        .map(|e| format!("<code>{}</code>: ", escape(e)))
        .unwrap_or_default();
    let fix = finding
        .fix
        .as_deref()
        .filter(|fix| !RULES.iter().any(|spec| spec.remediation == *fix))
        .map(|fix| format!("<br><i>Fix:</i> {}", escape(fix)))
        .unwrap_or_default();
    format!(
        "<li>{severity}{element}{}{fix}</li>",
        escape(&finding.message)
    )
}

/// When and where a scan ran.
#[derive(Debug, Clone)]
pub struct ScanFacts {
    /// RFC 3339, UTC.
    pub finished: String,
    pub rules: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    pass: usize,
    fail: usize,
    other: usize,
}

impl Tally {
    fn add(&mut self, compliance: Compliance) {
        match compliance {
            Compliance::Compliant => self.pass += 1,
            Compliance::NonCompliant => self.fail += 1,
            Compliance::NotApplicable => self.other += 1,
        }
    }
}

/// The report page.
pub fn html(rows: &[Row], facts: &ScanFacts) -> String {
    let mut by_practice: BTreeMap<(u8, &str), Tally> = BTreeMap::new();
    let mut by_account: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for row in rows {
        total.add(row.compliance);
        by_account
            .entry(&row.account)
            .or_default()
            .add(row.compliance);
        if let Some(spec) = RuleId::from_name(&row.rule).map(RuleId::spec) {
            by_practice
                .entry((spec.practice.number, spec.practice.title))
                .or_default()
                .add(row.compliance);
        }
    }
    let places: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|row| format!("{} in {}", row.account, row.region))
        .collect();
    let mut page = String::from(HEAD);
    let _ = writeln!(
        page,
        "<h1>sec2-rules: SEC2 security boundaries</h1>\n<p class=\"meta\">Scanned {} ({}), rules {}; finished {}.</p>",
        escape(&places.iter().cloned().collect::<Vec<_>>().join(", ")),
        plural(places.len(), "account and region", "accounts and regions"),
        escape(&facts.rules.join(", ")),
        escape(&facts.finished)
    );
    let _ = writeln!(
        page,
        "<section id=\"summary\"><h2>Summary</h2><p class=\"totals\"><span class=\"fail\" id=\"failing\">{}</span> failing, <span class=\"pass\" id=\"passing\">{}</span> passing, <span class=\"other\" id=\"not-applicable\">{}</span> not applicable or exempt.</p>",
        total.fail, total.pass, total.other
    );
    page.push_str("<h3>By SEC2 practice</h3>\n");
    page.push_str(&chart(by_practice.iter().map(
        |((number, title), tally)| (format!("{number}. {title}"), *tally),
    )));
    page.push_str("<h3>By account</h3>\n");
    page.push_str(&chart(
        by_account
            .iter()
            .map(|(account, tally)| ((*account).to_owned(), *tally)),
    ));
    page.push_str("</section>\n<section id=\"findings\"><h2>Findings</h2>\n");
    let failing: Vec<&Row> = rows
        .iter()
        .filter(|row| row.compliance == Compliance::NonCompliant)
        .collect();
    if failing.is_empty() {
        page.push_str("<p>Nothing fails.</p>\n");
    }
    for spec in RULES {
        let mine: Vec<&&Row> = failing.iter().filter(|row| row.rule == spec.name).collect();
        if mine.is_empty() {
            continue;
        }
        let _ = writeln!(
            page,
            "<h3>sec2-{} <small>(practice {}: {})</small></h3>\n<p class=\"fix\"><b>How to fix:</b> {}</p>\n<table><tr><th>Account / region</th><th>Resource</th><th>What is wrong</th></tr>",
            escape(spec.name),
            spec.practice.number,
            escape(spec.practice.title),
            escape(spec.remediation)
        );
        for row in mine {
            let _ = writeln!(
                page,
                "<tr class=\"finding\"><td>{}/{}</td><td>{} <code>{}</code></td><td><ul>{}</ul></td></tr>",
                escape(&row.account),
                escape(&row.region),
                escape(&row.resource_type),
                escape(&row.resource_id),
                row.findings.iter().map(finding_item).collect::<String>()
            );
        }
        page.push_str("</table>\n");
    }
    // Rows of the scan itself (an account that could not be reached).
    let other: Vec<&&Row> = failing
        .iter()
        .filter(|row| RuleId::from_name(&row.rule).is_none())
        .collect();
    if !other.is_empty() {
        page.push_str(
            "<h3>Not scanned</h3>\n<table><tr><th>Account / region</th><th>Why</th></tr>\n",
        );
        for row in other {
            let _ = writeln!(
                page,
                "<tr class=\"finding\"><td>{}/{}</td><td>{}</td></tr>",
                escape(&row.account),
                escape(&row.region),
                escape(&row.annotation)
            );
        }
        page.push_str("</table>\n");
    }
    page.push_str("</section>\n<section id=\"exemptions\"><h2>Exemptions</h2>\n");
    let exempt: Vec<&Row> = rows.iter().filter(|row| row.exemption.is_some()).collect();
    if exempt.is_empty() {
        page.push_str("<p>None.</p>\n");
    } else {
        page.push_str("<table><tr><th>Rule</th><th>Resource</th><th>Accepted because</th></tr>\n");
        for row in exempt {
            let _ = writeln!(
                page,
                "<tr class=\"exemption\"><td>sec2-{}</td><td>{} <code>{}</code></td><td>{}</td></tr>",
                escape(&row.rule),
                escape(&row.resource_type),
                escape(&row.resource_id),
                escape(row.exemption.as_deref().unwrap_or_default())
            );
        }
        page.push_str("</table>\n");
    }
    page.push_str("</section>\n</body>\n</html>\n");
    page
}

/// A bar per line: passing green, failing red, the rest grey, scaled to the longest.
fn chart(lines: impl Iterator<Item = (String, Tally)>) -> String {
    let lines: Vec<(String, Tally)> = lines.collect();
    if lines.is_empty() {
        return "<p>No resources in scope.</p>\n".to_owned();
    }
    let most = lines
        .iter()
        .map(|(_, t)| t.pass + t.fail + t.other)
        .max()
        .unwrap_or(1)
        .max(1);
    let mut out = String::from("<table class=\"chart\">\n");
    for (label, tally) in &lines {
        let width = |count: usize| count * 300 / most;
        let (pass, fail, other) = (width(tally.pass), width(tally.fail), width(tally.other));
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><svg width=\"310\" height=\"16\" role=\"img\" aria-label=\"{} passing, {} failing\"><rect x=\"0\" width=\"{pass}\" height=\"16\" fill=\"#2e7d32\"/><rect x=\"{pass}\" width=\"{fail}\" height=\"16\" fill=\"#c62828\"/><rect x=\"{}\" width=\"{other}\" height=\"16\" fill=\"#9e9e9e\"/></svg></td><td>{} pass, {} fail, {} n/a</td></tr>",
            escape(label),
            tally.pass,
            tally.fail,
            pass + fail,
            tally.pass,
            tally.fail,
            tally.other
        );
    }
    out.push_str("</table>\n");
    out
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Text as HTML: the five characters that could end an element or an attribute, escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sec2-rules scan report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #212121; max-width: 72rem; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.meta { color: #555; }
.totals { font-size: 1.2rem; }
.fail { color: #c62828; font-weight: bold; } .pass { color: #2e7d32; font-weight: bold; }
.other { color: #616161; font-weight: bold; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #eee; vertical-align: top; }
table.chart td { border: none; }
code { font-size: .9em; word-break: break-all; }
.fix { background: #f5f5f5; padding: .5rem; }
td ul { margin: 0; padding-left: 1rem; }
.severity { font-size: .75em; font-weight: bold; padding: 0 .3em; border-radius: .2em; color: #fff; }
.severity.critical { background: #8e0000; } .severity.high { background: #c62828; }
.severity.medium { background: #ef6c00; } .severity.low { background: #757575; }
</style>
</head>
<body>
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Finding;
    use crate::scan::sample_row;

    fn row(rule: &str, id: &str, compliance: Compliance, annotation: &str) -> Row {
        Row {
            resource_type: "AWS::Lambda::Function".to_owned(),
            ..sample_row(rule, id, compliance, Finding::note(annotation))
        }
    }

    #[test]
    fn the_page_is_self_contained_and_escapes_what_it_shows() {
        let rows = [
            row(
                "resource-policies",
                "booking",
                Compliance::NonCompliant,
                "Statement[0] allows <everyone> & \"all\"",
            ),
            row("resource-policies", "status", Compliance::Compliant, ""),
        ];
        let page = html(
            &rows,
            &ScanFacts {
                finished: "2026-12-05T12:00:00Z".to_owned(),
                rules: vec!["resource-policies".to_owned()],
            },
        );
        assert!(page.contains("<span class=\"fail\" id=\"failing\">1</span> failing"));
        assert!(page.contains("Statement[0] allows &lt;everyone&gt; &amp; &quot;all&quot;"));
        assert!(page.contains("How to fix:"));
        for outside in ["<script", "src=", "href=", "@import", "url("] {
            assert!(
                !page.contains(outside),
                "the page reaches out with {outside}"
            );
        }
    }
}

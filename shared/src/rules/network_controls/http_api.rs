//! API Gateway HTTP APIs (v2): every route authorized (a JWT, Lambda or IAM authorizer); the
//! stages' access logging and throttling reported. HTTP APIs cannot carry an AWS WAF web ACL,
//! which the annotation says rather than fail for it.

use std::collections::BTreeMap;

use crate::config::Verdict;
use crate::rules::public_by_design::Marking;

/// A route as API Gateway returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// `GET /flights`, `$default`.
    pub route_key: String,
    /// NONE, AWS_IAM, CUSTOM or JWT.
    pub authorization_type: String,
}

/// A stage and what it does for the API's traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpStage {
    pub name: String,
    pub access_logs: bool,
    pub throttled: bool,
}

/// An HTTP API as read from API Gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpApiFacts {
    /// HTTP or WEBSOCKET.
    pub protocol: String,
    pub tags: BTreeMap<String, String>,
    pub routes: Vec<HttpRoute>,
    pub stages: Vec<HttpStage>,
}

/// How many routes an annotation names before it counts the rest.
const NAMED_ROUTES: usize = 3;

/// The verdict on an HTTP API's routes, with its stages reported.
pub fn judge_http_api(api_id: &str, facts: &HttpApiFacts, marking: &Marking, tag: &str) -> Verdict {
    if !facts.protocol.eq_ignore_ascii_case("HTTP") {
        return Verdict::not_applicable(format!(
            "API {api_id} is a {} API; only HTTP APIs' routes are judged",
            facts.protocol
        ));
    }
    let open: Vec<&str> = facts
        .routes
        .iter()
        // API Gateway answers CORS preflights itself; an OPTIONS route is one.
        .filter(|route| !route.route_key.starts_with("OPTIONS "))
        .filter(|route| {
            route.authorization_type.is_empty()
                || route.authorization_type.eq_ignore_ascii_case("NONE")
        })
        .map(|route| route.route_key.as_str())
        .collect();
    let mut notes: Vec<String> = facts
        .stages
        .iter()
        .filter_map(|stage| {
            let missing: Vec<&str> = [
                (!stage.access_logs).then_some("access logging"),
                (!stage.throttled).then_some("throttling limits"),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!missing.is_empty())
                .then(|| format!("stage {} has no {}", stage.name, missing.join(" and ")))
        })
        .collect();
    notes.push("HTTP APIs cannot carry an AWS WAF web ACL (put CloudFront with one in front if requests need filtering)".to_owned());
    if open.is_empty() {
        let summary = if facts.routes.is_empty() {
            format!("HTTP API {api_id} has no routes")
        } else {
            format!("every route of HTTP API {api_id} has an authorizer")
        };
        return Verdict::listing(crate::config::Compliance::Compliant, &with(summary, &notes));
    }
    if let Some(public) = marking.honoured() {
        let summary = format!("HTTP API {api_id} has routes anyone can call, {public}");
        return Verdict::listing(crate::config::Compliance::Compliant, &with(summary, &notes));
    }
    let named: Vec<&str> = open.iter().take(NAMED_ROUTES).copied().collect();
    let routes = match open.len().saturating_sub(NAMED_ROUTES) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    };
    let finding = format!(
        "HTTP API {api_id}: {routes} {} open to anyone on the internet (no authorizer); attach a JWT, Lambda or IAM authorizer; {}",
        if open.len() == 1 { "is" } else { "are" },
        marking.advice(tag)
    );
    Verdict::listing(
        crate::config::Compliance::NonCompliant,
        &with(finding, &notes),
    )
}

fn with(first: String, rest: &[String]) -> Vec<String> {
    std::iter::once(first).chain(rest.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Compliance;
    use crate::testing::assert_contains;

    const TAG: &str = crate::rules::public_by_design::DEFAULT_TAG;

    fn route(key: &str, authorization: &str) -> HttpRoute {
        HttpRoute {
            route_key: key.to_owned(),
            authorization_type: authorization.to_owned(),
        }
    }

    fn api(routes: Vec<HttpRoute>) -> HttpApiFacts {
        HttpApiFacts {
            protocol: "HTTP".to_owned(),
            routes,
            stages: vec![HttpStage {
                name: "$default".to_owned(),
                access_logs: true,
                throttled: true,
            }],
            ..HttpApiFacts::default()
        }
    }

    #[test]
    fn jwt_lambda_and_iam_authorizers_pass_and_waf_is_explained_not_failed() {
        let facts = api(vec![
            route("GET /bookings", "JWT"),
            route("POST /bookings", "CUSTOM"),
            route("GET /admin", "AWS_IAM"),
            route("OPTIONS /bookings", "NONE"),
        ]);
        let verdict = judge_http_api("h1", &facts, &Marking::Unmarked, TAG);
        assert_eq!(
            verdict.compliance,
            Compliance::Compliant,
            "{}",
            verdict.annotation
        );
        assert_contains(
            &verdict.annotation,
            "every route of HTTP API h1 has an authorizer",
        );
        assert_contains(&verdict.annotation, "cannot carry an AWS WAF web ACL");
    }

    #[test]
    fn a_route_without_an_authorizer_is_named_and_stages_reported() {
        let mut facts = api(vec![
            route("GET /flights", "NONE"),
            route("$default", "NONE"),
        ]);
        facts.stages[0].access_logs = false;
        let verdict = judge_http_api("h1", &facts, &Marking::Unmarked, TAG);
        assert_eq!(verdict.compliance, Compliance::NonCompliant);
        assert_contains(
            &verdict.annotation,
            "HTTP API h1: GET /flights, $default are open to anyone on the internet (no authorizer)",
        );
        assert_contains(&verdict.annotation, "stage $default has no access logging");
    }

    #[test]
    fn public_by_design_passes_and_websocket_apis_are_not_judged_here() {
        let tags = BTreeMap::from([(TAG.to_owned(), "open flight data".to_owned())]);
        let marking = Marking::of(&tags, TAG, "2026-12-05");
        let facts = api(vec![route("GET /flights", "NONE")]);
        let verdict = judge_http_api("h1", &facts, &marking, TAG);
        assert_eq!(verdict.compliance, Compliance::Compliant);
        assert_contains(&verdict.annotation, "public by design: open flight data");
        let websocket = HttpApiFacts {
            protocol: "WEBSOCKET".to_owned(),
            ..api(Vec::new())
        };
        assert_eq!(
            judge_http_api("w1", &websocket, &Marking::Unmarked, TAG).compliance,
            Compliance::NotApplicable
        );
    }
}

//! Policies analyzed per second on the reviewed corpus, parsing included.
//! Target (issue: policy analyzer): at least 100,000 resource policies per second on one core.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark setup"
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sec2_shared::policy::{
    analyze_identity_policy, analyze_resource_policy, Catalog, Policy, ResourceContext,
    ResourceService,
};
use serde_json::Value;

struct Input {
    service: Option<ResourceService>,
    text: String,
    allowed_accounts: Vec<String>,
    allowed_organizations: Vec<String>,
}

fn corpus(file: &str) -> Vec<Input> {
    let path = format!("{}/../tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let strings = |case: &Value, key: &str| -> Vec<String> {
        case[key]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    cases
        .iter()
        .map(|case| Input {
            service: case["service"].as_str().map(|s| s.parse().unwrap()),
            text: match &case["policy_text"] {
                Value::String(text) => text.clone(),
                _ => case["policy"].to_string(),
            },
            allowed_accounts: strings(case, "allowed_accounts"),
            allowed_organizations: strings(case, "allowed_organizations"),
        })
        .collect()
}

/// Parses and analyzes every policy of a corpus file per iteration.
fn bench_corpus(c: &mut Criterion, group: &str, file: &str, analyze: impl Fn(&Input, &Policy)) {
    let inputs = corpus(file);
    let mut group = c.benchmark_group(group);
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function("parse_and_analyze_corpus", |b| {
        b.iter(|| {
            for input in &inputs {
                let policy = Policy::parse(black_box(&input.text)).unwrap();
                analyze(input, &policy);
            }
        })
    });
    group.finish();
}

fn resource_policies(c: &mut Criterion) {
    bench_corpus(
        c,
        "resource_policies",
        "resource-policies.json",
        |input, policy| {
            let context = ResourceContext::new(input.service.unwrap(), "111122223333")
                .trusting(&input.allowed_accounts, &input.allowed_organizations);
            black_box(analyze_resource_policy(policy, &context));
        },
    );
}

fn identity_policies(c: &mut Criterion) {
    let catalog = Catalog::embedded();
    bench_corpus(
        c,
        "identity_policies",
        "identity-policies.json",
        |_, policy| {
            black_box(analyze_identity_policy(policy, catalog));
        },
    );
}

criterion_group!(benches, resource_policies, identity_policies);
criterion_main!(benches);

//! `check-template`'s rate over real templates (tests/templates/, 121 SAM and CloudFormation
//! templates by others): read, resolved and judged, per template.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sec2_shared::template::{check, Options};

fn templates() -> Vec<String> {
    let dir = format!("{}/../tests/templates", env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_none_or(|e| e != "md"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    texts.sort();
    texts
}

fn check_templates(c: &mut Criterion) {
    let texts = templates();
    let options = Options::default();
    let mut group = c.benchmark_group("check_template");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("real_templates", |b| {
        b.iter(|| {
            for text in &texts {
                // A template that cannot be read counts too: the reader's refusal is work done.
                let _ = black_box(check(black_box(text), &options));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, check_templates);
criterion_main!(benches);

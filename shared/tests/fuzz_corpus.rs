//! Replays the fuzzers' corpus and every crasher they found (`fuzz/corpus/TARGET`,
//! `fuzz/artifacts/TARGET`) through the same entry points the fuzz targets call, on stable Rust,
//! so what a fuzzer once found stays fixed. A rejected input must come with an error to show.
#![allow(clippy::expect_used, clippy::panic, reason = "test code")]

use std::path::{Path, PathBuf};

use sec2_shared::fuzzing;

type Entry = fn(&[u8]) -> Result<(), fuzzing::Rejected>;

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut found = Vec::new();
    for folder in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(folder).join(target)) else {
            continue;
        };
        found.extend(entries.map(|entry| entry.expect("a readable folder").path()));
    }
    found.sort();
    found
}

/// Replays every input of `target`'s corpus and crashers; at least one must be accepted, or the
/// corpus no longer reaches past the parser.
fn replay(target: &str, entry: Entry) {
    let inputs = inputs(target);
    assert!(
        !inputs.is_empty(),
        "fuzz/corpus/{target} holds the seed corpus"
    );
    let mut accepted = 0;
    for path in &inputs {
        let data = match std::fs::read(path) {
            Ok(data) => data,
            // A fuzzer running beside the tests replaces corpus files as it minimizes them.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => panic!("{}: {error}", path.display()),
        };
        match entry(&data) {
            Ok(()) => accepted += 1,
            Err(error) => assert!(
                !error.0.trim().is_empty(),
                "{} was rejected without saying why",
                path.display()
            ),
        }
    }
    assert!(
        accepted > 0,
        "{target}: none of the {} inputs is accepted",
        inputs.len()
    );
}

#[test]
fn the_config_event_corpus_replays_without_panics() {
    replay("config_event", fuzzing::config_event);
}

#[test]
fn the_configuration_item_corpus_replays_without_panics() {
    replay("configuration_item", fuzzing::configuration_item);
}

#[test]
fn the_policy_corpus_replays_without_panics() {
    replay("policy", fuzzing::policy);
}

#[test]
fn a_rejected_input_says_why() {
    assert!(fuzzing::config_event(b"").unwrap_err().0.contains("empty"));
    let error = fuzzing::config_event(b"\x01not json").unwrap_err();
    assert!(error.0.contains("invokingEvent"), "{error}");
    assert!(fuzzing::policy(b"{\"Statement\": 5}").is_err());
    assert!(fuzzing::configuration_item(b"[]").is_err());
}

#[cfg(feature = "template")]
#[test]
fn the_template_corpus_replays_without_panics() {
    replay("template", fuzzing::template);
}

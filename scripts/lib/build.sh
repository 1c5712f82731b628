# The one debug build the scripts share: the tests, the demo, the runtime and template tests.
# Source it, then call `sec2_build`: it builds every workspace target with the tests' features
# (the fuzz entry points; the dev-dependencies' SDK test utilities) and exports SEC2_BIN_DIR, the
# directory of the binaries (`sec2` and each rule function). Building one package alone
# (`cargo build -p`, or `cargo lambda watch` building a function) resolves other features and
# compiles the AWS SDK crates again. `cargo test "${sec2_build_args[@]}"` runs on this build.
sec2_build_args=(--workspace --all-targets --locked --features sec2-shared/fuzzing)

sec2_build() {
  cargo test "${sec2_build_args[@]}" --no-run --quiet
  SEC2_BIN_DIR="$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug"
  export SEC2_BIN_DIR
}

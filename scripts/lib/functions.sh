# The rule functions under the Lambda runtime protocol, run as Lambda runs a bootstrap: cargo
# lambda's Runtime API emulator (`cargo lambda watch --only-lambda-apis`) on a free 127.0.0.1
# port, and each function's binary from sec2_build (scripts/lib/build.sh) polling it for
# invocations, with Lambda's reserved variables. Source it, then:
#   functions_start LOG VARIABLES FUNCTION...  VARIABLES: the functions' own, NAME=VALUE,...;
#                                              their output and the emulator's go to LOG
#   functions_invoke FUNCTION ARGS...          `cargo lambda invoke FUNCTION ARGS...` against it
#   functions_alive                            fails, printing LOG, when a process has exited
#   functions_ready FUNCTION EVENT-FILE        waits until FUNCTION answers EVENT-FILE (best one
#                                              that makes no reads, such as a deleted resource's)
#   functions_stop                             stops them (call it from the caller's EXIT trap)
# Requires ./scripts/setup (cargo-lambda in .venv) and sec2_build.

functions_start() {
  local log=$1 variables=$2 function
  shift 2
  : "${SEC2_BIN_DIR:?call sec2_build first (scripts/lib/build.sh)}"
  FUNCTIONS_LOG=$log
  FUNCTIONS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  FUNCTIONS_PIDS=()
  cargo lambda watch --only-lambda-apis --invoke-address 127.0.0.1 --invoke-port "$FUNCTIONS_PORT" >>"$log" 2>&1 &
  FUNCTIONS_PIDS+=($!)
  # A bootstrap whose first poll finds no Runtime API exits, as it would on Lambda.
  local tries=0
  until python3 -c "import socket; socket.create_connection(('127.0.0.1', $FUNCTIONS_PORT), timeout=1)" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -le 300 ] && kill -0 "${FUNCTIONS_PIDS[0]}" 2>/dev/null ||
      { echo "cargo lambda watch did not start:"; cat "$log"; return 1; }
    sleep 0.1
  done
  for function in "$@"; do
    (
      IFS=, read -ra pairs <<<"$variables"
      exec env "${pairs[@]}" \
        AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$FUNCTIONS_PORT/.rt/$function" \
        AWS_LAMBDA_FUNCTION_NAME="$function" AWS_LAMBDA_FUNCTION_VERSION='$LATEST' \
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 "$SEC2_BIN_DIR/$function"
    ) >>"$log" 2>&1 &
    FUNCTIONS_PIDS+=($!)
  done
}

functions_invoke() {
  local function=$1
  shift
  # A function that died leaves its invocation waiting: bound it as Lambda bounds a run.
  timeout 300 cargo lambda invoke "$function" --invoke-address 127.0.0.1 --invoke-port "$FUNCTIONS_PORT" "$@"
}

functions_alive() {
  local pid
  for pid in "${FUNCTIONS_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a rule function or the Runtime API exited:"; cat "$FUNCTIONS_LOG"; return 1; }
  done
}

functions_ready() {
  local function=$1 event=$2
  for _ in $(seq 1 100); do
    functions_invoke "$function" --data-file "$event" >/dev/null 2>&1 && return 0
    functions_alive || return 1
    sleep 0.2
  done
  echo "$function did not answer $event:"; cat "$FUNCTIONS_LOG"; return 1
}

functions_stop() {
  local pid
  for pid in "${FUNCTIONS_PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  FUNCTIONS_PIDS=()
}

# Starts and stops moto's server on a free 127.0.0.1 port. Source it, then:
#   moto_start   exports SEC2_MOTO_ENDPOINT and AWS_* for the emulator, starts recording requests
#   moto_stop    (registered on EXIT by moto_start)
# Requires ./scripts/setup to have run.

moto_start() {
  local root port log
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  port=$("$root/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  MOTO_WORKDIR=$(mktemp -d)
  log="$MOTO_WORKDIR/moto.log"
  MOTO_RECORDER_FILEPATH="$MOTO_WORKDIR/recording.jsonl" MOTO_IAM_LOAD_MANAGED_POLICIES=true \
    "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  trap moto_stop EXIT
  export SEC2_MOTO_ENDPOINT="http://127.0.0.1:$port"
  local tries=0
  until "$root/.venv/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('$SEC2_MOTO_ENDPOINT/moto-api/', timeout=1)" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "moto: the server did not start; its log:" >&2; cat "$log" >&2; return 1
    fi
    sleep 0.2
  done
  "$root/.venv/bin/python" "$root/scripts/lib/recording.py" restart "$SEC2_MOTO_ENDPOINT"
  # Lambda's Invoke is answered without running the function (moto would need Docker): the
  # functions run under cargo lambda, and a test reads what Invoke was sent from the recording.
  "$root/.venv/bin/python" -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$SEC2_MOTO_ENDPOINT/moto-api/config', data=b'{\"lambda\": {\"use_docker\": false}}', method='POST'), timeout=5)"
  export AWS_ENDPOINT_URL="$SEC2_MOTO_ENDPOINT" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
  echo "moto: listening on $SEC2_MOTO_ENDPOINT" >&2
}

moto_stop() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=
  fi
  [ -n "${MOTO_WORKDIR:-}" ] && rm -rf "$MOTO_WORKDIR"
}

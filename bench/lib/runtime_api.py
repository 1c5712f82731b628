"""A Lambda Runtime API emulator for one cold start at a time, with a clock and a memory gauge.

It serves the Runtime API's invocation endpoints (next, response, error and init error, as
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html specifies) on 127.0.0.1, starts a
function's `bootstrap` the way Lambda does (AWS_LAMBDA_RUNTIME_API and the reserved variables),
hands it one event and measures:

- init_ms: process start to the function's first `GET /invocation/next`, Lambda's Init phase;
- first_ms: process start to the posted response, that is to its first evaluation reported
  (the rule functions answer only after PutEvaluations returned);
- peak_rss_mb: the process's peak resident memory, VmHWM from /proc once it has answered
  (not wait4's ru_maxrss, which counts the Python process the child was forked from).
"""

import http.server
import json
import os
import subprocess
import threading
import time
import uuid


class _Invocation:
    def __init__(self, event, timeout_s):
        self.event = json.dumps(event).encode()
        self.timeout_s = timeout_s
        self.request_id = str(uuid.uuid4())
        self.served = False
        self.next_at = None
        self.done_at = None
        self.result = None
        self.error = None
        self.done = threading.Event()


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 without a request log, and one way to answer."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def _reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _next_headers(request_id, timeout_s, event=b""):
    """The headers of a `GET /invocation/next` answer, as Lambda sends them. The function runs
    in the account whose AWS Config sent the event (its `accountId`; moto's otherwise), as a
    stack deployed in that account does: the rule functions refuse another account's event
    that names no member role."""
    try:
        account = json.loads(event).get("accountId") or "123456789012"
    except (ValueError, AttributeError):
        account = "123456789012"
    return [
        ("Content-Type", "application/json"),
        ("Lambda-Runtime-Aws-Request-Id", request_id),
        ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000 + timeout_s * 1000))),
        ("Lambda-Runtime-Invoked-Function-Arn", f"arn:aws:lambda:us-east-1:{account}:function:sec2-bench"),
        ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
    ]


def _lambda_env(port, env):
    """The environment Lambda gives a function's `bootstrap`, with the Runtime API on `port`."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "sec2-bench",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "WARN",
        **env,
    }


def _handler(invocation):
    class Handler(QuietHandler):
        def do_GET(self):
            if not self.path.endswith("/runtime/invocation/next"):
                return self._reply(404)
            if invocation.next_at is None:
                invocation.next_at = time.monotonic_ns()
            if invocation.served:
                # One invocation per cold start: hold the runtime here until it is stopped.
                invocation.done.wait(60)
                time.sleep(60)
                return
            invocation.served = True
            self._reply(200, invocation.event,
                        _next_headers(invocation.request_id, invocation.timeout_s, invocation.event))

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_POST(self):
            body = self._body()
            if self.path.endswith("/response"):
                invocation.result = body.decode(errors="replace")
            elif self.path.endswith("/error"):
                invocation.error = body.decode(errors="replace")
            else:
                invocation.error = f"{self.path}: {body.decode(errors='replace')}"
            invocation.done_at = time.monotonic_ns()
            self._reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])
            invocation.done.set()

    return Handler


def cold_start(binary, event, env, timeout_s=900, error_is_an_answer=False):
    """Runs `binary` for one invocation of `event` under the Runtime API; returns the figures."""
    invocation = _Invocation(event, timeout_s)
    server = _QuietServer(("127.0.0.1", 0), _handler(invocation))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    child_env = _lambda_env(server.server_address[1], env)
    started = time.monotonic_ns()
    process = subprocess.Popen([binary], env=child_env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    finished = invocation.done.wait(timeout_s)
    peak_rss_kb = _peak_rss_kb(process.pid)
    process.kill()
    process.wait()
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    server.shutdown()
    server.server_close()
    if not finished or (invocation.error is not None and not error_is_an_answer):
        raise RuntimeError(f"{binary} did not answer: {invocation.error or 'timed out'}\n{stderr[-2000:]}")
    return {
        "init_ms": (invocation.next_at - started) / 1e6,
        "first_ms": (invocation.done_at - started) / 1e6,
        "peak_rss_mb": peak_rss_kb / 1024,
        "result": json.loads(invocation.result) if invocation.result else None,
        "error": invocation.error,
    }


def _peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


class PeakRss:
    """Follows a running process's VmHWM until it exits (the last reading before exit is kept;
    the peak of the final few milliseconds could be missed, never over-counted)."""

    def __init__(self, pid, interval_s=0.02):
        self.kb = 0
        self._pid = pid
        self._interval_s = interval_s
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def _follow(self):
        while True:
            try:
                self.kb = max(self.kb, _peak_rss_kb(self._pid))
            except (OSError, RuntimeError, ValueError):
                return
            time.sleep(self._interval_s)

    def mb(self):
        self._thread.join(timeout=1)
        return self.kb / 1024


class WarmRuntime:
    """One `bootstrap` process kept warm under the Runtime API: `invoke(event)` hands it the next
    event and waits for its answer, as Lambda does for a warm container. Each invocation's
    `handed_ns` is when the event left `GET /invocation/next` (time.monotonic_ns)."""

    def __init__(self, binary, env, timeout_s=300):
        import queue
        self._events = queue.Queue()
        self._answers = queue.Queue()
        self.timeout_s = timeout_s
        runtime = self

        class Handler(QuietHandler):
            # One segment per response, sent at once: headers and body written separately meet
            # the client's delayed ACK and add 40 ms that are the stub's, not the function's.
            wbufsize = -1
            disable_nagle_algorithm = True

            def do_GET(self):
                if not self.path.endswith("/runtime/invocation/next"):
                    return self._reply(404)
                event = runtime._events.get()
                if event is None:
                    return
                runtime.handed_ns = time.monotonic_ns()
                body = json.dumps(event).encode()
                self._reply(200, body, _next_headers(str(uuid.uuid4()), runtime.timeout_s, body))

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode(errors="replace") if length else ""
                done_ns = time.monotonic_ns()
                self._reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])
                failed = not self.path.endswith("/response")
                runtime._answers.put((done_ns, None if failed else body, body if failed else None))

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        child_env = _lambda_env(self._server.server_address[1], env)
        self.started_ns = time.monotonic_ns()
        self.handed_ns = None
        self._process = subprocess.Popen([binary], env=child_env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)

    def invoke(self, event):
        """Hands `event` to the function; returns (handed_ns, done_ns, result, error)."""
        import queue
        self._events.put(event)
        try:
            done_ns, result, error = self._answers.get(timeout=self.timeout_s)
        except queue.Empty:
            raise RuntimeError(f"no answer within {self.timeout_s} s") from None
        return self.handed_ns, done_ns, result, error

    def stop(self):
        self._process.kill()
        self._process.wait()
        self._events.put(None)
        self._server.shutdown()
        self._server.server_close()


def cold_figures(samples):
    """Cold starts' figures as the bench reports them: median times, the largest memory."""
    import statistics
    return {
        "init_ms": statistics.median(s["init_ms"] for s in samples),
        "first_ms": statistics.median(s["first_ms"] for s in samples),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in samples),
    }


def warm_median_ms(binary, event, env, runs=10, timeout_s=120):
    """The median time of `runs` invocations of `event` in one warm process (after a first,
    cold one), as Lambda reuses a container: what most evaluations cost."""
    import statistics
    warm = WarmRuntime(binary, env, timeout_s=timeout_s)
    try:
        warm.invoke(event)
        times = []
        for _ in range(runs):
            handed, done, _result, _error = warm.invoke(event)
            times.append((done - handed) / 1e6)
    finally:
        warm.stop()
    return statistics.median(times)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The runtime's held `next` request breaks when the process is stopped; that is the end
        # of the measurement, not an error.
        pass


def aws_env(endpoint):
    """What points the AWS SDK at the emulator, with the credentials moto accepts."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }

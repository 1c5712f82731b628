"""Cold start, size and API calls of each rule function's release `bootstrap`.

Usage: cold_start.py ENDPOINT BIN_DIR EVENTS_DIR RUNS OUT.json RULES.json

Each function is started RUNS times under the Runtime API emulator (runtime_api.py) with one
Config event built from the seeded sample app; the figures are medians, the memory the maximum.
The last run is recorded by moto, and its calls are counted per operation and sent again by a
plain HTTP client (round_trip_ms): the emulator's own time for the calls, which the function's
first evaluation and warm invocation are compared with.
"""

import glob
import http.client
import io
import json
import os
import statistics
import sys
import time
import urllib.parse
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import recording  # noqa: E402
import runtime_api  # noqa: E402

endpoint, bin_dir, events_dir, runs, out, rules_json = sys.argv[1:7]
# The rules' names, from the registry (`sec2 rules --format json`, which bench/run writes).
with open(rules_json) as listing:
    RULES = [rule["name"] for rule in json.load(listing)]
runs = int(runs)

AWS_ENV = runtime_api.aws_env(endpoint)


def event_for(pattern):
    matches = sorted(glob.glob(os.path.join(events_dir, pattern)))
    if not matches:
        raise SystemExit(f"cold_start: no event matches {pattern} in {events_dir}")
    with open(matches[0]) as handle:
        return os.path.basename(matches[0]), json.load(handle)


def reevaluate_event():
    path = os.path.join(os.path.dirname(__file__), "../../events/reevaluate/iam-put-role-policy.json")
    with open(path) as handle:
        return "iam-put-role-policy.json", json.load(handle)


# (function, event, what the event is, extra environment). moto has no
# StartConfigRulesEvaluation, so reevaluate's first answer is the error it reports for that call;
# nor GetComplianceDetailsByConfigRule, so guardrails' run answers, after reporting every account,
# with the error that stale results could not be retired.
CASES = [
    ("resource-policies", *event_for("resource-policies--Queue--*.json"),
     "an SQS queue whose policy Config records", {}),
    ("temporary-credentials", *event_for("temporary-credentials--Function--airline-payment.json"),
     "a function with a secret and a shared role", {}),
    ("least-privilege", *event_for("least-privilege--Function--airline-payment.json"),
     "a function whose role holds AdministratorAccess", {}),
    ("network-controls", *event_for("network-controls--Function--airline-payment.json"),
     "a function in a VPC with open egress", {}),
    ("guardrails", *event_for("guardrails--scheduled.json"),
     "the daily run over the seeded organization", {}),
    ("reevaluate", *reevaluate_event(), "a CloudTrail PutRolePolicy event",
     # The warm runs hand the same event again: the per-caller bound would hold each a minute.
     {"CONFIG_RULE_NAMES": ",".join(f"{rule}=sec2-{rule}" for rule in RULES),
      "CALLER_SPACING_SECONDS": "0"}),
]


def zipped_size(path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.write(path, "bootstrap")
    return len(buffer.getvalue())


def round_trip_ms(endpoint, entries, repeats=10):
    """The emulator's time for a run's calls: each recorded request sent again, in order, on one
    new keep-alive connection (a cold function opens one too) by a client that does nothing else;
    the median of `repeats` replays. The requests are the run's own, signature and body, so moto
    does the same work for them (reads, and PutEvaluations in test mode)."""
    address = urllib.parse.urlsplit(endpoint)
    skipped = {"content-length", "connection", "transfer-encoding"}
    totals = []
    for _ in range(repeats):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        began = time.perf_counter()
        for entry in entries:
            url = urllib.parse.urlsplit(entry.get("url", ""))
            target = url.path + (f"?{url.query}" if url.query else "")
            headers = {k: v for k, v in (entry.get("headers") or {}).items() if k.lower() not in skipped}
            connection.request(entry.get("method", "GET"), target, body=recording.raw_body(entry),
                               headers=headers)
            connection.getresponse().read()
        totals.append((time.perf_counter() - began) * 1000)
        connection.close()
    return statistics.median(totals)


# The functions whose runs reach calls moto fails (above), which the SDK retries with back-off:
# their error is their answer, and their times are no measure against the emulator's round trip.
EMULATOR_FAILS_CALLS = ("reevaluate", "guardrails")
WARM_RUNS = 10
results = []
for function, event_name, event, description, env in CASES:
    binary = os.path.join(bin_dir, function)
    samples = []
    for run in range(runs):
        if run == runs - 1:
            recording.reset(endpoint)
        samples.append(runtime_api.cold_start(binary, event, {**AWS_ENV, **env}, timeout_s=120,
                                              error_is_an_answer=function in EMULATOR_FAILS_CALLS))
    per_operation, repeated = recording.summary(recording.calls(endpoint))
    round_trip = round_trip_ms(endpoint, recording.entries(endpoint))
    warm_ms = runtime_api.warm_median_ms(binary, event, {**AWS_ENV, **env}, WARM_RUNS)
    results.append({
        "function": function,
        "event": event_name,
        "description": description,
        "runs": runs,
        **runtime_api.cold_figures(samples),
        "warm_ms": warm_ms,
        "round_trip_ms": round_trip,
        "emulator_fails_calls": function in EMULATOR_FAILS_CALLS,
        "size_mb": os.path.getsize(binary) / 1e6,
        "zipped_mb": zipped_size(binary) / 1e6,
        "calls": dict(per_operation),
        "repeated": repeated,
        "result": samples[-1]["result"],
    })
    print(f"cold start: {function}: init {results[-1]['init_ms']:.1f} ms, first evaluation "
          f"{results[-1]['first_ms']:.1f} ms, warm {results[-1]['warm_ms']:.1f} ms, "
          f"emulator round trip {round_trip:.1f} ms, "
          f"{results[-1]['peak_rss_mb']:.1f} MB, calls "
          f"{dict(per_operation)}", file=sys.stderr)

with open(out, "w") as handle:
    json.dump(results, handle, indent=2)

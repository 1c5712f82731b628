"""The Python peers a user would pick instead, measured as the rule functions are: started under
the same Runtime API emulator with the same Config event, against the same emulator.

Usage: peers.py ENDPOINT PEERS_VENV EVENTS_DIR RUNS WORK_DIR OUT.json

Cloud Custodian's config-rule mode (the handler c7n deploys: c7n.handler.dispatch_event over a
config.json holding the policy) judges the sample app's queue with its `cross-account` filter,
as resource-policies does, through the AWS runtime interface client (awslambdaric) a Python
function in a custom runtime runs under. moto accepts PutEvaluations only in test mode, which
c7n does not ask for: its answer is the refusal of that last call, after the evaluation is made
(one attempt, AWS_MAX_ATTEMPTS=1, so no retry backoff is counted). The figures: init (process
start to the first /next), first evaluation, a warm invocation (median of 10) and peak RSS.
"""

import glob
import json
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(__file__))
import runtime_api  # noqa: E402

endpoint, venv, events_dir, runs, work, out = sys.argv[1:7]
runs = int(runs)
ACCOUNT = "111122223333"


def event_for(pattern):
    matches = sorted(glob.glob(os.path.join(events_dir, pattern)))
    if not matches:
        raise SystemExit(f"peers: no event matches {pattern} in {events_dir}")
    with open(matches[0]) as handle:
        return os.path.basename(matches[0]), json.load(handle)


def custodian(directory):
    """A c7n config-rule function as c7n packages one: config.json and a handler module."""
    os.makedirs(directory, exist_ok=True)
    policy = {
        "execution-options": {"account_id": ACCOUNT, "metrics_enabled": False},
        "policies": [{
            "name": "sqs-cross-account",
            "resource": "aws.sqs",
            "mode": {"type": "config-rule"},
            "filters": ["cross-account"],
        }],
    }
    with open(os.path.join(directory, "config.json"), "w") as handle:
        json.dump(policy, handle)
    with open(os.path.join(directory, "custodian_policy.py"), "w") as handle:
        handle.write("from c7n import handler\n\n\ndef run(event, context):\n"
                     "    return handler.dispatch_event(event, context)\n")
    bootstrap = os.path.join(directory, "bootstrap")
    with open(bootstrap, "w") as handle:
        # exec: the measured process is the interpreter itself.
        handle.write(f"#!/bin/sh\ncd '{directory}'\n"
                     f"exec '{venv}/bin/python' -m awslambdaric custodian_policy.run\n")
    os.chmod(bootstrap, os.stat(bootstrap).st_mode | stat.S_IXUSR)
    return bootstrap


CASES = [
    ("c7n config-rule (sqs cross-account)", "resource-policies",
     custodian(os.path.join(work, "c7n")), *event_for("resource-policies--Queue--*.json")),
]
ENV = {**runtime_api.aws_env(endpoint), "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard",
       "AWS_DEFAULT_REGION": "us-east-1", "C7N_DEBUG_EVENT": "no"}

results = []
for peer, ours, bootstrap, event_name, event in CASES:
    samples = [runtime_api.cold_start(bootstrap, event, ENV, timeout_s=120, error_is_an_answer=True)
               for _ in range(runs)]
    warm_ms = runtime_api.warm_median_ms(bootstrap, event, ENV)
    results.append({
        "peer": peer,
        "ours": ours,
        "event": event_name,
        **runtime_api.cold_figures(samples),
        "warm_ms": warm_ms,
        "answer": samples[-1]["error"] or samples[-1]["result"],
    })
    print(f"peers: {peer}: init {results[-1]['init_ms']:.1f} ms, first evaluation "
          f"{results[-1]['first_ms']:.1f} ms, warm {results[-1]['warm_ms']:.1f} ms, "
          f"{results[-1]['peak_rss_mb']:.1f} MB; answered {str(results[-1]['answer'])[:200]}",
          file=sys.stderr)

with open(out, "w") as handle:
    json.dump(results, handle, indent=2)

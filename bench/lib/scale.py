"""Periodic runs and `sec2 scan` over many seeded functions, each with its own role.

Usage: scale.py ENDPOINT BIN_DIR SEC2 N OUT.json

Seeds functions (with roles) until the account holds N, then measures the temporary-credentials
and least-privilege periodic runs under the Runtime API emulator and `sec2 scan` of both rules:
wall time, peak memory and the API calls moto recorded. Each role trusts Lambda, holds one inline
policy and has AWSLambdaBasicExecutionRole attached, as SAM gives every function, so the
runs show whether a managed policy shared by every role is read once or N times.
"""

import io
import json
import os
import subprocess
import sys
import time
import zipfile

import boto3

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib"))
import recording  # noqa: E402
import runtime_api  # noqa: E402

endpoint, bin_dir, sec2, n, out = sys.argv[1:6]
n = int(n)
ACCOUNT = "123456789012"
AWS_ENV = runtime_api.aws_env(endpoint)
session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name="us-east-1")
iam = session.client("iam", endpoint_url=endpoint)
lam = session.client("lambda", endpoint_url=endpoint)

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]})
TABLE_ACCESS = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
    "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"}]})
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def code():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    return buffer.getvalue()


CODE = code()


def seed(index):
    name = f"scale-fn-{index:05d}"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="orders", PolicyDocument=TABLE_ACCESS)
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC)
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=role,
                        Handler="bootstrap", Code={"ZipFile": CODE},
                        Environment={"Variables": {"TABLE": "orders", "LOG_LEVEL": "INFO"}})


def seeded():
    count, marker = 0, None
    while True:
        page = lam.list_functions(**({"Marker": marker} if marker else {}))
        count += sum(1 for f in page["Functions"] if f["FunctionName"].startswith("scale-fn-"))
        marker = page.get("NextMarker")
        if not marker:
            return count


have = seeded()
started = time.monotonic()
# One at a time: moto finds a role by iterating over all of them, which fails with a 500
# ("dictionary changed size during iteration") when another thread creates one meanwhile.
for index in range(have, n):
    seed(index)
print(f"scale: seeded {n - have} functions and roles in {time.monotonic() - started:.0f} s "
      f"({n} in the account)", file=sys.stderr)

SCHEDULED = {
    "version": "1.0",
    "invokingEvent": json.dumps({"messageType": "ScheduledNotification", "awsAccountId": ACCOUNT,
                                 "notificationCreationTime": "2026-12-02T00:00:00.000Z"}),
    "ruleParameters": "{}",
    "resultToken": "TESTMODE",
    "eventLeftScope": False,
    "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
    # No configRuleName: moto has no GetComplianceDetailsByConfigRule, so the run retires
    # nothing (in AWS that adds one call per 100 earlier results).
    "accountId": ACCOUNT,
}


def measured(run):
    recording.reset(endpoint)
    figures = run()
    per_operation, repeated = recording.summary(recording.calls(endpoint))
    return {**figures, "calls": dict(per_operation), "repeated": repeated}


# moto answers IAM Access Advisor (GenerateServiceLastAccessedDetails) with a 500, which the
# SDK's standard mode would retry twice with backoff for every role; one attempt measures our
# code rather than the emulator's gap (in AWS each role's report is a job polled until ready).
NO_RETRIES = {"least-privilege": {"AWS_MAX_ATTEMPTS": "1"}}


def periodic(function):
    def run():
        figures = runtime_api.cold_start(os.path.join(bin_dir, function), SCHEDULED,
                                         {**AWS_ENV, **NO_RETRIES.get(function, {})},
                                         timeout_s=900)
        return {"wall_s": figures["first_ms"] / 1000, "peak_rss_mb": figures["peak_rss_mb"],
                "result": figures["result"]}
    return run


# The rules with a periodic run (every function, grouped by role), from the registry.
PERIODIC = [rule["function"] for rule in json.loads(subprocess.run(
    [sec2, "rules", "--format", "json"], check=True, capture_output=True, text=True).stdout)
    if "AWS::Lambda::Function" in rule["triggers"]["periodic"]
    and not rule["triggers"]["periodic_from_config"]]


def scan():
    started = time.monotonic()
    process = subprocess.Popen(
        [sec2, "scan", "--rules", ",".join(PERIODIC), "--format", "json"],
        # One attempt at each Access Advisor report, as for the periodic runs (NO_RETRIES).
        env={**os.environ, **AWS_ENV, "AWS_MAX_ATTEMPTS": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak = runtime_api.PeakRss(process.pid)
    output = process.stdout.read()
    status = process.wait()
    wall = time.monotonic() - started
    report = json.loads(output)
    return {"wall_s": wall, "peak_rss_mb": peak.mb(), "exit_status": status,
            "verdicts": len(report)}


results = {"functions": n}
for function in PERIODIC:
    results[function] = measured(periodic(function))
    print(f"scale: {function} periodic over {n}: {results[function]['wall_s']:.1f} s, "
          f"{results[function]['peak_rss_mb']:.1f} MB, {results[function]['calls']}", file=sys.stderr)
results["scan"] = measured(scan)
print(f"scale: sec2 scan over {n}: {results['scan']['wall_s']:.1f} s, "
      f"{results['scan']['peak_rss_mb']:.1f} MB, {results['scan']['calls']}", file=sys.stderr)

with open(out, "w") as handle:
    json.dump(results, handle, indent=2)

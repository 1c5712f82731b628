"""How soon a change's rules are started: the reevaluate release `bootstrap` under the Runtime
API emulator, handed each sample CloudTrail event in events/reevaluate/ (stamped with the time it
is handed, as CloudTrail stamps a change), against a stub AWS endpoint on 127.0.0.1 that answers
config:StartConfigRulesEvaluation (moto lacks it) and notes when each start arrives.

Usage: freshness.py BOOTSTRAP EVENTS_DIR RULES OUT.json   (RULES: comma-separated rule names)

Measured on the bench's monotonic clock, from the event leaving the Runtime API's
`/invocation/next` to the start request reaching the endpoint:
- cold: process start to the first start (the container's Init included);
- warm, account scope: every sample event, one warm container, grouped by event source;
- refused once: the first start answered LimitExceededException (an evaluation running), so the
  rule is started after the backoff;
- organization scope: a member account's change (sts:AssumeRole into the member role,
  config:DescribeConfigRules to find the organization rules' instances, then the start), first
  and warm.
CloudTrail's own delivery to EventBridge (AWS's, typically minutes at worst) is not on this clock.
"""

import datetime
import glob
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import runtime_api  # noqa: E402

binary, events_dir, rule_list, out = sys.argv[1:5]
RULES = rule_list.split(",")
OWN, MEMBER = "111122223333", "444455556666"


class Endpoint:
    """The stub AWS endpoint: STS (GetCallerIdentity, AssumeRole) and Config (DescribeConfigRules,
    StartConfigRulesEvaluation), each start noted with its arrival time and account."""

    def __init__(self):
        self.starts = []
        self.refuse = 0
        endpoint = self

        class Handler(runtime_api.QuietHandler):
            # One segment per response, sent at once: headers and body written separately meet
            # the client's delayed ACK and add 40 ms that are the stub's, not the function's.
            wbufsize = -1
            disable_nagle_algorithm = True

            def _answer(self, status, body, content_type):
                self._reply(status, body.encode(), [("Content-Type", content_type)])

            def do_POST(self):
                arrived = time.monotonic_ns()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                target = self.headers.get("X-Amz-Target", "")
                key = self.headers.get("Authorization", "").split("Credential=")[-1].split("/")[0]
                account = MEMBER if key == f"ASIA{MEMBER}" else OWN
                if target.endswith(".StartConfigRulesEvaluation"):
                    if endpoint.refuse:
                        endpoint.refuse -= 1
                        return self._answer(400, json.dumps({
                            "__type": "LimitExceededException",
                            "message": "an evaluation of the rule is in progress"}),
                            "application/x-amz-json-1.1")
                    endpoint.starts.append((arrived, account, json.loads(body)["ConfigRuleNames"]))
                    return self._answer(200, "{}", "application/x-amz-json-1.1")
                if target.endswith(".DescribeConfigRules"):
                    rules = [{"ConfigRuleName": f"OrgConfigRule-sec2-{rule}-k3jd8a1q",
                              "Source": {"Owner": "CUSTOM_LAMBDA",
                                         "SourceIdentifier": f"arn:aws:lambda:us-east-1:{OWN}:function:sec2-rules-{rule}"}}
                             for rule in RULES]
                    return self._answer(200, json.dumps({"ConfigRules": rules}), "application/x-amz-json-1.1")
                action = urllib.parse.parse_qs(body).get("Action", [""])[0]
                if action == "GetCallerIdentity":
                    return self._answer(200, _sts("GetCallerIdentity", f"""
    <Arn>arn:aws:sts::{OWN}:assumed-role/sec2-rules-ReevaluateRole-A1B2C3/sec2-rules-reevaluate</Arn>
    <UserId>AROAEXAMPLE:sec2-rules-reevaluate</UserId><Account>{OWN}</Account>"""), "text/xml")
                if action == "AssumeRole":
                    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
                    return self._answer(200, _sts("AssumeRole", f"""
    <Credentials><AccessKeyId>ASIA{MEMBER}</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
    <SessionToken>token</SessionToken><Expiration>{expires:%Y-%m-%dT%H:%M:%SZ}</Expiration></Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::{MEMBER}:assumed-role/sec2-rules-member/sec2-reevaluate</Arn>
    <AssumedRoleId>AROAEXAMPLE:sec2-reevaluate</AssumedRoleId></AssumedRoleUser>"""), "text/xml")
                return self._answer(400, json.dumps({"__type": "UnknownOperationException"}),
                                   "application/x-amz-json-1.1")

        self._server = runtime_api._QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def starts_between(self, begin_ns, end_ns):
        return [start for start in self.starts if begin_ns <= start[0] <= end_ns]

    def close(self):
        self._server.shutdown()
        self._server.server_close()


def _sts(action, result):
    return (f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<{action}Result>{result}</{action}Result>"
            f"<ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></{action}Response>")


def stamped(event, account=None):
    """The event as CloudTrail would deliver it for a change made now (in `account`)."""
    now = f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ}"
    event = json.loads(json.dumps(event))
    event["time"] = now
    event["detail"]["eventTime"] = now
    if account:
        event["account"] = account
        event["detail"]["recipientAccountId"] = account
    return event


def load_events():
    events = []
    for path in sorted(glob.glob(os.path.join(events_dir, "*.json"))):
        with open(path) as handle:
            events.append((os.path.basename(path), json.load(handle)))
    if not events:
        raise SystemExit(f"freshness: no events in {events_dir}")
    return events


def run(runtime, endpoint, event, account=None):
    """Hands the event; returns ms from handing to the last start it made, and the starts."""
    handed, done, _result, error = runtime.invoke(stamped(event, account))
    starts = endpoint.starts_between(handed, done)
    if error or not starts:
        raise SystemExit(f"freshness: {event['detail']['eventName']} started nothing: {error}")
    return (starts[-1][0] - handed) / 1e6, starts


endpoint = Endpoint()
# Every sample event comes from one caller, stamped as it is handed over: with the per-caller
# bound (one start per rule a minute) each would wait out the minute. The bench times the path
# from event to start, so the bound is off here (CALLER_SPACING_SECONDS=0); the bound itself is
# tested in shared/tests/library/reevaluate.rs.
env = {**runtime_api.aws_env(endpoint.url),
       "CONFIG_RULE_NAMES": ",".join(f"{rule}=sec2-{rule}" for rule in RULES),
       "CALLER_SPACING_SECONDS": "0"}
events = load_events()
first_name, first_event = events[0]
results = {"families": {}, "events": len(events)}

# Account scope: a cold container, then every event warm, then a refused start.
runtime = runtime_api.WarmRuntime(binary, env)
try:
    handed, done, _result, error = runtime.invoke(stamped(first_event))
    starts = endpoint.starts_between(runtime.started_ns, done)
    if error or not starts:
        raise SystemExit(f"freshness: the cold start started nothing: {error}")
    results["cold_ms"] = (starts[-1][0] - runtime.started_ns) / 1e6
    for name, event in events:
        ms, _ = run(runtime, endpoint, event)
        results["families"].setdefault(event["detail"]["eventSource"], []).append(ms)
    endpoint.refuse = 1
    results["refused_once_ms"], _ = run(runtime, endpoint, first_event)
finally:
    runtime.stop()

# Organization scope: a member account's change, first and warm.
runtime = runtime_api.WarmRuntime(binary, {**env, "EXECUTION_ROLE_NAME": "sec2-rules-member"})
try:
    member_ms = []
    for name, event in events:
        ms, starts = run(runtime, endpoint, event, MEMBER)
        if any(account != MEMBER or not all(rule.startswith("OrgConfigRule-") for rule in rules)
               for _, account, rules in starts):
            raise SystemExit(f"freshness: {name} was not started as the member's instance: {starts}")
        member_ms.append(ms)
    results["organization_first_ms"] = member_ms[0]
    results["organization_warm_ms"] = member_ms[1:]
finally:
    runtime.stop()
    endpoint.close()

with open(out, "w") as handle:
    json.dump(results, handle)
for source, times in sorted(results["families"].items()):
    print(f"freshness: {source}: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms",
          file=sys.stderr)

"""moto's request recorder, read in one place for every script: which AWS API operations a run
called (and which it repeated), and what the rule functions sent to PutEvaluations.

  recording.py restart ENDPOINT      start a fresh recording (what is recorded from now on counts)
"""

import base64
import json
import re
import urllib.parse
import urllib.request
from collections import Counter

# REST services name their operations by method and path; these are the ones the rules call.
_REST_OPERATIONS = [
    ("GET", r"^/2015-03-31/functions/?$", "lambda:ListFunctions"),
    ("GET", r"^/2015-03-31/functions/[^/]+/configuration$", "lambda:GetFunctionConfiguration"),
    ("GET", r"^/2015-03-31/functions/[^/]+/policy$", "lambda:GetPolicy"),
    ("GET", r"^/2021-10-31/functions/[^/]+/url$", "lambda:GetFunctionUrlConfig"),
    ("GET", r"^/2017-03-31/tags/.+$", "lambda:ListTags"),
    ("GET", r"^/2015-03-31/functions/[^/]+$", "lambda:GetFunction"),
    ("GET", r"^/restapis/?$", "apigateway:GetRestApis"),
    ("GET", r"^/restapis/[^/]+/stages/?$", "apigateway:GetStages"),
    ("GET", r"^/restapis/[^/]+/stages/[^/]+$", "apigateway:GetStage"),
    ("GET", r"^/restapis/[^/]+$", "apigateway:GetRestApi"),
]


# X-Amz-Target prefixes that are not the IAM service prefix.
_TARGET_PREFIXES = {"StarlingDoveService": "config", "AWSEvents": "events", "AmazonSQS": "sqs",
                    "DynamoDB": "dynamodb", "AWSWAF": "wafv2"}


def raw_body(entry):
    """The request's body as it was sent."""
    body = entry.get("body") or ""
    return base64.b64decode(body) if entry.get("body_encoded") else body.encode()


def body(entry):
    return raw_body(entry).decode(errors="replace")


def operation(entry):
    """The entry's operation as `service:Operation` (or its method and path when unknown)."""
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    target = headers.get("x-amz-target")
    if target:
        service, _, name = target.rpartition(".")
        prefix = _TARGET_PREFIXES.get(service.split("_")[0], service.split("_")[0].lower())
        return f"{prefix}:{name}"
    url = urllib.parse.urlsplit(entry.get("url", ""))
    text = body(entry)
    form = urllib.parse.parse_qs(url.query)
    if "application/x-www-form-urlencoded" in headers.get("content-type", ""):
        form.update(urllib.parse.parse_qs(text))
    if "Action" in form:
        host_service = _query_service(headers)
        return f"{host_service}:{form['Action'][0]}"
    for method, pattern, name in _REST_OPERATIONS:
        if entry.get("method") == method and re.match(pattern, url.path):
            return name
    return f"{entry.get('method')} {url.path}"


def _query_service(headers):
    # SigV4 credential scope: AKID/date/region/SERVICE/aws4_request.
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("authorization", ""))
    return match.group(1) if match else "query"


def _fetch(endpoint, action, method="GET"):
    request = urllib.request.Request(f"{endpoint}/moto-api/recorder/{action}", method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read().decode()


def reset(endpoint):
    _fetch(endpoint, "reset-recording", "POST")


def restart(endpoint):
    """Forgets what was recorded and records from now on."""
    reset(endpoint)
    _fetch(endpoint, "start-recording", "POST")


def entries(endpoint):
    """Every recorded request, in the order moto saw them."""
    return [json.loads(line) for line in _fetch(endpoint, "download-recording").splitlines()
            if line.strip()]


def put_evaluations(endpoint):
    """The body of every PutEvaluations call, in order."""
    return [json.loads(body(entry)) for entry in entries(endpoint)
            if operation(entry) == "config:PutEvaluations"]


def _signed_region(headers):
    # SigV4 credential scope: AKID/date/REGION/service/aws4_request.
    match = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", headers.get("authorization", ""))
    return match.group(1) if match else ""


def calls(endpoint):
    """Every recorded request as (operation, identity), identity telling repeated calls apart (the
    same request to another region is another call)."""
    found = []
    for entry in entries(endpoint):
        url = urllib.parse.urlsplit(entry.get("url", ""))
        headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items()}
        region = _signed_region(headers)
        found.append((operation(entry), (entry.get("method"), region, url.path, url.query, body(entry))))
    return found


def summary(found):
    """Counts per operation, and the operations sent twice with the same request."""
    per_operation = Counter(op for op, _ in found)
    repeated = sorted({op for (op, identity), n in Counter(found).items() if n > 1})
    return per_operation, repeated


if __name__ == "__main__":
    import sys
    if sys.argv[1:2] == ["restart"] and len(sys.argv) == 3:
        restart(sys.argv[2])
    else:
        sys.exit(__doc__)

"""Writes the fuzzers' seed corpus from the project's own examples: the policy corpus
(tests/corpus), the sample Config events (events/) and the configuration items inside them.
libFuzzer names inputs by their SHA-1, as done here, so seeds and found inputs share a folder."""

import glob
import hashlib
import json
import os

root = os.path.join(os.path.dirname(__file__), "..")


def write(target, data):
    folder = os.path.join(root, "fuzz", "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as handle:
        handle.write(data)


for name in ("resource-policies.json", "identity-policies.json"):
    for case in json.load(open(os.path.join(root, "tests", "corpus", name))):
        policy = case["policy"] if "policy" in case else case["policy_text"]
        write("policy", (policy if isinstance(policy, str) else json.dumps(policy)).encode())

for path in sorted(glob.glob(os.path.join(root, "events", "*", "*.json"))):
    event = json.load(open(path))
    if "invokingEvent" not in event:
        continue
    write("config_event", b"\x00" + json.dumps(event).encode())
    write("config_event", b"\x01" + event["invokingEvent"].encode())
    write("config_event", b"\x02" + str(event.get("ruleParameters", "")).encode())
    item = json.loads(event["invokingEvent"]).get("configurationItem")
    if item:
        write("configuration_item", json.dumps(item).encode())

# check-template: our own templates and the real ones of tests/templates (the whole corpus is
# replayed by cli/tests/check_template.rs; here, a varied few, so the fuzzer starts from YAML,
# JSON and the libyaml-only shapes).
for name in ("template.yaml", "member-role.yaml"):
    write("template", open(os.path.join(root, name), "rb").read())
for name in ("apigw-api-key__template.yaml", "cloudfront-lambda-url-java__template.yml",
             "eventbridge-webhooks__1-stripe__template.yml", "apigw-ses-transformation__template.yaml",
             "apigw-lambda-opensearch-serverless-nextgen__template.yaml",
             "dotnet-test-samples__test-containers__src__ServerlessTestApi__serverless.template"):
    write("template", open(os.path.join(root, "tests", "templates", name), "rb").read())

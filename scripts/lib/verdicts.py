"""Verdicts for the demo and its tests.

  verdicts.py recorded ENDPOINT INVOKED_LIST      rows the rule functions sent to PutEvaluations
  verdicts.py check EXPECTED ACTUAL LABEL         every expected verdict, and nothing else
  verdicts.py show ACTUAL                         a report a person reads in a minute

INVOKED_LIST holds one rule name per line, in the order the functions were invoked; each
invocation makes one PutEvaluations call (the emulator's recorder keeps them in order).
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import recording  # noqa: E402


def recorded(endpoint, invoked_list):
    rules = [line.strip() for line in open(invoked_list) if line.strip()]
    calls = recording.put_evaluations(endpoint)
    if len(calls) != len(rules):
        sys.exit(f"{len(rules)} invocations but {len(calls)} PutEvaluations calls were recorded")
    rows = []
    for rule, call in zip(rules, calls):
        for evaluation in call["Evaluations"]:
            rows.append({"rule": rule, "resource_type": evaluation["ComplianceResourceType"],
                         "resource_id": evaluation["ComplianceResourceId"],
                         "compliance": evaluation["ComplianceType"], "annotation": evaluation.get("Annotation", "")})
    json.dump(rows, sys.stdout, indent=2)


def check(expected_file, actual_file, label):
    expected = json.load(open(expected_file))
    actual = {(r["rule"], r["resource_type"], r["resource_id"]): r for r in json.load(open(actual_file))}
    passed = failed = 0
    for want in expected:
        key = (want["rule"], want["resource_type"], want["resource_id"])
        got = actual.pop(key, None)
        name = f"{want['rule']} {want['resource_type']} {want['resource_id']}"
        if got is None:
            print(f"FAIL {name}: no verdict")
            failed += 1
        elif got["compliance"] != want["compliance"]:
            print(f"FAIL {name}: {got['compliance']}, expected {want['compliance']} ({got['annotation']})")
            failed += 1
        elif missing := [w for w in want["annotation_has"] if w not in got["annotation"]]:
            print(f"FAIL {name}: the annotation lacks {missing}: {got['annotation']}")
            failed += 1
        else:
            passed += 1
    for key, extra in actual.items():
        print(f"FAIL unexpected verdict {' '.join(key)}: {extra['compliance']} {extra['annotation']}")
        failed += 1
    print(f"{label}: {passed} passed, {failed} failed")
    return failed == 0


def show(actual_file):
    rows = json.load(open(actual_file))
    colour = sys.stdout.isatty()
    paint = {"COMPLIANT": "32", "NON_COMPLIANT": "31;1", "NOT_APPLICABLE": "2"}
    by_resource = {}
    for row in rows:
        by_resource.setdefault((row["resource_type"], row["resource_id"]), []).append(row)
    for (kind, rid), verdicts in sorted(by_resource.items(), key=lambda kv: (kv[0][0] != "AWS::Lambda::Function", kv[0])):
        bad = [v for v in verdicts if v["compliance"] == "NON_COMPLIANT"]
        name = rid.rsplit("/", 3)[-3] + "/stages/" + rid.rsplit("/", 1)[-1] if "/stages/" in rid else rid
        print(f"  {kind.removeprefix('AWS::')} {name}: " + (f"{len(bad)} of {len(verdicts)} rules fail" if bad else
                                                             f"passes {len(verdicts)} rules"))
        for v in bad:
            text = v["compliance"]
            if colour:
                text = f"\x1b[{paint[text]}m{text}\x1b[0m"
            print(f"      {v['rule']:22} {text}  {v['annotation']}")
    counts = {}
    for row in rows:
        counts[row["compliance"]] = counts.get(row["compliance"], 0) + 1
    print(f"  {len(rows)} evaluations: " + ", ".join(f"{n} {c}" for c, n in sorted(counts.items())))


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "recorded":
        recorded(*rest)
    elif command == "check":
        sys.exit(0 if check(*rest) else 1)
    elif command == "show":
        show(*rest)
    else:
        sys.exit(__doc__)

"""template.yaml as our tests read it: its resources, with stand-in values for CloudFormation's
intrinsic functions (account 111122223333, us-east-1, stack sec2-rules), enough to judge its
policies and to create its roles and functions in the emulator."""

import re

from cfnlint.decode import decode

ACCOUNT, REGION, STACK = "111122223333", "us-east-1", "sec2-rules"
template, problems = decode("template.yaml")
assert not problems, problems
# Fn::ForEach (AWS::LanguageExtensions) expanded with this sample member account.
SAMPLE_MEMBER_ACCOUNTS = ["444455556666"]
# Parameters with no default that the organization scope needs.
SAMPLE_PARAMETERS = {"OrganizationId": "o-a1b2c3d4e5"}


def _substitute(value, name, replacement):
    if isinstance(value, dict):
        if value == {"Ref": name}:
            return replacement
        return {k: _substitute(v, name, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, name, replacement) for v in value]
    if isinstance(value, str):
        return value.replace("${" + name + "}", replacement)
    return value


def expand_for_each(raw):
    expanded = {}
    for logical, body in raw.items():
        if not logical.startswith("Fn::ForEach::"):
            expanded[logical] = body
            continue
        name, _collection, fragment = body
        for value in SAMPLE_MEMBER_ACCOUNTS:
            for key, resource in fragment.items():
                expanded[key.replace("${" + name + "}", value)] = _substitute(resource, name, value)
    return expanded


resources = expand_for_each(template["Resources"])



def arn_of(logical):
    kind = resources[logical]["Type"]
    name = f"{STACK}-{logical}"
    if kind == "AWS::Logs::LogGroup":
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:*"
    if kind == "AWS::Serverless::Function":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name(logical)}"
    if kind == "AWS::IAM::Role":
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"
    if kind == "AWS::SQS::Queue":
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
    if kind == "AWS::Events::Rule":
        return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"
    return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/{logical}"


def function_name(logical):
    """The FunctionName a function resource sets (`${AWS::StackName}-rule`)."""
    return resolve(resources[logical]["Properties"]["FunctionName"])


def role_name(logical):
    return f"{STACK}-{logical}"


# The template's conditions in each deployment scope (no reserved concurrency, no alarm topic).
CONDITIONS = {
    False: {"OrganizationDeployment": False, "AccountDeployment": True},
    True: {"OrganizationDeployment": True, "AccountDeployment": False},
}
_NO_VALUE = object()


def in_scope(resource, organization=False):
    """Whether CloudFormation creates `resource` in that scope."""
    condition = resource.get("Condition")
    return condition is None or CONDITIONS[organization].get(condition, False)


def resolve(value, organization=False):
    """Stand-in values for CloudFormation's intrinsic functions, enough to judge policies, in the
    account scope or, with `organization`, the organization scope."""
    resolved = _resolve(value, organization)
    return None if resolved is _NO_VALUE else resolved


def _resolve(value, organization):
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::If":
            condition, when_true, when_false = arg
            return _resolve(when_true if CONDITIONS[organization].get(condition, False) else when_false, organization)
        if key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": STACK}
            parameters = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
            values = {**parameters, **SAMPLE_PARAMETERS, **pseudo}
            return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)] if m.group(1) in values else arn_of(m.group(1).split(".")[0]), text)
        if key == "Ref":
            pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::StackName": STACK}
            if arg == "AWS::NoValue":
                return _NO_VALUE
            if arg in pseudo:
                return pseudo[arg]
            if arg in SAMPLE_PARAMETERS:
                return SAMPLE_PARAMETERS[arg]
            if arg in template.get("Parameters", {}):
                return str(template["Parameters"][arg].get("Default", ""))
            return arn_of(arg)
        if key == "Fn::GetAtt":
            return arn_of(arg[0] if isinstance(arg, list) else arg.split(".")[0])
    if isinstance(value, dict):
        resolved = {k: _resolve(v, organization) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}
    if isinstance(value, list):
        return [v for v in (_resolve(v, organization) for v in value) if v is not _NO_VALUE]
    return value


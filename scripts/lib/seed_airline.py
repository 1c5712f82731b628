"""Seeds the sample serverless airline app into the emulator, with the mistakes the demo finds.

Modelled on the serverless airline example AWS's SEC2 guidance walks through, in account
111122223333 (the demo starts moto with MOTO_ACCOUNT_ID):

- airline-booking: behind the API's POST /bookings (permission guarded by aws:SourceArn), its own
  role scoped to its table, in a private subnet of VPC "airline" (flow logs on, egress only HTTPS
  to its own security group). Compliant everywhere.
- airline-loyalty-ingest: fed by the SNS topic airline-loyalty-events through a permission
  guarded by aws:SourceArn; its own role. Compliant everywhere.
- airline-payment: an access key in its environment, a role with AdministratorAccess whose trust
  also admits a partner account, an EventBridge permission with no confused-deputy guard, and a
  VPC "payments" with wide-open egress and no flow logs.
- airline-loyalty: shares airline-payment's role and has a public function policy.
- airline-flight-status: a function URL with AuthType NONE.
- airline-status-page: a function URL with AuthType NONE and the public grant it needs, tagged
  sec2:public-by-design with its reason: both rules pass it and say why.
- the HTTP API airline-mobile: GET /status without an authorizer, POST /checkin with IAM.
- the AppSync API airline-loyalty-graph: authenticated by an API key alone, no web ACL.
- the REST API airline-api: POST /bookings authorized with IAM, GET /flights open to anyone,
  OPTIONS /bookings a CORS preflight; stage prod without a WAF web ACL; an SQS queue fed by the topic
  (guarded), DynamoDB tables, and three buckets: airline-assets (private),
  airline-public-assets (readable by anyone through its ACL) and airline-website (a public
  policy that the bucket's Block Public Access RestrictPublicBuckets neutralises).
- the layer airline-common: version 1 private, version 2 shared with everyone (AWS Config
  records no layer; resource-policies' periodic run judges them).
- the airline's AWS Organization, managed from this account: OU Workloads (account
  airline-prod) carries an SCP with the four default guardrails; OU Sandbox (airline-sandbox)
  carries none, so guardrails names what to attach there.

With --expected FILE it also writes, for the test and the demo's report, every (rule, resource)
the scan covers and the verdict it must get, with the word the annotation must carry.
"""

import argparse
import io
import json
import sys
import zipfile

import boto3

ACCOUNT = "111122223333"
REGION = "us-east-1"
PARTNER = "444455556666"
# The airline's office network: examples/airline/rule-parameters.json names it in
# AllowedSourceIpRanges, as a user would.
OFFICE_NETWORK = "203.0.113.0/24"

parser = argparse.ArgumentParser()
parser.add_argument("endpoint")
parser.add_argument("--expected")
parser.add_argument("--rules", help="the registry's listing (sec2 rules --format json), for --expected")
args = parser.parse_args()
session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def client(name):
    return session.client(name, endpoint_url=args.endpoint)


account = client("sts").get_caller_identity()["Account"]
if account != ACCOUNT:
    sys.exit(f"the emulator's account is {account}; start it with MOTO_ACCOUNT_ID={ACCOUNT}")
iam, lam, ec2 = client("iam"), client("lambda"), client("ec2")
sns, sqs, ddb, s3, apigw = client("sns"), client("sqs"), client("dynamodb"), client("s3"), client("apigateway")


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def lambda_trust(*extra):
    return document({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
                     "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}, *extra)


def role(name, trust, actions=None, resource=None):
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    if actions:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-data", PolicyDocument=document(
            {"Effect": "Allow", "Action": actions, "Resource": resource}))
    return arn


def code():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    return buffer.getvalue()


def function(name, role_arn, variables, vpc=None):
    extra = {"VpcConfig": {"SubnetIds": [vpc["subnet"]], "SecurityGroupIds": [vpc["group"]]}} if vpc else {}
    return lam.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap", Role=role_arn,
                               Code={"ZipFile": code()}, Environment={"Variables": variables}, **extra)["FunctionArn"]


def table_arn(name):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def network(name, cidr, flow_logs, open_egress):
    vpc = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}])["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("0.0/16", "1.0/24"))["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"{name}-functions", Description=f"{name} functions",
                                      VpcId=vpc)["GroupId"]
    if not open_egress:
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": group}]}])
    if flow_logs:
        ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                             LogGroupName=f"/vpc/{name}/flow-logs",
                             DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/vpc-flow-logs")
    return {"vpc": vpc, "subnet": subnet, "group": group}


# Data stores.
bookings_table, loyalty_table, flights_table = (table_arn(n) for n in
                                                ("airline-bookings", "airline-loyalty", "airline-flights"))
s3.create_bucket(Bucket="airline-assets")
s3.create_bucket(Bucket="airline-public-assets", ACL="public-read")
s3.create_bucket(Bucket="airline-website")
s3.put_bucket_policy(Bucket="airline-website", Policy=document(
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::airline-website/*"}))
s3.put_public_access_block(Bucket="airline-website", PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
topic = sns.create_topic(Name="airline-loyalty-events")["TopicArn"]
queue = sqs.create_queue(QueueName="airline-booking-events")["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": document(
    {"Sid": "TopicDelivers", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
     "Action": "sqs:SendMessage", "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}})})

# Networks.
airline_net = network("airline", "10.1.0.0/16", flow_logs=True, open_egress=False)
payments_net = network("payments", "10.2.0.0/16", flow_logs=False, open_egress=True)

# The API.
api = apigw.create_rest_api(name="airline-api", endpointConfiguration={"types": ["REGIONAL"]})["id"]
root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
bookings = apigw.create_resource(restApiId=api, parentId=root, pathPart="bookings")["id"]
apigw.put_method(restApiId=api, resourceId=bookings, httpMethod="POST", authorizationType="AWS_IAM")
apigw.put_integration(restApiId=api, resourceId=bookings, httpMethod="POST", type="MOCK")
apigw.put_method(restApiId=api, resourceId=bookings, httpMethod="OPTIONS", authorizationType="NONE")
apigw.put_integration(restApiId=api, resourceId=bookings, httpMethod="OPTIONS", type="MOCK")
flights = apigw.create_resource(restApiId=api, parentId=root, pathPart="flights")["id"]
apigw.put_method(restApiId=api, resourceId=flights, httpMethod="GET", authorizationType="NONE")
apigw.put_integration(restApiId=api, resourceId=flights, httpMethod="GET", type="MOCK")
apigw.create_deployment(restApiId=api, stageName="prod")
stage_arn = f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/prod"

# Roles and functions.
booking = function("airline-booking", role("airline-booking", lambda_trust(),
                                           ["dynamodb:GetItem", "dynamodb:PutItem"], bookings_table),
                   {"TABLE_NAME": "airline-bookings", "DB_PASSWORD_PARAMETER": "/airline/db-password"}, airline_net)
lam.add_permission(FunctionName="airline-booking", StatementId="ApiInvokes", Action="lambda:InvokeFunction",
                   Principal="apigateway.amazonaws.com",
                   SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/*/POST/bookings")
ingest = function("airline-loyalty-ingest", role("airline-loyalty-ingest", lambda_trust(),
                                                 ["dynamodb:PutItem"], loyalty_table),
                  {"TABLE_NAME": "airline-loyalty"})
lam.add_permission(FunctionName="airline-loyalty-ingest", StatementId="TopicInvokes",
                   Action="lambda:InvokeFunction", Principal="sns.amazonaws.com", SourceArn=topic)
sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=ingest)
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

shared_role = role("airline-payment", lambda_trust({
    "Sid": "PartnerSupport", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
    "Action": "sts:AssumeRole"}))
iam.attach_role_policy(RoleName="airline-payment", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
function("airline-payment", shared_role,
         {"PAYMENT_PROVIDER_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "TABLE_NAME": "airline-bookings"}, payments_net)
lam.add_permission(FunctionName="airline-payment", StatementId="RefundSchedule", Action="lambda:InvokeFunction",
                   Principal="events.amazonaws.com")
function("airline-loyalty", shared_role, {"TABLE_NAME": "airline-loyalty"})
lam.add_permission(FunctionName="airline-loyalty", StatementId="Everyone", Action="lambda:InvokeFunction",
                   Principal="*")
function("airline-flight-status", role("airline-flight-status", lambda_trust(), ["dynamodb:GetItem"], flights_table),
         {"TABLE_NAME": "airline-flights"})
lam.create_function_url_config(FunctionName="airline-flight-status", AuthType="NONE")
# A published version behind alias `live`, open to anyone through the alias's own policy, which
# AWS Config does not record.
live = lam.publish_version(FunctionName="airline-flight-status")["Version"]
lam.create_alias(FunctionName="airline-flight-status", Name="live", FunctionVersion=live)
lam.add_permission(FunctionName="airline-flight-status", Qualifier="live", StatementId="LiveEveryone",
                   Action="lambda:InvokeFunction", Principal="*")

# A status page, public by design: its URL and the grant Lambda needs for it.
function("airline-status-page", role("airline-status-page", lambda_trust(), ["dynamodb:GetItem"], flights_table),
         {"TABLE_NAME": "airline-flights"})
lam.create_function_url_config(FunctionName="airline-status-page", AuthType="NONE")
# (Lambda adds the condition lambda:FunctionUrlAuthType NONE; moto would write FunctionUrlAuthType
# into the statement itself, which is not a policy element, so the demo leaves it out.)
lam.add_permission(FunctionName="airline-status-page", StatementId="FunctionUrlAllowPublicAccess",
                   Action="lambda:InvokeFunctionUrl", Principal="*")
lam.tag_resource(Resource=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:airline-status-page",
                 Tags={"sec2:public-by-design": "public flight status page review:2099-12-31"})

# An HTTP API for the mobile app: GET /status has no authorizer, POST /checkin uses IAM.
apigwv2 = client("apigatewayv2")
http_api = apigwv2.create_api(Name="airline-mobile", ProtocolType="HTTP")["ApiId"]
apigwv2.create_route(ApiId=http_api, RouteKey="GET /status", AuthorizationType="NONE")
apigwv2.create_route(ApiId=http_api, RouteKey="POST /checkin", AuthorizationType="AWS_IAM")

# A GraphQL API for the loyalty app, on an API key alone.
appsync = client("appsync")
graphql_api = appsync.create_graphql_api(name="airline-loyalty-graph", authenticationType="API_KEY")["graphqlApi"]["apiId"]
appsync.create_api_key(apiId=graphql_api, description="loyalty web app")

# A partner API open only to the airline's office network (the demo's AllowedSourceIpRanges).
partner_api = apigw.create_rest_api(
    name="airline-partner-api", endpointConfiguration={"types": ["REGIONAL"]},
    policy=document({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                     "Resource": "execute-api:/*",
                     "Condition": {"IpAddress": {"aws:SourceIp": OFFICE_NETWORK}}}))["id"]

# A shared code layer: version 1 private, version 2 shared with everyone.
layer_versions = [lam.publish_layer_version(LayerName="airline-common", Content={"ZipFile": code()})["LayerVersionArn"]
                  for _ in range(2)]
lam.add_layer_version_permission(LayerName="airline-common", VersionNumber=2, StatementId="Everyone",
                                 Action="lambda:GetLayerVersion", Principal="*")

# The organization: this account manages it; Workloads is guarded, Sandbox is not.
organizations = client("organizations")
organizations.create_organization(FeatureSet="ALL")
root = organizations.list_roots()["Roots"][0]["Id"]
organizations.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")


def unit_with_account(name, account_name):
    unit = organizations.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
    created = organizations.create_account(AccountName=account_name, Email=f"{account_name}@example.com")
    account_id = created["CreateAccountStatus"]["AccountId"]
    organizations.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=unit)
    return unit, account_id


workloads_ou, prod_account = unit_with_account("Workloads", "airline-prod")
sandbox_ou, sandbox_account = unit_with_account("Sandbox", "airline-sandbox")
ADMIN = {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrgAdmin"}}
guardrails = organizations.create_policy(
    Name="serverless-guardrails", Description="SEC2 guardrails", Type="SERVICE_CONTROL_POLICY",
    Content=document(
        {"Sid": "NoPublicFunctions", "Effect": "Deny", "Action": "lambda:AddPermission", "Resource": "*",
         "Condition": {"StringEquals": {"lambda:Principal": "*"}}},
        {"Sid": "FunctionUrlsWithIam", "Effect": "Deny",
         "Action": ["lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig"], "Resource": "*",
         "Condition": {"StringNotEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}},
        {"Sid": "NoAccessKeys", "Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*"},
        {"Sid": "KeepConfig", "Effect": "Deny",
         "Action": ["config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
                    "config:DeleteDeliveryChannel", "config:DeleteConfigRule"],
         "Resource": "*", "Condition": ADMIN}))["Policy"]["PolicySummary"]["Id"]
organizations.attach_policy(PolicyId=guardrails, TargetId=workloads_ou)

print(f"seeded 6 functions (one with a public alias, one public by design), 5 roles, 2 VPCs, a REST API with stage prod, an HTTP API, an AppSync API, an "
      f"IP-allow-listed partner API, a topic, a queue, 3 tables, 3 buckets, a layer with a public version and an organization of 2 OUs "
      f"in account {ACCOUNT}")

if args.expected:
    F = "AWS::Lambda::Function"
    functions = ["airline-booking", "airline-loyalty-ingest", "airline-payment", "airline-loyalty",
                 "airline-flight-status", "airline-status-page"]
    # (rule, type, id) -> (verdict, words the annotation must hold); anything not listed is COMPLIANT.
    planted = {
        ("resource-policies", F, "airline-payment"): ("NON_COMPLIANT", ["events.amazonaws.com", "confused deputy"]),
        ("resource-policies", F, "airline-loyalty"): ("NON_COMPLIANT", ["anyone"]),
        ("temporary-credentials", F, "airline-payment"): ("NON_COMPLIANT", ["PAYMENT_PROVIDER_KEY_ID", "access key"]),
        ("temporary-credentials", F, "airline-loyalty"): ("NON_COMPLIANT", ["also used by airline-payment"]),
        ("least-privilege", F, "airline-payment"): ("NON_COMPLIANT", ["AdministratorAccess"]),
        ("least-privilege", F, "airline-loyalty"): ("NON_COMPLIANT", ["AdministratorAccess"]),
        ("network-controls", F, "airline-payment"): ("NON_COMPLIANT", ["allows all traffic out to 0.0.0.0/0",
                                                                      "no active flow logs"]),
        ("network-controls", F, "airline-flight-status"): ("NON_COMPLIANT", ["AuthType NONE"]),
        ("network-controls", "AWS::ApiGateway::Stage", stage_arn): ("NON_COMPLIANT", ["no AWS WAF web ACL"]),
        ("network-controls", "AWS::ApiGateway::RestApi", api): ("NON_COMPLIANT", ["GET /flights is open to anyone"]),
        ("network-controls", "AWS::ApiGateway::RestApi", partner_api): ("COMPLIANT", ["has no methods"]),
        ("network-controls", "AWS::ApiGatewayV2::Api", http_api): ("NON_COMPLIANT", ["GET /status is open to anyone"]),
        ("network-controls", "AWS::AppSync::GraphQLApi", graphql_api): ("NON_COMPLIANT", ["API key alone",
                                                                                           "tag the resource sec2:public-by-design=REASON"]),
        ("network-controls", F, "airline-status-page"): ("COMPLIANT", ["public by design: public flight status page"]),
        ("resource-policies", F, "airline-status-page"): ("COMPLIANT", ["public by design: public flight status page"]),
        ("resource-policies", F, "airline-flight-status"): ("NON_COMPLIANT", ["allows anyone"]),
        ("resource-policies", "AWS::Lambda::LayerVersion", layer_versions[1]): ("NON_COMPLIANT", ["allows anyone"]),
        ("resource-policies", "AWS::S3::Bucket", "airline-public-assets"): ("NON_COMPLIANT", ["grants Read to everyone"]),
        ("resource-policies", "AWS::S3::Bucket", "airline-website"): ("COMPLIANT", ["neutralised by Block Public Access RestrictPublicBuckets"]),
        ("guardrails", "AWS::::Account", prod_account): ("COMPLIANT", ["denied by SCP serverless-guardrails"]),
        ("guardrails", "AWS::::Account", sandbox_account): ("NON_COMPLIANT", ["no SCP denies public function grants",
                                                                              f"to OU Sandbox ({sandbox_ou})"]),
        ("guardrails", "AWS::::Account", ACCOUNT): ("NOT_APPLICABLE", ["management account"]),
    }
    # Every rule that judges functions judges each of them (from the registry, not a list here).
    with open(args.rules) as listing:
        function_rules = [rule["name"] for rule in json.load(listing) if F in rule["resource_types"]]
    covered = [(rule, F, f) for rule in function_rules for f in functions] + \
        [("resource-policies", t, i) for t, i in [("AWS::SQS::Queue", queue), ("AWS::SNS::Topic", topic),
                                                  ("AWS::ApiGateway::RestApi", api), ("AWS::Events::EventBus", "default"),
                                                  ("AWS::ApiGateway::RestApi", partner_api),
                                                  ("AWS::DynamoDB::Table", "airline-bookings"),
                                                  ("AWS::DynamoDB::Table", "airline-loyalty"),
                                                  ("AWS::DynamoDB::Table", "airline-flights")] +
                                                 [("AWS::Lambda::LayerVersion", v) for v in layer_versions] +
                                                 [("AWS::S3::Bucket", b) for b in
                                                  ("airline-assets", "airline-public-assets", "airline-website")]] + \
        [("network-controls", "AWS::ApiGateway::Stage", stage_arn), ("network-controls", "AWS::ApiGateway::RestApi", api),
         ("network-controls", "AWS::ApiGateway::RestApi", partner_api),
         ("network-controls", "AWS::ApiGatewayV2::Api", http_api),
         ("network-controls", "AWS::AppSync::GraphQLApi", graphql_api)] + \
        [("guardrails", "AWS::::Account", a) for a in (prod_account, sandbox_account, ACCOUNT)]
    expected = [{"rule": r, "resource_type": t, "resource_id": i,
                 "compliance": planted.get((r, t, i), ("COMPLIANT", []))[0],
                 "annotation_has": planted.get((r, t, i), ("COMPLIANT", []))[1]} for r, t, i in covered]
    with open(args.expected, "w") as out:
        json.dump(expected, out, indent=2)

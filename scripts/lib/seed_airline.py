"""Seeds the sample serverless airline app into the emulator, with the mistakes the demo finds.

Account 111122223333 (the demo starts moto with MOTO_ACCOUNT_ID): booking, payment and loyalty
functions. Booking has its own role, scoped to its table, and keeps its database password in
SSM; payment holds an access key in its environment; loyalty shares payment's role, which has
AdministratorAccess attached and whose trust also admits a partner account.
"""

import io
import json
import sys
import zipfile

import boto3

ACCOUNT = "111122223333"
endpoint = sys.argv[1]
member = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
account = member.client("sts", endpoint_url=endpoint).get_caller_identity()["Account"]
if account != ACCOUNT:
    sys.exit(f"the emulator's account is {account}; start it with MOTO_ACCOUNT_ID={ACCOUNT}")
iam = member.client("iam", endpoint_url=endpoint)
lam = member.client("lambda", endpoint_url=endpoint)


def trust(*extra):
    statements = [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    return json.dumps({"Version": "2012-10-17", "Statement": statements + list(extra)})


def role(name, document):
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]


def code():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    return buffer.getvalue()


def function(name, role_arn, variables):
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Handler="bootstrap", Role=role_arn,
                        Code={"ZipFile": code()}, Environment={"Variables": variables})


booking_role = role("airline-booking", trust())
shared_role = role("airline-payment", trust({"Sid": "PartnerSupport", "Effect": "Allow",
                                              "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                                              "Action": "sts:AssumeRole"}))
iam.put_role_policy(RoleName="airline-booking", PolicyName="bookings-table", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                   "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/airline-bookings"}]}))
iam.attach_role_policy(RoleName="airline-payment", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
function("airline-booking", booking_role, {"TABLE_NAME": "airline-bookings", "DB_PASSWORD_PARAMETER": "/airline/db-password"})
function("airline-payment", shared_role, {"PAYMENT_PROVIDER_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "TABLE_NAME": "airline-payments"})
function("airline-loyalty", shared_role, {"TABLE_NAME": "airline-loyalty"})
print(f"seeded 3 functions and 2 roles in account {ACCOUNT}")

package policy

import "testing"

// example is a policy from AWS's documentation with requests and the outcome AWS documents (or
// that follows from the documented rules) for each.
type example struct {
	name   string
	source string // the AWS page the policy comes from
	kind   Kind
	doc    string
	cases  []exampleCase
}

type exampleCase struct {
	name  string
	req   *Request
	want  Outcome
	sid   string         // the deciding statement's Sid, when one decides
	match PrincipalMatch // for resource-based Allow results
}

var (
	exampleRole  = roleSession(acct, "ExampleRole", "app")
	kmsAdminRole = roleSession(acct, "KMSAdminRole", "admin")
	appRole      = roleSession(acct, "RoleForExampleApp", "app")
	alice        = user(acct, "alice")
	exampleUser  = user(acct, "ExampleUser")
	bob          = user(otherAcct, "Bob")
	otherAlice   = user(otherAcct, "Alice")
)

var awsExamples = []example{
	{
		name:   "kms default key policy: Enable IAM User Permissions",
		source: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Id": "key-default-1",
  "Statement": [{
    "Sid": "Enable IAM User Permissions",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "kms:*",
    "Resource": "*"
  }]
}`,
		cases: []exampleCase{
			{"root is allowed directly", req(rootOf(acct), "kms:ScheduleKeyDeletion", keyARN), Allow, "Enable IAM User Permissions", MatchDirect},
			{"an IAM user only through the account (IAM policies must allow too)", req(alice, "kms:Encrypt", keyARN), Allow, "Enable IAM User Permissions", MatchAccount},
			{"a role session through the account", req(exampleRole, "kms:Decrypt", keyARN), Allow, "Enable IAM User Permissions", MatchAccount},
			{"another account's user is not named", req(bob, "kms:Encrypt", keyARN), NotApplicable, "", MatchNone},
			{"another account's root is not named", req(rootOf(otherAcct), "kms:Encrypt", keyARN), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "kms default key policy: key administrators and key users",
		source: "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators and #key-policy-default-allow-users",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Allow access for Key Administrators",
      "Effect": "Allow",
      "Principal": {"AWS": ["arn:aws:iam::111122223333:role/KMSAdminRole"]},
      "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                 "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                 "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"],
      "Resource": "*"
    },
    {
      "Sid": "Allow use of the key",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      "Resource": "*"
    },
    {
      "Sid": "Allow attachment of persistent resources",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/ExampleRole"},
      "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      "Resource": "*",
      "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    }
  ]
}`,
		cases: []exampleCase{
			{"admin schedules deletion", req(kmsAdminRole, "kms:ScheduleKeyDeletion", keyARN), Allow, "Allow access for Key Administrators", MatchRole},
			{"admin wildcard kms:Describe*", req(kmsAdminRole, "kms:DescribeKey", keyARN), Allow, "Allow access for Key Administrators", MatchRole},
			{"admin cannot encrypt", req(kmsAdminRole, "kms:Encrypt", keyARN), NotApplicable, "", MatchNone},
			{"user encrypts", req(exampleRole, "kms:Encrypt", keyARN), Allow, "Allow use of the key", MatchRole},
			{"action names are case-insensitive", req(exampleRole, "KMS:ENCRYPT", keyARN), Allow, "Allow use of the key", MatchRole},
			{"user GenerateDataKeyWithoutPlaintext via wildcard", req(exampleRole, "kms:GenerateDataKeyWithoutPlaintext", keyARN), Allow, "Allow use of the key", MatchRole},
			{"user cannot schedule deletion", req(exampleRole, "kms:ScheduleKeyDeletion", keyARN), NotApplicable, "", MatchNone},
			{"grant for an AWS resource", req(exampleRole, "kms:CreateGrant", keyARN, "kms:GrantIsForAWSResource", "true"), Allow, "Allow attachment of persistent resources", MatchRole},
			{"grant not for an AWS resource", req(exampleRole, "kms:CreateGrant", keyARN, "kms:GrantIsForAWSResource", "false"), NotApplicable, "", MatchNone},
			{"grant without the key in the context", req(exampleRole, "kms:CreateGrant", keyARN), NotApplicable, "", MatchNone},
			{"the session's own ARN is named directly by nobody", req(roleSession(acct, "OtherRole", "app"), "kms:Encrypt", keyARN), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "kms:EncryptionContext:context-key",
		source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "DecryptForExampleApp",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:role/RoleForExampleApp"},
    "Action": "kms:Decrypt",
    "Resource": "*",
    "Condition": {"StringEquals": {"kms:EncryptionContext:AppName": "ExampleApp"}}
  }]
}`,
		cases: []exampleCase{
			{"matching pair", req(appRole, "kms:Decrypt", keyARN, "kms:EncryptionContext:AppName", "ExampleApp"), Allow, "DecryptForExampleApp", MatchRole},
			{"the condition key name is case-insensitive", req(appRole, "kms:Decrypt", keyARN, "kms:encryptioncontext:appname", "ExampleApp"), Allow, "DecryptForExampleApp", MatchRole},
			{"the value is case-sensitive with StringEquals", req(appRole, "kms:Decrypt", keyARN, "kms:EncryptionContext:AppName", "exampleapp"), NotApplicable, "", MatchNone},
			{"no encryption context", req(appRole, "kms:Decrypt", keyARN), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "kms:EncryptionContextKeys with ForAllValues and ForAnyValue",
		source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context-keys",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "OnlyTheseKeys",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/RoleForExampleApp"},
      "Action": "kms:Encrypt",
      "Resource": "*",
      "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["Purpose", "Department"]}}
    },
    {
      "Sid": "AtLeastOneKey",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/RoleForExampleApp"},
      "Action": "kms:GenerateDataKey",
      "Resource": "*",
      "Condition": {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "Purpose"}}
    }
  ]
}`,
		cases: []exampleCase{
			{"ForAllValues: subset", req(appRole, "kms:Encrypt", keyARN, "kms:EncryptionContextKeys", "Purpose"), Allow, "OnlyTheseKeys", MatchRole},
			{"ForAllValues: both keys", req(appRole, "kms:Encrypt", keyARN, "kms:EncryptionContextKeys", "Department|Purpose"), Allow, "OnlyTheseKeys", MatchRole},
			{"ForAllValues: an extra key", req(appRole, "kms:Encrypt", keyARN, "kms:EncryptionContextKeys", "Purpose|Other"), NotApplicable, "", MatchNone},
			{"ForAllValues: key case matters", req(appRole, "kms:Encrypt", keyARN, "kms:EncryptionContextKeys", "purpose"), NotApplicable, "", MatchNone},
			{"ForAllValues: no context is true (as AWS warns)", req(appRole, "kms:Encrypt", keyARN), Allow, "OnlyTheseKeys", MatchRole},
			{"ForAnyValue: present among others", req(appRole, "kms:GenerateDataKey", keyARN, "kms:EncryptionContextKeys", "Other|Purpose"), Allow, "AtLeastOneKey", MatchRole},
			{"ForAnyValue: absent", req(appRole, "kms:GenerateDataKey", keyARN, "kms:EncryptionContextKeys", "Other"), NotApplicable, "", MatchNone},
			{"ForAnyValue: no context is false", req(appRole, "kms:GenerateDataKey", keyARN), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "kms:ViaService",
		source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ViaEC2OrRDS",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:user/ExampleUser"},
      "Action": ["kms:Encrypt", "kms:Decrypt"],
      "Resource": "*",
      "Condition": {"StringEquals": {"kms:ViaService": ["ec2.us-west-2.amazonaws.com", "rds.us-west-2.amazonaws.com"]}}
    },
    {
      "Sid": "NotViaLambda",
      "Effect": "Deny",
      "Principal": {"AWS": "arn:aws:iam::111122223333:user/ExampleUser"},
      "Action": ["kms:Encrypt"],
      "Resource": "*",
      "Condition": {"StringEquals": {"kms:ViaService": ["lambda.us-west-2.amazonaws.com"]}}
    }
  ]
}`,
		cases: []exampleCase{
			{"through EC2", req(exampleUser, "kms:Encrypt", keyARN, "kms:ViaService", "ec2.us-west-2.amazonaws.com"), Allow, "ViaEC2OrRDS", MatchDirect},
			{"through RDS", req(exampleUser, "kms:Decrypt", keyARN, "kms:ViaService", "rds.us-west-2.amazonaws.com"), Allow, "ViaEC2OrRDS", MatchDirect},
			{"called directly", req(exampleUser, "kms:Encrypt", keyARN), NotApplicable, "", MatchNone},
			{"through Lambda is denied", req(exampleUser, "kms:Encrypt", keyARN, "kms:ViaService", "lambda.us-west-2.amazonaws.com"), ExplicitDeny, "NotViaLambda", MatchDirect},
		},
	},
	{
		name:   "AWS managed key policy: kms:CallerAccount with kms:ViaService",
		source: "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-caller-account",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "Allow access through S3 for all principals in the account that are authorized to use S3",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
    "Resource": "*",
    "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "s3.us-east-2.amazonaws.com"}}
  }]
}`,
		cases: []exampleCase{
			{"account's user through S3", req(alice, "kms:GenerateDataKey", keyARN, "kms:CallerAccount", acct, "kms:ViaService", "s3.us-east-2.amazonaws.com"), Allow, "Allow access through S3 for all principals in the account that are authorized to use S3", MatchDirect},
			{"account's user directly", req(alice, "kms:GenerateDataKey", keyARN, "kms:CallerAccount", acct), NotApplicable, "", MatchNone},
			{"another account through S3", req(bob, "kms:Decrypt", keyARN, "kms:CallerAccount", otherAcct, "kms:ViaService", "s3.us-east-2.amazonaws.com"), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "s3: deny requests without TLS",
		source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html#example-bucket-policies-HTTP-HTTPS",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "RestrictToTLSRequestsOnly",
    "Action": "s3:*",
    "Effect": "Deny",
    "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    "Principal": "*"
  }]
}`,
		cases: []exampleCase{
			{"plain HTTP is denied", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/a.txt", "aws:SecureTransport", "false"), ExplicitDeny, "RestrictToTLSRequestsOnly", MatchDirect},
			{"the bucket itself too", req(alice, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", "aws:SecureTransport", "false"), ExplicitDeny, "RestrictToTLSRequestsOnly", MatchDirect},
			{"HTTPS is not denied", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/a.txt", "aws:SecureTransport", "true"), NotApplicable, "", MatchNone},
			{"anonymous plain HTTP is denied", req(Principal{Type: PrincipalAnonymous}, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/a.txt", "aws:SecureTransport", "false"), ExplicitDeny, "RestrictToTLSRequestsOnly", MatchDirect},
			{"another bucket is not covered", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket2/a.txt", "aws:SecureTransport", "false"), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "s3: require SSE-KMS with a specific key",
		source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Id": "PutObjectPolicy",
  "Statement": [
    {
      "Sid": "DenyIncorrectEncryptionHeader",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
      "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    },
    {
      "Sid": "DenyOtherKMSKeys",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
      "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}
    }
  ]
}`,
		cases: []exampleCase{
			{"aws:kms with the key", req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/o", "s3:x-amz-server-side-encryption", "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id", keyARN), NotApplicable, "", MatchNone},
			{"SSE-S3 is denied", req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/o", "s3:x-amz-server-side-encryption", "AES256"), ExplicitDeny, "DenyIncorrectEncryptionHeader", MatchDirect},
			{"no header at all is denied (negated operator, absent key)", req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/o"), ExplicitDeny, "DenyIncorrectEncryptionHeader", MatchDirect},
			{"another key is denied", req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/o", "s3:x-amz-server-side-encryption", "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id", "arn:aws:kms:us-east-2:111122223333:key/other"), ExplicitDeny, "DenyOtherKMSKeys", MatchDirect},
			{"GetObject is not covered", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/o"), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "iam: deny access from outside IP ranges",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html",
		kind:   KindIdentity,
		doc: `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {
      "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
      "Bool": {"aws:ViaAWSService": "false"}
    }
  }
}`,
		cases: []exampleCase{
			{"inside a range", req(alice, "kms:Encrypt", keyARN, "aws:SourceIp", "192.0.2.7", "aws:ViaAWSService", "false"), NotApplicable, "", MatchNone},
			{"outside the ranges", req(alice, "kms:Encrypt", keyARN, "aws:SourceIp", "198.51.100.1", "aws:ViaAWSService", "false"), ExplicitDeny, "", MatchNone},
			{"IPv6 is outside IPv4 ranges", req(alice, "kms:Encrypt", keyARN, "aws:SourceIp", "2001:db8::1", "aws:ViaAWSService", "false"), ExplicitDeny, "", MatchNone},
			{"through an AWS service", req(alice, "kms:Encrypt", keyARN, "aws:SourceIp", "198.51.100.1", "aws:ViaAWSService", "true"), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "iam: home directories with ${aws:username}",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-intro",
		kind:   KindIdentity,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "List", "Action": ["s3:ListBucket"], "Effect": "Allow", "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket"],
     "Condition": {"StringLike": {"s3:prefix": ["${aws:username}/*"]}}},
    {"Sid": "ReadWrite", "Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow",
     "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"]}
  ]
}`,
		cases: []exampleCase{
			{"own folder", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/alice/notes.txt"), Allow, "ReadWrite", MatchNone},
			{"someone else's folder", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/bob/notes.txt"), NotApplicable, "", MatchNone},
			{"list own prefix", req(alice, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", "s3:prefix", "alice/2024/"), Allow, "List", MatchNone},
			{"list another prefix", req(alice, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", "s3:prefix", "bob/"), NotApplicable, "", MatchNone},
			{"a role session has no aws:username: the statement does not apply", req(exampleRole, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/app/x"), NotApplicable, "", MatchNone},
			{"the variable's value is literal text, not a pattern", req(user(acct, "a*"), "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/abc/x"), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "iam: without Version, ${...} is literal text",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html",
		kind:   KindIdentity,
		doc:    `{"Statement": [{"Sid": "ReadWrite", "Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*"}]}`,
		cases: []exampleCase{
			{"not substituted", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/alice/notes.txt"), NotApplicable, "", MatchNone},
			{"matched literally", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/notes.txt"), Allow, "ReadWrite", MatchNone},
		},
	},
	{
		name:   "iam: variable with a default value",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-default-values",
		kind:   KindIdentity,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "TeamFolder", "Effect": "Allow", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*"
  }]
}`,
		cases: []exampleCase{
			{"tagged principal", req(Principal{Type: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/t", Account: acct, Tags: map[string]string{"team": "blue"}}, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/blue/x"), Allow, "TeamFolder", MatchNone},
			{"tag key is case-insensitive", req(Principal{Type: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/t", Account: acct, Tags: map[string]string{"Team": "blue"}}, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/blue/x"), Allow, "TeamFolder", MatchNone},
			{"untagged principal gets the default", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/x"), Allow, "TeamFolder", MatchNone},
			{"untagged principal, other folder", req(alice, "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/blue/x"), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "iam: allow within a date range",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws-dates.html",
		kind:   KindIdentity,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "Window", "Effect": "Allow", "Action": "service-prefix:action-name", "Resource": "*",
    "Condition": {
      "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
      "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}
    }
  }]
}`,
		cases: []exampleCase{
			{"inside", req(alice, "service-prefix:action-name", "", "aws:CurrentTime", "2020-05-01T12:00:00Z"), Allow, "Window", MatchNone},
			{"after", req(alice, "service-prefix:action-name", "", "aws:CurrentTime", "2020-07-01T00:00:00Z"), NotApplicable, "", MatchNone},
			{"before", req(alice, "service-prefix:action-name", "", "aws:CurrentTime", "2020-03-31T23:59:59Z"), NotApplicable, "", MatchNone},
			{"no time in the context", req(alice, "service-prefix:action-name", ""), NotApplicable, "", MatchNone},
		},
	},
	{
		name:   "iam: ForAllValues with a negated operator on aws:TagKeys",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html",
		kind:   KindIdentity,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "DenyRestrictedTags", "Effect": "Deny", "Action": ["iam:Tag*", "iam:UnTag*"], "Resource": ["*"],
    "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}
  }]
}`,
		cases: []exampleCase{
			{"no value starts with key1", req(alice, "iam:TagUser", "arn:aws:iam::111122223333:user/x", "aws:TagKeys", "key2|key3"), ExplicitDeny, "DenyRestrictedTags", MatchNone},
			{"one value starts with key1", req(alice, "iam:TagUser", "arn:aws:iam::111122223333:user/x", "aws:TagKeys", "key1a|key2"), NotApplicable, "", MatchNone},
			{"no tag keys: ForAllValues is true", req(alice, "iam:UntagUser", "arn:aws:iam::111122223333:user/x"), ExplicitDeny, "DenyRestrictedTags", MatchNone},
		},
	},
	{
		name:   "NotPrincipal with Deny needs the account listed too",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html",
		kind:   KindResource,
		doc: `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "DenyAllButBob", "Effect": "Deny",
    "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]},
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"]
  }]
}`,
		cases: []exampleCase{
			{"Bob is excluded", req(bob, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), NotApplicable, "", MatchNone},
			{"the account root is excluded", req(rootOf(otherAcct), "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), NotApplicable, "", MatchNone},
			{"Alice of the same account is denied", req(otherAlice, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), ExplicitDeny, "DenyAllButBob", MatchDirect},
			{"everyone else is denied", req(alice, "s3:PutObject", "arn:aws:s3:::BUCKETNAME/x"), ExplicitDeny, "DenyAllButBob", MatchDirect},
		},
	},
	{
		name:   "NotPrincipal listing only the user still denies the user",
		source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html",
		kind:   KindResource,
		doc:    `{"Version": "2012-10-17", "Statement": [{"Sid": "D", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:user/Bob"}, "Action": "s3:*", "Resource": "*"}]}`,
		cases: []exampleCase{
			{"Bob is denied because his account is not excluded", req(bob, "s3:GetObject", "arn:aws:s3:::b/x"), ExplicitDeny, "D", MatchDirect},
		},
	},
}

// TestAWSExamples evaluates each documented policy against the requests of its table.
func TestAWSExamples(t *testing.T) {
	for _, ex := range awsExamples {
		p := mustParse(t, ex.doc, ex.kind)
		checkRoundTrip(t, p, ParseOptions{Kind: ex.kind, Name: "test-policy"})
		for _, c := range ex.cases {
			t.Run(ex.name+"/"+c.name, func(t *testing.T) {
				got := p.Evaluate(c.req)
				if got.Outcome != c.want {
					t.Fatalf("Outcome = %v, want %v (source: %s)", got.Outcome, c.want, ex.source)
				}
				if c.want == NotApplicable {
					return
				}
				if got.Statement.Sid != c.sid || got.Statement.Policy != "test-policy" {
					t.Errorf("deciding statement = %+v, want Sid %q", got.Statement, c.sid)
				}
				if got.Match != c.match {
					t.Errorf("Match = %v, want %v", got.Match, c.match)
				}
			})
		}
	}
}

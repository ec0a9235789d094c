package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The attacks below are on IAM access keys: an attacker holds a key (stolen, or their own
// before it was revoked) and tries to keep using it after the account acted on it.

// signsIn reports whether a request signed with the key is authenticated, on KMS and on STS.
func signsIn(t *testing.T, tn *testNode, akid, secret string) (kmsOK, stsOK bool) {
	t.Helper()
	_, err := tn.client(akid, secret).ListKeys(ctx(), &kms.ListKeysInput{})
	switch iamCode(err) {
	case "UnrecognizedClientException", "InvalidSignatureException":
	default:
		kmsOK = true
	}
	_, err = tn.stsClient(akid, secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	return kmsOK, err == nil
}

// TestAttackRevokedKeyStillCached: the attacker's key has just been used, so its secret sits in
// the node's credential cache; the account deletes it (or, for the second key, deactivates
// it). The very next request signed with it must be refused, on KMS and on STS, although the
// cache still could verify the signature.
func TestAttackRevokedKeyStillCached(t *testing.T) {
	tn := newTestNode(t)
	root := tn.iamClient(tn.akid, tn.secret, "")
	must[*iam.CreateUserOutput](t, "CreateUser")(root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("mallory")}))
	var keys [2]struct{ id, secret string }
	for i := range keys {
		ak := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey")(root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("mallory")}))
		keys[i].id, keys[i].secret = aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)
		if k, s := signsIn(t, tn, keys[i].id, keys[i].secret); !k || !s {
			t.Fatalf("key %d does not work before revocation (kms %v, sts %v)", i, k, s)
		}
	}
	must[*iam.DeleteAccessKeyOutput](t, "DeleteAccessKey")(root.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("mallory"), AccessKeyId: aws.String(keys[0].id)}))
	must[*iam.UpdateAccessKeyOutput](t, "UpdateAccessKey")(root.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("mallory"), AccessKeyId: aws.String(keys[1].id), Status: iamtypes.StatusTypeInactive}))
	for i, k := range keys {
		if kmsOK, stsOK := signsIn(t, tn, k.id, k.secret); kmsOK || stsOK {
			t.Fatalf("revoked key %d still authenticates (kms %v, sts %v)", i, kmsOK, stsOK)
		}
	}
}

// TestAttackKeyOfAnotherUser: a user (or anyone holding the root's IAM client but naming the
// wrong user) cannot deactivate or delete a key through another user's name: the key is found
// only under its owner, so naming a different user answers NoSuchEntity and changes nothing.
func TestAttackKeyOfAnotherUser(t *testing.T) {
	tn := newTestNode(t)
	root := tn.iamClient(tn.akid, tn.secret, "")
	for _, u := range []string{"alice", "mallory"} {
		must[*iam.CreateUserOutput](t, "CreateUser")(root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	ak := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey")(root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String("alice")}))
	id := ak.AccessKey.AccessKeyId
	_, err := root.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{UserName: aws.String("mallory"), AccessKeyId: id})
	wantCode(t, "DeleteAccessKey under another user's name", err, "NoSuchEntity")
	_, err = root.UpdateAccessKey(ctx(), &iam.UpdateAccessKeyInput{UserName: aws.String("mallory"), AccessKeyId: id, Status: iamtypes.StatusTypeInactive})
	wantCode(t, "UpdateAccessKey under another user's name", err, "NoSuchEntity")
	// Without a user name the root acts on the root's keys, never on a user's.
	_, err = root.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{AccessKeyId: id})
	wantCode(t, "DeleteAccessKey of a user's key as a root key", err, "NoSuchEntity")
	if k, s := signsIn(t, tn, aws.ToString(id), aws.ToString(ak.AccessKey.SecretAccessKey)); !k || !s {
		t.Fatal("alice's key stopped working")
	}
}

// TestIAMRootAccessKeys: the account's root manages its own keys without a user name, within
// the same two-key quota; GetUser without a name, as the root, answers the root's ARN.
func TestIAMRootAccessKeys(t *testing.T) {
	tn := newTestNode(t)
	root := tn.iamClient(tn.akid, tn.secret, "")
	acct := tn.n.svc.ARNs().Account
	ak := must[*iam.CreateAccessKeyOutput](t, "CreateAccessKey for the root")(root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{}))
	id, secret := aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)
	who := must[*sts.GetCallerIdentityOutput](t, "GetCallerIdentity with the new root key")(tn.stsClient(id, secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}))
	if aws.ToString(who.Arn) != "arn:aws:iam::"+acct+":root" {
		t.Fatalf("new root key authenticates as %s", aws.ToString(who.Arn))
	}
	_, err := root.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{})
	wantCode(t, "third root key", err, "LimitExceeded")
	lk := must[*iam.ListAccessKeysOutput](t, "ListAccessKeys root")(root.ListAccessKeys(ctx(), &iam.ListAccessKeysInput{}))
	if len(lk.AccessKeyMetadata) != 2 {
		t.Fatalf("root's keys: %+v", lk.AccessKeyMetadata)
	}
	gu := must[*iam.GetUserOutput](t, "GetUser as root")(root.GetUser(ctx(), &iam.GetUserInput{}))
	if aws.ToString(gu.User.Arn) != "arn:aws:iam::"+acct+":root" || aws.ToString(gu.User.UserId) != acct {
		t.Fatalf("GetUser as root: %+v", gu.User)
	}
	must[*iam.DeleteAccessKeyOutput](t, "DeleteAccessKey root")(root.DeleteAccessKey(ctx(), &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)}))
	if _, s := signsIn(t, tn, id, secret); s {
		t.Fatal("deleted root key still authenticates")
	}
}

package node

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// TestGetCallerIdentityAsRoot: the SDK's STS client reaches STS on the API listener (routed by
// the credential scope) and learns it is the account's root.
func TestGetCallerIdentityAsRoot(t *testing.T) {
	tn := newTestNode(t)
	out, err := tn.stsClient(tn.akid, tn.secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	acct := tn.n.svc.ARNs().Account
	if aws.ToString(out.Account) != acct || aws.ToString(out.Arn) != "arn:aws:iam::"+acct+":root" || aws.ToString(out.UserId) != acct {
		t.Fatalf("got %s %s %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}

	// A wrong secret is refused with STS's code for it.
	_, err = tn.stsClient(tn.akid, "wrong"+tn.secret[5:], "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: got %v, want SignatureDoesNotMatch", err)
	}
	// An unknown access key too.
	_, err = tn.stsClient("AKIAUNKNOWNUNKNOWN00", tn.secret, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidClientTokenId" {
		t.Fatalf("unknown key: got %v, want InvalidClientTokenId", err)
	}
	if !strings.Contains(ae.ErrorMessage(), "security token") {
		t.Errorf("message %q", ae.ErrorMessage())
	}
}

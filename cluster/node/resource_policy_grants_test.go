package node

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// grantOut is create-grant's output.
type grantOut struct{ GrantId, GrantToken string }

// grantList is list-grants' and list-retirable-grants' output.
type grantList struct {
	Grants []struct {
		KeyId, GrantId, GranteePrincipal, RetiringPrincipal, IssuingAccount, Name string
		Operations                                                                []string
		Constraints                                                               struct {
			EncryptionContextSubset, EncryptionContextEquals map[string]string
		}
	}
}

func (l grantList) ids() []string {
	var out []string
	for _, g := range l.Grants {
		out = append(out, g.GrantId)
	}
	return out
}

// TestGrantsEndToEnd drives every grant operation with the AWS CLI v2 and the SDK on one node:
// grants with EncryptionContextSubset and EncryptionContextEquals constraints let their grantee
// (an IAM user with no policy of its own) use the key only within the constraint and only for
// the listed operations; GrantTokens are accepted; list-grants and list-retirable-grants show
// them; retire-grant by token (by the retiring principal) and by key and grant id (by the
// issuing account), revoke-grant, and after each the grantee is refused.
func TestGrantsEndToEnd(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	root := tn.cliAs(t, nil)
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id, arn := aws.ToString(ck.KeyMetadata.KeyId), aws.ToString(ck.KeyMetadata.Arn)
	grantee := tn.testPrincipal(t, "grantee")
	grantee2 := tn.testPrincipal(t, "grantee2")
	retirer := tn.testPrincipal(t, "retirer")
	it := map[string]string{"dept": "it"}

	// Before any grant the grantee has nothing.
	_, err = grantee.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: it})
	wantAccessDenied(t, "Encrypt before the grant", err)

	var g1 grantOut
	if err := json.Unmarshal([]byte(root.ok("kms", "create-grant", "--key-id", id, "--grantee-principal", grantee.arn,
		"--retiring-principal", retirer.arn, "--operations", "Encrypt", "Decrypt",
		"--constraints", "EncryptionContextSubset={dept=it}", "--name", "it-subset")), &g1); err != nil || g1.GrantId == "" || g1.GrantToken == "" {
		t.Fatalf("create-grant: %+v %v", g1, err)
	}
	// Name makes CreateGrant idempotent.
	var again grantOut
	_ = json.Unmarshal([]byte(root.ok("kms", "create-grant", "--key-id", id, "--grantee-principal", grantee.arn,
		"--retiring-principal", retirer.arn, "--operations", "Encrypt", "Decrypt",
		"--constraints", "EncryptionContextSubset={dept=it}", "--name", "it-subset")), &again)
	if again.GrantId != g1.GrantId {
		t.Fatalf("create-grant repeated with the same name made a new grant: %s, first %s", again.GrantId, g1.GrantId)
	}

	// Subset: the context must contain dept=it; more pairs are fine.
	wide := map[string]string{"dept": "it", "project": "x"}
	enc, err := grantee.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("granted"), EncryptionContext: wide,
		GrantTokens: []string{g1.GrantToken}})
	if err != nil {
		t.Fatalf("Encrypt within the grant (with its token): %v", err)
	}
	if _, err := grantee.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: it}); err != nil {
		t.Fatalf("Encrypt within the grant (no token): %v", err)
	}
	dec, err := grantee.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: wide, GrantTokens: []string{g1.GrantToken}})
	if err != nil || string(dec.Plaintext) != "granted" {
		t.Fatalf("Decrypt within the grant: %v", err)
	}
	for _, ec := range []map[string]string{nil, {"dept": "hr"}, {"Dept": "it"}, {"project": "x"}} {
		_, err = grantee.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: ec})
		wantAccessDenied(t, "Encrypt outside the grant's constraint", err)
	}
	_, err = grantee.kms.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(arn), KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: it})
	wantAccessDenied(t, "GenerateDataKey, an operation the grant does not list", err)
	_, err = grantee.kms.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(arn)})
	wantAccessDenied(t, "ScheduleKeyDeletion by the grantee", err)
	gcli := tn.cliAs(t, grantee)
	gcli.ok("kms", "encrypt", "--key-id", arn, "--plaintext", "eA==", "--encryption-context", "dept=it", "--grant-tokens", g1.GrantToken)
	gcli.fails([]string{"kms", "encrypt", "--key-id", arn, "--plaintext", "eA==", "--encryption-context", "dept=hr"}, "AccessDeniedException")
	// Another principal gains nothing from the grant or its token.
	_, err = grantee2.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: it, GrantTokens: []string{g1.GrantToken}})
	wantAccessDenied(t, "Encrypt by another principal with the grant's token", err)

	// Equals, made with the SDK: exactly dept=it.
	g2, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(grantee2.arn),
		Operations:  []kmstypes.GrantOperation{kmstypes.GrantOperationGenerateDataKey, kmstypes.GrantOperationDecrypt},
		Constraints: &kmstypes.GrantConstraints{EncryptionContextEquals: it}})
	if err != nil {
		t.Fatal(err)
	}
	dk, err := grantee2.kms.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(arn), KeySpec: kmstypes.DataKeySpecAes256,
		EncryptionContext: it, GrantTokens: []string{aws.ToString(g2.GrantToken)}})
	if err != nil {
		t.Fatalf("GenerateDataKey within the Equals grant: %v", err)
	}
	if _, err := grantee2.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: it}); err != nil {
		t.Fatalf("Decrypt within the Equals grant: %v", err)
	}
	_, err = grantee2.kms.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(arn), KeySpec: kmstypes.DataKeySpecAes256, EncryptionContext: wide})
	wantAccessDenied(t, "GenerateDataKey with more context than the Equals grant", err)
	_, err = grantee2.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: wide, KeyId: aws.String(arn)})
	wantAccessDenied(t, "Decrypt with more context than the Equals grant", err)

	// A third grant, retired later by key and grant id.
	var g3 grantOut
	_ = json.Unmarshal([]byte(root.ok("kms", "create-grant", "--key-id", arn, "--grantee-principal", grantee.arn,
		"--operations", "DescribeKey")), &g3)
	if _, err := grantee.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(arn)}); err != nil {
		t.Fatalf("DescribeKey by a grant: %v", err)
	}

	// The audit trail names the grant that allowed the grantee's calls.
	var byGrant bool
	for _, l := range readAuthzAudit(t, tn.n.cfg.auditDir()) {
		if l.Op == "Encrypt" && l.Principal == grantee.arn && l.Outcome == "OK" {
			byGrant = l.Decision == "Allow" && l.DecisionReason == "allowed by grant" && l.DecidingPolicy == "grant" && l.DecidingStatement == g1.GrantId
		}
	}
	if !byGrant {
		t.Error("the audit record of an Encrypt allowed by a grant does not name the grant")
	}

	// Listing.
	var all grantList
	if err := json.Unmarshal([]byte(root.ok("kms", "list-grants", "--key-id", id)), &all); err != nil || len(all.Grants) != 3 {
		t.Fatalf("list-grants: %+v %v", all, err)
	}
	first := all.Grants[0]
	if first.GrantId != g1.GrantId || first.KeyId != arn || first.GranteePrincipal != grantee.arn || first.RetiringPrincipal != retirer.arn ||
		first.IssuingAccount != "arn:aws:iam::"+acct+":root" || first.Name != "it-subset" || first.Constraints.EncryptionContextSubset["dept"] != "it" ||
		strings.Join(first.Operations, ",") != "Decrypt,Encrypt" {
		t.Fatalf("list-grants entry: %+v", first)
	}
	var one grantList
	_ = json.Unmarshal([]byte(root.ok("kms", "list-grants", "--key-id", id, "--grant-id", aws.ToString(g2.GrantId))), &one)
	if len(one.Grants) != 1 || one.Grants[0].Constraints.EncryptionContextEquals["dept"] != "it" {
		t.Fatalf("list-grants --grant-id: %+v", one)
	}
	var byGrantee grantList
	_ = json.Unmarshal([]byte(root.ok("kms", "list-grants", "--key-id", id, "--grantee-principal", grantee.arn)), &byGrantee)
	if got := strings.Join(byGrantee.ids(), ","); got != g1.GrantId+","+g3.GrantId {
		t.Fatalf("list-grants --grantee-principal: %s", got)
	}
	var retirable grantList
	_ = json.Unmarshal([]byte(root.ok("kms", "list-retirable-grants", "--retiring-principal", retirer.arn)), &retirable)
	if got := strings.Join(retirable.ids(), ","); got != g1.GrantId {
		t.Fatalf("list-retirable-grants: %s, want %s", got, g1.GrantId)
	}
	lg, err := tn.kms.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(arn), Limit: aws.Int32(2)})
	if err != nil || len(lg.Grants) != 2 || !lg.Truncated || lg.NextMarker == nil {
		t.Fatalf("SDK ListGrants page 1: %+v %v", lg, err)
	}
	lg2, err := tn.kms.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(arn), Limit: aws.Int32(2), Marker: lg.NextMarker})
	if err != nil || len(lg2.Grants) != 1 || lg2.Truncated {
		t.Fatalf("SDK ListGrants page 2: %+v %v", lg2, err)
	}
	// The grantee cannot list the key's grants (no policy allows it).
	_, err = grantee.kms.ListGrants(ctx(), &kms.ListGrantsInput{KeyId: aws.String(arn)})
	wantAccessDenied(t, "ListGrants by the grantee", err)

	// Retire by token: not by a bystander, yes by the retiring principal.
	_, err = grantee2.kms.RetireGrant(ctx(), &kms.RetireGrantInput{GrantToken: aws.String(g1.GrantToken)})
	wantAccessDenied(t, "RetireGrant by a principal that is neither retiring principal nor grantee", err)
	tn.cliAs(t, retirer).ok("kms", "retire-grant", "--grant-token", g1.GrantToken)
	_, err = grantee.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), EncryptionContext: it, GrantTokens: []string{g1.GrantToken}})
	wantAccessDenied(t, "Encrypt after the grant was retired", err)
	_, err = grantee.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: wide})
	wantAccessDenied(t, "Decrypt after the grant was retired", err)
	tn.cliAs(t, retirer).fails([]string{"kms", "retire-grant", "--grant-token", g1.GrantToken}, "NotFoundException")

	// Retire by key and grant id, by the issuing account.
	root.ok("kms", "retire-grant", "--key-id", arn, "--grant-id", g3.GrantId)
	_, err = grantee.kms.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(arn)})
	wantAccessDenied(t, "DescribeKey after its grant was retired", err)

	// Revoke.
	root.ok("kms", "revoke-grant", "--key-id", id, "--grant-id", aws.ToString(g2.GrantId))
	_, err = grantee2.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: it})
	wantAccessDenied(t, "Decrypt after the grant was revoked", err)
	root.fails([]string{"kms", "revoke-grant", "--key-id", id, "--grant-id", aws.ToString(g2.GrantId)}, "NotFoundException")
	var none grantList
	if err := json.Unmarshal([]byte(root.ok("kms", "list-grants", "--key-id", id)), &none); err != nil || len(none.Grants) != 0 {
		t.Fatalf("list-grants after retire and revoke: %+v %v", none, err)
	}

	// Bad input gets KMS's errors.
	root.fails([]string{"kms", "create-grant", "--key-id", id, "--grantee-principal", "not-an-arn", "--operations", "Encrypt"}, "ValidationException")
	root.fails([]string{"kms", "create-grant", "--key-id", id, "--grantee-principal", grantee.arn, "--operations", "Sign",
		"--constraints", "EncryptionContextSubset={a=b}"}, "ValidationException")
	root.fails([]string{"kms", "retire-grant", "--grant-token", "garbage"}, "InvalidGrantTokenException")
	_, err = tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("x"), GrantTokens: make([]string, 11)})
	wantAWSCode(t, "Encrypt with 11 grant tokens", err, "ValidationException")
}

// TestGrantConditionKeysAndRoles: IAM policies bound CreateGrant with KMS's grant condition keys
// (kms:GrantOperations, kms:GranteePrincipal, kms:GrantIsForAWSResource), and a grant to a role
// is used by the role's sessions.
func TestGrantConditionKeysAndRoles(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(ck.KeyMetadata.Arn)
	roleARN := tn.mkRole(t, "worker", trustDoc("arn:aws:iam::"+acct+":root"))
	other := tn.testPrincipal(t, "other")
	granter := tn.testPrincipal(t, "granter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateGrant","Resource":"`+arn+`",
		"Condition":{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","Decrypt"]},"StringEquals":{"kms:GranteePrincipal":"`+roleARN+`"}}}]}`)
	svcOnly := tn.testPrincipal(t, "svc-only", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateGrant","Resource":"*",
		"Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]}`)

	grant := func(p *principal, grantee string, ops ...kmstypes.GrantOperation) error {
		_, err := p.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(arn), GranteePrincipal: aws.String(grantee), Operations: ops})
		return err
	}
	wantAccessDenied(t, "CreateGrant with an operation outside kms:GrantOperations", grant(granter, roleARN, kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationGenerateDataKey))
	wantAccessDenied(t, "CreateGrant to a grantee outside kms:GranteePrincipal", grant(granter, other.arn, kmstypes.GrantOperationEncrypt))
	wantAccessDenied(t, "CreateGrant directly under kms:GrantIsForAWSResource", grant(svcOnly, roleARN, kmstypes.GrantOperationEncrypt))
	if err := grant(granter, roleARN, kmstypes.GrantOperationEncrypt, kmstypes.GrantOperationDecrypt); err != nil {
		t.Fatalf("CreateGrant within the conditions: %v", err)
	}

	as, err := tn.stsClient(tn.akid, tn.secret, "").AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("job-1")})
	if err != nil {
		t.Fatal(err)
	}
	sess := tn.sessionKMS(as.Credentials)
	enc, err := sess.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(arn), Plaintext: []byte("role grant")})
	if err != nil {
		t.Fatalf("Encrypt by a session of the role the grant names: %v", err)
	}
	if dec, err := sess.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil || string(dec.Plaintext) != "role grant" {
		t.Fatalf("Decrypt by a session of the role: %v", err)
	}
	_, err = other.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, KeyId: aws.String(arn)})
	wantAccessDenied(t, "Decrypt by a principal the grant does not name", err)
}

package node

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMRolesWithSDK: the role half of IAM through the SDK's client: create, read, list with
// pagination and path prefix, update, trust policy, inline policies, attachments, tags, and
// delete, with IAM's error codes for what it refuses.
func TestIAMRolesWithSDK(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	ic := tn.iamClient(tn.akid, tn.secret, "")
	trust := trustDoc("arn:aws:iam::" + acct + ":root")

	for name, in := range map[string]*iam.CreateRoleInput{
		"ValidationError":         {RoleName: aws.String("bad name"), AssumeRolePolicyDocument: aws.String(trust)},
		"ValidationError ":        {RoleName: aws.String("r"), Path: aws.String("nopath"), AssumeRolePolicyDocument: aws.String(trust)},
		"ValidationError  ":       {RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(100), AssumeRolePolicyDocument: aws.String(trust)},
		"MalformedPolicyDocument": {RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`)},
		"LimitExceeded":           {RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(strings.Replace(trust, `"Action"`, `"Sid":"`+strings.Repeat("a", 2100)+`","Action"`, 1))},
		"InvalidInput":            {RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust), Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}},
	} {
		if _, err := ic.CreateRole(ctx(), in); apiCode(err) != strings.TrimSpace(name) {
			t.Errorf("CreateRole %+v: %v, want %s", in, err, name)
		}
	}
	if _, err := ic.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("missing")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("GetRole missing: %v", err)
	}

	for _, n := range []string{"r-e", "r-a", "r-d", "r-c", "r-b"} {
		path := "/"
		if n == "r-c" || n == "r-d" {
			path = "/team/"
		}
		if _, err := ic.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String(n), Path: aws.String(path), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	for pages := 0; ; pages++ {
		out, err := ic.ListRoles(ctx(), &iam.ListRolesInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
		if pages > 5 {
			t.Fatal("ListRoles does not end")
		}
	}
	if strings.Join(names, ",") != "r-a,r-b,r-c,r-d,r-e" {
		t.Fatalf("ListRoles pages: %v", names)
	}
	team, err := ic.ListRoles(ctx(), &iam.ListRolesInput{PathPrefix: aws.String("/team/")})
	if err != nil || len(team.Roles) != 2 || aws.ToString(team.Roles[0].Arn) != "arn:aws:iam::"+acct+":role/team/r-c" {
		t.Fatalf("ListRoles /team/: %+v %v", team, err)
	}

	if _, err := ic.UpdateRole(ctx(), &iam.UpdateRoleInput{RoleName: aws.String("r-a"), Description: aws.String("new"), MaxSessionDuration: aws.Int32(43200)}); err != nil {
		t.Fatal(err)
	}
	newTrust := trustDoc("arn:aws:iam::" + acct + ":role/r-b")
	if _, err := ic.UpdateAssumeRolePolicy(ctx(), &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r-a"), PolicyDocument: aws.String(newTrust)}); err != nil {
		t.Fatal(err)
	}
	g, err := ic.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("R-A")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(g.Role.AssumeRolePolicyDocument)); doc != newTrust || aws.ToString(g.Role.Description) != "new" || aws.ToInt32(g.Role.MaxSessionDuration) != 43200 {
		t.Fatalf("GetRole after updates: %+v", g.Role)
	}

	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"}}}]}`
	for _, pn := range []string{"p2", "p1"} {
		if _, err := ic.PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: aws.String("r-a"), PolicyName: aws.String(pn), PolicyDocument: aws.String(pol)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ic.PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: aws.String("r-a"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`)}); apiCode(err) != "MalformedPolicyDocument" {
		t.Fatalf("PutRolePolicy with a Principal: %v", err)
	}
	lp, err := ic.ListRolePolicies(ctx(), &iam.ListRolePoliciesInput{RoleName: aws.String("r-a")})
	if err != nil || strings.Join(lp.PolicyNames, ",") != "p1,p2" {
		t.Fatalf("ListRolePolicies: %+v %v", lp, err)
	}
	gp, err := ic.GetRolePolicy(ctx(), &iam.GetRolePolicyInput{RoleName: aws.String("r-a"), PolicyName: aws.String("p1")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); doc != pol || aws.ToString(gp.RoleName) != "r-a" {
		t.Fatalf("GetRolePolicy: %+v", gp)
	}
	if _, err := ic.GetRolePolicy(ctx(), &iam.GetRolePolicyInput{RoleName: aws.String("r-a"), PolicyName: aws.String("p9")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("GetRolePolicy missing: %v", err)
	}
	if _, err := ic.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("r-a")}); apiCode(err) != "DeleteConflict" {
		t.Fatalf("DeleteRole with policies: %v", err)
	}
	missingARN := "arn:aws:iam::" + acct + ":policy/none"
	if _, err := ic.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: aws.String("r-a"), PolicyArn: aws.String(missingARN)}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("AttachRolePolicy of a missing policy: %v", err)
	}
	if _, err := ic.DetachRolePolicy(ctx(), &iam.DetachRolePolicyInput{RoleName: aws.String("r-a"), PolicyArn: aws.String(missingARN)}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("DetachRolePolicy of an unattached policy: %v", err)
	}
	la, err := ic.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r-a")})
	if err != nil || len(la.AttachedPolicies) != 0 || la.IsTruncated {
		t.Fatalf("ListAttachedRolePolicies: %+v %v", la, err)
	}
	// A customer managed policy attached to the role: listed, counted, blocking both deletes.
	var attached []string
	for _, pn := range []string{"managed-b", "managed-a"} {
		cp, err := ic.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String(pn), Path: aws.String("/keys/"), PolicyDocument: aws.String(pol)})
		if err != nil {
			t.Fatal(err)
		}
		attached = append(attached, aws.ToString(cp.Policy.Arn))
		if _, err := ic.AttachRolePolicy(ctx(), &iam.AttachRolePolicyInput{RoleName: aws.String("r-a"), PolicyArn: cp.Policy.Arn}); err != nil {
			t.Fatalf("AttachRolePolicy: %v", err)
		}
	}
	la, err = ic.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r-a"), MaxItems: aws.Int32(1)})
	if err != nil || len(la.AttachedPolicies) != 1 || !la.IsTruncated || aws.ToString(la.AttachedPolicies[0].PolicyName) != "managed-a" {
		t.Fatalf("ListAttachedRolePolicies page 1: %+v %v", la, err)
	}
	la, err = ic.ListAttachedRolePolicies(ctx(), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("r-a"), Marker: la.Marker})
	if err != nil || len(la.AttachedPolicies) != 1 || la.IsTruncated || aws.ToString(la.AttachedPolicies[0].PolicyArn) != attached[0] {
		t.Fatalf("ListAttachedRolePolicies page 2: %+v %v", la, err)
	}
	if _, err := ic.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(attached[0])}); apiCode(err) != "DeleteConflict" {
		t.Fatalf("DeletePolicy attached to a role: %v", err)
	}
	ents, err := ic.ListEntitiesForPolicy(ctx(), &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(attached[0])})
	if err != nil || len(ents.PolicyRoles) != 1 || aws.ToString(ents.PolicyRoles[0].RoleName) != "r-a" {
		t.Fatalf("ListEntitiesForPolicy: %+v %v", ents, err)
	}
	for _, arn := range attached {
		if _, err := ic.DetachRolePolicy(ctx(), &iam.DetachRolePolicyInput{RoleName: aws.String("r-a"), PolicyArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}

	tags := []iamtypes.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}}
	if _, err := ic.TagRole(ctx(), &iam.TagRoleInput{RoleName: aws.String("r-a"), Tags: tags}); err != nil {
		t.Fatal(err)
	}
	// Keys are case-insensitive: "A" replaces the value of "a", which keeps its spelling.
	if _, err := ic.TagRole(ctx(), &iam.TagRoleInput{RoleName: aws.String("r-a"), Tags: []iamtypes.Tag{{Key: aws.String("A"), Value: aws.String("one")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.UntagRole(ctx(), &iam.UntagRoleInput{RoleName: aws.String("r-a"), TagKeys: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := ic.ListRoleTags(ctx(), &iam.ListRoleTagsInput{RoleName: aws.String("r-a")})
	if err != nil || len(lt.Tags) != 1 || aws.ToString(lt.Tags[0].Key) != "a" || aws.ToString(lt.Tags[0].Value) != "one" {
		t.Fatalf("ListRoleTags: %+v %v", lt, err)
	}
	many := make([]iamtypes.Tag, 50)
	for i := range many {
		many[i] = iamtypes.Tag{Key: aws.String("k" + strings.Repeat("x", i)), Value: aws.String("v")}
	}
	if _, err := ic.TagRole(ctx(), &iam.TagRoleInput{RoleName: aws.String("r-a"), Tags: many}); apiCode(err) != "LimitExceeded" {
		t.Fatalf("51 tags: %v", err)
	}

	for _, pn := range []string{"p1", "p2"} {
		if _, err := ic.DeleteRolePolicy(ctx(), &iam.DeleteRolePolicyInput{RoleName: aws.String("r-a"), PolicyName: aws.String(pn)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ic.DeleteRole(ctx(), &iam.DeleteRoleInput{RoleName: aws.String("r-a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("r-a")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("GetRole after DeleteRole: %v", err)
	}

	// Roles survive a restart (they are replicated state, restored from the log or a snapshot).
	tn.restart(t)
	ic = tn.iamClient(tn.akid, tn.secret, "")
	if g, err := ic.GetRole(ctx(), &iam.GetRoleInput{RoleName: aws.String("r-c")}); err != nil || aws.ToString(g.Role.Path) != "/team/" {
		t.Fatalf("GetRole after restart: %+v %v", g, err)
	}
}

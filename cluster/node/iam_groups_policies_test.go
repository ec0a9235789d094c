package node

import (
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// TestIAMGroupsAndManagedPolicies: groups with members, customer managed policies with
// versions, attachments to users and groups, and the lists that show them, through the SDK's
// IAM client; the conflicts AWS answers (a group with members, an attached policy, a policy
// with versions) hold.
func TestIAMGroupsAndManagedPolicies(t *testing.T) {
	tn := newTestNode(t)
	c := tn.iamClient(tn.akid, tn.secret, "")
	acct := tn.n.svc.ARNs().Account
	for _, u := range []string{"alice", "bob"} {
		must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(u)}))
	}
	g := must[*iam.CreateGroupOutput](t, "CreateGroup")(c.CreateGroup(ctx(), &iam.CreateGroupInput{GroupName: aws.String("admins"), Path: aws.String("/ops/")}))
	if aws.ToString(g.Group.Arn) != "arn:aws:iam::"+acct+":group/ops/admins" || len(aws.ToString(g.Group.GroupId)) != 20 {
		t.Fatalf("CreateGroup: %+v", g.Group)
	}
	for _, u := range []string{"alice", "bob"} {
		must[*iam.AddUserToGroupOutput](t, "AddUserToGroup")(c.AddUserToGroup(ctx(), &iam.AddUserToGroupInput{GroupName: aws.String("admins"), UserName: aws.String(u)}))
	}
	gg := must[*iam.GetGroupOutput](t, "GetGroup")(c.GetGroup(ctx(), &iam.GetGroupInput{GroupName: aws.String("admins")}))
	if len(gg.Users) != 2 || aws.ToString(gg.Users[0].UserName) != "alice" {
		t.Fatalf("GetGroup users: %+v", gg.Users)
	}
	gfu := must[*iam.ListGroupsForUserOutput](t, "ListGroupsForUser")(c.ListGroupsForUser(ctx(), &iam.ListGroupsForUserInput{UserName: aws.String("bob")}))
	if len(gfu.Groups) != 1 || aws.ToString(gfu.Groups[0].GroupName) != "admins" {
		t.Fatalf("ListGroupsForUser: %+v", gfu.Groups)
	}
	gdoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Describe*","Resource":"*"}]}`
	must[*iam.PutGroupPolicyOutput](t, "PutGroupPolicy")(c.PutGroupPolicy(ctx(), &iam.PutGroupPolicyInput{GroupName: aws.String("admins"), PolicyName: aws.String("describe"), PolicyDocument: aws.String(gdoc)}))
	ggp := must[*iam.GetGroupPolicyOutput](t, "GetGroupPolicy")(c.GetGroupPolicy(ctx(), &iam.GetGroupPolicyInput{GroupName: aws.String("admins"), PolicyName: aws.String("describe")}))
	if d, _ := url.QueryUnescape(aws.ToString(ggp.PolicyDocument)); d != gdoc {
		t.Fatalf("GetGroupPolicy: %q", d)
	}

	// A managed policy and its versions.
	v1 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`
	v2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`
	cp := must[*iam.CreatePolicyOutput](t, "CreatePolicy")(c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("crypto"), PolicyDocument: aws.String(v1), Description: aws.String("use keys")}))
	arn := aws.ToString(cp.Policy.Arn)
	if arn != "arn:aws:iam::"+acct+":policy/crypto" || aws.ToString(cp.Policy.DefaultVersionId) != "v1" || !cp.Policy.IsAttachable {
		t.Fatalf("CreatePolicy: %+v", cp.Policy)
	}
	_, err := c.CreatePolicy(ctx(), &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Encrypt"}}`)})
	wantCode(t, "CreatePolicy malformed", err, "MalformedPolicyDocument")
	cv := must[*iam.CreatePolicyVersionOutput](t, "CreatePolicyVersion")(c.CreatePolicyVersion(ctx(), &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(v2), SetAsDefault: true}))
	if aws.ToString(cv.PolicyVersion.VersionId) != "v2" || !cv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion: %+v", cv.PolicyVersion)
	}
	gv := must[*iam.GetPolicyVersionOutput](t, "GetPolicyVersion")(c.GetPolicyVersion(ctx(), &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}))
	if d, _ := url.QueryUnescape(aws.ToString(gv.PolicyVersion.Document)); d != v1 || gv.PolicyVersion.IsDefaultVersion {
		t.Fatalf("GetPolicyVersion v1: %q default=%v", d, gv.PolicyVersion.IsDefaultVersion)
	}
	lv := must[*iam.ListPolicyVersionsOutput](t, "ListPolicyVersions")(c.ListPolicyVersions(ctx(), &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)}))
	if len(lv.Versions) != 2 || aws.ToString(lv.Versions[0].VersionId) != "v2" {
		t.Fatalf("ListPolicyVersions: %+v", lv.Versions)
	}
	must[*iam.SetDefaultPolicyVersionOutput](t, "SetDefaultPolicyVersion")(c.SetDefaultPolicyVersion(ctx(), &iam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}))
	gp := must[*iam.GetPolicyOutput](t, "GetPolicy")(c.GetPolicy(ctx(), &iam.GetPolicyInput{PolicyArn: aws.String(arn)}))
	if aws.ToString(gp.Policy.DefaultVersionId) != "v1" || aws.ToString(gp.Policy.Description) != "use keys" {
		t.Fatalf("GetPolicy: %+v", gp.Policy)
	}

	// Attachments.
	must[*iam.AttachUserPolicyOutput](t, "AttachUserPolicy")(c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)}))
	must[*iam.AttachGroupPolicyOutput](t, "AttachGroupPolicy")(c.AttachGroupPolicy(ctx(), &iam.AttachGroupPolicyInput{GroupName: aws.String("admins"), PolicyArn: aws.String(arn)}))
	_, err = c.AttachUserPolicy(ctx(), &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	if code := iamCode(err); code != "NoSuchEntity" && code != "InvalidInput" {
		t.Fatalf("attaching an AWS managed policy: %v", err)
	}
	lau := must[*iam.ListAttachedUserPoliciesOutput](t, "ListAttachedUserPolicies")(c.ListAttachedUserPolicies(ctx(), &iam.ListAttachedUserPoliciesInput{UserName: aws.String("alice")}))
	if len(lau.AttachedPolicies) != 1 || aws.ToString(lau.AttachedPolicies[0].PolicyArn) != arn {
		t.Fatalf("ListAttachedUserPolicies: %+v", lau.AttachedPolicies)
	}
	lag := must[*iam.ListAttachedGroupPoliciesOutput](t, "ListAttachedGroupPolicies")(c.ListAttachedGroupPolicies(ctx(), &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String("admins")}))
	if len(lag.AttachedPolicies) != 1 {
		t.Fatalf("ListAttachedGroupPolicies: %+v", lag.AttachedPolicies)
	}
	ent := must[*iam.ListEntitiesForPolicyOutput](t, "ListEntitiesForPolicy")(c.ListEntitiesForPolicy(ctx(), &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)}))
	if len(ent.PolicyUsers) != 1 || len(ent.PolicyGroups) != 1 || len(ent.PolicyRoles) != 0 {
		t.Fatalf("ListEntitiesForPolicy: %+v", ent)
	}
	lp := must[*iam.ListPoliciesOutput](t, "ListPolicies")(c.ListPolicies(ctx(), &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}))
	if len(lp.Policies) != 1 || lp.Policies[0].AttachmentCount == nil || *lp.Policies[0].AttachmentCount != 2 {
		t.Fatalf("ListPolicies: %+v", lp.Policies)
	}
	aws_ := must[*iam.ListPoliciesOutput](t, "ListPolicies AWS")(c.ListPolicies(ctx(), &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws}))
	if len(aws_.Policies) != 0 {
		t.Fatalf("keyhold has no AWS managed policies, got %d", len(aws_.Policies))
	}

	// Conflicts, then the clean-up order AWS requires.
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, "DeletePolicy attached", err, "DeleteConflict")
	_, err = c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: aws.String("admins")})
	wantCode(t, "DeleteGroup with members", err, "DeleteConflict")
	_, err = c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")})
	wantCode(t, "DeletePolicyVersion default", err, "DeleteConflict")
	must[*iam.DetachUserPolicyOutput](t, "DetachUserPolicy")(c.DetachUserPolicy(ctx(), &iam.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String(arn)}))
	must[*iam.DetachGroupPolicyOutput](t, "DetachGroupPolicy")(c.DetachGroupPolicy(ctx(), &iam.DetachGroupPolicyInput{GroupName: aws.String("admins"), PolicyArn: aws.String(arn)}))
	_, err = c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	wantCode(t, "DeletePolicy with two versions", err, "DeleteConflict")
	must[*iam.DeletePolicyVersionOutput](t, "DeletePolicyVersion")(c.DeletePolicyVersion(ctx(), &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")}))
	must[*iam.DeletePolicyOutput](t, "DeletePolicy")(c.DeletePolicy(ctx(), &iam.DeletePolicyInput{PolicyArn: aws.String(arn)}))
	for _, u := range []string{"alice", "bob"} {
		must[*iam.RemoveUserFromGroupOutput](t, "RemoveUserFromGroup")(c.RemoveUserFromGroup(ctx(), &iam.RemoveUserFromGroupInput{GroupName: aws.String("admins"), UserName: aws.String(u)}))
	}
	_, err = c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: aws.String("admins")})
	wantCode(t, "DeleteGroup with a policy", err, "DeleteConflict")
	must[*iam.DeleteGroupPolicyOutput](t, "DeleteGroupPolicy")(c.DeleteGroupPolicy(ctx(), &iam.DeleteGroupPolicyInput{GroupName: aws.String("admins"), PolicyName: aws.String("describe")}))
	must[*iam.DeleteGroupOutput](t, "DeleteGroup")(c.DeleteGroup(ctx(), &iam.DeleteGroupInput{GroupName: aws.String("admins")}))
	lg := must[*iam.ListGroupsOutput](t, "ListGroups")(c.ListGroups(ctx(), &iam.ListGroupsInput{}))
	if len(lg.Groups) != 0 {
		t.Fatalf("ListGroups after delete: %+v", lg.Groups)
	}
}

// TestIAMPaginationAndTags: ListUsers pages with Marker/MaxItems through the SDK's paginator
// (every user once, in name order), a bad MaxItems is a ValidationError; user tags are added,
// overwritten, listed and removed; UpdateUser renames and moves a user.
func TestIAMPaginationAndTags(t *testing.T) {
	tn := newTestNode(t)
	c := tn.iamClient(tn.akid, tn.secret, "")
	names := []string{"u0", "u1", "u2", "u3", "u4", "u5", "u6"}
	for _, n := range names {
		must[*iam.CreateUserOutput](t, "CreateUser")(c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(n)}))
	}
	var got []string
	pages := 0
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(3)})
	for p.HasMorePages() {
		out := must[*iam.ListUsersOutput](t, "ListUsers page")(p.NextPage(ctx()))
		pages++
		for _, u := range out.Users {
			got = append(got, aws.ToString(u.UserName))
		}
	}
	if pages != 3 || len(got) != len(names) {
		t.Fatalf("ListUsers: %d pages, users %v", pages, got)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("ListUsers order: %v", got)
		}
	}
	_, err := c.ListUsers(ctx(), &iam.ListUsersInput{MaxItems: aws.Int32(1001)})
	wantCode(t, "MaxItems 1001", err, "ValidationError")

	must[*iam.TagUserOutput](t, "TagUser")(c.TagUser(ctx(), &iam.TagUserInput{UserName: aws.String("u0"), Tags: []iamtypes.Tag{
		{Key: aws.String("team"), Value: aws.String("cats")}, {Key: aws.String("env"), Value: aws.String("prod")}}}))
	must[*iam.TagUserOutput](t, "TagUser overwrite")(c.TagUser(ctx(), &iam.TagUserInput{UserName: aws.String("u0"), Tags: []iamtypes.Tag{
		{Key: aws.String("TEAM"), Value: aws.String("dogs")}}}))
	lt := must[*iam.ListUserTagsOutput](t, "ListUserTags")(c.ListUserTags(ctx(), &iam.ListUserTagsInput{UserName: aws.String("u0")}))
	if len(lt.Tags) != 2 || aws.ToString(lt.Tags[1].Key) != "team" || aws.ToString(lt.Tags[1].Value) != "dogs" {
		t.Fatalf("ListUserTags: %+v", lt.Tags)
	}
	must[*iam.UntagUserOutput](t, "UntagUser")(c.UntagUser(ctx(), &iam.UntagUserInput{UserName: aws.String("u0"), TagKeys: []string{"env"}}))
	lt = must[*iam.ListUserTagsOutput](t, "ListUserTags")(c.ListUserTags(ctx(), &iam.ListUserTagsInput{UserName: aws.String("u0")}))
	if len(lt.Tags) != 1 {
		t.Fatalf("ListUserTags after untag: %+v", lt.Tags)
	}
	_, err = c.TagUser(ctx(), &iam.TagUserInput{UserName: aws.String("u0"), Tags: []iamtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	wantCode(t, "reserved tag prefix", err, "InvalidInput")

	must[*iam.UpdateUserOutput](t, "UpdateUser")(c.UpdateUser(ctx(), &iam.UpdateUserInput{UserName: aws.String("u0"), NewUserName: aws.String("zed"), NewPath: aws.String("/moved/")}))
	u := must[*iam.GetUserOutput](t, "GetUser renamed")(c.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("zed")}))
	if aws.ToString(u.User.Path) != "/moved/" {
		t.Fatalf("renamed user: %+v", u.User)
	}
	_, err = c.UpdateUser(ctx(), &iam.UpdateUserInput{UserName: aws.String("u1"), NewUserName: aws.String("ZED")})
	wantCode(t, "rename onto an existing name", err, "EntityAlreadyExists")
	pl := must[*iam.ListUsersOutput](t, "ListUsers prefix")(c.ListUsers(ctx(), &iam.ListUsersInput{PathPrefix: aws.String("/moved/")}))
	if len(pl.Users) != 1 {
		t.Fatalf("ListUsers PathPrefix: %+v", pl.Users)
	}
}

package node

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// awsCLI runs the AWS CLI v2 against a test node as one principal.
type awsCLI struct {
	t                *testing.T
	bin, url, region string
	akid, secret     string
	work, caBundle   string
}

// cliAs returns the AWS CLI v2 signing with p's access key (tn's root when p is nil).
func (tn *testNode) cliAs(t *testing.T, p *principal) *awsCLI {
	c := &awsCLI{t: t, bin: clustertest.AWSCLI(t), url: tn.url, region: tn.cfg.Region, akid: tn.akid, secret: tn.secret, work: t.TempDir()}
	if p != nil {
		c.akid, c.secret = p.akid, p.secret
	}
	return c
}

// run runs `aws args...` with JSON output and returns its combined output and exit error.
func (c *awsCLI) run(args ...string) (string, error) {
	c.t.Helper()
	base := []string{"--endpoint-url", c.url, "--region", c.region, "--output", "json"}
	if c.caBundle != "" {
		base = append(base, "--ca-bundle", c.caBundle)
	}
	cmd := exec.Command(c.bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+c.akid, "AWS_SECRET_ACCESS_KEY="+c.secret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "HOME="+c.work,
		"AWS_MAX_ATTEMPTS=2")
	cmd.Dir = c.work
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// ok runs the command and fails the test unless it succeeds.
func (c *awsCLI) ok(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// fails runs the command and fails the test unless it fails with output containing every one
// of want (the error code, AWS's message).
func (c *awsCLI) fails(args []string, want ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err == nil {
		c.t.Fatalf("aws %s succeeded, want an error with %q\n%s", strings.Join(args, " "), want, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			c.t.Fatalf("aws %s: output lacks %q\n%s", strings.Join(args, " "), w, out)
		}
	}
	return out
}

// userIn makes an IAM user with inline policies docs in the account whose root is root (any
// account on the node), and returns it as a principal with SDK clients.
func (tn *testNode) userIn(t *testing.T, root *principal, account, user string, docs ...string) *principal {
	t.Helper()
	c := tn.iamClient(root.akid, root.secret, "")
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		t.Fatalf("CreateUser %s in %s: %v", user, account, err)
	}
	for i, d := range docs {
		if _, err := c.PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String(user),
			PolicyName: aws.String(user + "-inline-" + itoa(i)), PolicyDocument: aws.String(d)}); err != nil {
			t.Fatalf("PutUserPolicy %s: %v", user, err)
		}
	}
	k, err := c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("CreateAccessKey %s: %v", user, err)
	}
	return tn.principalFor(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey),
		"arn:aws:iam::"+account+":user/"+user)
}

// allowDoc is an identity policy allowing actions on resource.
func allowDoc(resource string, actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) +
		`"],"Resource":"` + resource + `"}]}`
}

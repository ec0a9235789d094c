package main

import (
	"bufio"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// buildKeyhold builds the daemon binary once per test run.
func buildKeyhold(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "keyhold")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// devProcess runs `keyhold dev` as a real process, as `make dev` does.
type devProcess struct {
	cmd *exec.Cmd
	api string
}

func startDev(t *testing.T, bin, dir string, api, ops, raft string) *devProcess {
	t.Helper()
	cmd := exec.Command(bin, "dev", "-dir", dir, "-api-addr", api, "-ops-addr", ops, "-raft-addr", raft)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if !testing.Verbose() {
		cmd.Stderr = nil
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		var tour strings.Builder
		for sc.Scan() {
			tour.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Stop with Ctrl-C") {
				ready <- tour.String()
			}
		}
	}()
	select {
	case tour := <-ready:
		if !strings.Contains(tour, "source ") || !strings.Contains(tour, "kms create-key") {
			t.Fatalf("the dev tour is missing its commands:\n%s", tour)
		}
	case <-time.After(time.Until(clustertest.PollDeadline(t, 60*time.Second))):
		_ = cmd.Process.Kill()
		t.Fatal("keyhold dev did not print its tour")
	}
	return &devProcess{cmd: cmd, api: "http://" + api}
}

func (p *devProcess) stop(t *testing.T) {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Until(clustertest.PollDeadline(t, 20*time.Second))):
		_ = p.cmd.Process.Kill()
		t.Fatal("keyhold dev did not stop on SIGINT")
	}
}

// TestREADMETour runs the README's tour with the AWS CLI v2 against `keyhold dev`, then restarts
// the dev node and decrypts again: the state and credentials are reused.
func TestREADMETour(t *testing.T) {
	aws := clustertest.AWSCLI(t)
	bin := buildKeyhold(t)
	dir := filepath.Join(t.TempDir(), ".keyhold-dev")
	api, ops, raft := clustertest.FreePort(t), clustertest.FreePort(t), clustertest.FreePort(t)
	p := startDev(t, bin, dir, api, ops, raft)
	defer func() { p.stop(t) }()

	env := append(os.Environ(), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"), "AWS_PROFILE=keyhold",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
	work := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(aws, append([]string{"--endpoint-url", p.api}, args...)...)
		cmd.Env, cmd.Dir = env, work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	plans := "find all the doggos, distract them with the yumz\n"
	if err := os.WriteFile(filepath.Join(work, "battleplans.txt"), []byte(plans), 0o600); err != nil {
		t.Fatal(err)
	}
	keyID := run("kms", "create-key", "--description", "demo", "--query", "KeyMetadata.KeyId", "--output", "text")
	run("kms", "create-alias", "--alias-name", "alias/catrobot", "--target-key-id", keyID)
	blob := run("kms", "encrypt", "--key-id", "alias/catrobot", "--plaintext", "fileb://battleplans.txt", "--output", "text", "--query", "CiphertextBlob")
	raw, err := base64.StdEncoding.DecodeString(blob)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "not_battleplans.enc"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	decrypt := func() string {
		out := run("kms", "decrypt", "--ciphertext-blob", "fileb://not_battleplans.enc", "--output", "text", "--query", "Plaintext")
		pt, err := base64.StdEncoding.DecodeString(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(pt)
	}
	if got := decrypt(); got != plans {
		t.Fatalf("decrypt: got %q, want %q", got, plans)
	}

	// Running it again reuses the state.
	p.stop(t)
	p = startDev(t, bin, dir, api, ops, raft)
	if got := decrypt(); got != plans {
		t.Fatalf("after restart: got %q, want %q", got, plans)
	}
	resp, err := http.Get("http://" + ops + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz after restart: %v %v", err, resp)
	}
	resp.Body.Close()
}

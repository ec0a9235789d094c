package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"keyholdctl": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar: the CLI as an operator types it. Scripts that need a
// live node start `keyhold dev` in the background (`exec keyhold dev ... &`), on the ports in
// $API_ADDR, $OPS_ADDR and $RAFT_ADDR, and wait for it with `waithttp`; they are skipped with
// -short or without a go toolchain ([!keyhold] skip).
func TestScripts(t *testing.T) {
	bin := keyholdBinary(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			if bin != "" {
				e.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+e.Getenv("PATH"))
				e.Setenv("KEYHOLD_BIN", bin)
			}
			for _, name := range []string{"API_ADDR", "OPS_ADDR", "RAFT_ADDR"} {
				addr, err := freeAddr()
				if err != nil {
					return err
				}
				e.Setenv(name, addr)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "keyhold" {
				return bin != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waithttp": waitHTTP,

			"setenvmatch": setenvMatch, // create_account_test.go
		},
	})
}

// keyholdBinary builds cmd/keyhold for the live scripts; "" skips them.
func keyholdBinary(t *testing.T) string {
	if testing.Short() {
		return ""
	}
	if _, err := exec.LookPath("go"); err != nil {
		return ""
	}
	bin := filepath.Join(t.TempDir(), "keyhold")
	if out, err := exec.Command("go", "build", "-o", bin, "../keyhold").CombinedOutput(); err != nil {
		t.Fatalf("go build keyhold: %v\n%s", err, out)
	}
	return bin
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// waitHTTP is the script command `waithttp URL REGEXP`: it polls GET URL until it answers 200
// with a body matching REGEXP, failing the script after a minute.
func waitHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waithttp URL REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	deadline := time.Now().Add(time.Minute)
	var last string
	for {
		resp, err := http.Get(args[0])
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, b)
			if resp.StatusCode == http.StatusOK && re.Match(b) {
				return
			}
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			ts.Fatalf("GET %s: no 200 matching %q after a minute; last: %s", args[0], args[1], last)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, not synchronisation
	}
}

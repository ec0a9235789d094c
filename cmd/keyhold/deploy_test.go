package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/cluster/node"
)

const deployDir = "../../deploy"

// TestDeployExampleConfig: the example production config loads (no unknown fields) and validates.
func TestDeployExampleConfig(t *testing.T) {
	cfg := node.DefaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	if err := loadConfig(&cfg, fs, []string{"-config", filepath.Join(deployDir, "keyhold.example.json")}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.LogFormat != "json" || !cfg.MemLock || cfg.TLSCert == "" {
		t.Fatalf("the example did not load as written: %+v", cfg)
	}
	if !cfg.Quotas.Enabled || cfg.Quotas.Accounts["111122223333"]["kms:CreateKey"] != 100 {
		t.Fatalf("the example's quotas did not load: %+v", cfg.Quotas)
	}
}

var metricName = regexp.MustCompile(`keyhold_[a-z0-9_]+`)

// TestDeployPrometheus: promtool accepts the scrape config and the alert rules, and every keyhold
// metric the rules and the dashboard use is one keyhold exports (named in its non-test sources).
// `make test` installs promtool (Debian's prometheus package) and sets KEYHOLD_REQUIRE_PROMTOOL.
func TestDeployPrometheus(t *testing.T) {
	exported := exportedMetricNames(t)
	for _, f := range []string{"prometheus/alerts.yml", "grafana/keyhold.json"} {
		b, err := os.ReadFile(filepath.Join(deployDir, f))
		if err != nil {
			t.Fatal(err)
		}
		used := metricName.FindAllString(string(b), -1)
		if len(used) == 0 {
			t.Fatalf("%s uses no keyhold metric: the check proves nothing", f)
		}
		for _, m := range used {
			base := m
			for _, suf := range []string{"_bucket", "_count", "_sum"} {
				base = strings.TrimSuffix(base, suf)
			}
			if !exported[base] && !exported[m] {
				t.Errorf("%s uses %s, which keyhold does not export", f, m)
			}
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("KEYHOLD_REQUIRE_PROMTOOL") != "" {
			t.Fatal("promtool not found (apt-get install prometheus)")
		}
		t.Skip("promtool not found (apt-get install prometheus)")
	}
	for _, args := range [][]string{
		{"check", "rules", filepath.Join(deployDir, "prometheus/alerts.yml")},
		{"check", "config", "--syntax-only", filepath.Join(deployDir, "prometheus/prometheus.yml")},
	} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// exportedMetricNames collects the keyhold_* names in string literals of the non-test Go sources.
func exportedMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".keyhold")) {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, lit := range regexp.MustCompile(`"keyhold_[a-z0-9_]+"`).FindAllString(string(b), -1) {
			names[strings.Trim(lit, `"`)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 10 {
		list := make([]string, 0, len(names))
		for n := range names {
			list = append(list, n)
		}
		sort.Strings(list)
		t.Fatalf("found only %v: the scan is broken", list)
	}
	return names
}

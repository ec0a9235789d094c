package cluster

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestHCLogAdapter(t *testing.T) {
	var buf bytes.Buffer
	a := newHCLogAdapter(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l := a.Named("raft").With("node", "n1")
	for _, tc := range []struct {
		log  func(string, ...any)
		msg  string
		want string // "" means filtered out
	}{
		{l.Trace, "trace msg", ""},
		{l.Debug, "debug msg", ""},
		{l.Info, "info msg", "level=INFO msg=\"info msg\" node=n1 subsystem=raft k=v"},
		{l.Warn, "warn msg", "level=WARN msg=\"warn msg\" node=n1 subsystem=raft k=v"},
		{l.Error, "error msg", "level=ERROR msg=\"error msg\" node=n1 subsystem=raft k=v"},
	} {
		buf.Reset()
		tc.log(tc.msg, "k", "v")
		got := buf.String()
		if tc.want == "" {
			if got != "" {
				t.Errorf("%s: got %q, want nothing", tc.msg, got)
			}
			continue
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want it to contain %q", tc.msg, got, tc.want)
		}
	}
	if l.IsDebug() || !l.IsInfo() || l.GetLevel() != hclog.Info {
		t.Errorf("levels: IsDebug %v IsInfo %v GetLevel %v, want false true Info", l.IsDebug(), l.IsInfo(), l.GetLevel())
	}
	if got := l.Named("net").Name(); got != "raft.net" {
		t.Errorf("Named: got %q, want %q", got, "raft.net")
	}
	buf.Reset()
	l.Log(hclog.Off, "never")
	if buf.Len() != 0 {
		t.Errorf("Off level: got %q, want nothing", buf.String())
	}
}

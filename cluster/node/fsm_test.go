package node

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/domain"
)

// TestFSMRejectsGarbageAndHaltsOnlyOnNewerCommands: undecodable committed bytes are an error
// result and a count, never a halt; a command type from a newer version halts the node with a
// message that says so.
func TestFSMRejectsGarbageAndHaltsOnlyOnNewerCommands(t *testing.T) {
	var halted []string
	f := &fsm{
		st:    domain.NewState(domain.ARNs{Partition: "aws", Region: "us-east-1", Account: "111122223333"}),
		log:   slog.New(slog.DiscardHandler),
		trust: &peerTrust{},
		halt:  func(msg string) { halted = append(halted, msg) },
	}
	for i, cmd := range [][]byte{{0xFF}, {}, {0x02, 'n', 'u', 'l', 'l'}, {0x00}} {
		res := f.Apply(uint64(i+1), cmd)
		if err, ok := res.(error); !ok || !errors.Is(err, domain.ErrValidation) {
			t.Errorf("Apply(%x): got %v, want a validation error", cmd, res)
		}
	}
	if got := f.rejected.Load(); got != 4 || len(halted) != 0 {
		t.Fatalf("after garbage: %d rejected, halted %v; want 4 and no halt", got, halted)
	}
	f.Apply(9, []byte{0x7F, '{', '}'})
	if len(halted) != 1 || !strings.Contains(halted[0], "newer keyhold version") || !strings.Contains(halted[0], "raft entry 9") {
		t.Fatalf("newer command: halted %q, want one halt naming the entry and the newer version", halted)
	}
	if got := f.rejected.Load(); got != 4 {
		t.Errorf("a newer command was counted as rejected garbage")
	}
}

package ceremony

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite domain/ceremony/testdata golden files")

// TestGoldenProposal pins the signed-proposal encoding byte by byte. The golden file is
// annotated: each line is the hex of one CBOR head (and its short content), then '#' and what it
// means; only the hex counts.
func TestGoldenProposal(t *testing.T) {
	got := goldenSigned(t)
	checkGolden(t, "testdata/signed_proposal_v1.golden", got)
	sp, p, err := ParseSignedProposal(got)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindAddOperator || len(sp.Signatures) != 1 {
		t.Fatalf("parsed golden: kind %s, %d signatures", p.Kind, len(sp.Signatures))
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateGolden {
		var b strings.Builder
		annotate(&b, got, 0)
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	var want []byte
	for line := range strings.SplitSeq(string(raw), "\n") {
		h, _, _ := strings.Cut(line, "#")
		b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(h), " ", ""))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		want = append(want, b...)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding changed:\ngot  %x\nwant %x", got, want)
	}
}

// annotate writes b (canonical CBOR without tags or floats) one item per line, indented by
// depth; it returns the bytes consumed.
func annotate(w *strings.Builder, b []byte, depth int) int {
	major, info := b[0]>>5, b[0]&0x1f
	n, hl := uint64(info), 1
	switch {
	case info == 24:
		n, hl = uint64(b[1]), 2
	case info == 25:
		n, hl = uint64(b[1])<<8|uint64(b[2]), 3
	case info == 26:
		n, hl = uint64(b[1])<<24|uint64(b[2])<<16|uint64(b[3])<<8|uint64(b[4]), 5
	case info == 27:
		n = 0
		for i := 1; i <= 8; i++ {
			n = n<<8 | uint64(b[i])
		}
		hl = 9
	}
	pad := strings.Repeat("  ", depth)
	head := hex.EncodeToString(b[:hl])
	switch major {
	case 0:
		fmt.Fprintf(w, "%s%-24s # uint %d\n", pad, head, n)
		return hl
	case 1:
		fmt.Fprintf(w, "%s%-24s # negative int %d\n", pad, head, -1-int64(n))
		return hl
	case 2, 3:
		kind := "bytes"
		if major == 3 {
			kind = "text"
		}
		body := b[hl : hl+int(n)]
		if major == 3 {
			fmt.Fprintf(w, "%s%-24s # %s(%d) %q\n", pad, head, kind, n, body)
		} else {
			fmt.Fprintf(w, "%s%-24s # %s(%d)\n", pad, head, kind, n)
		}
		if major == 2 && n > 0 && (body[0]>>5 == 5) && nestedOK(body) {
			// Embedded CBOR (a proposal inside a signed proposal): annotate it too.
			annotate(w, body, depth+1)
		} else {
			for i := 0; i < len(body); i += 32 {
				fmt.Fprintf(w, "%s  %s\n", pad, hex.EncodeToString(body[i:min(i+32, len(body))]))
			}
		}
		return hl + int(n)
	case 4, 5:
		items, kind := int(n), "array"
		if major == 5 {
			items, kind = 2*int(n), "map"
		}
		fmt.Fprintf(w, "%s%-24s # %s(%d)\n", pad, head, kind, n)
		off := hl
		for range items {
			off += annotate(w, b[off:], depth+1)
		}
		return off
	}
	fmt.Fprintf(w, "%s%-24s # simple %d\n", pad, head, info)
	return hl
}

// nestedOK reports whether body parses as one canonical CBOR map of this package's shapes.
func nestedOK(body []byte) bool {
	var p Proposal
	return UnmarshalStrict(body, MaxProposalBytes, &p) == nil
}

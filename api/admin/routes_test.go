package admin

import (
	"net/http"
	"strings"
	"testing"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// TestAdminRoutesArePinned pins which admin routes need an operator's signature and how much
// body each reads before authenticating: a new route, or a route that turns open, must show up
// here. Nothing that changes state or returns domain material is open.
func TestAdminRoutesArePinned(t *testing.T) {
	type pin struct {
		operator bool
		limit    int64
	}
	want := map[string]pin{
		"GET /v1/domain/status":                 {false, 0},
		"GET /v1/node/identity":                 {false, 0},
		"GET /v1/admin/proposals":               {false, 0},
		"GET /v1/admin/proposals/{id}":          {false, 0},
		"GET /v1/domain/token":                  {true, 0},
		"POST /v1/admin/proposals":              {true, ceremony.MaxSignedProposal},
		"POST /v1/admin/proposals/{id}/approve": {true, 4 << 10},
		"POST /v1/admin/proposals/{id}/reject":  {true, 4 << 10},
		"POST /v1/admin/domain/import":          {true, 2 * ceremony.MaxTokenBytes},
		"GET /debug/pprof/":                     {true, 0},
		"GET /debug/pprof/profile":              {true, 0},
	}
	for _, pprof := range []bool{false, true} {
		s := New(Options{Pprof: pprof})
		got := map[string]bool{}
		for _, rt := range s.routes() {
			got[rt.pattern] = true
			w, ok := want[rt.pattern]
			if !ok {
				t.Errorf("route %s is not pinned", rt.pattern)
				continue
			}
			if rt.operator != w.operator || rt.limit != w.limit {
				t.Errorf("%s: operator %v, body limit %d; want %v, %d", rt.pattern, rt.operator, rt.limit, w.operator, w.limit)
			}
			if !strings.HasPrefix(rt.pattern, http.MethodGet+" ") && !rt.operator {
				t.Errorf("%s changes state and is open", rt.pattern)
			}
		}
		for p := range want {
			// pprof routes exist only with Options.Pprof; every other route always.
			if served := !strings.Contains(p, "/debug/pprof/") || pprof; got[p] != served {
				t.Errorf("pprof %v: route %s served %v, want %v", pprof, p, got[p], served)
			}
		}
	}
}

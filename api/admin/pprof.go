package admin

import (
	"net/http"
	"net/http/pprof"
)

// pprofRoutes serves Go's profiles on the ops listener when Options.Pprof is set, to operators
// only. Profiles help find where a node spends its CPU under load; they show code paths, goroutine
// stacks and allocation sizes, never memory contents, but stacks and timings of a key service are
// still nobody else's business, and a CPU profile costs the node while it runs.
func pprofRoutes() []adminRoute {
	wrap := func(h http.HandlerFunc) func(http.ResponseWriter, *http.Request, *adminCall) {
		return func(w http.ResponseWriter, r *http.Request, _ *adminCall) { h(w, r) }
	}
	return []adminRoute{
		{"GET /debug/pprof/", "Pprof", true, 0, wrap(pprof.Index)},
		{"GET /debug/pprof/profile", "PprofProfile", true, 0, wrap(pprof.Profile)},
	}
}

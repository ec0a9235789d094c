package api

import (
	"net/http"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OpsHandler serves the ops listener: metrics, health, readiness and cluster status, open (they
// carry no key material), and the admin API, operator-authenticated (package api/admin). Bind it to
// loopback (the default) or a management network all the same.
func (s *Server) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.opsRoutes() {
		mux.HandleFunc(rt.pattern, rt.h)
	}
	s.admin.Register(mux)    // api/admin: ceremonies, domain status and token; pprof if configured
	return s.auditedOps(mux) // audit.go: admin and pprof calls are recorded, or refused
}

// opsRoutes are the ops listener's open routes; the admin API's routes are in api/admin.
func (s *Server) opsRoutes() []opsRoute {
	metrics := promhttp.HandlerFor(s.m.Registry, promhttp.HandlerOpts{})
	return []opsRoute{
		{"GET /metrics", AuthOpen, metrics.ServeHTTP},
		{"GET /healthz", AuthOpen, func(w http.ResponseWriter, r *http.Request) {
			pipeline.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}},
		{"GET /readyz", AuthOpen, func(w http.ResponseWriter, r *http.Request) {
			if err := s.opts.Ready(); err != nil {
				pipeline.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
				return
			}
			pipeline.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
		}},
		{"GET /v1/cluster/status", AuthOpen, func(w http.ResponseWriter, r *http.Request) {
			if s.opts.Cluster == nil {
				pipeline.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "no cluster"})
				return
			}
			pipeline.WriteJSON(w, http.StatusOK, s.opts.Cluster.Status())
		}},
	}
}

package api

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// OpsHandler serves the ops listener: metrics, health, readiness and cluster status. It carries
// no key material and needs no signature; bind it to a management network (the default is
// loopback).
func (s *Server) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.m.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.opts.Ready(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.HandleFunc("GET /v1/cluster/status", func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Cluster == nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "no cluster"})
			return
		}
		writeJSON(w, http.StatusOK, s.opts.Cluster.Status())
	})
	s.registerAdmin(mux) // admin.go: ceremonies, domain status and token
	// Profiles help find where a node spends its CPU under load; they show code paths and sizes,
	// never memory contents.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	return s.auditedOps(mux) // audit.go: admin and pprof calls are recorded, or refused
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

package api

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are keyhold's Prometheus metrics. Names start with keyhold_; no label ever carries key
// material, key ids, encryption context or principals' secrets (operation and code are closed
// sets).
type Metrics struct {
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	hsmCalls *prometheus.HistogramVec
	hsmErrs  *prometheus.CounterVec
	cache    labelCache // metrics_cache.go
}

// NewMetrics creates the metrics and registers them, with the Go and process collectors, on a
// new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keyhold_api_requests_total",
			Help: "API requests by API (kms, s3), operation and result code (OK or the AWS error code).",
		}, []string{"api", "operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "keyhold_api_request_duration_seconds",
			Help:    "API request latency by API and operation, from the first byte read to the last written.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"api", "operation"}),
		hsmCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "keyhold_hsm_operation_duration_seconds",
			Help:    "PKCS#11 operation latency by operation.",
			Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .005, .01, .05, .1, .5, 1},
		}, []string{"operation"}),
		hsmErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "keyhold_hsm_errors_total",
			Help: "PKCS#11 operations that failed, by operation.",
		}, []string{"operation"}),
	}
	m.Registry.MustRegister(m.requests, m.latency, m.hsmCalls, m.hsmErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest records one API request.
func (m *Metrics) ObserveRequest(api, op, code string, d time.Duration) {
	c := m.requestChildren(api, op, code)
	c.count.Inc()
	c.latency.Observe(d.Seconds())
}

// ObserveHSM records one PKCS#11 operation; it has the shape of hsm.Options.Observer.
func (m *Metrics) ObserveHSM(op string, d time.Duration, err error) {
	m.hsmObserver(op).Observe(d.Seconds())
	if err != nil {
		m.hsmErrs.WithLabelValues(op).Inc()
	}
}

// CounterFunc registers a counter read from fn at scrape time (for counters kept elsewhere,
// such as the key cache's).
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.mustRegisterFunc(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// GaugeFunc registers a gauge read from fn at scrape time.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.mustRegisterFunc(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

func (m *Metrics) mustRegisterFunc(c prometheus.Collector) {
	if err := m.Registry.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a malformed metric name is a programming error
		}
	}
}

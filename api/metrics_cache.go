package api

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// The label children of the per-request metrics, looked up once per label set and kept:
// WithLabelValues hashes the values, takes the vector's lock and allocates its variadic slice
// on every call, twice per request. Operations and codes are closed sets, so the caches stay
// small.

// requestLabels is one (api, operation, code) of keyhold_api_requests_total.
type requestLabels struct{ api, op, code string }

// requestChildren are the children one request updates.
type requestChildren struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// labelCache holds the children, by label set.
type labelCache struct {
	requests sync.Map // requestLabels -> requestChildren
	hsm      sync.Map // operation -> prometheus.Observer
}

func (m *Metrics) requestChildren(api, op, code string) requestChildren {
	k := requestLabels{api, op, code}
	if c, ok := m.cache.requests.Load(k); ok {
		return c.(requestChildren)
	}
	c := requestChildren{m.requests.WithLabelValues(api, op, code), m.latency.WithLabelValues(api, op)}
	m.cache.requests.Store(k, c)
	return c
}

func (m *Metrics) hsmObserver(op string) prometheus.Observer {
	if o, ok := m.cache.hsm.Load(op); ok {
		return o.(prometheus.Observer)
	}
	o := m.hsmCalls.WithLabelValues(op)
	m.cache.hsm.Store(op, o)
	return o
}

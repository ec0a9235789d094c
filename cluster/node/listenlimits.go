package node

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Slow clients must not hold a listener. Every listener (API and ops) gets:
//   - a cap on open connections (max_conns): past it, connections wait in the kernel's accept
//     queue until one closes, so a flood of idle connections cannot take every goroutine and
//     file descriptor, and the ops listener, capped on its own, keeps answering;
//   - headers within read_timeout (at most 10s), idle_timeout for keep-alive connections;
//   - request bodies and responses that must move at min_transfer_rate on average: a body that
//     has delivered n bytes must do so by start + read_timeout + n/min_transfer_rate, and a
//     response likewise from its first byte (write_timeout). A fixed body timeout would either
//     cut off a legitimate 5 GiB S3 PUT or let a client trickle one byte every few seconds
//     into a small KMS call for as long; a minimum average rate does neither.
// The cluster's peer server sets its own http.Server timeouts (cluster/peer.go).

// listen binds addr with the connection cap.
func (n *Node) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return newLimitListener(ln, n.cfg.MaxConns), nil
}

// httpServer is the http.Server for one listener, with the timeouts above.
func (n *Node) httpServer(h http.Handler) *http.Server {
	c := n.cfg
	return &http.Server{
		Handler:           transferDeadlines(h, c.ReadTimeout, c.WriteTimeout, c.MinTransferRate),
		ReadHeaderTimeout: min(c.ReadTimeout, 10*time.Second),
		// Backstops; transferDeadlines extends both while data moves at the minimum rate.
		ReadTimeout:    c.ReadTimeout,
		WriteTimeout:   c.WriteTimeout,
		IdleTimeout:    c.IdleTimeout,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
}

// limitListener caps the connections it has accepted and not yet seen closed.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newLimitListener(ln net.Listener, max int) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), done: make(chan struct{})}
}

// Accept waits for a free slot, then for a connection.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

// Close also wakes an Accept waiting for a slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// transferDeadlines enforces the minimum transfer rate on r's body and on the response.
func transferDeadlines(next http.Handler, readGrace, writeGrace time.Duration, rate int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rc := http.NewResponseController(w)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &rateBody{ReadCloser: r.Body, rc: rc, start: start, grace: readGrace, rate: rate}
		}
		dw := &rateWriter{ResponseWriter: w, rc: rc, grace: writeGrace, rate: rate}
		next.ServeHTTP(dw, r)
		// What the handler left buffered is flushed after it returns: give it a fresh budget.
		_ = rc.SetWriteDeadline(time.Now().Add(writeGrace))
	})
}

// budget is how long n bytes may take at rate bytes per second, after grace.
func budget(grace time.Duration, n int64, rate int) time.Duration {
	return grace + time.Duration(float64(n)/float64(rate)*float64(time.Second))
}

// rateBody moves the connection's read deadline before each read: by then the body must have
// delivered what it has at the minimum rate. Deadlines only grow, and one that passed cannot
// be extended (net/http), so a stalled client is cut off.
type rateBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int
	n     int64
}

func (b *rateBody) Read(p []byte) (int, error) {
	_ = b.rc.SetReadDeadline(b.start.Add(budget(b.grace, b.n+int64(len(p)), b.rate)))
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

// rateWriter moves the connection's write deadline before each write, counting from the
// response's first byte, so a client that does not read its response is cut off.
type rateWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	grace   time.Duration
	rate    int
	started time.Time
	n       int64
}

func (w *rateWriter) extend(more int) {
	if w.started.IsZero() {
		w.started = time.Now()
	}
	_ = w.rc.SetWriteDeadline(w.started.Add(budget(w.grace, w.n+int64(more), w.rate)))
}

func (w *rateWriter) WriteHeader(code int) {
	w.extend(0)
	w.ResponseWriter.WriteHeader(code)
}

func (w *rateWriter) Write(p []byte) (int, error) {
	w.extend(len(p))
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController (and the handlers' own deadline or flush calls) reach
// the connection.
func (w *rateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

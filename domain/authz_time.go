package domain

import (
	"strconv"
	"sync/atomic"
	"time"
)

// requestTimes formats aws:CurrentTime and aws:EpochTime once per second rather than once per
// request: both have a resolution of one second, and every request of that second reads the
// same two strings.
var requestTimes timeKeys

// timeKeys caches the condition-key forms of the last second asked for.
type timeKeys struct {
	last atomic.Pointer[formattedTime]
}

// formattedTime is one second in the forms the time condition keys take.
type formattedTime struct {
	unix  int64
	iso   string // 2006-01-02T15:04:05Z
	epoch string // seconds since the Unix epoch
}

// of returns t's second formatted, from the cache when another request of that second did
// the work. Requests racing over a new second each format it; the last one stored wins, and
// every answer is correct for its own t.
func (k *timeKeys) of(t time.Time) *formattedTime {
	sec := t.Unix()
	if f := k.last.Load(); f != nil && f.unix == sec {
		return f
	}
	f := &formattedTime{unix: sec, iso: t.UTC().Format("2006-01-02T15:04:05Z"), epoch: strconv.FormatInt(sec, 10)}
	k.last.Store(f)
	return f
}

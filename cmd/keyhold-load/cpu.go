package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports (the kernel's CONFIG_HZ does not change it).
const clockTick = 10 * time.Millisecond

// processCPU returns the user plus system CPU time a process has used so far, from
// /proc/<pid>/stat, read the same way for keyhold and the bare server so that their CPU per
// request compares.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces; fields are counted
	// after its closing parenthesis, where field 3 (state) is the first.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	// utime and stime are fields 14 and 15, so 11 and 12 after the state.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return time.Duration(ut+st) * clockTick, nil
}

// cpuPerRequest is the server CPU spent per request served over a measurement.
func cpuPerRequest(before, after time.Duration, ops int) time.Duration {
	if ops == 0 {
		return 0
	}
	return (after - before) / time.Duration(ops)
}

package main

import (
	"log/slog"

	"golang.org/x/sys/unix"
)

// lockMemory keeps the process's pages, which hold unwrapped backing keys and credentials, out
// of swap. It locks future mappings too only when RLIMIT_MEMLOCK is unlimited: with a finite
// limit, MCL_FUTURE makes the Go runtime's next heap growth fail instead of merely warning.
func lockMemory(log *slog.Logger) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil || lim.Cur != unix.RLIM_INFINITY {
		log.Warn("memory not locked: RLIMIT_MEMLOCK is finite (set LimitMEMLOCK=infinity in the systemd unit)")
		return
	}
	if err := unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE); err != nil {
		log.Warn("memory not locked", "err", err)
	}
}

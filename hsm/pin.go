package hsm

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// EnvPIN is the environment variable Open falls back to for the user PIN.
const EnvPIN = "KEYHOLD_HSM_PIN"

// maxPINFile bounds what a pin-source file may hold; PINs are short, and a huge file is a mistake.
const maxPINFile = 4 << 10

// resolvePIN picks the user PIN: Options.PIN, then pin-value, then the pin-source file, then
// $KEYHOLD_HSM_PIN. The caller owns (and clears) the returned bytes.
func resolvePIN(u URI, opts Options) ([]byte, error) {
	switch {
	case opts.PIN != "":
		return []byte(opts.PIN), nil
	case u.PINValue != "":
		return []byte(u.PINValue), nil
	case u.PINSource != "":
		return readPINSource(u.PINSource)
	case os.Getenv(EnvPIN) != "":
		return []byte(os.Getenv(EnvPIN)), nil
	}
	return nil, fmt.Errorf("%w: set Options.PIN, pin-value, pin-source or $%s", ErrNoPIN, EnvPIN)
}

// readPINSource reads the PIN from a pin-source: "file:/path", "file:///path",
// "file://localhost/path" or a bare path. Commands ("|cmd") are refused: running programs named
// in configuration is not this package's call. One trailing newline is dropped.
func readPINSource(src string) ([]byte, error) {
	path := src
	if rest, ok := strings.CutPrefix(src, "file:"); ok {
		path = rest
		if after, ok := strings.CutPrefix(rest, "//"); ok {
			host, p, _ := strings.Cut(after, "/")
			if host != "" && host != "localhost" {
				return nil, fmt.Errorf("%w: pin-source host %q is not local", ErrNoPIN, host)
			}
			path = "/" + p
		}
	} else if strings.HasPrefix(src, "|") {
		return nil, fmt.Errorf("%w: pin-source commands are not supported", ErrNoPIN)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: pin-source: %v", ErrNoPIN, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPINFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: pin-source %s: %v", ErrNoPIN, path, err)
	}
	if len(b) > maxPINFile {
		clear(b)
		return nil, fmt.Errorf("%w: pin-source %s is larger than %d bytes", ErrNoPIN, path, maxPINFile)
	}
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		n--
		if n > 0 && b[n-1] == '\r' {
			n--
		}
	}
	pin := b[:n]
	clear(b[n:])
	if len(pin) == 0 {
		return nil, fmt.Errorf("%w: pin-source %s is empty", ErrNoPIN, path)
	}
	return pin, nil
}

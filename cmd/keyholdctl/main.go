// Command keyholdctl is keyhold's admin CLI: operator keys and the domain ceremonies (domain
// init, admit/remove node, rotate the domain key, operator and quorum changes, domain token
// export/import) and the proposals they go through. It signs; the cluster verifies. See
// docs/ceremonies.md for the runbook.
package main

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// env carries what every subcommand needs.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	addr           string // the ops URL of any node
	json           bool   // --output json
	// keyFile and passFile name the operator key that signs admin requests when the
	// subcommand names none (--key before the command, $KEYHOLDCTL_KEY, or dev mode's key).
	keyFile, passFile string
	signer            ed25519.PrivateKey // loaded on first use
}

// command is one subcommand: run parses its own flags from args.
type command struct {
	summary string
	run     func(e *env, args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(e *env, args []string) error) {
	commands[name] = command{summary, run}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("keyholdctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&e.addr, "addr", envOr("KEYHOLDCTL_ADDR", "http://127.0.0.1:8101"), "ops URL of a keyhold node ($KEYHOLDCTL_ADDR)")
	fs.StringVar(&e.keyFile, "key", os.Getenv(EnvKey), "operator key that signs admin requests when a command names none ($"+EnvKey+"; else "+devKeyPath+" if it exists)")
	fs.StringVar(&e.passFile, "passphrase-file", "", "file holding that key's passphrase (else $KEYHOLDCTL_PASSPHRASE or a prompt)")
	output := fs.String("output", "table", "table or json")
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch *output {
	case "table":
	case "json":
		e.json = true
	default:
		fmt.Fprintf(stderr, "keyholdctl: --output %q: want table or json\n", *output)
		return 2
	}
	if fs.NArg() == 0 {
		usage(stderr)
		return 2
	}
	c, ok := commands[fs.Arg(0)]
	if !ok {
		fmt.Fprintf(stderr, "keyholdctl: unknown command %q\n", fs.Arg(0))
		usage(stderr)
		return 2
	}
	if err := c.run(e, fs.Args()[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "keyholdctl %s: %v\n", fs.Arg(0), err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: keyholdctl [--addr URL] [--key FILE] [--output table|json] <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, `
examples:
  keyholdctl keygen --out alice.key
  keyholdctl status
  keyholdctl rotate --key alice.key
  keyholdctl approve --key bob.key 3f2a...`)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// newFlags returns a flag set for a subcommand whose usage ends with examples.
func newFlags(e *env, name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet("keyholdctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: keyholdctl %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(e.stderr, "\nexamples:\n%s\n", strings.TrimRight(examples, "\n"))
	}
	return fs
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

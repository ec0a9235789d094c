package main

import (
	"regexp"

	"github.com/rogpeppe/go-internal/testscript"
)

// setenvMatch is the script command `setenvmatch NAME REGEXP`: it sets NAME to the first
// submatch of REGEXP in the last command's stdout (a proposal id the next command needs).
func setenvMatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setenvmatch NAME REGEXP")
	}
	m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("setenvmatch: %q matches nothing in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

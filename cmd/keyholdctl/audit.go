package main

import (
	"errors"
	"fmt"

	"github.com/keyhold/keyhold/api/audit"
)

func init() {
	register("audit", "check a node's hash-chained audit trail: audit verify <dir>", func(e *env, args []string) error {
		fs := newFlags(e, "audit", "verify [--allow-pruned] <dir>",
			"  keyholdctl audit verify /var/lib/keyhold/audit\n  keyholdctl --output json audit verify ./keyhold-dev/node1/audit")
		if len(args) == 0 || args[0] != "verify" {
			fs.Usage()
			return errors.New("want: audit verify <dir>")
		}
		pruned := fs.Bool("allow-pruned", false, "accept a trail whose oldest files were archived (the first record need not be seq 1)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			fs.Usage()
			return errors.New("want exactly one directory")
		}
		sum, err := audit.Verify(fs.Arg(0), audit.VerifyOptions{AllowPruned: *pruned})
		if err != nil {
			// The first broken link, as <file>:<line>: <why>; the exit status is 1.
			return err
		}
		if sum.Records == 0 {
			return e.print(sum, fmt.Sprintf("%s: no audit records (%d files)\n", fs.Arg(0), sum.Files))
		}
		return e.print(sum, fmt.Sprintf("ok: %d records in %d files, seq %d..%d, head hash %s\n",
			sum.Records, sum.Files, sum.FirstSeq, sum.HeadSeq, sum.HeadHash))
	})
}

package main

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

func init() {
	register("status", "show the domain: members, operators, quorum rules, domain keys, re-wrap", func(e *env, args []string) error {
		fs := newFlags(e, "status", "", "  keyholdctl status\n  keyholdctl --output json status")
		if err := fs.Parse(args); err != nil {
			return err
		}
		st, err := e.status()
		if err != nil {
			return err
		}
		var b strings.Builder
		if !st.Initialised {
			b.WriteString("the domain is not initialised\n")
			return e.print(st, b.String())
		}
		fmt.Fprintf(&b, "domain %s  epoch %d  record %s\n", st.DomainID, st.Epoch, st.RecordHash)
		fmt.Fprintf(&b, "quorum: default %d, node %d, domain-key %d, governance %d, export %d (0 = default)\n",
			st.Quorum, st.Rules.Node, st.Rules.DomainKey, st.Rules.Governance, st.Rules.Export)
		b.WriteString("\nDOMAIN KEY  STATE        LABEL\n")
		for _, dk := range st.DKVersions {
			state := [...]string{"invalid", "active", "decrypt-only", "retired"}[min(int(dk.State), 3)]
			fmt.Fprintf(&b, "v%-10d  %-12s %s\n", dk.Version, state, dk.Label)
		}
		b.WriteString("\nMEMBER          ADDRESS               WRAPPED DK VERSIONS\n")
		for _, m := range st.Members {
			fmt.Fprintf(&b, "%-15s %-21s %v\n", m.NodeID, m.Address, m.WrappedDKs)
		}
		b.WriteString("\nOPERATOR        PUBLIC KEY\n")
		for _, o := range st.Operators {
			fmt.Fprintf(&b, "%-15s %s\n", o.Name, base64.StdEncoding.EncodeToString(o.PublicKey))
		}
		rw := st.Rewrap
		fmt.Fprintf(&b, "\nre-wrap to v%d: %d done, %d remaining, finished=%v\nopen proposals: %d\n", rw.Target, rw.Rewrapped, rw.Remaining, rw.Finished, st.Open)
		if f := st.LastExecutionFailure; f != nil {
			fmt.Fprintf(&b, "last execution failure: proposal %s (%s) at %s: %s\n", f.ProposalID, f.Kind, f.At.UTC().Format(time.RFC3339), f.Error)
		}
		return e.print(st, b.String())
	})
}

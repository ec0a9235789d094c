package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("export", "propose exporting the domain token; with --out, fetch the exported token", func(e *env, args []string) error {
		fs := newFlags(e, "export", "--key FILE [--out FILE]", `  keyholdctl export --key alice.key                      # propose; others approve
  keyholdctl export --key alice.key --out domain.token   # once executed: fetch the token`)
		var sf signerFlags
		sf.add(fs)
		out := fs.String("out", "", "write the last exported token to this file instead of proposing")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *out != "" {
			if sf.key != "" {
				priv, err := loadKey(e, sf.key, sf.passFile)
				if err != nil {
					return err
				}
				e.useSigner(priv)
			}
			tok, err := e.call(http.MethodGet, "/v1/domain/token", "", nil, nil)
			if err != nil {
				return err
			}
			if _, err := ceremony.ParseToken(tok); err != nil {
				return err
			}
			if err := os.WriteFile(*out, tok, 0o600); err != nil {
				return err
			}
			return e.print(map[string]any{"file": *out, "bytes": len(tok)}, fmt.Sprintf("domain token written to %s (%d bytes)\n", *out, len(tok)))
		}
		return propose(e, sf, ceremony.KindExportToken, func(p *ceremony.Proposal, st domain.DomainStatus) error {
			h, err := hex.DecodeString(st.RecordHash)
			if err != nil || len(h) != 32 {
				return errors.New("the node reported no record hash")
			}
			p.RecordHash = h
			return nil
		})
	})
}

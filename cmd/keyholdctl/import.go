package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("import", "import a domain token onto a node (disaster recovery)", func(e *env, args []string) error {
		fs := newFlags(e, "import", "--token FILE --trusted PUB.pem...",
			`  keyholdctl --addr http://10.0.0.5:8101 import --token domain.token \
      --trusted alice.key.pub --trusted bob.key.pub --trusted carol.key.pub`)
		tokFile := fs.String("token", "", "the domain token file")
		var trusted multi
		fs.Var(&trusted, "trusted", "public key file of an operator you trust (repeat)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *tokFile == "" || len(trusted) == 0 {
			fs.Usage()
			return errors.New("--token and at least one --trusted are required")
		}
		tok, err := os.ReadFile(*tokFile)
		if err != nil {
			return err
		}
		var keys []ed25519.PublicKey
		for _, f := range trusted {
			pub, err := loadPub(f)
			if err != nil {
				return err
			}
			keys = append(keys, pub)
		}
		// Verify here too, so a bad token fails before it is sent; the node verifies again.
		t, err := domain.ParseToken(tok)
		if err != nil {
			return err
		}
		if _, err := domain.VerifyToken(t, keys); err != nil {
			return err
		}
		raw := make([][]byte, len(keys))
		for i, k := range keys {
			raw[i] = k
		}
		body, _ := json.Marshal(map[string]any{"token": tok, "trusted": raw})
		var st domain.DomainStatus
		if _, err := e.call(http.MethodPost, "/v1/admin/domain/import", "application/json", body, &st); err != nil {
			return err
		}
		return e.print(st, fmt.Sprintf("domain %s imported at epoch %d\n", st.DomainID, st.Epoch))
	})
}

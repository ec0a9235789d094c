package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("import", "import a domain token onto a fresh node (disaster recovery)", func(e *env, args []string) error {
		fs := newFlags(e, "import", "--key FILE --token FILE [--trusted PUB.pem...]",
			`  # on the fresh node's config: recovery_operator_keys = alice.key.pub,bob.key.pub,carol.key.pub
  keyholdctl --addr http://10.0.0.5:8101 import --key alice.key --token domain.token \
      --trusted alice.key.pub --trusted bob.key.pub --trusted carol.key.pub`)
		var sf signerFlags
		sf.add(fs)
		tokFile := fs.String("token", "", "the domain token file")
		var trusted multi
		fs.Var(&trusted, "trusted", "public key file of an operator you trust, to check the token here first (repeat); the node checks it against its own recovery_operator_keys")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *tokFile == "" {
			fs.Usage()
			return errors.New("--token is required")
		}
		tok, err := os.ReadFile(*tokFile)
		if err != nil {
			return err
		}
		t, err := ceremony.ParseToken(tok)
		if err != nil {
			return err
		}
		// Verify here too when told whom to trust, so a bad token fails before it is sent. The
		// node never takes trusted keys from the request: it verifies against its own config.
		if len(trusted) > 0 {
			var keys []ed25519.PublicKey
			for _, f := range trusted {
				pub, err := loadPub(f)
				if err != nil {
					return err
				}
				keys = append(keys, pub)
			}
			if _, err := ceremony.VerifyToken(t, keys); err != nil {
				return err
			}
		}
		if sf.key != "" {
			priv, err := loadKey(e, sf.key, sf.passFile)
			if err != nil {
				return err
			}
			e.useSigner(priv)
		}
		body, _ := json.Marshal(map[string]any{"token": tok})
		var st domain.DomainStatus
		if _, err := e.call(http.MethodPost, "/v1/admin/domain/import", "application/json", body, &st); err != nil {
			return err
		}
		return e.print(st, fmt.Sprintf("domain %s imported at epoch %d\n", st.DomainID, st.Epoch))
	})
}

package main

import "github.com/keyhold/keyhold/domain/ceremony"

func init() {
	register("reject", "sign a rejection of a proposal", func(e *env, args []string) error {
		return verdict(e, args, "reject", ceremony.VerdictReject)
	})
}

package main

import "github.com/keyhold/keyhold/domain/ceremony"

func init() {
	register("approve", "sign an approval of a proposal", func(e *env, args []string) error {
		return verdict(e, args, "approve", ceremony.VerdictApprove)
	})
}

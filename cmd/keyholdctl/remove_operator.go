package main

import "github.com/keyhold/keyhold/domain/ceremony"

func init() {
	register("remove-operator", "propose removing an operator", func(e *env, args []string) error {
		return operatorChange(e, args, "remove-operator", ceremony.KindRemoveOperator)
	})
}

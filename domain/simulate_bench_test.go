package domain

import (
	"strconv"
	"testing"
)

// BenchmarkSimulatePolicy: one SimulatePrincipalPolicy of 100 actions on 100 resources (the
// largest request the API's bounds allow, 10,000 decisions) for a user with four policies.
func BenchmarkSimulatePolicy(b *testing.B) {
	svc := simulatedIAM(b)
	in := SimulationInput{PolicySourceARN: "arn:aws:iam::" + testARNs.Account + ":user/app1",
		Context: []ContextEntry{{Key: "kms:EncryptionContext:team", Values: []string{"cats"}}}}
	for i := 0; i < 100; i++ {
		in.Actions = append(in.Actions, []string{"kms:Decrypt", "kms:Encrypt", "kms:ScheduleKeyDeletion", "kms:CreateAlias"}[i%4])
		in.Resources = append(in.Resources, simKey[:len(simKey)-2]+strconv.Itoa(10+i%90))
	}
	ctx := rootOf(testARNs.Account)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.SimulatePolicy(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

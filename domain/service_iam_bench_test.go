package domain

import (
	"testing"
)

// BenchmarkAuthenticate compares authenticating a root key and an IAM user's key (a user with
// inline, attached and group policies): the user's caller comes from the per-generation cache,
// so the two should cost about the same.
func BenchmarkAuthenticate(b *testing.B) {
	svc, _ := populatedIAM(b)
	rootKey, _, err := svc.CreateAccessKey(rootOf(testARNs.Account), "")
	if err != nil {
		b.Fatal(err)
	}
	keys, err := svc.AccessKeys(rootOf(testARNs.Account), "app1")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, key string }{{"root", rootKey.AccessKeyID}, {"user", keys[0].AccessKeyID}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sec, _, err := svc.Authenticate(bg, c.key, "")
				if err != nil {
					b.Fatal(err)
				}
				clear(sec)
			}
		})
	}
}

package wrap

import (
	"bytes"
	"crypto/rand"
	"crypto/sha3"
	mrand "math/rand/v2"
	"testing"

	"filippo.io/mldsa"
	"filippo.io/mldsa/mldsacrypto"
)

// muFor computes FIPS 204's message representative for pure ML-DSA with an empty context:
// μ = SHAKE256(tr || 0x00 || 0x00 || M, 64), tr = SHAKE256(pk, 64).
func muFor(pk, msg []byte) []byte {
	tr := make([]byte, 64)
	h := sha3.NewSHAKE256()
	h.Write(pk)
	h.Read(tr)
	h = sha3.NewSHAKE256()
	h.Write(tr)
	h.Write([]byte{0, 0})
	h.Write(msg)
	mu := make([]byte, mldsaMuSize)
	h.Read(mu)
	return mu
}

var mldsaMuSets = []struct {
	name string
	p    *mldsaParams
}{
	{"ML-DSA-44", &mldsa44Params},
	{"ML-DSA-65", &mldsa65Params},
	{"ML-DSA-87", &mldsa87Params},
}

// TestMLDSAMuSizes: the table's derived sizes match the library's.
func TestMLDSAMuSizes(t *testing.T) {
	for _, set := range mldsaMuSets {
		if got, want := set.p.vp.pubSize(), set.p.params.PublicKeySize(); got != want {
			t.Errorf("%s public key size: got %d, want %d", set.name, got, want)
		}
		if got, want := set.p.vp.sigSize(), set.p.params.SignatureSize(); got != want {
			t.Errorf("%s signature size: got %d, want %d", set.name, got, want)
		}
	}
}

// TestMLDSAMuVerify: signatures made by filippo.io/mldsa, over μ or over the message, verify
// from μ here, and filippo.io/mldsa agrees on the message.
func TestMLDSAMuVerify(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 20
	}
	for _, set := range mldsaMuSets {
		t.Run(set.name, func(t *testing.T) {
			sk, err := mldsa.GenerateKey(set.p.params)
			if err != nil {
				t.Fatal(err)
			}
			pk := sk.PublicKey()
			pub := pk.Bytes()
			for i := range n {
				msg := make([]byte, mrand.IntN(300))
				rand.Read(msg)
				mu := muFor(pub, msg)
				sigMu, err := sk.Sign(nil, mu, mldsacrypto.MLDSAMu)
				if err != nil {
					t.Fatal(err)
				}
				sigMsg, err := sk.Sign(nil, msg, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, sig := range [][]byte{sigMu, sigMsg} {
					if got := verifyMLDSAMu(set.p, pub, mu, sig); !got {
						t.Fatalf("message %d: verifyMLDSAMu = %v, want true", i, got)
					}
					if err := mldsa.Verify(pk, msg, sig, nil); err != nil {
						t.Fatalf("message %d: mldsa.Verify: %v, want nil", i, err)
					}
				}
			}
		})
	}
}

// TestMLDSAMuReject: anything changed in the signature, μ or key fails, without panicking,
// and filippo.io/mldsa agrees about each altered signature.
func TestMLDSAMuReject(t *testing.T) {
	for _, set := range mldsaMuSets {
		t.Run(set.name, func(t *testing.T) {
			v := set.p.vp
			sk, err := mldsa.GenerateKey(set.p.params)
			if err != nil {
				t.Fatal(err)
			}
			other, err := mldsa.GenerateKey(set.p.params)
			if err != nil {
				t.Fatal(err)
			}
			pk, pub := sk.PublicKey(), sk.PublicKey().Bytes()
			msg := []byte("keyhold external mu")
			mu := muFor(pub, msg)
			sig, err := sk.Sign(nil, mu, mldsacrypto.MLDSAMu)
			if err != nil {
				t.Fatal(err)
			}
			if !verifyMLDSAMu(set.p, pub, mu, sig) {
				t.Fatal("valid signature: got false, want true")
			}

			// Single-bit flips: every bit of c̃ and of the hint, and a sample of z.
			hintStart := v.ctildeSize + v.l*v.zSize()
			var positions []int
			for b := range 8 * v.ctildeSize {
				positions = append(positions, b)
			}
			for b := 8 * hintStart; b < 8*len(sig); b++ {
				positions = append(positions, b)
			}
			for range 300 {
				positions = append(positions, 8*v.ctildeSize+mrand.IntN(8*(hintStart-v.ctildeSize)))
			}
			for _, b := range positions {
				bad := bytes.Clone(sig)
				bad[b/8] ^= 1 << (b % 8)
				got := verifyMLDSAMu(set.p, pub, mu, bad)
				if got {
					t.Fatalf("bit %d flipped: got true, want false", b)
				}
				if lib := mldsa.Verify(pk, msg, bad, nil) == nil; lib != got {
					t.Fatalf("bit %d flipped: got %v, filippo.io/mldsa says %v", b, got, lib)
				}
			}

			badMu := bytes.Clone(mu)
			badMu[mrand.IntN(len(badMu))] ^= 1 << mrand.IntN(8)
			otherPub := other.PublicKey().Bytes()
			cases := []struct {
				name         string
				pub, mu, sig []byte
			}{
				{"mu bit flipped", pub, badMu, sig},
				{"other key", otherPub, mu, sig},
				{"mu short", pub, mu[:63], sig},
				{"mu long", pub, append(bytes.Clone(mu), 0), sig},
				{"sig truncated", pub, mu, sig[:len(sig)-1]},
				{"sig extended", pub, mu, append(bytes.Clone(sig), 0)},
				{"sig empty", pub, mu, nil},
				{"pub truncated", pub[:len(pub)-1], mu, sig},
				{"pub extended", append(bytes.Clone(pub), 0), mu, sig},
				{"pub empty", nil, mu, sig},
			}
			for _, c := range cases {
				if got := verifyMLDSAMu(set.p, c.pub, c.mu, c.sig); got {
					t.Errorf("%s: got true, want false", c.name)
				}
			}
			if verifyMLDSAMu(nil, pub, mu, sig) {
				t.Error("nil parameters: got true, want false")
			}
		})
	}
}

// TestMLDSAMuHintMalformed: HintBitUnpack's rules, each broken on its own, are rejected.
func TestMLDSAMuHintMalformed(t *testing.T) {
	const k, omega = 4, 80
	valid := func() []byte {
		y := make([]byte, omega+k)
		copy(y, []byte{3, 7, 200, 1, 2}) // row 0: 3, 7, 200; row 1: none; row 2: 1, 2
		copy(y[omega:], []byte{3, 3, 5, 5})
		return y
	}
	if h, ok := unpackHint(valid(), k, omega); !ok || !h[0][200] || !h[2][2] || h[1][3] {
		t.Fatalf("valid hint: got ok=%v, want true with the set positions", ok)
	}
	tests := []struct {
		name   string
		mangle func(y []byte) []byte
	}{
		{"indices not increasing", func(y []byte) []byte { y[1] = 3; return y }},
		{"indices decreasing", func(y []byte) []byte { y[0], y[1] = 7, 3; return y }},
		{"count decreasing", func(y []byte) []byte { y[omega+1] = 2; return y }},
		{"count over omega", func(y []byte) []byte { y[omega+3] = omega + 1; return y }},
		{"count 255", func(y []byte) []byte { y[omega+3] = 255; return y }},
		{"unused index not zero", func(y []byte) []byte { y[omega-1] = 9; return y }},
		{"too short", func(y []byte) []byte { return y[:len(y)-1] }},
		{"too long", func(y []byte) []byte { return append(y, 0) }},
	}
	for _, tt := range tests {
		if _, ok := unpackHint(tt.mangle(valid()), k, omega); ok {
			t.Errorf("%s: got ok, want malformed", tt.name)
		}
	}

	// The same through verification: a real signature whose hint count exceeds ω.
	p := &mldsa44Params
	sk, err := mldsa.GenerateKey(p.params)
	if err != nil {
		t.Fatal(err)
	}
	pub := sk.PublicKey().Bytes()
	mu := muFor(pub, []byte("hint"))
	sig, err := sk.Sign(nil, mu, mldsacrypto.MLDSAMu)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(sig)
	bad[len(bad)-1] = byte(p.vp.omega + 1)
	if verifyMLDSAMu(p, pub, mu, bad) {
		t.Error("hint count over omega: got true, want false")
	}
}

// TestAsymVerifyMLDSAMu: PublicKey.Verify with SchemeMLDSAMu accepts what PrivateKey.Sign
// gives over μ and over the message, and refuses a flipped bit or a μ of the wrong length.
func TestAsymVerifyMLDSAMu(t *testing.T) {
	for _, a := range []KeyAlg{KeyAlgMLDSA44, KeyAlgMLDSA65, KeyAlgMLDSA87} {
		t.Run(a.String(), func(t *testing.T) {
			k := testKey(t, a)
			pub, err := k.Public()
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("message")
			mu := muFor(pub.ml, msg)
			sigMu, err := k.Sign(SchemeMLDSAMu, 0, mu)
			if err != nil {
				t.Fatalf("Sign (μ): %v", err)
			}
			sigMsg, err := k.Sign(SchemeMLDSA, 0, msg)
			if err != nil {
				t.Fatalf("Sign (message): %v", err)
			}
			for _, sig := range [][]byte{sigMu, sigMsg} {
				if got := pub.Verify(SchemeMLDSAMu, 0, mu, sig); !got {
					t.Fatalf("Verify (μ): got %v, want true", got)
				}
				if got := pub.Verify(SchemeMLDSA, 0, msg, sig); !got {
					t.Fatalf("Verify (message): got %v, want true", got)
				}
			}
			bad := bytes.Clone(sigMu)
			bad[len(bad)/3] ^= 0x10
			if pub.Verify(SchemeMLDSAMu, 0, mu, bad) {
				t.Fatal("Verify (μ) of a flipped signature: got true, want false")
			}
			if pub.Verify(SchemeMLDSAMu, 0, mu[:32], sigMu) || pub.Verify(SchemeMLDSAMu, 0, msg, sigMu) {
				t.Fatal("Verify (μ) with a μ of the wrong length: got true, want false")
			}
		})
	}
}

// FuzzVerifyMLDSAMu: arbitrary public keys, μ and signatures never panic and never verify.
// The top bit of set stretches the inputs to the right sizes, so the decoders and the
// arithmetic are reached and not only the length checks.
func FuzzVerifyMLDSAMu(f *testing.F) {
	f.Add(uint8(0), []byte{}, []byte{}, []byte{})
	f.Add(uint8(1), bytes.Repeat([]byte{0xff}, mldsa65Verify.pubSize()), make([]byte, 64), bytes.Repeat([]byte{0x55}, mldsa65Verify.sigSize()))
	f.Add(uint8(2), make([]byte, mldsa87Verify.pubSize()), make([]byte, 64), make([]byte, mldsa87Verify.sigSize()))
	f.Fuzz(func(t *testing.T, set uint8, pub, mu, sig []byte) {
		p := mldsaMuSets[int(set)%len(mldsaMuSets)].p
		v := p.vp
		if set&0x80 != 0 {
			pub = fitTo(pub, v.pubSize())
			mu = fitTo(mu, mldsaMuSize)
			sig = fitTo(sig, v.sigSize())
		}
		if verifyMLDSAMu(p, pub, mu, sig) {
			t.Fatal("random input verified")
		}
	})
}

// fitTo repeats or cuts b to n bytes.
func fitTo(b []byte, n int) []byte {
	if len(b) == 0 {
		return make([]byte, n)
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = b[i%len(b)]
	}
	return out
}

func BenchmarkVerifyMLDSAMu(b *testing.B) {
	for _, set := range mldsaMuSets {
		b.Run(set.name, func(b *testing.B) {
			sk, err := mldsa.GenerateKey(set.p.params)
			if err != nil {
				b.Fatal(err)
			}
			pub := sk.PublicKey().Bytes()
			mu := muFor(pub, []byte("benchmark"))
			sig, err := sk.Sign(nil, mu, mldsacrypto.MLDSAMu)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if !verifyMLDSAMu(set.p, pub, mu, sig) {
					b.Fatal("valid signature: got false, want true")
				}
			}
		})
	}
}

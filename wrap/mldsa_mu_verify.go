package wrap

import (
	"crypto/sha3"
	"crypto/subtle"
)

// ML-DSA verification from an externally computed μ: FIPS 204 Algorithm 8
// (ML-DSA.Verify_internal) with μ taken as given instead of computed as
// SHAKE256(tr || M', 64). AWS KMS offers it as Verify with MessageType EXTERNAL_MU, and
// filippo.io/mldsa verifies messages only, so keyhold carries its own verifier. Sign still
// comes from the library; this file only checks.
//
// Encodings (FIPS 204 §7.2), all bit fields least significant bit first:
//
//	pk  = ρ (32 bytes) || t1[0..k-1]        each 256 × 10-bit coefficients (320 bytes)
//	sig = c̃ (λ/4 bytes) || z[0..l-1] || h   z: 256 × (γ1 − z_i) in 18 or 20 bits
//	h   = ω indices || k running counts      (HintBitPack, ω + k bytes)

// mldsaVerifyParams are a parameter set's constants for verification (FIPS 204 Table 1).
type mldsaVerifyParams struct {
	k, l       int    // rows and columns of A
	tau        int    // ±1 coefficients in the challenge c
	beta       int32  // τ·η
	gamma1Bits uint   // log2 γ1: 17 or 19
	gamma2     uint32 // (q−1)/88 or (q−1)/32
	omega      int    // most hint ones
	ctildeSize int    // λ/4 bytes
}

// zSize is the packed size of one polynomial of z: 256 coefficients of log2(γ1)+1 bits.
func (v *mldsaVerifyParams) zSize() int { return 32 * int(v.gamma1Bits+1) }

// w1Bits is the width of a w1 coefficient, in [0, (q−1)/2γ2): 6 bits for 44 values, 4 for 16.
func (v *mldsaVerifyParams) w1Bits() uint {
	if v.gamma2 == (mldsaQ-1)/88 {
		return 6
	}
	return 4
}

// pubSize and sigSize are the encoded sizes of the public key and the signature.
func (v *mldsaVerifyParams) pubSize() int { return 32 + v.k*320 }
func (v *mldsaVerifyParams) sigSize() int {
	return v.ctildeSize + v.l*v.zSize() + v.omega + v.k
}

var (
	mldsa44Verify = mldsaVerifyParams{k: 4, l: 4, tau: 39, beta: 78, gamma1Bits: 17, gamma2: (mldsaQ - 1) / 88, omega: 80, ctildeSize: 32}
	mldsa65Verify = mldsaVerifyParams{k: 6, l: 5, tau: 49, beta: 196, gamma1Bits: 19, gamma2: (mldsaQ - 1) / 32, omega: 55, ctildeSize: 48}
	mldsa87Verify = mldsaVerifyParams{k: 8, l: 7, tau: 60, beta: 120, gamma1Bits: 19, gamma2: (mldsaQ - 1) / 32, omega: 75, ctildeSize: 64}
)

// verifyMLDSAMu reports whether sig is a valid ML-DSA signature under the packed public key
// pub for the 64-byte message representative mu. Any malformed input is simply false.
func verifyMLDSAMu(p *mldsaParams, pub, mu, sig []byte) bool {
	if p == nil || p.vp == nil {
		return false
	}
	v := p.vp
	if len(pub) != v.pubSize() || len(mu) != mldsaMuSize || len(sig) != v.sigSize() {
		return false
	}
	rho, t1Bytes := pub[:32], pub[32:]
	ctilde := sig[:v.ctildeSize]
	zBytes := sig[v.ctildeSize : v.ctildeSize+v.l*v.zSize()]
	hint, ok := unpackHint(sig[v.ctildeSize+v.l*v.zSize():], v.k, v.omega)
	if !ok {
		return false
	}

	// z, checked against ||z||∞ < γ1 − β, then into NTT form.
	gamma1 := int32(1) << v.gamma1Bits
	bound := gamma1 - v.beta
	z := make([]ringElem, v.l)
	for i := range z {
		unpackBits(&z[i], zBytes[i*v.zSize():(i+1)*v.zSize()], v.gamma1Bits+1)
		for j, c := range z[i] {
			s := gamma1 - int32(c) // in [−γ1+1, γ1]
			if s >= bound || -s >= bound {
				return false
			}
			if s < 0 {
				s += mldsaQ
			}
			z[i][j] = uint32(s)
		}
		ntt(&z[i])
	}

	var c ringElem
	sampleInBall(&c, ctilde, v.tau)
	ntt(&c)

	// Row by row: w'Approx = NTT⁻¹(Â∘ẑ − ĉ∘NTT(t1·2^d)), then w'1 = UseHint(h, w'Approx),
	// w1Encoded as it goes. Â is sampled an entry at a time rather than held whole.
	w1 := make([]byte, 0, v.k*32*int(v.w1Bits()))
	var acc, a, t ringElem
	for r := range v.k {
		acc = ringElem{}
		for s := range v.l {
			rejNTTPoly(&a, rho, s, r)
			for j := range acc {
				acc[j] = fieldAdd(acc[j], fieldMul(a[j], z[s][j]))
			}
		}
		unpackBits(&t, t1Bytes[r*320:(r+1)*320], 10)
		for j := range t {
			t[j] <<= mldsaD // < 2^23 < q
		}
		ntt(&t)
		for j := range acc {
			acc[j] = fieldSub(acc[j], fieldMul(c[j], t[j]))
		}
		invNTT(&acc)
		for j := range acc {
			acc[j] = useHint(hint[r][j], acc[j], v.gamma2)
		}
		w1 = packBits(w1, &acc, v.w1Bits())
	}

	h := sha3.NewSHAKE256()
	h.Write(mu)
	h.Write(w1)
	ctilde2 := make([]byte, v.ctildeSize)
	h.Read(ctilde2)
	return subtle.ConstantTimeCompare(ctilde, ctilde2) == 1
}

// unpackHint decodes the hint h (FIPS 204 Algorithm 21, HintBitUnpack): for each row, the
// running count y[ω+i] ends its run of strictly increasing indices, and unused index bytes
// are zero. Anything else is malformed (false), which keeps the encoding unique (strong
// unforgeability).
func unpackHint(y []byte, k, omega int) ([][mldsaN]bool, bool) {
	if len(y) != omega+k {
		return nil, false
	}
	h := make([][mldsaN]bool, k)
	idx := 0
	for i := range k {
		end := int(y[omega+i])
		if end < idx || end > omega {
			return nil, false
		}
		for first := idx; idx < end; idx++ {
			if idx > first && y[idx-1] >= y[idx] {
				return nil, false
			}
			h[i][y[idx]] = true
		}
	}
	for ; idx < omega; idx++ {
		if y[idx] != 0 {
			return nil, false
		}
	}
	return h, true
}

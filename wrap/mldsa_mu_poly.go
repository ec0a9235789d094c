package wrap

import (
	"crypto/sha3"
	"math/bits"
)

// Ring arithmetic for ML-DSA verification from μ (FIPS 204 §7.5, §7.3, §7.4): polynomials of
// R_q = Z_q[X]/(X^256 + 1) with coefficients kept in [0, q), the NTT and its inverse, and the
// two samplers verification needs. Everything here handles public data only (public key,
// signature, μ), so plain `%` reductions and data-dependent branches are fine: there is no
// secret to leak through timing.

const (
	mldsaQ    = 8380417 // q = 2^23 - 2^13 + 1
	mldsaN    = 256     // coefficients per polynomial
	mldsaD    = 13      // dropped bits of t (t = t1·2^d + t0)
	mldsaZeta = 1753    // 512th root of unity mod q
	// mldsaNInv is 256^-1 mod q, the scaling of the inverse NTT (FIPS 204 Algorithm 42).
	mldsaNInv = 8347681
)

// ringElem is a polynomial of R_q (or its NTT form), each coefficient in [0, q).
type ringElem [mldsaN]uint32

// mldsaZetas[m] = ζ^BitRev8(m) mod q, the twiddle factors of FIPS 204 Appendix B.
var mldsaZetas = func() (z [mldsaN]uint32) {
	for m := range z {
		z[m] = fieldPow(mldsaZeta, uint32(bits.Reverse8(uint8(m))))
	}
	return z
}()

func fieldAdd(a, b uint32) uint32 {
	x := a + b
	if x >= mldsaQ {
		x -= mldsaQ
	}
	return x
}

func fieldSub(a, b uint32) uint32 {
	x := a + mldsaQ - b
	if x >= mldsaQ {
		x -= mldsaQ
	}
	return x
}

func fieldMul(a, b uint32) uint32 { return uint32(uint64(a) * uint64(b) % mldsaQ) }

func fieldPow(a, e uint32) uint32 {
	r := uint32(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = fieldMul(r, a)
		}
		a = fieldMul(a, a)
	}
	return r
}

// ntt transforms f in place into its NTT form (FIPS 204 Algorithm 41).
func ntt(f *ringElem) {
	m := 0
	for half := 128; half >= 1; half /= 2 {
		for start := 0; start < mldsaN; start += 2 * half {
			m++
			z := mldsaZetas[m]
			for j := start; j < start+half; j++ {
				t := fieldMul(z, f[j+half])
				f[j+half] = fieldSub(f[j], t)
				f[j] = fieldAdd(f[j], t)
			}
		}
	}
}

// invNTT transforms f in place back from its NTT form (FIPS 204 Algorithm 42).
func invNTT(f *ringElem) {
	m := mldsaN
	for half := 1; half < mldsaN; half *= 2 {
		for start := 0; start < mldsaN; start += 2 * half {
			m--
			z := mldsaQ - mldsaZetas[m] // −ζ^BitRev8(m)
			for j := start; j < start+half; j++ {
				t := f[j]
				f[j] = fieldAdd(t, f[j+half])
				f[j+half] = fieldMul(z, fieldSub(t, f[j+half]))
			}
		}
	}
	for j := range f {
		f[j] = fieldMul(f[j], mldsaNInv)
	}
}

// xofReader serves an XOF's output a byte or three at a time, reading it a block at a time.
type xofReader struct {
	h   *sha3.SHAKE
	buf [168]byte // SHAKE128's rate, a whole number of RejNTTPoly's 3-byte candidates
	n   int       // bytes of buf served
}

func newXOF(h *sha3.SHAKE, parts ...[]byte) *xofReader {
	for _, p := range parts {
		h.Write(p)
	}
	return &xofReader{h: h, n: len(xofReader{}.buf)}
}

func (x *xofReader) next(out []byte) {
	for i := range out {
		if x.n == len(x.buf) {
			x.h.Read(x.buf[:])
			x.n = 0
		}
		out[i] = x.buf[x.n]
		x.n++
	}
}

// rejNTTPoly samples the NTT-form entry Â[r][s] of ExpandA (FIPS 204 Algorithms 30 and 32):
// SHAKE128(ρ || s || r) read three bytes at a time, each a 23-bit candidate kept when < q.
func rejNTTPoly(a *ringElem, rho []byte, s, r int) {
	x := newXOF(sha3.NewSHAKE128(), rho, []byte{byte(s), byte(r)})
	var b [3]byte
	for j := 0; j < mldsaN; {
		x.next(b[:])
		if v := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2]&0x7f)<<16; v < mldsaQ {
			a[j] = v
			j++
		}
	}
}

// sampleInBall derives the challenge c, with τ coefficients ±1 and the rest 0, from c̃
// (FIPS 204 Algorithm 29): the first 8 bytes of SHAKE256(c̃) are the signs, the rest pick
// positions by a Fisher–Yates-style rejection.
func sampleInBall(c *ringElem, ctilde []byte, tau int) {
	x := newXOF(sha3.NewSHAKE256(), ctilde)
	var s [8]byte
	x.next(s[:])
	signs := uint64(0)
	for i := 7; i >= 0; i-- {
		signs = signs<<8 | uint64(s[i])
	}
	*c = ringElem{}
	var b [1]byte
	for i := mldsaN - tau; i < mldsaN; i++ {
		x.next(b[:])
		for int(b[0]) > i {
			x.next(b[:])
		}
		j := int(b[0])
		c[i] = c[j]
		c[j] = 1
		if signs&1 == 1 {
			c[j] = mldsaQ - 1
		}
		signs >>= 1
	}
}

// useHint recovers the high bits of r with hint h (FIPS 204 Algorithms 36 and 40), for
// γ2 = (q−1)/88 or (q−1)/32.
func useHint(h bool, r, gamma2 uint32) uint32 {
	alpha := 2 * gamma2
	m := (mldsaQ - 1) / alpha
	// Decompose: r0 = r mod± 2γ2, r1 = (r − r0)/2γ2, except at the top where r − r0 = q − 1.
	r0 := int32(r % alpha)
	if r0 > int32(gamma2) {
		r0 -= int32(alpha)
	}
	var r1 uint32
	if int32(r)-r0 == mldsaQ-1 {
		r1, r0 = 0, r0-1
	} else {
		r1 = uint32(int32(r)-r0) / alpha
	}
	switch {
	case !h:
		return r1
	case r0 > 0:
		return (r1 + 1) % m
	default:
		return (r1 + m - 1) % m
	}
}

// unpackBits reads 256 w-bit coefficients, least significant bit first, from b (32·w bytes;
// FIPS 204 SimpleBitUnpack).
func unpackBits(f *ringElem, b []byte, w uint) {
	var acc uint64
	var n uint
	j := 0
	mask := uint64(1)<<w - 1
	for i := range f {
		for n < w {
			acc |= uint64(b[j]) << n
			j++
			n += 8
		}
		f[i] = uint32(acc & mask)
		acc >>= w
		n -= w
	}
}

// packBits appends f's coefficients as w-bit fields, least significant bit first
// (FIPS 204 SimpleBitPack); each must be < 2^w.
func packBits(dst []byte, f *ringElem, w uint) []byte {
	var acc uint64
	var n uint
	for _, c := range f {
		acc |= uint64(c) << n
		for n += w; n >= 8; n -= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
		}
	}
	return dst
}

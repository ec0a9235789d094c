package wrap

// Sizes and bounds of every format in this package, in one place (STYLE item 11). Lengths are
// ints so that arithmetic on them cannot wrap.
const (
	// BackingKeySize is the size of a CMK version's secret: an AES-256 key.
	BackingKeySize = 32

	// KeyIDSize is the raw size of a [KeyID].
	KeyIDSize = 16

	// blobVersion is the first byte of every format-v1 blob.
	blobVersion = 0x01
	// SaltSize is the HKDF salt carried by each blob: 128 bits, so two blobs share a derived
	// key with probability about n²/2¹²⁹ after n blobs under one backing key.
	SaltSize = 16
	// NonceSize is the AES-GCM nonce carried by each blob (the standard 96 bits).
	NonceSize = 12
	// TagSize is the AES-GCM tag (the full 128 bits; truncated tags weaken forgery bounds).
	TagSize = 16
	// BlobHeaderSize is version || key id || key version || salt || nonce.
	BlobHeaderSize = 1 + KeyIDSize + 4 + SaltSize + NonceSize
	// MinBlobSize is a blob with an empty plaintext.
	MinBlobSize = BlobHeaderSize + TagSize
	// MaxPlaintext is the largest plaintext Seal accepts (AWS KMS Encrypt's limit).
	MaxPlaintext = 4096
	// MaxBlobSize is the largest blob ParseBlob accepts. It leaves headroom above the
	// MinBlobSize+MaxPlaintext that Seal produces (4161), as AWS's own limit on
	// CiphertextBlob is 6144 bytes.
	MaxBlobSize = 6144

	// MaxContextBytes bounds the sum of key and value bytes of an encryption context that
	// Seal and Open accept. It is far above the 8192 bytes the API allows, and it keeps every
	// length of the canonical encoding well inside uint32.
	MaxContextBytes = 1 << 20
	// MaxContextEntries bounds the number of entries of an encryption context.
	MaxContextEntries = 1 << 16

	// keyTokenVersion is the first byte of every format-v1 key token.
	keyTokenVersion = 0x01
	// keyTokenHeaderSize is version || kind || domain key version.
	keyTokenHeaderSize = 1 + 1 + 4
	// MaxKeyTokenSecret bounds a sealed secret: a PKCS#8 RSA-4096 private key is ~2.4 KB.
	MaxKeyTokenSecret = 8192
	// MaxKeyTokenBinding bounds a binding (a key binding is 20 bytes, an access key id 20).
	MaxKeyTokenBinding = 1024
	// maxKeyTokenOverhead is what a domain key AEAD may add to a secret (an HSM's IV, tag,
	// or a Tink output prefix), generously.
	maxKeyTokenOverhead = 256
	// MaxKeyTokenSize is the largest key token OpenKeyToken accepts.
	MaxKeyTokenSize = keyTokenHeaderSize + MaxKeyTokenSecret + maxKeyTokenOverhead
)

// Object format v2 (object.go).
const (
	// objectVersion is the first byte of every format-v2 object. Version 1 (no binding) is
	// refused: see DESIGN.md, "Object binding".
	objectVersion = 0x02
	// ObjectSaltSize is the per-object HKDF salt: 256 bits, so derived keys never repeat.
	ObjectSaltSize = 32
	// ObjectHeaderSize is version || layers || segment size || salt.
	ObjectHeaderSize = 1 + 1 + 4 + ObjectSaltSize
	// ObjectDataKeySize is the size of an object layer's data key (a KMS data key, AES-256).
	ObjectDataKeySize = 32
	// DefaultObjectSegment is the segment size keyhold writes: 64 KiB keeps the tag overhead at
	// 0.02% and a ranged GET decrypts at most 128 KiB it does not return.
	DefaultObjectSegment = 64 << 10
	// MinObjectSegment and MaxObjectSegment bound the segment size a header may declare.
	MinObjectSegment = 1 << 10
	MaxObjectSegment = 16 << 20
	// MaxObjectLayers is two: DSSE.
	MaxObjectLayers = 2
	// MaxObjectBinding bounds the binding an object's keys are derived with: room for an S3
	// bucket name (63), key (1024), upload id and framing.
	MaxObjectBinding = 2048
)

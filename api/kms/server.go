package kms

import (
	"context"
	"log/slog"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// Service is what the KMS handlers need of the key service: one method per operation, with
// domain's types. *domain.Service implements it; the interface is declared here, by its user,
// so that this package states exactly what it may ask of the domain (and a test may hand it
// any implementation).
type Service interface {
	ARNs() domain.ARNs
	CancelKeyDeletion(ctx context.Context, ref string) (*domain.Key, error)
	CreateAlias(ctx context.Context, name, target string) error
	CreateKey(ctx context.Context, in domain.CreateKeyInput) (*domain.Key, error)
	Decrypt(ctx context.Context, ref string, blob []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	DecryptAsymmetric(ctx context.Context, ref, alg string, ciphertext []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	DeleteAlias(ctx context.Context, name string) error
	DeriveSharedSecret(ctx context.Context, ref, alg string, peer []byte) ([]byte, wrap.KeyID, error)
	DescribeKey(ctx context.Context, ref string) (*domain.Key, error)
	DisableKey(ctx context.Context, ref string) error
	DisableKeyRotation(ctx context.Context, ref string) error
	EnableKey(ctx context.Context, ref string) error
	EnableKeyRotation(ctx context.Context, ref string, periodDays int) error
	Encrypt(ctx context.Context, ref string, plaintext []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	EncryptAsymmetric(ctx context.Context, ref, alg string, plaintext []byte, ec map[string]string) ([]byte, wrap.KeyID, error)
	GenerateDataKey(ctx context.Context, ref string, n int, ec map[string]string) (plaintext, blob []byte, id wrap.KeyID, err error)
	GenerateDataKeyPair(ctx context.Context, ref, pairSpec string, ec map[string]string, withPlaintext bool) (domain.DataKeyPair, error)
	GenerateMac(ctx context.Context, ref string, msg []byte, alg string) ([]byte, wrap.KeyID, error)
	GenerateRandom(ctx context.Context, n int) ([]byte, error)
	GetKeyRotationStatus(ctx context.Context, ref string) (domain.RotationStatus, error)
	GetPublicKey(ctx context.Context, ref string) (domain.PublicKeyOutput, error)
	ListAliases(ctx context.Context, keyRef string, limit int, marker string) ([]domain.AliasInfo, string, error)
	ListKeyRotations(ctx context.Context, ref string, limit int, marker string) ([]domain.RotationInfo, string, error)
	ListKeys(limit int, marker string) ([]wrap.KeyID, string, error)
	ListResourceTags(ctx context.Context, ref string, limit int, marker string) ([]domain.Tag, string, error)
	ReEncrypt(ctx context.Context, srcRef string, blob []byte, srcEC map[string]string, dstRef string, dstEC map[string]string) (domain.ReEncryptOutput, error)
	RotateKeyOnDemand(ctx context.Context, ref string) (wrap.KeyID, error)
	ScheduleKeyDeletion(ctx context.Context, ref string, days int) (*domain.Key, error)
	Sign(ctx context.Context, ref string, msg []byte, msgType, alg string) (domain.SignOutput, error)
	TagResource(ctx context.Context, ref string, tags []domain.Tag) error
	UntagResource(ctx context.Context, ref string, keys []string) error
	UpdateAlias(ctx context.Context, name, target string) error
	UpdateKeyDescription(ctx context.Context, ref, desc string) error
	Verify(ctx context.Context, ref string, msg []byte, msgType, alg string, sig []byte) (wrap.KeyID, error)
	VerifyMac(ctx context.Context, ref string, msg []byte, alg string, mac []byte) (wrap.KeyID, error)
}

// Options configures a Server.
type Options struct {
	Service  Service
	Verifier *sigv4.Verifier
	// Pipeline is the shared request pipeline (the root api's Server): gate, authorisation,
	// metrics, audit.
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
}

// Server serves the KMS JSON 1.1 protocol.
type Server struct {
	svc    Service
	verify *sigv4.Verifier
	p      pipeline.Pipeline
	log    *slog.Logger
}

// New builds a Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Server{svc: o.Service, verify: o.Verifier, p: o.Pipeline, log: o.Logger}
}

// *domain.Service is the production implementation.
var _ Service = (*domain.Service)(nil)

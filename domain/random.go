package domain

import (
	"crypto/rand"
	"errors"

	"github.com/keyhold/keyhold/wrap"
)

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return b, nil
}

func isInvalidCiphertext(err error) bool { return errors.Is(err, wrap.ErrInvalidCiphertext) }

func isInvalidArgument(err error) bool { return errors.Is(err, wrap.ErrInvalidArgument) }

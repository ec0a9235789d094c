package domain

import (
	"errors"
	"testing"

	"github.com/keyhold/keyhold/domain/iam"
)

// TestIAMKindsMapped: every identity-model kind but the rejection maps to a domain kind.
func TestIAMKindsMapped(t *testing.T) {
	for _, k := range iam.Kinds() {
		if k == iam.ErrRejected {
			continue
		}
		err := iamError(&iam.Error{Kind: k, Msg: "m"})
		var de *Error
		if !errors.As(err, &de) || de.Kind == nil {
			t.Errorf("%v is not mapped to a domain kind: %v", k, err)
		}
	}
	if err := iamError(&iam.Error{Kind: iam.ErrRejected, Msg: "m"}); !RejectedCommand(err) {
		t.Errorf("a rejected identity command is %v, want ErrRejectedCommand", err)
	}
}

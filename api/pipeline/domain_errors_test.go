package pipeline

import (
	"testing"

	"github.com/keyhold/keyhold/domain"
)

// TestDomainErrorsCoverKinds: every domain error kind has exactly one row in DomainErrors, with a
// KMS code; a sentinel added to domain.ErrorKinds fails here until its row is written.
func TestDomainErrorsCoverKinds(t *testing.T) {
	rows := map[error]int{}
	for _, d := range DomainErrors {
		rows[d.Kind]++
		if d.KMS.Code == "" || d.KMS.Status == 0 {
			t.Errorf("%v: no KMS code", d.Kind)
		}
	}
	for _, k := range domain.ErrorKinds() {
		if rows[k] != 1 {
			t.Errorf("%v: %d rows in DomainErrors, want 1", k, rows[k])
		}
	}
	if len(rows) != len(domain.ErrorKinds()) {
		t.Errorf("DomainErrors has %d kinds, domain.ErrorKinds %d", len(rows), len(domain.ErrorKinds()))
	}
}

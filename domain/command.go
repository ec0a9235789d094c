package domain

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// CommandType is the first byte of an encoded command. The zero value is invalid, and Apply
// panics on a type it does not know: a node that cannot interpret a committed command must stop
// rather than diverge from its peers.
type CommandType uint8

// Command types. Never renumber: these bytes are in raft logs and snapshots of running clusters.
const (
	cmdInvalid CommandType = iota
	cmdInitDomain
	cmdCreateKey
	cmdUpdateDescription
	cmdSetEnabled
	cmdScheduleDeletion
	cmdCancelDeletion
	cmdDeleteKey
	cmdCreateAlias
	cmdUpdateAlias
	cmdDeleteAlias
	cmdSetRotation
	cmdRotateKey
	cmdTagKey
	cmdUntagKey
	cmdCreatePrincipal
	cmdCreateBucket
	cmdDeleteBucket
	cmdPutBucketEncryption
	cmdSubmitProposal
	cmdApproveProposal
	cmdExecuteProposal
	cmdExpireProposals
	cmdRewrap
	cmdImportDomain
)

// Command bodies. Every field a replica needs is inside the command: Apply reads no clock, no
// randomness and no HSM.
type (
	initDomainCmd struct {
		ID        string
		At        time.Time
		DK        DomainKeyVersion
		Operators []Operator
		Quorum    int
		Member    Member
		Rules     QuorumRules
	}
	createKeyCmd struct {
		Key Key
	}
	updateDescriptionCmd struct {
		ID          wrap.KeyID
		Description string
	}
	setEnabledCmd struct {
		ID      wrap.KeyID
		Enabled bool
	}
	scheduleDeletionCmd struct {
		ID   wrap.KeyID
		At   time.Time
		Days int
	}
	cancelDeletionCmd struct {
		ID wrap.KeyID
	}
	deleteKeyCmd struct {
		ID wrap.KeyID
		At time.Time
	}
	aliasCmd struct {
		Name string
		ID   wrap.KeyID
		At   time.Time
		// AWSManaged, on a CreateAlias of an alias under alias/aws/, marks the target an AWS
		// managed key (applyCreateAlias). Commands of earlier versions never carry it.
		AWSManaged bool `json:",omitempty"`
	}
	setRotationCmd struct {
		ID         wrap.KeyID
		Enabled    bool
		PeriodDays int
		At         time.Time
	}
	rotateKeyCmd struct {
		ID      wrap.KeyID
		Version KeyVersion
		At      time.Time
	}
	tagKeyCmd struct {
		ID   wrap.KeyID
		Tags map[string]string
	}
	untagKeyCmd struct {
		ID   wrap.KeyID
		Keys []string
	}
	createPrincipalCmd struct {
		Principal Principal
	}
)

// encode frames a command: its type byte, then its JSON body.
func encode(t CommandType, body any) []byte {
	b, err := json.Marshal(body)
	if err != nil {
		// Command bodies are plain structs of this package; failing to marshal one is a bug.
		panic(fmt.Sprintf("domain: encode command %d: %v", t, err))
	}
	return append([]byte{byte(t)}, b...)
}

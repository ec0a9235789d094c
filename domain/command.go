package domain

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/wrap"
)

// CommandType is the first byte of an encoded command. The byte space is split so that a
// replica can tell a command written by a newer keyhold from garbage:
//
//	0x00         invalid: never written
//	0x01..0x7F   command types, assigned in order; a type above cmdLast is from a newer version
//	0x80..0xFF   never assigned: garbage
//
// Apply rejects garbage and undecodable bodies deterministically (ErrRejectedCommand: an error
// result and no state change on every replica). A type in the assigned range that this code does
// not know yet is ErrNewerCommand: the node cannot follow the log and must stop (the caller halts
// it); skipping the command would diverge from upgraded peers. Nothing from the network reaches
// the log with an unknown type: ValidateForwarded refuses it first.
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
	cmdIAM
	cmdPutKeyPolicy
	cmdCreateGrant
	cmdRemoveGrant
	cmdPutBucketPolicy

	// cmdLast is the highest type this version knows. New types are appended above it.
	cmdLast = cmdPutBucketPolicy
	// cmdReservedMax is the highest type byte keyhold will ever assign.
	cmdReservedMax CommandType = 0x7F
)

// commandSpec is what keyhold knows about one command type, so that a new command is one entry
// in commands rather than a case in Apply and a line in a separate forwarding list.
type commandSpec struct {
	// apply decodes the body and applies it to the state (Apply holds the state lock).
	apply func(s *State, body []byte) error
	// forward, if set, checks the body when a follower forwards the command to the leader (the
	// peer API): only such commands may come from a peer (ValidateForwarded). nil: the command
	// is proposed only by the node that built it, never forwarded.
	forward func(body []byte) error
}

// local is a command that is never forwarded: Apply decodes its body as a T for apply.
func local[T any](apply func(*State, *T) error) commandSpec {
	return commandSpec{apply: func(s *State, body []byte) error { return applyJSON(body, func(c *T) error { return apply(s, c) }) }}
}

// forwarded is a command a follower may forward to the leader, which decodes the body strictly
// as a T and, if check is set, checks it further before proposing it.
func forwarded[T any](apply func(*State, *T) error, check func(*T) error) commandSpec {
	c := local(apply)
	c.forward = func(body []byte) error {
		v, err := decodeStrict[T](body)
		if err == nil && check != nil {
			err = check(v)
		}
		return err
	}
	return c
}

// commands is the table of command types. init-domain (the domain's first node initialises it
// before any other node can join) and import-domain (a domain token is imported on the node
// that holds the HSM it is for, which then leads; keyholdctl import goes to that node's ops API)
// are never forwarded. Ceremony execution, proposal expiry and re-wrap batches are forwarded by
// a leader that loses leadership while it proposes them.
var commands = map[CommandType]commandSpec{
	cmdInitDomain:          local((*State).applyInitDomain),
	cmdCreateKey:           forwarded((*State).applyCreateKey, nil),
	cmdUpdateDescription:   forwarded((*State).applyUpdateDescription, nil),
	cmdSetEnabled:          forwarded((*State).applySetEnabled, nil),
	cmdScheduleDeletion:    forwarded((*State).applyScheduleDeletion, nil),
	cmdCancelDeletion:      forwarded((*State).applyCancelDeletion, nil),
	cmdDeleteKey:           forwarded((*State).applyDeleteKey, nil),
	cmdCreateAlias:         forwarded((*State).applyCreateAlias, nil),
	cmdUpdateAlias:         forwarded((*State).applyUpdateAlias, nil),
	cmdDeleteAlias:         forwarded((*State).applyDeleteAlias, nil),
	cmdSetRotation:         forwarded((*State).applySetRotation, nil),
	cmdRotateKey:           forwarded((*State).applyRotateKey, nil),
	cmdTagKey:              forwarded((*State).applyTagKey, nil),
	cmdUntagKey:            forwarded((*State).applyUntagKey, nil),
	cmdCreatePrincipal:     forwarded((*State).applyCreatePrincipal, nil),
	cmdCreateBucket:        forwarded((*State).applyCreateBucket, nil),
	cmdDeleteBucket:        forwarded((*State).applyDeleteBucket, nil),
	cmdPutBucketEncryption: forwarded((*State).applyPutBucketEncryption, nil),
	cmdSubmitProposal:      forwarded((*State).applySubmitProposal, checkForwardedSubmission),
	cmdApproveProposal:     forwarded((*State).applyApproveProposal, checkForwardedApproval),
	cmdExecuteProposal:     forwarded((*State).applyExecuteProposal, nil),
	cmdExpireProposals:     forwarded((*State).applyExpireProposals, nil),
	cmdRewrap:              forwarded((*State).applyRewrap, nil),
	cmdImportDomain:        local((*State).applyImportDomain),
	cmdIAM:                 forwarded((*State).applyIAM, checkForwardedIAM),
	cmdPutKeyPolicy:        forwarded((*State).applyPutKeyPolicy, nil),
	cmdCreateGrant:         forwarded((*State).applyCreateGrant, nil),
	cmdRemoveGrant:         forwarded((*State).applyRemoveGrant, nil),
	cmdPutBucketPolicy:     forwarded((*State).applyPutBucketPolicy, nil),
}

// Command bodies. Every field a replica needs is inside the command: Apply reads no clock, no
// randomness and no HSM.
type (
	initDomainCmd struct {
		ID        string
		At        time.Time
		DK        ceremony.DomainKeyVersion
		Operators []ceremony.Operator
		Quorum    int
		Member    ceremony.Member
		Rules     ceremony.QuorumRules
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
		// Account owns the alias; "" (every command of earlier versions) is the domain's
		// first account. The key must belong to the same account.
		Account string `json:",omitempty"`
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
	putKeyPolicyCmd struct {
		ID     wrap.KeyID
		Policy string // "" restores the default policy
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

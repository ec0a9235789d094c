// Package ceremony is everything of a keyhold domain that operators sign or that is hashed: the
// signed records and their canonical encoding, with no replicated state and no HSM.
//
// It owns the canonical CBOR codec (cbor.go: one encoding per value, strict decoding with
// bounds), the domain record (Domain, Member, Operator, DomainKeyVersion, WrappedDK, Rewrap,
// RecordBytes/RecordHash), proposals (Proposal, ProposalKind, QuorumRules, Signature,
// SignedProposal, Verdict: parse, build, sign, verify, count verdicts), domain tokens
// (DomainToken, ParseToken, ParseRecord, VerifyToken), operator key files, the bounds on all of
// these (limits.go), and the descriptive half of the ceremony-kind table (proposal.go, next to
// the Proposal fields the kinds use: name, fields, quorum class, shape checks). What a kind does to the replicated state is
// package domain's half of the table (domain/ceremony_kinds.go).
//
// Because it holds no state, a client (keyholdctl, api/adminclient) can build, sign and check
// proposals and tokens with exactly the code every replica verifies them with. Wire formats are
// pinned by golden_test.go, the fuzz corpus in testdata and the signature tests.
//
// Imports: of keyhold, only package wrap (for the key id type in the rewrap cursor); never
// domain, hsm, cluster or api. domain imports it, not the reverse.
package ceremony

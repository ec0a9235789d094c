// Package domain is keyhold's replicated model and the KMS logic built on it.
//
// The replicated state (State) holds everything keyhold knows: the domain record (domain key
// versions, operators, members), CMKs with their versions and sealed key tokens, aliases, tags
// and principals. It changes only through Apply, which is deterministic: every id, timestamp,
// random value and HSM operation is chosen before a command is proposed, and the command carries
// the results. The same Apply therefore runs in the raft FSM on every node and can replay a domain
// token offline.
//
// A command is one type byte followed by a JSON body (see command.go). Each command type is one
// entry in the commands table (command.go): how Apply decodes and applies it, and whether a
// follower may forward it to the leader (ValidateForwarded). Apply rejects undecodable bytes
// deterministically and reports a type from a newer version (ErrNewerCommand), on which the node
// must stop rather than diverge.
//
// Ceremonies (init-domain, admit-node, rotate-domain-key, ...) are operator-signed proposals in
// deterministic CBOR, defined with the domain record and tokens in package domain/ceremony. What
// a kind is (name, proposal fields, quorum class) is its entry in ceremony's kind table; what it
// does here is its entry in the ceremonyKinds table (ceremony_kinds.go): its precheck, the HSM
// work the leader does for it (prepare) and its effect in Apply; the kinds' functions live in
// ceremony_kinds_*.go. The proposal log (ProposalRecord, proposals.go) and the apply of
// signatures and executions (apply_ceremony*.go) are replicated state, so they stay here.
//
// Service implements the AWS KMS operations on top of the state: it resolves key references,
// checks key states, seals and opens ciphertext blobs with wrap, and proposes commands through a
// Proposer (the raft cluster in production). Errors are domain sentinels wrapped in *Error, whose
// message is safe to show to a client; package api maps the sentinels to AWS error codes
// (ErrorKinds lists them). Every Service method that can block — catching up with the leader
// before answering not-found, proposing, or calling the HSM through Keyring or CeremonyHSM —
// takes the caller's context first, so a client's cancellation and deadline reach the wait.
//
// Imports: of keyhold, only wrap and domain/ceremony (cmd/keyhold's deps tests enforce it);
// never hsm, cluster or api, which implement or call the interfaces declared here.
package domain

// Package domain is keyhold's replicated model and the KMS logic built on it.
//
// The replicated state (State) holds everything keyhold knows: the domain record (domain key
// versions, operators, members), CMKs with their versions and sealed key tokens, aliases, tags
// and principals. It changes only through Apply, which is deterministic: every id, timestamp,
// random value and HSM operation is chosen before a command is proposed, and the command carries
// the results. The same Apply therefore runs in the raft FSM on every node and can replay a domain
// token offline.
//
// A command is one type byte followed by a JSON body (see command.go). Apply panics on an unknown
// type byte: a node that cannot understand a committed command must stop rather than diverge.
//
// Service implements the AWS KMS operations on top of the state: it resolves key references,
// checks key states, seals and opens ciphertext blobs with wrap, and proposes commands through a
// Proposer (the raft cluster in production). Errors are domain sentinels wrapped in *Error, whose
// message is safe to show to a client; package api maps the sentinels to AWS error codes.
package domain

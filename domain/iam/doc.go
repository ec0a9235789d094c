// Package iam is the replicated identity model: accounts, IAM users, groups, roles and managed
// policies, with their inline and attached policies and tags. It holds what AWS IAM holds for
// an account, and nothing secret: access keys (the only secrets) stay in the domain's key
// registry, sealed under the domain key, and name the user they belong to.
//
// The model changes only through Commands applied by Store.Apply, in raft log order on every
// replica, so Apply is deterministic: it reads no clock and no randomness (the proposer puts
// the time and every generated id in the command) and never panics on a command's bytes. A
// command that fails its checks changes nothing and returns an *Error whose Kind says why
// (ErrNoSuchEntity, ErrEntityAlreadyExists, ...); the domain maps kinds to its own and the api
// to AWS's error codes.
//
// Policy documents are parsed with package policy when a command is applied (so a malformed
// document is refused before it is stored) and kept compiled next to the text the client sent:
// authorization evaluates the compiled form from memory, with no raft round trip and no HSM
// call, and GetUserPolicy and friends return the text unchanged.
//
// A Store is not safe for concurrent use: the domain's State lock guards it (writes under the
// write lock in Apply, reads under the read lock in View).
package iam

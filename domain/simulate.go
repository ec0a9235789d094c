package domain

import (
	"context"
	"strings"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

// Policy simulation: IAM's SimulatePrincipalPolicy and SimulateCustomPolicy, "a way to ask
// why". A simulation runs policy.Decide, the function every real request is decided by, on
// the policies a request would meet, and reports per action and resource the decision, the
// statements behind it and the condition keys the policies read that the simulation did not
// supply. There is no second evaluation logic: the explanation helpers of package policy
// (Applicable, ConditionKeys) reuse Evaluate's own matching.
//
// As in AWS, a simulation does not load resource policies (a key's key policy, a bucket's
// policy) or grants: a resource policy is simulated only when the request passes it
// (ResourcePolicy), and request-time keys (aws:SourceIp, aws:CurrentTime, kms:EncryptionContext:*)
// are only what the context entries say. The principal's own keys (aws:username,
// aws:PrincipalArn, aws:PrincipalTag/*, ...) come from the simulated principal.
//
// The caller's right to simulate is decided by the API layer (iam:SimulatePrincipalPolicy on
// the policy source's ARN, iam:SimulateCustomPolicy on "*") through the same authorization as
// every IAM action; the simulation itself acts only in the caller's account.

// SimulationInput is one simulation request.
type SimulationInput struct {
	// PolicySourceARN is the user, group or role whose policies are simulated
	// (SimulatePrincipalPolicy); "" for SimulateCustomPolicy.
	PolicySourceARN string
	// PolicyInputList are identity policy documents: the whole identity side of a custom
	// simulation, or policies added to the principal's.
	PolicyInputList []string
	// Actions are the actions to simulate ("kms:Decrypt"), at least one.
	Actions []string
	// Resources are the resource ARNs each action is simulated on; none (or just "*") means
	// the action on "*".
	Resources []string
	// ResourcePolicy is a resource-based policy document simulated with every resource.
	ResourcePolicy string
	// ResourceOwner owns the resources whose ARNs name no account and the resource policy:
	// an account id or its root ARN; "" for the simulated caller's account.
	ResourceOwner string
	// CallerARN is the IAM user simulated as the caller (needed to match a resource policy's
	// Principal when the policy source is not a user).
	CallerARN string
	// Context are the request's condition keys.
	Context []ContextEntry
}

// ContextEntry is one condition key of a simulated request. Type is one of IAM's
// ContextKeyType values (string, stringList, numeric, numericList, boolean, booleanList, ip,
// ipList, binary, binaryList, date, dateList); "" means string.
type ContextEntry struct {
	Key    string
	Type   string
	Values []string
}

// Simulation decisions, as IAM names them.
const (
	SimAllowed      = "allowed"
	SimExplicitDeny = "explicitDeny"
	SimImplicitDeny = "implicitDeny"
)

// Policy source types of matched statements, as IAM names them. SimulateCustomPolicy's input
// documents have no entity; IAM reports them as "IAM Policy".
const (
	SourceUser        = "user"
	SourceGroup       = "group"
	SourceRole        = "role"
	SourceUserManaged = "user-managed"
	SourceResource    = "resource"
	SourceInput       = "IAM Policy"
)

// MatchedStatement is a statement behind a simulated decision.
type MatchedStatement struct {
	// PolicyID names the policy: an inline policy's name, a managed policy's ARN,
	// "PolicyInputList.N" for the Nth input document (from 1), "ResourcePolicy".
	PolicyID string
	// PolicyType is one of the Source* constants.
	PolicyType string
	// Sid and Index (from 0) name the statement in its policy.
	Sid   string
	Index int
	// Span is where the statement is written in the policy's document; nil if unknown.
	Span *policy.Span
}

// ResourceResult is the simulation of one action on one resource.
type ResourceResult struct {
	Resource string
	Decision string // SimAllowed, SimExplicitDeny or SimImplicitDeny
	// Matched are the statements that decided: the denying statement of an explicit deny, every
	// statement that allowed (the deciding one first), none for an implicit deny.
	Matched []MatchedStatement
	// Missing are condition keys of applicable statements that the context entries did not
	// supply.
	Missing []string
}

// SimulationResult is the simulation of one action. With several resources its decision is
// the most restrictive of theirs (explicit deny, then implicit deny), as IAM aggregates.
type SimulationResult struct {
	Action string
	ResourceResult
	// PerResource holds one result per requested resource; nil when none was named.
	PerResource []ResourceResult
}

// Simulation bounds: IAM's documents may be this long; a request names at most this many
// actions, resources and context entries (the API layer's list limit is lower still), and asks
// for at most maxSimDecisions decisions (actions times resources), which bounds the work and
// the answer of one request.
const (
	maxSimDocument  = 131072
	maxSimItems     = 1000
	maxSimDecisions = 10000
)

// SimulatePolicy runs a simulation in the caller's account. A policy source, caller or
// resource owner of another account is reported as not found (ErrNotFound), never evaluated.
func (s *Service) SimulatePolicy(ctx context.Context, in SimulationInput) ([]SimulationResult, error) {
	if err := checkSimulationInput(in); err != nil {
		return nil, err
	}
	var sim *simulation
	err := s.IAMRead(ctx, func(acct string, st *iam.Store) error {
		var err error
		sim, err = s.newSimulation(acct, st, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]SimulationResult, 0, len(in.Actions))
	for _, a := range in.Actions {
		out = append(out, sim.action(a, in.Resources))
	}
	return out, nil
}

func checkSimulationInput(in SimulationInput) error {
	if len(in.Actions) == 0 {
		return errorf(ErrInvalidInput, "ActionNames must name at least one action.")
	}
	if in.PolicySourceARN == "" && len(in.PolicyInputList) == 0 {
		return errorf(ErrInvalidInput, "PolicyInputList must hold at least one policy document.")
	}
	if len(in.Actions) > maxSimItems || len(in.Resources) > maxSimItems || len(in.Context) > maxSimItems || len(in.PolicyInputList) > maxSimItems {
		return errorf(ErrInvalidInput, "The simulation request names too many items.")
	}
	if len(in.Actions)*max(1, len(in.Resources)) > maxSimDecisions {
		return errorf(ErrInvalidInput, "The simulation request asks for more than %d decisions (actions times resources).", maxSimDecisions)
	}
	for _, a := range in.Actions {
		svc, name, ok := strings.Cut(a, ":")
		if !ok || svc == "" || name == "" || len(a) > 128 || strings.ContainsAny(a, " \t\n") {
			return errorf(ErrInvalidInput, "Action %q is not of the form service:Action.", a)
		}
	}
	for _, r := range in.Resources {
		if r != "*" && (!strings.HasPrefix(r, "arn:") || len(r) > 2048) {
			return errorf(ErrInvalidInput, "Resource %q is not an ARN.", r)
		}
	}
	return checkContextEntries(in.Context)
}

// checkContextEntries refuses entries IAM refuses: a key name outside 5 to 256 characters, an
// unknown type, no value, several values for a single-valued type, a value its type cannot
// read.
func checkContextEntries(entries []ContextEntry) error {
	for _, e := range entries {
		if len(e.Key) < 5 || len(e.Key) > 256 {
			return errorf(ErrInvalidInput, "ContextKeyName %q must be 5 to 256 characters.", e.Key)
		}
		kind, list := contextKind(e.Type)
		if kind == "" {
			return errorf(ErrInvalidInput, "ContextKeyType %q of %s is not valid.", e.Type, e.Key)
		}
		if len(e.Values) == 0 || !list && len(e.Values) > 1 {
			return errorf(ErrInvalidInput, "ContextKeyValues of %s must hold one value (or, for a list type, one or more).", e.Key)
		}
		for _, v := range e.Values {
			if !policy.ValidContextValue(kind, v) {
				return errorf(ErrInvalidInput, "ContextKeyValue %q of %s is not a valid %s.", v, e.Key, kind)
			}
		}
	}
	return nil
}

// contextKind splits a ContextKeyType into its value kind and whether it is a list.
func contextKind(t string) (kind string, list bool) {
	if t == "" {
		return "string", false
	}
	base, list := strings.CutSuffix(t, "List")
	switch base {
	case "string", "numeric", "boolean", "ip", "binary", "date":
		return base, list
	}
	return "", false
}

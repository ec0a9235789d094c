package iam

import (
	"context"
	"fmt"
	"strconv"

	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/domain"
)

// SimulatePrincipalPolicy and SimulateCustomPolicy: the policy simulator's API ("a way to ask
// why"). The handlers read the parameters, authorize the simulation itself (like every IAM
// action), and hand the request to domain.Service.SimulatePolicy, which decides each action
// with the engine real requests are decided by.

// simulateService is what the simulation handlers need of the domain.
type simulateService interface {
	SimulatePolicy(ctx context.Context, in domain.SimulationInput) ([]domain.SimulationResult, error)
	ContextKeysForPolicies(ctx context.Context, sourceARN string, docs []string) ([]string, error)
}

// simulateActions adds the simulator's actions to the action table.
func (h *handlers) simulateActions(a map[string]query.Action) {
	a["SimulatePrincipalPolicy"] = query.Action{Handle: h.simulatePrincipalPolicy}
	a["SimulateCustomPolicy"] = query.Action{Handle: h.simulateCustomPolicy}
	a["GetContextKeysForPrincipalPolicy"] = query.Action{Handle: h.contextKeysForPrincipalPolicy}
	a["GetContextKeysForCustomPolicy"] = query.Action{Handle: h.contextKeysForCustomPolicy}
}

func (h *handlers) simulatePrincipalPolicy(ctx context.Context, c *query.Call) (any, error) {
	src, err := c.Required("PolicySourceArn")
	if err != nil {
		return nil, err
	}
	in, err := simulationParams(c)
	if err != nil {
		return nil, err
	}
	in.PolicySourceARN = src
	// AWS: "This API discloses information about the permissions granted to other users", so
	// the caller needs iam:SimulatePrincipalPolicy on the principal whose policies it reads.
	if err := c.Authorize(ctx, "iam:SimulatePrincipalPolicy", src); err != nil {
		return nil, err
	}
	return h.simulate(ctx, c, in)
}

func (h *handlers) simulateCustomPolicy(ctx context.Context, c *query.Call) (any, error) {
	in, err := simulationParams(c)
	if err != nil {
		return nil, err
	}
	if len(in.PolicyInputList) == 0 {
		return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	if err := c.Authorize(ctx, "iam:SimulateCustomPolicy", "*"); err != nil {
		return nil, err
	}
	return h.simulate(ctx, c, in)
}

// simulate runs the simulation and returns the page of results the request asks for.
func (h *handlers) simulate(ctx context.Context, c *query.Call, in domain.SimulationInput) (any, error) {
	results, err := h.svc.SimulatePolicy(ctx, in)
	if err != nil {
		return nil, err
	}
	// Results come in the order of ActionNames; the marker is the position of the next one.
	idx := make([]int, len(results))
	for i := range idx {
		idx[i] = i
	}
	pg, marker, truncated, err := page(c, idx, func(i int) string { return fmt.Sprintf("%08d", i) })
	if err != nil {
		return nil, err
	}
	out := xSimulateResult{IsTruncated: truncated, Marker: marker}
	for _, i := range pg {
		out.EvaluationResults.Member = append(out.EvaluationResults.Member, xEvaluation(results[i]))
	}
	return out, nil
}

// simulationParams reads the parameters both actions share.
func simulationParams(c *query.Call) (domain.SimulationInput, error) {
	var in domain.SimulationInput
	var err error
	if in.Actions, err = listParam(c, "ActionNames"); err != nil {
		return in, err
	}
	if len(in.Actions) == 0 {
		return in, query.Errorf(query.ErrValidation, "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	if in.PolicyInputList, err = listParam(c, "PolicyInputList"); err != nil {
		return in, err
	}
	if in.Resources, err = listParam(c, "ResourceArns"); err != nil {
		return in, err
	}
	// keyhold has no permissions boundaries (CreateRole refuses them too) and none of the EC2
	// scenarios ResourceHandlingOption names: a simulation that silently left them out would
	// answer a question other than the one asked.
	if b, err := listParam(c, "PermissionsBoundaryPolicyInputList"); err != nil || len(b) > 0 {
		if err != nil {
			return in, err
		}
		return in, &domain.Error{Kind: domain.ErrUnsupported, Msg: "Permissions boundaries are not supported."}
	}
	if c.Param("ResourceHandlingOption") != "" {
		return in, &domain.Error{Kind: domain.ErrUnsupported, Msg: "ResourceHandlingOption is not supported."}
	}
	in.ResourcePolicy = c.Param("ResourcePolicy")
	in.ResourceOwner = c.Param("ResourceOwner")
	in.CallerARN = c.Param("CallerArn")
	in.Context, err = contextEntriesParam(c)
	return in, err
}

// contextEntriesParam reads ContextEntries.member.N.{ContextKeyName, ContextKeyType,
// ContextKeyValues.member.M}.
func contextEntriesParam(c *query.Call) ([]domain.ContextEntry, error) {
	var out []domain.ContextEntry
	for i := 1; ; i++ {
		p := "ContextEntries.member." + strconv.Itoa(i) + "."
		name, ok := c.Params[p+"ContextKeyName"]
		if !ok {
			return out, nil
		}
		if i > maxListMembers {
			return nil, query.Errorf(query.ErrValidation, "Too many members in ContextEntries.")
		}
		values, err := listParam(c, p+"ContextKeyValues")
		if err != nil {
			return nil, err
		}
		out = append(out, domain.ContextEntry{Key: name[0], Type: c.Param(p + "ContextKeyType"), Values: values})
	}
}

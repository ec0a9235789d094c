package iam

import "github.com/keyhold/keyhold/domain"

// Result shapes of SimulatePrincipalPolicy and SimulateCustomPolicy (IAM API reference:
// SimulatePolicyResponse, EvaluationResult, ResourceSpecificResult, Statement, Position).
// MatchedStatements and MissingContextValues are written even when empty, as IAM does.

type xSimulateResult struct {
	EvaluationResults members[xEvalResult]
	IsTruncated       bool
	Marker            string `xml:",omitempty"`
}

type xEvalResult struct {
	EvalActionName          string
	EvalResourceName        string
	EvalDecision            string
	MatchedStatements       members[xStatement]
	MissingContextValues    members[string]
	ResourceSpecificResults *members[xResourceResult] `xml:",omitempty"`
}

type xResourceResult struct {
	EvalResourceName     string
	EvalResourceDecision string
	MatchedStatements    members[xStatement]
	MissingContextValues members[string]
}

type xStatement struct {
	SourcePolicyId   string
	SourcePolicyType string
	StartPosition    *xPosition `xml:",omitempty"`
	EndPosition      *xPosition `xml:",omitempty"`
}

type xPosition struct{ Line, Column int }

func xEvaluation(r domain.SimulationResult) xEvalResult {
	x := xEvalResult{EvalActionName: r.Action, EvalResourceName: r.Resource, EvalDecision: r.Decision,
		MatchedStatements: xStatements(r.Matched), MissingContextValues: members[string]{Member: r.Missing}}
	if r.PerResource != nil {
		x.ResourceSpecificResults = &members[xResourceResult]{}
		for _, rr := range r.PerResource {
			x.ResourceSpecificResults.Member = append(x.ResourceSpecificResults.Member, xResourceResult{
				EvalResourceName: rr.Resource, EvalResourceDecision: rr.Decision,
				MatchedStatements: xStatements(rr.Matched), MissingContextValues: members[string]{Member: rr.Missing}})
		}
	}
	return x
}

func xStatements(ms []domain.MatchedStatement) members[xStatement] {
	var out members[xStatement]
	for _, m := range ms {
		s := xStatement{SourcePolicyId: m.PolicyID, SourcePolicyType: m.PolicyType}
		if m.Span != nil {
			s.StartPosition = &xPosition{Line: m.Span.Start.Line, Column: m.Span.Start.Column}
			s.EndPosition = &xPosition{Line: m.Span.End.Line, Column: m.Span.End.Column}
		}
		out.Member = append(out.Member, s)
	}
	return out
}

package iam

import (
	"log/slog"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// Namespace and Version are IAM's Query API identity.
const (
	Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	Version   = "2010-05-08"
)

// Service is what the IAM handlers need of the domain.
type Service interface {
	ARNs() domain.ARNs
	userService
	RoleService
	simulateService
}

// Options configures the IAM server.
type Options struct {
	Service  Service
	Verifier *sigv4.Verifier
	Pipeline pipeline.Pipeline
	Logger   *slog.Logger
	Region   string
}

// New returns the IAM Query API.
func New(o Options) *query.Server {
	h := &handlers{svc: o.Service}
	return query.New(query.Options{
		Service:  query.Service{Name: "iam", Namespace: Namespace, Version: Version, Actions: h.actions()},
		Verifier: o.Verifier, Pipeline: o.Pipeline, Logger: o.Logger, Region: o.Region,
	})
}

type handlers struct{ svc Service }

// actions is IAM's action table: one line per action, its handler in the file of its entity.
func (h *handlers) actions() map[string]query.Action {
	a := map[string]query.Action{
		"CreateUser":                {Handle: h.createUser},
		"GetUser":                   {Handle: h.getUser},
		"ListUsers":                 {Handle: h.listUsers},
		"DeleteUser":                {Handle: h.deleteUser},
		"UpdateUser":                {Handle: h.updateUser},
		"TagUser":                   {Handle: h.tagUser},
		"UntagUser":                 {Handle: h.untagUser},
		"ListUserTags":              {Handle: h.listUserTags},
		"CreateAccessKey":           {Handle: h.createAccessKey},
		"ListAccessKeys":            {Handle: h.listAccessKeys},
		"UpdateAccessKey":           {Handle: h.updateAccessKey},
		"DeleteAccessKey":           {Handle: h.deleteAccessKey},
		"GetAccessKeyLastUsed":      {Handle: h.getAccessKeyLastUsed},
		"CreateGroup":               {Handle: h.createGroup},
		"GetGroup":                  {Handle: h.getGroup},
		"ListGroups":                {Handle: h.listGroups},
		"ListGroupsForUser":         {Handle: h.listGroupsForUser},
		"AddUserToGroup":            {Handle: h.addUserToGroup},
		"RemoveUserFromGroup":       {Handle: h.removeUserFromGroup},
		"DeleteGroup":               {Handle: h.deleteGroup},
		"PutUserPolicy":             {Handle: h.putUserPolicy},
		"GetUserPolicy":             {Handle: h.getUserPolicy},
		"ListUserPolicies":          {Handle: h.listUserPolicies},
		"DeleteUserPolicy":          {Handle: h.deleteUserPolicy},
		"PutGroupPolicy":            {Handle: h.putGroupPolicy},
		"GetGroupPolicy":            {Handle: h.getGroupPolicy},
		"ListGroupPolicies":         {Handle: h.listGroupPolicies},
		"DeleteGroupPolicy":         {Handle: h.deleteGroupPolicy},
		"CreatePolicy":              {Handle: h.createPolicy},
		"GetPolicy":                 {Handle: h.getPolicy},
		"DeletePolicy":              {Handle: h.deletePolicy},
		"ListPolicies":              {Handle: h.listPolicies},
		"CreatePolicyVersion":       {Handle: h.createPolicyVersion},
		"GetPolicyVersion":          {Handle: h.getPolicyVersion},
		"ListPolicyVersions":        {Handle: h.listPolicyVersions},
		"DeletePolicyVersion":       {Handle: h.deletePolicyVersion},
		"SetDefaultPolicyVersion":   {Handle: h.setDefaultPolicyVersion},
		"ListEntitiesForPolicy":     {Handle: h.listEntitiesForPolicy},
		"AttachUserPolicy":          {Handle: h.attachUserPolicy},
		"DetachUserPolicy":          {Handle: h.detachUserPolicy},
		"ListAttachedUserPolicies":  {Handle: h.listAttachedUserPolicies},
		"AttachGroupPolicy":         {Handle: h.attachGroupPolicy},
		"DetachGroupPolicy":         {Handle: h.detachGroupPolicy},
		"ListAttachedGroupPolicies": {Handle: h.listAttachedGroupPolicies},
	}
	h.roleActions(a)
	h.simulateActions(a)
	return a
}

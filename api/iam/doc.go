// Package iam serves the AWS Identity and Access Management Query API on the API listener:
// users, access keys, groups, roles, inline and managed policies, tags. Requests come through
// package query's pipeline; every action is authorized with IAM's action name and the
// entity's ARN before it acts, and the replicated model (domain/iam) changes through the
// domain service.
package iam

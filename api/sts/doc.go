// Package sts serves the AWS Security Token Service's Query API on the API listener:
// GetCallerIdentity, and the actions that make temporary credentials. Requests come through
// package query's pipeline; the domain makes and verifies the credentials.
package sts

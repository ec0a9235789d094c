package iam

import "strings"

// ARN builds the ARN of an IAM entity: kind is "user", "group", "role" or "policy"; path is
// "/" or "/a/b/".
func (s *Store) ARN(account, kind, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:" + s.partition + ":iam::" + account + ":" + kind + path + name
}

// RootARN is the ARN of account's root principal.
func (s *Store) RootARN(account string) string {
	return "arn:" + s.partition + ":iam::" + account + ":root"
}

// SessionARN is the ARN of a role session.
func (s *Store) SessionARN(account, role, session string) string {
	return "arn:" + s.partition + ":sts::" + account + ":assumed-role/" + role + "/" + session
}

// ParsePolicyARN splits a managed policy ARN into its account and name; ok is false when arn
// is not a policy ARN of this partition.
func (s *Store) ParsePolicyARN(arn string) (account, path, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:"+s.partition+":iam::")
	if !ok {
		return "", "", "", false
	}
	account, rest, ok = strings.Cut(rest, ":policy/")
	if !ok || len(account) != 12 {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = "/"+rest[:i+1], rest[i+1:]
	if name == "" {
		return "", "", "", false
	}
	return account, path, name, true
}

package kms

import (
	"testing"
	"time"
)

// TestRoutes pins every KMS route's body limit, timeout, authorising action and consistency by
// operation name, so that a change to any of them is deliberate, and a route added without an
// entry here (or an entry without a route) fails.
func TestRoutes(t *testing.T) {
	type want struct {
		action      string
		limit       int64
		timeout     time.Duration
		consistency Consistency
	}
	pinned := map[string]want{
		"CreateKey":                           {"kms:CreateKey", ControlLimit, WriteTimeout, Write},
		"DescribeKey":                         {"kms:DescribeKey", DataLimit, DataTimeout, LinearRead},
		"ListKeys":                            {"kms:ListKeys", DataLimit, DataTimeout, LinearRead},
		"UpdateKeyDescription":                {"kms:UpdateKeyDescription", ControlLimit, WriteTimeout, Write},
		"CreateAlias":                         {"kms:CreateAlias", DataLimit, WriteTimeout, Write},
		"UpdateAlias":                         {"kms:UpdateAlias", DataLimit, WriteTimeout, Write},
		"DeleteAlias":                         {"kms:DeleteAlias", DataLimit, WriteTimeout, Write},
		"ListAliases":                         {"kms:ListAliases", DataLimit, DataTimeout, LinearRead},
		"Encrypt":                             {"kms:Encrypt", DataLimit, DataTimeout, StaleRead},
		"Decrypt":                             {"kms:Decrypt", DataLimit, DataTimeout, StaleRead},
		"ReEncrypt":                           {"kms:ReEncryptTo", DataLimit, DataTimeout, StaleRead},
		"GenerateDataKey":                     {"kms:GenerateDataKey", DataLimit, DataTimeout, StaleRead},
		"GenerateDataKeyWithoutPlaintext":     {"kms:GenerateDataKeyWithoutPlaintext", DataLimit, DataTimeout, StaleRead},
		"GenerateRandom":                      {"kms:GenerateRandom", DataLimit, DataTimeout, StaleRead},
		"EnableKey":                           {"kms:EnableKey", DataLimit, WriteTimeout, Write},
		"DisableKey":                          {"kms:DisableKey", DataLimit, WriteTimeout, Write},
		"ScheduleKeyDeletion":                 {"kms:ScheduleKeyDeletion", DataLimit, WriteTimeout, Write},
		"CancelKeyDeletion":                   {"kms:CancelKeyDeletion", DataLimit, WriteTimeout, Write},
		"EnableKeyRotation":                   {"kms:EnableKeyRotation", DataLimit, WriteTimeout, Write},
		"DisableKeyRotation":                  {"kms:DisableKeyRotation", DataLimit, WriteTimeout, Write},
		"GetKeyRotationStatus":                {"kms:GetKeyRotationStatus", DataLimit, DataTimeout, LinearRead},
		"RotateKeyOnDemand":                   {"kms:RotateKeyOnDemand", DataLimit, WriteTimeout, Write},
		"ListKeyRotations":                    {"kms:ListKeyRotations", DataLimit, DataTimeout, LinearRead},
		"TagResource":                         {"kms:TagResource", DataLimit, WriteTimeout, Write},
		"CreateGrant":                         {"kms:CreateGrant", DataLimit, WriteTimeout, Write},
		"ListGrants":                          {"kms:ListGrants", DataLimit, DataTimeout, LinearRead},
		"ListRetirableGrants":                 {"kms:ListRetirableGrants", DataLimit, DataTimeout, LinearRead},
		"RetireGrant":                         {"kms:RetireGrant", DataLimit, WriteTimeout, Write},
		"RevokeGrant":                         {"kms:RevokeGrant", DataLimit, WriteTimeout, Write},
		"GetKeyPolicy":                        {"kms:GetKeyPolicy", DataLimit, DataTimeout, LinearRead},
		"PutKeyPolicy":                        {"kms:PutKeyPolicy", ControlLimit, WriteTimeout, Write},
		"ListKeyPolicies":                     {"kms:ListKeyPolicies", DataLimit, DataTimeout, LinearRead},
		"UntagResource":                       {"kms:UntagResource", DataLimit, WriteTimeout, Write},
		"ListResourceTags":                    {"kms:ListResourceTags", DataLimit, DataTimeout, LinearRead},
		"Sign":                                {"kms:Sign", DataLimit, DataTimeout, StaleRead},
		"Verify":                              {"kms:Verify", DataLimit, DataTimeout, StaleRead},
		"GetPublicKey":                        {"kms:GetPublicKey", DataLimit, DataTimeout, LinearRead},
		"GenerateMac":                         {"kms:GenerateMac", DataLimit, DataTimeout, StaleRead},
		"VerifyMac":                           {"kms:VerifyMac", DataLimit, DataTimeout, StaleRead},
		"DeriveSharedSecret":                  {"kms:DeriveSharedSecret", DataLimit, DataTimeout, StaleRead},
		"GenerateDataKeyPair":                 {"kms:GenerateDataKeyPair", DataLimit, DataTimeout, StaleRead},
		"GenerateDataKeyPairWithoutPlaintext": {"kms:GenerateDataKeyPairWithoutPlaintext", DataLimit, DataTimeout, StaleRead},
	}
	for op, rt := range routes {
		w, ok := pinned[op]
		if !ok {
			t.Errorf("route %s is not pinned here", op)
			continue
		}
		if rt.action != w.action || rt.limit != w.limit || rt.timeout != w.timeout || rt.consistency != w.consistency {
			t.Errorf("%s: got {%s %d %s %s}, want {%s %d %v %s}", op, rt.action, rt.limit, rt.timeout, rt.consistency, w.action, w.limit, w.timeout, w.consistency)
		}
		if rt.handle == nil {
			t.Errorf("%s: no handler", op)
		}
		// Writes wait for raft; a write with the data-plane timeout would time out in an election.
		if (rt.consistency == Write) != (rt.timeout == WriteTimeout) {
			t.Errorf("%s: consistency %s with timeout %s", op, rt.consistency, rt.timeout)
		}
		if rt.limit > 1<<20 {
			t.Errorf("%s: limit %d over 1 MiB", op, rt.limit)
		}
	}
	for op := range pinned {
		if _, ok := routes[op]; !ok {
			t.Errorf("pinned route %s does not exist", op)
		}
	}
}

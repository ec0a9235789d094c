// Package audit is keyhold's tamper-evident audit trail: the Record every API call produces, the
// Handler interface records are delivered through (shaped like slog.Handler), the file sink that
// chains records with SHA-256 and appends them to JSON-lines files, and the verifier that walks
// those files and names the first broken link.
//
// It imports nothing of keyhold; package api builds Records from what its pipelines already
// know, and cmd/keyhold wires a Writer under <data_dir>/audit.
//
// # What a record holds
//
// Who (principal, access key id, source IP), what (API and operation), which resource (KMS key
// ARN, S3 bucket and object, ceremony proposal id and kind), the encryption context in full (as
// AWS CloudTrail records it: context is authenticated, not secret), the outcome ("OK" or the
// error code) and the duration. Never plaintexts, data keys, ciphertexts, secrets or SSE-C keys:
// Record has no field that could carry one.
//
// # File format
//
// A trail is a directory of files named
//
//	audit-<first seq, 20 decimal digits>-<UTC date YYYYMMDD>.jsonl
//
// so that sorting names sorts files by sequence. A new file starts when the UTC day changes or
// the current file would pass Options.MaxFileBytes; the chain continues across files. Each file
// is a sequence of lines, each line exactly one record:
//
//	line      = canonical `,"hash":"` hash-hex `"}` LF
//	canonical = `{"seq":` seq `,"prev":"` prev-hex `"` fields
//	fields    = *( `,"` name `":` value )       ; the Record fields below, in this order
//	seq       = 1*DIGIT                          ; 1 for the first record, then +1 per record
//	prev-hex  = 64 lowercase hex digits          ; the previous record's hash; 64 "0"s for seq 1
//	hash-hex  = 64 lowercase hex digits
//	hash      = SHA-256( prev (32 raw bytes) || canonical )
//
// The fields, in order, each omitted when empty: "time" (RFC 3339, nanoseconds, UTC),
// "request_id", "api" (kms, s3, admin or peer), "op", "principal", "access_key_id", "source_ip",
// "key", "source_key", "bucket", "object", "proposal", "proposal_kind", "encryption_context"
// and "source_encryption_context" (JSON objects, keys sorted by byte value), "account",
// "decision", "decision_reason", "deciding_policy", "deciding_statement", "outcome",
// "duration_us" (integer microseconds). Strings are JSON strings: '"', '\' and control
// characters are escaped, invalid UTF-8 becomes U+FFFD; no other escaping and no whitespace.
//
// The verifier hashes the bytes exactly as they are on disk (everything before the final
// `,"hash":"`), so it never re-encodes and needs no canonical-JSON rules of its own: a
// modified byte changes the hash, a deleted or reordered line breaks seq and prev, and a
// truncated line lacks its hash suffix or LF. Deleting whole files from the end is not visible
// in the files themselves; the chain head (keyhold_audit_head_sequence, and the head hash the
// node logs at shutdown and `keyholdctl audit verify` prints) is what an external anchor keeps.
//
// # Durability
//
// With Options.Durable (keyhold's default, audit_mode durable) Handle returns only once the
// record is written and fsynced, many concurrent records sharing one fsync (group commit); a
// write that fails is rolled back, the record is refused with ErrUnwritable, and the Writer
// refuses records (Healthy says why) until a probe write succeeds again. The trail then holds
// exactly the records Handle accepted, and callers answer only requests whose record it holds.
//
// Otherwise (best effort) Writer buffers lines and a background flusher writes and fsyncs them
// at least every Options.FlushInterval (250 ms by default), and on Close; a crash loses at most
// that window, and a failing disk loses records once Options.MaxBacklog is full.
//
// A crash in the middle of a write leaves a partial last line: Open drops it (logging how many
// bytes) before appending, so the chain continues from the last complete record.
package audit

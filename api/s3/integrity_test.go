package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestObjectBindingInjective: no two names encode alike, whatever their bytes.
func TestObjectBindingInjective(t *testing.T) {
	names := []objectBinding{
		{Bucket: "ab", Key: "c"}, {Bucket: "a", Key: "bc"}, {Bucket: "a", Key: "b", UploadID: "c"},
		{Bucket: "a", Key: "b\x00\x00\x00\x01c"}, {Bucket: "a", Key: "b/c"}, {Bucket: "a/b", Key: "c"}, {Bucket: "", Key: "abc"},
	}
	seen := map[string]objectBinding{}
	for _, b := range names {
		for _, n := range []int{0, 1, 2} {
			enc := string(b.bytes(n))
			if prev, ok := seen[enc]; ok {
				t.Fatalf("%+v part %d encodes like %+v", b, n, prev)
			}
			seen[enc] = b
		}
	}
}

// memObject is a stored object held in memory.
type memObject []byte

func (o memObject) Size() int64 { return int64(len(o)) }
func (o memObject) ReadRange(_ context.Context, off, n int64) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(o[off : off+n])), nil
}
func (o memObject) Close() error { return nil }

// TestMetaMACBindsName: metadata sealed for one name verifies for that name only, and every
// failure is an integrity error that S3 answers with InternalError.
func TestMetaMACBindsName(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()
	keys := objectKeys{bytes.Repeat([]byte{7}, 32)}
	bind := objectBinding{Bucket: "fin", Key: "transfer.txt"}
	m := objectMeta{Size: 3, ETag: `"x"`, LastModified: time.Unix(1, 0).UTC(), SSE: sseMeta{Algorithm: sseC},
		Parts: []partMeta{{Size: 3, Sealed: 57}}}
	if err := s.sealMeta(ctx, &m, keys, bind); err != nil {
		t.Fatal(err)
	}
	if err := s.verifyMeta(ctx, &m, keys, bind); err != nil {
		t.Fatalf("own name: %v", err)
	}
	for _, other := range []objectBinding{{Bucket: "pub", Key: "transfer.txt"}, {Bucket: "fin", Key: "readme.txt"}, {Bucket: "fin", Key: "transfer.txt", UploadID: "u"}} {
		err := s.verifyMeta(ctx, &m, keys, other)
		var ie *integrityError
		if !errors.As(err, &ie) || ie.reason != integrityMAC {
			t.Fatalf("%+v: got %v, want a metadata_mac integrity error", other, err)
		}
		if aws, _ := errorFor(err); aws.Code != "InternalError" || aws.Status != http.StatusInternalServerError {
			t.Fatalf("%+v: S3 error %+v, want InternalError 500", other, aws)
		}
	}
	noMAC := m
	noMAC.MAC = nil
	if err := s.verifyMeta(ctx, &noMAC, keys, bind); !errors.Is(err, errCorruptObject) {
		t.Fatalf("no MAC: got %v", err)
	}
	if err := s.verifyMeta(ctx, &m, nil, bind); !errors.Is(err, errCorruptObject) {
		t.Fatalf("no key to check with: got %v", err)
	}
	plain := objectMeta{SSE: sseMeta{Algorithm: ssePlain}}
	if err := s.sealMeta(ctx, &plain, nil, bind); err != nil || s.verifyMeta(ctx, &plain, nil, bind) != nil {
		t.Fatalf("plaintext object under its own name: %v", err)
	}
	if err := s.verifyMeta(ctx, &plain, nil, objectBinding{Bucket: "fin", Key: "other"}); !errors.Is(err, errCorruptObject) {
		t.Fatalf("plaintext object under another name: got %v", err)
	}
}

// TestReadMetaRefusesLegacyFormat: an object written before name binding (trailer KHO1) is an
// integrity failure of its own kind, not read unbound.
func TestReadMetaRefusesLegacyFormat(t *testing.T) {
	raw, _ := json.Marshal(objectMeta{Size: 0, Parts: []partMeta{{Size: 0, Sealed: 54}}})
	obj := append(make([]byte, 54), raw...)
	obj = binary.BigEndian.AppendUint32(obj, uint32(len(raw)))
	for magic, reason := range map[string]string{"KHO1": integrityLegacy, "KHO3": integrityFormat} {
		_, err := readMeta(context.Background(), memObject(append(bytes.Clone(obj), magic...)))
		var ie *integrityError
		if !errors.As(err, &ie) || ie.reason != reason {
			t.Errorf("%s: got %v, want reason %s", magic, err, reason)
		}
	}
}

// TestCallerS3ARNContextRefused: aws:s3:arn in a caller's encryption context is InvalidArgument;
// other keys pass.
func TestCallerS3ARNContextRefused(t *testing.T) {
	h := http.Header{}
	h.Set("X-Amz-Server-Side-Encryption", sseKMS)
	set := func(ec map[string]string) {
		b, _ := json.Marshal(ec)
		h.Set("X-Amz-Server-Side-Encryption-Context", base64.StdEncoding.EncodeToString(b))
	}
	set(map[string]string{"aws:s3:arn": "arn:aws:s3:::fin/transfer.txt"})
	if _, err := parseSSEHeaders(h, ""); !errors.Is(err, errInvalidArgument) {
		t.Fatalf("aws:s3:arn: got %v, want InvalidArgument", err)
	}
	set(map[string]string{"aws:s3:arnx": "y", "team": "x"})
	q, err := parseSSEHeaders(h, "")
	if err != nil {
		t.Fatal(err)
	}
	if ec := objectContext("pub", "readme.txt", q.context); ec["aws:s3:arn"] != "arn:aws:s3:::pub/readme.txt" || ec["team"] != "x" {
		t.Fatalf("context: %v", ec)
	}
}

// TestIntegrityMetric: the counter starts at zero for every reason, survives a second server on
// the same registry, counts by reason only, and the log line names bucket, key and reason.
func TestIntegrityMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	var logs bytes.Buffer
	s := &Server{opts: Options{Metrics: reg}, log: slog.New(slog.NewTextHandler(&logs, nil))}
	s.registerIntegrityMetric()
	s2 := &Server{opts: Options{Metrics: reg}, log: s.log}
	s2.registerIntegrityMetric()
	series := func() map[string]float64 {
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, f := range fams {
			if f.GetName() != "keyhold_s3_integrity_failures_total" {
				continue
			}
			for _, mm := range f.GetMetric() {
				var labels []*dto.LabelPair = mm.GetLabel()
				if len(labels) != 1 || labels[0].GetName() != "reason" {
					t.Fatalf("labels: %v", labels)
				}
				out[labels[0].GetValue()] = mm.GetCounter().GetValue()
			}
		}
		return out
	}
	if got := series(); len(got) != len(integrityReasons) {
		t.Fatalf("series: got %v, want one per reason %v", got, integrityReasons)
	}
	r, _ := http.NewRequest(http.MethodGet, "/fin/transfer.txt", nil)
	c := &s3Call{r: r, op: "GetObject", requestID: "rid"}
	s2.noteIntegrity(c, "fin", "transfer.txt", errors.New("not an integrity error"))
	s2.noteIntegrity(c, "fin", "transfer.txt", corrupt(integrityName))
	if got := series(); got[integrityName] != 1 || got[integrityMAC] != 0 {
		t.Fatalf("counts: got %v, want name_binding 1 and the rest 0", got)
	}
	line := logs.String()
	for _, want := range []string{"s3 stored object failed integrity check", "reason=name_binding", "bucket=fin", "key=transfer.txt", "request_id=rid"} {
		if !strings.Contains(line, want) {
			t.Fatalf("log %q lacks %q", line, want)
		}
	}
}

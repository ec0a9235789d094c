package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// s3Raw sends one SigV4-signed S3 request that the SDK cannot express (an empty header, a
// hand-built form), and returns the status, the headers and the body.
func (tn *testNode) s3Raw(t *testing.T, method, pathQuery string, hdr http.Header, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, tn.url+pathQuery, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: tn.akid, SecretAccessKey: tn.secret},
		req, hex.EncodeToString(sum[:]), "s3", tn.cfg.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return doRaw(t, req)
}

func doRaw(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// s3ErrorCode is the Code and Message of an S3 XML error body.
func s3ErrorCode(b []byte) (code, msg string) {
	var e struct{ Code, Message string }
	_ = xml.Unmarshal(b, &e)
	return e.Code, e.Message
}

// wantAPIError fails unless err is an S3 error with that code and HTTP status.
func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) {
		t.Fatalf("want %s (%d), got %v", code, status, err)
	}
	if ae.ErrorCode() != code || re.HTTPStatusCode() != status {
		t.Fatalf("want %s (%d), got %s (%d): %v", code, status, ae.ErrorCode(), re.HTTPStatusCode(), err)
	}
}

// wantRaw fails unless a raw response has that status and error code.
func wantRaw(t *testing.T, what string, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	if code, _ := s3ErrorCode(body); status != wantStatus || code != wantCode {
		t.Fatalf("%s: got %d %s, want %d %s: %s", what, status, code, wantStatus, wantCode, body)
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/objstore"
)

// openObjectStore opens the S3 object store the config names.
func openObjectStore(cfg Config) (api.ObjectStore, error) {
	if cfg.ObjectStore == "s3" {
		creds, err := upstreamCredentials()
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return objstore.NewS3(ctx, objstore.S3Options{
			Endpoint:    cfg.UpstreamS3Endpoint,
			Region:      cfg.UpstreamS3Region,
			Bucket:      cfg.UpstreamS3Bucket,
			Prefix:      cfg.UpstreamS3Prefix,
			PathStyle:   cfg.UpstreamS3PathStyle,
			Credentials: creds,
		})
	}
	dir := cfg.ObjectStoreDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "objects")
	}
	return objstore.NewDir(dir)
}

// upstreamCredentials reads the upstream S3 credentials from the environment, never from the
// config file: KEYHOLD_UPSTREAM_* first (so that they can differ from any AWS_* credentials the
// process has for other purposes), then the standard AWS_* variables.
func upstreamCredentials() (aws.CredentialsProvider, error) {
	for _, p := range []string{"KEYHOLD_UPSTREAM_", "AWS_"} {
		id, secret := os.Getenv(p+"ACCESS_KEY_ID"), os.Getenv(p+"SECRET_ACCESS_KEY")
		if id != "" && secret != "" {
			return credentials.NewStaticCredentialsProvider(id, secret, os.Getenv(p+"SESSION_TOKEN")), nil
		}
	}
	return nil, fmt.Errorf("config: object_store s3: no upstream credentials: set KEYHOLD_UPSTREAM_ACCESS_KEY_ID and KEYHOLD_UPSTREAM_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(strings.ToLower(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}

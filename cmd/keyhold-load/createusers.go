package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// createUsers creates n IAM users through keyhold's IAM API (as an operator would with the AWS
// CLI), each with the ten-statement inline policy of the measured user (loadUserPolicy) naming
// one of the created keys, and one access key, from callers at once. It reports the rate, p99
// and the node's RSS afterwards. IAM allows 5,000 users per account (iam.MaxUsers, AWS's
// quota); the dev node has one account, so n is capped there.
func createUsers(ctx context.Context, endpoint, akid, secret string, keyARNs []string, n, callers int, rss *rssSampler) error {
	c := iam.New(iam.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: callers * 2}},
	})
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	t0 := time.Now()
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				name := aws.String("load-user-" + strconv.Itoa(i))
				s := time.Now()
				_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: name})
				if err == nil {
					_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: name, PolicyName: aws.String("data-plane"),
						PolicyDocument: aws.String(loadUserPolicy(keyARNs[i%len(keyARNs)]))})
				}
				if err == nil {
					_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: name})
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("user %d: %w", i, err)
				}
				lat = append(lat, time.Since(s))
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(t0)
	if firstErr != nil {
		return firstErr
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	_, cur := procMem(rss.pid)
	fmt.Printf("IAM users: %d (CreateUser + PutUserPolicy with 10 statements + CreateAccessKey each) in %s = %.0f/s, p50 %s, p99 %s; node RSS now %s\n",
		len(lat), took.Round(time.Millisecond), float64(len(lat))/took.Seconds(), lat[len(lat)/2].Round(time.Microsecond),
		lat[len(lat)*99/100].Round(time.Microsecond), mibStr(cur))
	return nil
}

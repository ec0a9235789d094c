# keyhold — run `make` for the list of targets.
SHELL := /bin/bash
GO ?= go
NODES ?= 1
FUZZTIME ?= 10s
BENCHTIME ?= 10s
# BENCH_KEYS CMKs (an alias for every tenth) and BENCH_USERS IAM users with a policy each: the
# scale run of make bench (memory, snapshot, restart, CreateKey rate).
BENCH_KEYS ?= 1000000
BENCH_USERS ?= 5000
# Packages the machine needs: SoftHSM2 for the HSM; the tests also drive software nobody here
# wrote: the AWS CLI v2, s3cmd and rclone against the S3 endpoint, openssl, and promtool
# (Debian's prometheus) for deploy/.
DEV_PACKAGES := softhsm2
TEST_PACKAGES := softhsm2 awscli s3cmd rclone openssl prometheus
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.DEFAULT_GOAL := help

.PHONY: help
help: ## show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# apt-install the packages named in $(1) that are missing.
define apt_install
	@missing=""; \
	for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing (needs root or sudo)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

.PHONY: deps
deps: ## install SoftHSM2 with apt if it is missing
	$(call apt_install,$(DEV_PACKAGES))

.PHONY: test-deps
test-deps: ## install SoftHSM2, the AWS CLI v2, s3cmd, rclone, openssl and promtool with apt if they are missing
	$(call apt_install,$(TEST_PACKAGES))

.PHONY: build
build: ## build bin/keyhold
	$(GO) build -o bin/ ./cmd/...

.PHONY: dev
dev: deps build ## run a local dev node (NODES=3 for a local cluster) with state in .keyhold-dev/
	./bin/keyhold dev --nodes $(NODES)

.PHONY: test
test: test-deps ## run the whole test suite with the race detector
	$(GO) vet ./...
	KEYHOLD_REQUIRE_AWSCLI=1 KEYHOLD_REQUIRE_S3TOOLS=1 KEYHOLD_REQUIRE_PROMTOOL=1 $(GO) test -race -timeout 25m ./...

.PHONY: chaos
chaos: deps ## run the fault-injection suite's long form on a real 3-process cluster and print its figures
	@# Local directory mode (no package argument), so that the figures table is printed on success.
	cd cluster/node && KEYHOLD_CHAOS_LONG=1 $(GO) test -count=1 -run '^TestChaos$$' -timeout 30m -chaos.long

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each
	@set -e; for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
			echo "== $$pkg $$t"; \
			$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

.PHONY: bench
bench: deps build ## run the Go benchmarks and the load tool against a live node
	$(GO) test -run '^$$' -bench . -benchmem ./wrap/ ./hsm/ ./api/sigv4/ ./api/audit/ ./api/kms/ ./cluster/ ./domain/policy/ ./domain/
	$(GO) test -run '^$$' -bench 'Sign|GenerateMac' ./cluster/node/
	./bin/keyhold-load -duration $(BENCHTIME) -ops Encrypt,Decrypt,GenerateDataKey,Sign,GenerateMac -as root,user -cpuprofile bin/keyhold-encrypt.pprof
	$(GO) tool pprof -top -nodecount=25 bin/keyhold bin/keyhold-encrypt.pprof
	@# The same cells with the audit trail in best_effort mode: what the fail-closed audit's fsync costs.
	KEYHOLD_AUDIT_MODE=best_effort ./bin/keyhold-load -duration $(BENCHTIME) -ops Encrypt,Decrypt -as user
	./bin/keyhold-load -cluster 3 -concurrency 64,256 -duration $(BENCHTIME)
	./bin/keyhold-load -create-keys $(BENCH_KEYS) -iam-users $(BENCH_USERS) -concurrency 32
	./bin/keyhold-load -s3 -s3-sizes 1MiB,64MiB -concurrency 4 -duration $(BENCHTIME)
	./bin/keyhold-load -s3 -s3-tls -s3-sizes 1MiB,64MiB -concurrency 4 -duration $(BENCHTIME)

.PHONY: lint
lint: ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

.PHONY: clean
clean: ## remove build output (not .keyhold-dev/)
	rm -rf bin/

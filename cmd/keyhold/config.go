package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/keyhold/keyhold/cluster/node"
)

// Config is the node's configuration; this file fills it from a config file (JSON), KEYHOLD_*
// environment variables and flags, strongest last.
type Config = node.Config

// loadConfig fills cfg from the file (if any), then the environment, then the flags that were
// set on the command line.
func loadConfig(cfg *Config, fs *flag.FlagSet, args []string) error {
	file := fs.String("config", "", "config file (JSON)")
	bindFlags(fs, cfg)
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// Flags were parsed into cfg directly; re-apply the weaker sources underneath them.
	flagged := *cfg
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(cfg); err != nil {
			return fmt.Errorf("config: %s: %w", *file, err)
		}
	}
	if err := applyEnv(cfg); err != nil {
		return err
	}
	restoreFlags(cfg, &flagged, set)
	return nil
}

// bindFlags declares one flag per Config field, named like its JSON key with dashes.
func bindFlags(fs *flag.FlagSet, cfg *Config) {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.ReplaceAll(f.Tag.Get("json"), "_", "-")
		usage := f.Tag.Get("usage") + " (env " + f.Tag.Get("env") + ")"
		switch p := v.Field(i).Addr().Interface().(type) {
		case *string:
			fs.StringVar(p, name, *p, usage)
		case *int:
			fs.IntVar(p, name, *p, usage)
		case *bool:
			fs.BoolVar(p, name, *p, usage)
		case *time.Duration:
			fs.DurationVar(p, name, *p, usage)
		}
	}
}

func restoreFlags(cfg, flagged *Config, set map[string]bool) {
	v, fv := reflect.ValueOf(cfg).Elem(), reflect.ValueOf(flagged).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if set[strings.ReplaceAll(t.Field(i).Tag.Get("json"), "_", "-")] {
			v.Field(i).Set(fv.Field(i))
		}
	}
}

func applyEnv(cfg *Config) error {
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Tag.Get("env")
		s, ok := os.LookupEnv(name)
		if !ok || name == "" {
			continue
		}
		var err error
		switch p := v.Field(i).Addr().Interface().(type) {
		case *string:
			*p = s
		case *int:
			*p, err = strconv.Atoi(s)
		case *bool:
			*p, err = strconv.ParseBool(s)
		case *time.Duration:
			*p, err = time.ParseDuration(s)
		}
		if err != nil {
			return fmt.Errorf("config: %s=%q: %w", name, s, err)
		}
	}
	return nil
}

package cluster

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"sync"
)

// kv is the tests' StateMachine: a deterministic string map driven by JSON commands. It records
// which log indexes it applied and how often it was restored, so tests can tell a snapshot
// restore from a log replay.
type kv struct {
	mu       sync.Mutex
	m        map[string]string
	applied  []uint64 // indexes of commands applied since construction
	restores int
}

// kvCmd is a command: set Key to Value. Apply returns the previous value.
type kvCmd struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

func newKV() *kv { return &kv{m: map[string]string{}} }

func setCmd(k, v string) []byte {
	b, err := json.Marshal(kvCmd{Key: k, Value: v})
	if err != nil {
		panic(err)
	}
	return b
}

func (s *kv) Apply(index uint64, cmd []byte) any {
	var c kvCmd
	if err := json.Unmarshal(cmd, &c); err != nil {
		// A command the machine cannot read must stop the node, not be skipped.
		panic(fmt.Sprintf("kv: bad command at %d: %v", index, err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.m[c.Key]
	s.m[c.Key] = c.Value
	s.applied = append(s.applied, index)
	return prev
}

func (s *kv) Snapshot() (Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return kvSnapshot(maps.Clone(s.m)), nil
}

func (s *kv) Restore(r io.Reader) error {
	m := map[string]string{}
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = m
	s.restores++
	return nil
}

func (s *kv) get(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *kv) state() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m)
}

func (s *kv) stats() (applied []uint64, restores int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.applied...), s.restores
}

type kvSnapshot map[string]string

func (k kvSnapshot) Persist(w io.Writer) error {
	return json.NewEncoder(w).Encode(map[string]string(k))
}
func (k kvSnapshot) Release() {}

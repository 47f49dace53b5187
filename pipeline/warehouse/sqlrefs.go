package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// The tables a SQL text reads depend on the text and on the code that
// parses it, nothing else. Asking DuckDB's parser for each model's tree and
// decoding it cost every command of the default project about 90 ms (34
// models) before it did anything else, a rerun that changes nothing 12% of
// its time; the warehouse keeps what its parser found under the stamp of the
// binary that found it (meta.sql_refs), and later processes of that binary
// read all of it in one query.
type sqlRefs struct {
	stamp string

	mu     sync.Mutex
	loaded bool
	byHash map[string][]TableRef
	// fresh is what this process found that the record did not hold.
	fresh map[string][]TableRef
}

func sqlHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// known returns what was found of query before, reading the warehouse's
// record the first time it is asked. A record that cannot be read (a
// warehouse of an older release opened read-only) only costs the parse.
func (c *sqlRefs) known(ctx context.Context, w *Warehouse, query string) ([]TableRef, bool) {
	if c.stamp == "" {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		c.loaded = true
		c.byHash, _ = w.readSQLRefs(ctx, c.stamp)
	}
	refs, ok := c.byHash[sqlHash(query)]
	return slices.Clone(refs), ok
}

// found keeps what the parser found of query, for SaveSQLRefs.
func (c *sqlRefs) found(query string, refs []TableRef) {
	if c.stamp == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h := sqlHash(query)
	if _, ok := c.byHash[h]; ok {
		return
	}
	if c.byHash == nil {
		c.byHash = map[string][]TableRef{}
	}
	if c.fresh == nil {
		c.fresh = map[string][]TableRef{}
	}
	c.byHash[h] = slices.Clone(refs)
	c.fresh[h] = c.byHash[h]
}

func (w *Warehouse) readSQLRefs(ctx context.Context, stamp string) (map[string][]TableRef, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT sql_hash, refs FROM meta.sql_refs WHERE stamp = ?`, stamp)
	if err != nil {
		return nil, fmt.Errorf("read meta.sql_refs: %w", err)
	}
	defer rows.Close()
	out := map[string][]TableRef{}
	for rows.Next() {
		var h, js string
		if err := rows.Scan(&h, &js); err != nil {
			return nil, fmt.Errorf("read meta.sql_refs: %w", err)
		}
		var refs []TableRef
		if json.Unmarshal([]byte(js), &refs) == nil {
			out[h] = refs
		}
	}
	return out, rows.Err()
}

// SaveSQLRefs records what TableRefs found in this process that the record
// did not hold yet, and drops what other builds of jixiao recorded (their
// parser may differ). Nothing is written when nothing is new, so a rerun
// that changes nothing writes nothing here; nor on a read-only warehouse.
func (w *Warehouse) SaveSQLRefs(ctx context.Context) error {
	c := &w.refs
	if c.stamp == "" || w.readOnly {
		return nil
	}
	c.mu.Lock()
	fresh := c.fresh
	c.fresh = nil
	c.mu.Unlock()
	if len(fresh) == 0 {
		return nil
	}
	hashes := make([]string, 0, len(fresh))
	for h := range fresh {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	err := w.withTx(ctx, func(tx txConn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta.sql_refs WHERE stamp <> ?`, c.stamp); err != nil {
			return err
		}
		for _, h := range hashes {
			js, err := json.Marshal(fresh[h])
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta.sql_refs (stamp, sql_hash, refs) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, c.stamp, h, string(js)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record the tables the models read (meta.sql_refs): %w", err)
	}
	return nil
}

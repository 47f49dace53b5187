package warehouse

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// With a schema_prefix, SQL keeps naming raw.x, staging.y, marts.z and
// meta.runs, and every statement is translated as it is sent: a name that
// qualifies another (raw in raw.x, "raw" in "raw"."x") and is one of the
// warehouse's schemas becomes the prefixed schema. The translation reads
// the SQL's tokens (string literals, quoted names and comments are left as
// they are), so it needs no parse; what it cannot tell apart is a table
// alias spelt like a schema (FROM raw.progress AS raw, then raw.unit_code):
// on a warehouse with a prefix such an alias is translated too and the
// statement fails, so aliases must not be named raw, meta or like a
// transforms folder. TableRefs and the dependency graph see the SQL as
// written, with the plain schema names.

// schemaSet is the schemas that get the prefix: raw, meta, the default
// transforms folders, those found in the database and those jixiao creates.
type schemaSet struct {
	prefix string
	mu     sync.RWMutex
	names  map[string]bool
}

func newSchemaSet(prefix string) *schemaSet {
	s := &schemaSet{prefix: prefix, names: map[string]bool{}}
	for _, n := range []string{"raw", "meta", "staging", "marts"} {
		s.names[n] = true
	}
	return s
}

// add makes name a schema that gets the prefix.
func (s *schemaSet) add(name string) {
	if s == nil || s.prefix == "" {
		return
	}
	s.mu.Lock()
	s.names[strings.ToLower(name)] = true
	s.mu.Unlock()
}

func (s *schemaSet) has(name string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.names[name]
}

// learnSchemas adds the schemas the database holds under the prefix: a
// reader learns the transforms folders a run created.
func (w *Warehouse) learnSchemas(ctx context.Context) error {
	if w.pg.prefix == "" {
		return nil
	}
	rows, err := w.db.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ?)`, w.pg.prefix)
	if err != nil {
		return fmt.Errorf("list the schemas of prefix %s: %w", w.pg.prefix, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		w.pg.schemas.add(strings.TrimPrefix(n, w.pg.prefix))
	}
	return rows.Err()
}

// UseSchema makes SQL naming schema reach it under the warehouse's
// schema_prefix (a transforms folder other than staging and marts); on
// DuckDB, and without a prefix, it does nothing.
func (w *Warehouse) UseSchema(name string) {
	if w.pg != nil {
		w.pg.schemas.add(name)
	}
}

// prefixed translates the schemas query names (see above).
func (s *schemaSet) prefixed(query string) string {
	if s == nil || s.prefix == "" {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 32)
	afterDot := false  // the last token was a dot: a name here is not a schema
	var words []string // the last few words, for CREATE SCHEMA IF NOT EXISTS x
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'':
			j := skipQuoted(query, i, '\'')
			b.WriteString(query[i:j])
			i, afterDot = j, false
		case c == '"' || isIdentStart(c):
			var j int
			var name string
			quoted := c == '"'
			if quoted {
				j = skipQuoted(query, i, '"')
				name = strings.ReplaceAll(query[i+1:max(i+1, j-1)], `""`, `"`)
			} else {
				j = i + 1
				for j < len(query) && isIdentPart(query[j]) {
					j++
				}
				name = strings.ToLower(query[i:j])
			}
			k := j
			for k < len(query) && isSpace(query[k]) {
				k++
			}
			qualifies := !afterDot && k < len(query) && query[k] == '.'
			// (The schema of DuckDB's functions is shared by every prefix.)
			declares := namesSchema(words) && (quoted || name != "if" && name != "not" && name != "exists") && name != compatSchema
			if declares {
				s.add(name) // a schema jixiao creates: a transforms folder
			}
			if (qualifies || declares) && s.has(name) {
				b.WriteString(QuoteIdent(s.prefix + name))
			} else {
				b.WriteString(query[i:j])
			}
			// A quoted name is a word too (never a keyword): after
			// CREATE SCHEMA "x", the next name is no schema.
			words = append(words, strings.ToUpper(query[i:j]))
			if len(words) > 4 {
				words = words[1:]
			}
			i, afterDot = j, false
		case skipComment(query, i) > i:
			j := skipComment(query, i)
			b.WriteString(query[i:j])
			i = j
		case c >= '0' && c <= '9':
			// A number (1.5) is not a name followed by a dot.
			j := i
			for j < len(query) && (query[j] >= '0' && query[j] <= '9' || query[j] == '.' || isIdentPart(query[j])) {
				j++
			}
			b.WriteString(query[i:j])
			i, afterDot = j, false
		default:
			b.WriteByte(c)
			if !isSpace(c) {
				afterDot = c == '.'
				words = append(words, string(c)) // punctuation ends a clause
			}
			i++
		}
	}
	return b.String()
}

// namesSchema reports whether the words before a name make it a schema's
// (CREATE SCHEMA x, CREATE SCHEMA IF NOT EXISTS x, DROP SCHEMA IF EXISTS x).
func namesSchema(words []string) bool {
	n := len(words)
	switch {
	case n >= 1 && words[n-1] == "SCHEMA":
		return true
	case n >= 3 && words[n-3] == "SCHEMA" && words[n-2] == "IF" && words[n-1] == "EXISTS":
		return true
	case n >= 4 && words[n-4] == "SCHEMA" && words[n-3] == "IF" && words[n-2] == "NOT" && words[n-1] == "EXISTS":
		return true
	}
	return false
}

// skipComment returns the index after the comment (-- or /* */) starting
// at i, or i when none starts there.
func skipComment(s string, i int) int {
	switch {
	case strings.HasPrefix(s[i:], "--"):
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j
		}
		return len(s)
	case strings.HasPrefix(s[i:], "/*"):
		if j := strings.Index(s[i+2:], "*/"); j >= 0 {
			return i + 4 + j
		}
		return len(s)
	}
	return i
}

// skipQuoted returns the index after the quoted text starting at i.
func skipQuoted(s string, i int, q byte) int {
	j := i + 1
	for j < len(s) {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(s)
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

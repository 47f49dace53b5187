//go:build duckdb_arrow

package check

import (
	"context"
	"strings"
	"testing"

	"jixiao/pipeline/project"
)

// Tests settled by DuckDB's column statistics give the results their own
// queries give: a not_null whose columns hold no NULL passes unscanned,
// with a note; an accepted_values of few values is counted by value; and
// once a NULL is written, or where there are no statistics to read (a
// view, a small table), the test scans as before.
func TestColumnStatsSettleAsTheQueriesDo(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	if err := w.Exec(ctx, `CREATE TABLE marts.big AS SELECT i AS id, ['一级', '二级', '三级', '四级'][1 + i % 4] AS grade, CAST(i AS VARCHAR) AS code
		FROM range(200000) t(i);
		CREATE VIEW marts.big_view AS SELECT * FROM marts.big`); err != nil {
		t.Fatal(err)
	}
	const notNull = "DuckDB 的列统计表明"
	steps := []struct {
		name, sql, model, decl string
		settled                bool // by the statistics (note or count by value)
		note                   bool // passed unscanned
		fails                  int64
	}{
		{"no NULL: passed unscanned", "", "big", "not_null: [id, grade]", true, true, 0},
		{"few values, all accepted", "", "big", "accepted_values: {column: grade, values: [一级, 二级, 三级, 四级]}", true, false, 0},
		{"few values, half refused", "", "big", "accepted_values: {column: grade, values: [一级, 二级]}", true, false, 100000},
		{"many values: scanned", "", "big", "accepted_values: {column: code, values: ['1', '2']}", false, false, 199998},
		{"a view: scanned", "", "big_view", "not_null: [id, grade]", false, false, 0},
		{"a small table: scanned", "", "good", "not_null: [unit_code]", false, false, 0},
		{"a NULL written since: scanned", "CHECKPOINT; UPDATE marts.big SET grade = NULL WHERE id = 7", "big", "not_null: [id, grade]", false, false, 1},
		{"NULL passes accepted_values by value", "", "big", "accepted_values: {column: grade, values: [一级, 二级]}", true, false, 99999},
		{"the NULL deleted: passes either way", "DELETE FROM marts.big WHERE id = 7", "big", "not_null: [id, grade]", false, false, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.sql != "" {
				if err := w.Exec(ctx, s.sql); err != nil {
					t.Fatal(err)
				}
			}
			compiled, diags := Default().Compile([]*project.Model{modelWith(t, s.model, s.decl)})
			if len(diags) != 0 || len(compiled) != 1 {
				t.Fatalf("compile: %v", diags)
			}
			v, settled := proveByStats(ctx, w, compiled, readTableSizes(ctx, w), nil)[0]
			if s.name == "the NULL deleted: passes either way" {
				settled = s.settled // DuckDB may or may not narrow its statistics
			}
			if settled != s.settled || (v.note != "") != s.note && settled {
				t.Errorf("settled %v %+v, want settled %v, note %v", settled, v, s.settled, s.note)
			}
			res := Run(ctx, w, compiled, "", nil)[0]
			alone := runOne(ctx, w, compiled[0])
			if res.Err != nil || alone.Err != nil || res.Failures != s.fails || alone.Failures != s.fails || res.Status != alone.Status {
				t.Fatalf("Run %s/%d (%v), its query alone %s/%d (%v), want %d failing", res.Status, res.Failures, res.Err, alone.Status, alone.Failures, alone.Err, s.fails)
			}
			if gotNote := strings.HasPrefix(res.Sample, notNull); gotNote != s.note {
				t.Errorf("sample %q, want the statistics' note: %v", res.Sample, s.note)
			}
			if s.fails > 0 && res.Sample != alone.Sample {
				t.Errorf("sample %q, its query alone %q", res.Sample, alone.Sample)
			}
		})
	}
}

func TestParseColumnStats(t *testing.T) {
	cases := []struct {
		text   string
		noNull bool
		unique int64 // -1: not known
	}{
		{"[Min: 371002, Max: 371083, Has Unicode: false, Max String Length: 6][Has Null: false, Has No Null: true][Approx Unique: 7]", true, 7},
		{"[Min: 1, Max: 9][Has Null: true, Has No Null: true][Approx Unique: 9]", false, 9},
		{"[Min: 2017-01-01, Max: 2017-08-01][Has Null: false, Has No Null: true]", true, -1},
		// A struct's text holds its fields' validity too: it proves nothing.
		{"{a: [Min: 1, Max: 2][Has Null: false, Has No Null: true]}[Has Null: false, Has No Null: true]", false, -1},
		{"", false, -1},
	}
	for _, c := range cases {
		got := parseColumnStats(c.text)
		unique := int64(-1)
		if got.uniqueKnown {
			unique = got.approxUnique
		}
		if got.noNull != c.noNull || unique != c.unique {
			t.Errorf("parseColumnStats(%q) = %+v, want noNull %v, approx unique %d", c.text, got, c.noNull, c.unique)
		}
	}
}

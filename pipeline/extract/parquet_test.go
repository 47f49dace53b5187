package extract

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"jixiao/pipeline/project"
)

// cityRow is a row of the Parquet files the tests write, as an export of
// marts.city_completion holds it (the city is in the folder's name).
type cityRow struct {
	id    string
	rate  float64
	done  int32
	month string
	share int64 // hundredths, written as DECIMAL(9,2)
}

// parquetFile writes rows as a Parquet file in row groups of two, with
// a list column no declaration names.
func parquetFile(t *testing.T, rows ...cityRow) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "indicator_id", Type: arrow.BinaryTypes.String},
		{Name: "completion_rate", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "actual_cum", Type: arrow.PrimitiveTypes.Int32},
		{Name: "load_ids", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "month", Type: arrow.FixedWidthTypes.Date32},
		{Name: "share", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.id)
		if r.rate < 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(r.rate)
		}
		b.Field(2).(*array.Int32Builder).Append(r.done)
		lb := b.Field(3).(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.StringBuilder).Append("L1")
		m, _ := time.Parse("2006-01-02", r.month)
		b.Field(4).(*array.Date32Builder).Append(arrow.Date32FromTime(m))
		b.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(r.share))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	var buf bytes.Buffer
	if err := pqarrow.WriteTable(tbl, &buf, 2, nil, pqarrow.DefaultWriterProps()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const cityDecl = `kind: parquet
path: exports/*/marts/city_completion/*/*.parquet
columns:
  - {name: city, type: unit, required: true}
  - {name: indicator_id, type: text, required: true}
  - {name: rate, type: number, aliases: [completion_rate]}
  - {name: actual_cum, type: integer, min: 0}
  - {name: month, type: date, within: plan_year}
  - {name: share, type: number}
`

var cityUnits = []project.Unit{
	{Code: "371000", Name: "威海市", Kind: project.UnitDistrict},
	{Code: "370600", Name: "烟台市", Kind: project.UnitDistrict},
}

func parquetSource(t *testing.T, fsys fstest.MapFS, decl string) (*project.Source, Env) {
	t.Helper()
	fsys["jixiao.yaml"] = &fstest.MapFile{Data: []byte("name: t\nplan_year: 2017\n")}
	fsys["sources/city_completion.yaml"] = &fstest.MapFile{Data: []byte(decl)}
	p, diags := project.Load(fsys)
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	Default().Validate(p, &diags)
	if diags.HasErrors() {
		t.Fatalf("validate: %v", diags)
	}
	return p.Sources[0], Env{FS: fsys, Units: NewUnitIndex(cityUnits), PlanYear: 2017}
}

// Several cities' files, found by a glob, are one table: the declared
// columns typed (a decimal, a date, an int32 widened), the city from the
// folder's name and normalised as a unit, a column found by its alias,
// undeclared columns left unread; a row that does not fit goes to
// quarantine with its file and row.
func TestParquetReadsCitiesExportsWithTheirPartitions(t *testing.T) {
	fsys := fstest.MapFS{
		"exports/371000/marts/city_completion/city=371000/data_0.parquet": {Data: parquetFile(t,
			cityRow{"I01-1", 0.5, 10, "2017-09-01", 150}, cityRow{"I01-2", -1, 3, "2017-09-01", 5}, cityRow{"I02-1", 1.25, 7, "2017-08-01", 0})},
		"exports/370600/marts/city_completion/city=%E7%83%9F%E5%8F%B0%E5%B8%82/data_0.parquet": {Data: parquetFile(t,
			cityRow{"I01-1", 0.75, 4, "2017-09-01", 1}, cityRow{"I01-2", 0.1, -2, "2017-09-01", 2}, cityRow{"I02-1", 0.2, 1, "2018-01-01", 3})},
		"exports/379900/marts/city_completion/city=379900/data_0.parquet": {Data: parquetFile(t, cityRow{"I01-1", 0.1, 1, "2017-09-01", 1})},
		"exports/371000/manifest.json":                                    {Data: []byte("{}")},
	}
	src, env := parquetSource(t, fsys, cityDecl)
	res, err := Default().Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Loads) != 1 || len(res.Failed) != 0 || len(res.Warnings) != 0 {
		t.Fatalf("loads %d, failed %v, warnings %v", len(res.Loads), res.Failed, res.Warnings)
	}
	got := rows(t, res.Loads[0])
	want := []string{
		"city=370600 indicator_id=I01-1 rate=0.75 actual_cum=4 month=2017-09-01 share=0.01 _file=exports/370600/marts/city_completion/city=%E7%83%9F%E5%8F%B0%E5%B8%82/data_0.parquet _row=1",
		"city=371000 indicator_id=I01-1 rate=0.5 actual_cum=10 month=2017-09-01 share=1.5 _file=exports/371000/marts/city_completion/city=371000/data_0.parquet _row=1",
		"city=371000 indicator_id=I01-2 rate=NULL actual_cum=3 month=2017-09-01 share=0.05 _file=exports/371000/marts/city_completion/city=371000/data_0.parquet _row=2",
		"city=371000 indicator_id=I02-1 rate=1.25 actual_cum=7 month=2017-08-01 share=0 _file=exports/371000/marts/city_completion/city=371000/data_0.parquet _row=3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	st := res.Loads[0].Stats()
	var rejects []string
	for _, r := range st.Rejected {
		rejects = append(rejects, r.Pos.String()+" "+r.RawValue+" "+r.Reason)
	}
	wantRejects := []string{
		"exports/370600/marts/city_completion/city=%E7%83%9F%E5%8F%B0%E5%B8%82/data_0.parquet:row 2:column actual_cum -2 -2 小于允许的最小值 0",
		"exports/370600/marts/city_completion/city=%E7%83%9F%E5%8F%B0%E5%B8%82/data_0.parquet:row 3:column month 2018-01-01 00:00:00 2018-01-01 不在计划年度 2017 年内",
		"exports/379900/marts/city_completion/city=379900/data_0.parquet:row 1:column city 379900 未知单位",
	}
	if st.RowsRead != 7 || len(rejects) != len(wantRejects) {
		t.Fatalf("read %d, rejected:\n%s", st.RowsRead, strings.Join(rejects, "\n"))
	}
	for i, w := range wantRejects {
		if !strings.HasPrefix(rejects[i], w) {
			t.Errorf("rejected %q, want it to start %q", rejects[i], w)
		}
	}

	// Nothing changed: nothing loads the second time.
	again, err := Default().Extract(context.Background(), env, src, State{Hashes: map[string]string{res.Loads[0].Location: res.Loads[0].ContentHash}})
	if err != nil || len(again.Loads) != 0 || len(again.Skipped) != 1 {
		t.Errorf("unchanged files: %d loads, %v skipped, %v", len(again.Loads), again.Skipped, err)
	}
}

// A file that is not Parquet, or lacks a required column, fails its load
// with the file named (and, for a column, what the file has).
func TestParquetBadFiles(t *testing.T) {
	good := parquetFile(t, cityRow{"I01-1", 0.5, 10, "2017-09-01", 1})
	for _, c := range []struct {
		name, decl string
		files      fstest.MapFS
		want       string
	}{
		{"not parquet", cityDecl, fstest.MapFS{
			"exports/371000/marts/city_completion/city=371000/data_0.parquet": {Data: good},
			"exports/371000/marts/city_completion/city=371000/data_1.parquet": {Data: []byte("indicator_id,rate\nI01-1,0.5\n")},
		}, "exports/371000/marts/city_completion/city=371000/data_1.parquet: not a Parquet file that can be read"},
		{"cut short", cityDecl, fstest.MapFS{
			"exports/371000/marts/city_completion/city=371000/data_0.parquet": {Data: good[:len(good)/2]},
		}, "exports/371000/marts/city_completion/city=371000/data_0.parquet: not a Parquet file that can be read"},
		{"no such column", strings.Replace(cityDecl, "{name: indicator_id, type: text, required: true}", "{name: item, type: text, required: true, aliases: [项目]}", 1), fstest.MapFS{
			"exports/371000/marts/city_completion/city=371000/data_0.parquet": {Data: good},
		}, "exports/371000/marts/city_completion/city=371000/data_0.parquet: missing required column(s) item (项目); the file has: indicator_id, completion_rate, actual_cum, load_ids, month, share, city"},
		{"no city folder", cityDecl, fstest.MapFS{
			"exports/371000/marts/city_completion/x/data_0.parquet": {Data: good},
		}, "missing required column(s) city; the file has: indicator_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, env := parquetSource(t, c.files, c.decl)
			if err := extractErr(Parquet{}, env, src); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	// Loaded file by file (load: append), the bad file is named and left
	// out; the good one loads.
	src, env := parquetSource(t, fstest.MapFS{
		"exports/371000/marts/city_completion/city=371000/data_0.parquet": {Data: good},
		"exports/371000/marts/city_completion/city=371000/data_1.parquet": {Data: []byte("PAR1 not really")},
	}, "load: append\n"+cityDecl)
	res, err := Parquet{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Loads) != 1 || len(res.Failed) != 1 || !strings.Contains(res.Failed[0].Err.Error(), "data_1.parquet: not a Parquet file") {
		t.Errorf("loads %d, failed %v", len(res.Loads), res.Failed)
	}
	res.release()
}

func TestParquetValidate(t *testing.T) {
	p, diags := project.Load(fstest.MapFS{
		"jixiao.yaml":         {Data: []byte("name: t\nplan_year: 2017\n")},
		"sources/a.yaml":      {Data: []byte("kind: parquet\ncolumns:\n  - {name: a, type: text}\n")},
		"sources/b.yaml":      {Data: []byte("kind: parquet\npath: \"x/[\"\ncolumns:\n  - {name: a, type: text}\n")},
		"sources/c.yaml":      {Data: []byte("kind: parquet\npath: x/*.parquet\nhive_partitioning: false\ncolumns:\n  - {name: a, type: text}\n")},
		"sources/d.yaml":      {Data: []byte("kind: parquet\npath: x/*.parquet\nheader_row: 2\ncolumns:\n  - {name: a, type: text}\n")},
		"x/city=1/a.parquet":  {Data: parquetFile(t)},
		"x/city=1/b.parquet":  {Data: parquetFile(t)},
		"x/a.parquet":         {Data: parquetFile(t)},
		"x/not-used.parquets": {Data: nil},
	})
	Default().Validate(p, &diags)
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	for _, want := range []string{
		"sources/a.yaml:1:1: path is required",
		`sources/b.yaml:2:7: path "x/[" is not a valid glob`,
		`sources/d.yaml:3:1: unknown field "header_row"`,
	} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("diagnostics lack %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if strings.Contains(strings.Join(got, "\n"), "sources/c.yaml") {
		t.Errorf("c.yaml is valid: %s", strings.Join(got, "\n"))
	}
}

// The README's example of the kind is a valid declaration.
func TestParquetREADMEExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n**parquet**")
	if i < 0 {
		t.Fatal("README.md has no **parquet** paragraph")
	}
	text = text[i:]
	start := strings.Index(text, "```yaml\n")
	end := strings.Index(text[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("the **parquet** paragraph has no yaml example")
	}
	src, _ := parquetSource(t, fstest.MapFS{}, text[start+8:start+8+end])
	if src.Kind != "parquet" || (Parquet{}).Glob(src) != "exports/*/marts/city_completion/*/*.parquet" {
		t.Errorf("the example: %+v", src.SourceFields)
	}
}

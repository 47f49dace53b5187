//go:build duckdb_arrow

package warehouse

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// DuckDB's common errors about a user's SQL reach the user in Chinese, with
// the name DuckDB suggests, and DuckDB's own first line kept below.
func TestEngineErrorsInChinese(t *testing.T) {
	ctx := context.Background()
	w, err := Open(ctx, ":memory:", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, `CREATE SCHEMA staging; CREATE TABLE staging.stg_services (unit_code VARCHAR, month DATE, amount INTEGER); INSERT INTO staging.stg_services VALUES ('371002', DATE '2017-01-01', 1);
		CREATE TABLE staging.stg_units (unit_code VARCHAR, unit_name VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, sql string
		want      []string // in the first line
		duckdb    string   // in the second
	}{
		{"unknown column", "SELECT unit_cod FROM staging.stg_units", []string{`找不到列 "unit_cod"`, `是否想写 unit_code？`}, `Referenced column "unit_cod" not found`},
		{"unknown table", "SELECT * FROM staging.stg_servics", []string{"表 stg_servics 不存在", "是否想写 stg_services？"}, "Table with name stg_servics does not exist"},
		{"unknown schema", "SELECT * FROM stagin.stg_units", []string{"表 stagin.stg_units 不存在", `没有名为 "stagin" 的 schema`}, "because schema"},
		{"values list", "SELECT t.x FROM (VALUES (1)) t(a)", []string{`VALUES 列表 "t" 没有名为 "x" 的列`}, `Values list "t"`},
		{"text to number", "SELECT CAST('十二' AS INTEGER)", []string{"无法把文本 '十二' 转换为 INT32", "不是整数的值", "try_cast"}, "Could not convert string"},
		{"text compared with a date", "SELECT * FROM staging.stg_services WHERE month = '九月'", []string{`"九月" 不是日期`}, "invalid date field format"},
		{"sum of text", "SELECT sum(unit_name) FROM staging.stg_units", []string{"类型不匹配：sum 不接受 (VARCHAR)"}, "No function matches"},
		{"CASE of two types", "SELECT CASE WHEN true THEN 1 ELSE DATE '2017-01-01' END", []string{"类型不匹配：CASE 中混用了"}, "Cannot mix values"},
		{"overflow", "SELECT 2147483647::INTEGER + 1", []string{"数值溢出：加法的结果超出 INT32"}, "Overflow in addition"},
		{"ambiguous column", "SELECT unit_code FROM staging.stg_units a, staging.stg_services b", []string{`列名 "unit_code" 有歧义`, `"a.unit_code" 或 "b.unit_code"`}, "Ambiguous reference"},
		{"missing GROUP BY", "SELECT unit_code, count(*) FROM staging.stg_units", []string{`列 "unit_code" 既不在 GROUP BY 中`, "any_value(unit_code)"}, "must appear in the GROUP BY"},
		{"aggregate in WHERE", "SELECT unit_code FROM staging.stg_units WHERE count(*) > 1", []string{"WHERE 中不能有聚合函数", "HAVING"}, "WHERE clause cannot contain aggregates"},
		{"syntax", "SELECT unit_code,\nFROM FROM staging.stg_units", []string{"SQL 语法错误"}, "syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.Query(ctx, tt.sql, 0)
			var engine *EngineError
			if !errors.As(err, &engine) {
				t.Fatalf("want an EngineError, got %v", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 2 {
				t.Fatalf("want the explanation and DuckDB's words on two lines, got %q", err)
			}
			for _, want := range tt.want {
				if !strings.Contains(lines[0], want) {
					t.Errorf("first line lacks %q: %s", want, lines[0])
				}
			}
			if strings.Contains(lines[0], "Error:") || !strings.Contains(lines[1], tt.duckdb) || !strings.HasPrefix(lines[1], "（DuckDB：") {
				t.Errorf("DuckDB's words belong on the second line:\n%s", err)
			}
			if FirstLine(err) != err.Error() {
				t.Errorf("FirstLine must keep both lines of an explained error: %q", FirstLine(err))
			}
		})
	}
	// The SQL line DuckDB names is still found under the explanation.
	_, err = w.Query(ctx, "SELECT 1,\n  unit_cod\nFROM staging.stg_units", 0)
	if LineOfError(err) != 2 {
		t.Errorf("LineOfError = %d, want 2 (%v)", LineOfError(err), err)
	}
	// A model build says the same, and an unknown error passes unchanged.
	_, err = w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "x", SQL: "SELECT amount / nullif(0, 0) AS r, unit_nam FROM staging.stg_services"})
	if !strings.Contains(FirstLine(err), `找不到列 "unit_nam"`) {
		t.Errorf("build: %v", err)
	}
	other := errors.New("IO Error: something else entirely")
	if Explain(other) != other {
		t.Errorf("an error with no translation must pass as it is")
	}
}

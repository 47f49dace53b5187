package warehouse

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// EngineError is DuckDB's error about a user's SQL (a model, a data test,
// a panel, jixiao query) explained in Chinese: a column or table that does
// not exist, with the name DuckDB suggests; a value that does not convert;
// a type mismatch; an ambiguous column; a GROUP BY mistake; an overflow.
// Its message is the explanation, then DuckDB's own words on a second
// line, so that nothing is lost for whoever searches for them.
type EngineError struct {
	// Reason says in Chinese what is wrong and what to write instead.
	Reason string
	Err    error
}

func (e *EngineError) Error() string {
	return e.Reason + "\n（" + engineOf(e.Err) + "：" + FirstLine(e.Err) + "）"
}

func (e *EngineError) Unwrap() error { return e.Err }

// engineRule turns one kind of DuckDB message into Chinese: re matches the
// message (its first lines, without the "Binder Error: " prefix), and
// explain words it from the submatches and, where DuckDB offers one, the
// name it suggests.
type engineRule struct {
	re      *regexp.Regexp
	explain func(m []string, suggestion string) string
}

// didYouMean is the clause for a name DuckDB suggests.
func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return "，是否想写 " + s + "？"
}

var engineRules = []engineRule{
	{regexp.MustCompile(`Referenced column "([^"]+)" not found in FROM clause`), func(m []string, s string) string {
		return fmt.Sprintf("找不到列 %q：FROM 中的表都没有这一列%s", m[1], didYouMean(s))
	}},
	{regexp.MustCompile(`(Values list|Table|Subquery|CTE) "([^"]+)" does not have a column named "([^"]+)"`), func(m []string, s string) string {
		what := map[string]string{"Values list": "VALUES 列表", "Table": "表", "Subquery": "子查询", "CTE": "WITH 子查询"}[m[1]]
		return fmt.Sprintf("%s %q 没有名为 %q 的列%s", what, m[2], m[3], didYouMean(s))
	}},
	{regexp.MustCompile(`Referenced table "([^"]+)" not found`), func(m []string, s string) string {
		return fmt.Sprintf("找不到表或别名 %q：列名前的表名须是 FROM 中的表或它的别名%s", m[1], didYouMean(s))
	}},
	{regexp.MustCompile(`Table with name "?([^" ]+)"? does not exist because schema "([^"]+)" does not exist`), func(m []string, s string) string {
		return fmt.Sprintf("表 %s 不存在：没有名为 %q 的 schema（模型写作 staging.x、marts.y，数据源写作 raw.名称）%s", m[1], m[2], didYouMean(s))
	}},
	{regexp.MustCompile(`(Table|View|Schema|Scalar Function|Aggregate Function|Table Function|Function) with name "?([^" !]+)"? does not exist`), func(m []string, s string) string {
		what := map[string]string{"Table": "表", "View": "视图", "Schema": "schema", "Scalar Function": "函数",
			"Aggregate Function": "聚合函数", "Table Function": "表函数", "Function": "函数"}[m[1]]
		return fmt.Sprintf("%s %s 不存在%s", what, m[2], didYouMean(s))
	}},
	{regexp.MustCompile(`Ambiguous reference to column name "([^"]+)"(?: \(use: ([^)]*)\))?`), func(m []string, s string) string {
		use := ""
		if m[2] != "" {
			use = "：请写成 " + strings.ReplaceAll(m[2], " or ", " 或 ")
		}
		return fmt.Sprintf("列名 %q 有歧义，FROM 中不止一个表有这一列%s", m[1], use)
	}},
	{regexp.MustCompile(`column "([^"]+)" must appear in the GROUP BY clause or must be part of an aggregate function`), func(m []string, s string) string {
		return fmt.Sprintf("列 %q 既不在 GROUP BY 中，也不在聚合函数（sum、count 等）里：把它加进 GROUP BY，或写成 any_value(%s)", m[1], m[1])
	}},
	{regexp.MustCompile(`GROUP BY clause cannot contain aggregates`), func(m []string, s string) string {
		return "GROUP BY 中不能有聚合函数（sum、count 等）：按聚合结果筛选请写在 HAVING 中"
	}},
	{regexp.MustCompile(`WHERE clause cannot contain aggregates`), func(m []string, s string) string {
		return "WHERE 中不能有聚合函数（sum、count 等）：对聚合结果的条件请写在 GROUP BY 之后的 HAVING 中"
	}},
	{regexp.MustCompile(`aggregate function calls cannot be nested`), func(m []string, s string) string {
		return "聚合函数不能嵌套（如 sum(count(*))）：先在子查询中聚合一次，再在外层聚合"
	}},
	{regexp.MustCompile(`(?i)division by zero`), func(m []string, s string) string {
		return "除数为零：把除数写成 nullif(除数, 0)，除数为零时结果为空而不报错"
	}},
	{regexp.MustCompile(`Overflow in (\w+) of (\w+)`), func(m []string, s string) string {
		return fmt.Sprintf("数值溢出：%s的结果超出 %s 类型的范围；可先转换为 BIGINT 或 DOUBLE", opName(m[1]), m[2])
	}},
	{regexp.MustCompile(`Could not convert string '([^']*)' to (\w+)`), func(m []string, s string) string {
		return fmt.Sprintf("无法把文本 '%s' 转换为 %s：该列混有不是%s的值；可用 try_cast(… AS %s) 把它们变为空值", m[1], m[2], typeName(m[2]), m[2])
	}},
	{regexp.MustCompile(`invalid (?:date|timestamp) field format: "([^"]*)"`), func(m []string, s string) string {
		return fmt.Sprintf("%q 不是日期（应写作 2017-06-30）：与日期列比较的文字须是日期，或用 try_cast 转换", m[1])
	}},
	{regexp.MustCompile(`(?:date|timestamp) field value out of range: "([^"]*)"`), func(m []string, s string) string {
		return fmt.Sprintf("日期 %q 不存在（月份或日期超出范围）", m[1])
	}},
	{regexp.MustCompile(`Unimplemented type for cast \((\S+) -> (\S+)\)`), func(m []string, s string) string {
		return fmt.Sprintf("类型不匹配：%s 类型的值不能与 %s 类型比较或转换；请检查两边的列是否选对，或用 CAST 明确转换", m[1], m[2])
	}},
	{regexp.MustCompile(`Type (\w+) with value (\S+) can't be cast because the value is out of range for the destination type (\w+)`), func(m []string, s string) string {
		return fmt.Sprintf("值 %s 超出 %s 类型的范围，不能转换", m[2], m[3])
	}},
	{regexp.MustCompile(`Cannot compare values of type (\S+) and(?: type)? (\S+)`), func(m []string, s string) string {
		return fmt.Sprintf("类型不匹配：不能比较 %s 与 %s 类型的值；请用 CAST 把一边转换为另一边的类型", m[1], m[2])
	}},
	{regexp.MustCompile(`Cannot mix values of type (\S+) and (\S+) in (\w+)`), func(m []string, s string) string {
		return fmt.Sprintf("类型不匹配：%s 中混用了 %s 和 %s 类型的值；请用 CAST 统一为一种类型", m[3], m[1], m[2])
	}},
	{regexp.MustCompile(`No function matches the given name and argument types '([^(]+)\(([^)]*)\)'`), func(m []string, s string) string {
		return fmt.Sprintf("类型不匹配：%s 不接受 (%s) 类型的参数；请检查参数的列是否选对，或用 CAST 转换", m[1], m[2])
	}},
	{regexp.MustCompile(`Could not choose a best candidate function for the function call "([^(]+)\(([^)]*)\)"`), func(m []string, s string) string {
		return fmt.Sprintf("类型不明确：%s 的参数 (%s) 可以有多种理解；请用 CAST 写明类型", m[1], m[2])
	}},
	{regexp.MustCompile(`Set operations can only apply to expressions with the same number of result columns`), func(m []string, s string) string {
		return "UNION（或 EXCEPT、INTERSECT）两边的 SELECT 列数必须相同"
	}},
	{regexp.MustCompile(`ORDER term out of range - should be between (\d+) and (\d+)`), func(m []string, s string) string {
		return fmt.Sprintf("ORDER BY 的列序号超出范围，应在 %s 到 %s 之间", m[1], m[2])
	}},
	{regexp.MustCompile(`VALUES lists must all be the same length`), func(m []string, s string) string {
		return "VALUES 的每一行须有同样多的值"
	}},
	// PostgreSQL's words for the same mistakes (a PostgreSQL warehouse).
	{regexp.MustCompile(`column "?([^" ]+)"? does not exist`), func(m []string, s string) string {
		return fmt.Sprintf("找不到列 %q：FROM 中的表都没有这一列", m[1])
	}},
	{regexp.MustCompile(`relation "([^"]+)" does not exist`), func(m []string, s string) string {
		return fmt.Sprintf("表 %s 不存在（模型写作 staging.x、marts.y，数据源写作 raw.名称）", m[1])
	}},
	{regexp.MustCompile(`function (\w+)\(([^)]*)\) does not exist`), func(m []string, s string) string {
		return fmt.Sprintf("PostgreSQL 没有函数 %s(%s)：这是 DuckDB 独有的写法，或参数类型不对；请改用两种数据库都有的写法，或用 CAST 转换参数", m[1], m[2])
	}},
	{regexp.MustCompile(`operator does not exist: (.+?)( \(SQLSTATE|$)`), func(m []string, s string) string {
		return fmt.Sprintf("类型不匹配：PostgreSQL 不能计算 %s；请用 CAST 把两边转换为同一类型", m[1])
	}},
	{regexp.MustCompile(`syntax error at or near "([^"]*)"`), func(m []string, s string) string {
		return fmt.Sprintf("SQL 语法错误，在 %q 处或附近（常见原因：少了逗号或括号，或多了一个逗号）", m[1])
	}},
	{regexp.MustCompile(`syntax error at end of input`), func(m []string, s string) string {
		return "SQL 语法错误：语句没有写完（常见原因：少了右括号，或末尾多了逗号、AND）"
	}},
}

// suggestionRe finds the name DuckDB offers after its message.
var suggestionRe = regexp.MustCompile(`(?m)^(?:Did you mean|Candidate bindings:|Candidate tables:)\s*"([^"]+)"`)

// duckdbPrefix is the kind DuckDB puts before its message.
var duckdbPrefix = regexp.MustCompile(`^(?:[A-Z][a-z]+ )+Error: `)

// explainEngine turns the common DuckDB errors about SQL into an
// EngineError; any other error comes back as it is.
func explainEngine(err error) error {
	var already *EngineError
	if err == nil || errors.As(err, &already) {
		return err
	}
	msg := duckdbPrefix.ReplaceAllString(strings.TrimSpace(err.Error()), "")
	first := msg
	if i := strings.Index(first, "\n"); i >= 0 {
		first = first[:i]
	}
	suggestion := ""
	if m := suggestionRe.FindStringSubmatch(msg); m != nil {
		suggestion = m[1]
	}
	for _, r := range engineRules {
		if m := r.re.FindStringSubmatch(first); m != nil {
			return &EngineError{Reason: r.explain(m, suggestion), Err: err}
		}
	}
	return err
}

func opName(op string) string {
	switch op {
	case "addition":
		return "加法"
	case "subtraction":
		return "减法"
	case "multiplication":
		return "乘法"
	case "division":
		return "除法"
	}
	return op
}

// typeName names a DuckDB type as an office reads it.
func typeName(t string) string {
	switch strings.ToUpper(t) {
	case "INT8", "INT16", "INT32", "INT64", "INT128", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT":
		return "整数"
	case "DOUBLE", "FLOAT", "DECIMAL":
		return "数字"
	case "DATE", "TIMESTAMP":
		return "日期"
	case "BOOLEAN", "BOOL":
		return "是/否"
	}
	return " " + t + " "
}

// IsOutOfMemory reports whether err is DuckDB running out of its memory
// limit (it spills what it can; two large queries at once may still not
// fit): the same statement alone may well succeed.
func IsOutOfMemory(err error) bool {
	var de *duckdb.Error
	if errors.As(err, &de) {
		return de.Type == duckdb.ErrorTypeOutOfMemory
	}
	return err != nil && strings.Contains(err.Error(), "Out of Memory Error")
}

package render

// statusColors is the one colour scheme for statuses and grades, in charts
// as in tables (the CSS classes of statusClass use the same colours):
// green done or 优, amber on pace or 中, blue 良, grey not yet due, red
// behind or 差, deep orange over a ceiling. 良 and 中 never share a colour.
var statusColors = map[string]string{
	"完成":  "#2e7d32",
	"优":   "#2e7d32",
	"正常":  "#f9a825",
	"中":   "#f9a825",
	"良":   "#1565c0",
	"未到期": "#9e9e9e",
	"滞后":  "#c62828",
	"差":   "#c62828",
	"超限":  "#e64a19",
}

// statusColor is the colour of a status or grade name, or "".
func statusColor(name string) string { return statusColors[name] }

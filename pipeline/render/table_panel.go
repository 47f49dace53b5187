package render

import (
	"html/template"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// tablePanel shows the rows as a table only (every panel also has its table
// under the chart; this kind has no chart).
type tablePanel struct{}

func (tablePanel) Name() string { return "table" }

func (tablePanel) Fields(project.Panel) error { return nil }

func (tablePanel) Draw(project.Panel, *warehouse.Result, string) (template.HTML, template.HTML, error) {
	return "", "", nil
}

package render

import (
	"bytes"

	"jixiao/pipeline/docx"
	"jixiao/pipeline/project"
)

const docxMIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// writePageDocument gives a printable page a Word download: its title and
// stamp, then each panel as a heading followed by its paragraphs (text
// panels) or its rows as a table, formatted as the page shows them, so an
// office can edit the 调度通报 in WPS or Word and send it.
func writePageDocument(view *pageView, panels []project.Panel, dir, base string) error {
	doc := &docx.Document{Title: view.Title, Subtitle: "数据截至 " + firstNonEmpty(view.Period, view.AsOf) + "　生成于 " + view.Generated}
	for i, pv := range view.Panels {
		if i >= len(panels) || pv.data == nil {
			continue
		}
		pn := panels[i]
		doc.Blocks = append(doc.Blocks, docx.Heading{Level: 1, Text: pv.Title})
		if pn.Chart == "text" {
			paras, err := Paragraphs(pn, pv.data)
			if err != nil {
				return err
			}
			for _, p := range paras {
				doc.Blocks = append(doc.Blocks, docx.Paragraph{Text: p})
			}
			continue
		}
		t := docx.Table{}
		for _, c := range pv.data.Columns {
			t.Header = append(t.Header, seriesLabel(pv.labels, c))
		}
		for _, row := range pv.data.Rows {
			cells := make([]string, len(row))
			for j, v := range row {
				cells[j] = FormatCell(v, formatFor(pn, pv.data.Columns[j]))
			}
			t.Rows = append(t.Rows, cells)
		}
		doc.Blocks = append(doc.Blocks, t)
		if pv.Note != "" {
			doc.Blocks = append(doc.Blocks, docx.Paragraph{Text: "注：" + pv.Note})
		}
	}
	var buf bytes.Buffer
	if err := doc.Write(&buf); err != nil {
		return err
	}
	link, err := download(dir, base+".docx", docxMIME, buf.Bytes())
	if err != nil {
		return err
	}
	view.Document, view.DocumentName = link, view.Title+".docx"
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

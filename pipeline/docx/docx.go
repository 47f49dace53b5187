// Package docx writes a Word document (WordprocessingML, .docx) of
// headings, paragraphs and tables: enough for an office to open a
// bulletin in WPS or Word, edit it and send it. No library of this kind is
// served here, and a document of these three blocks needs only a few
// hundred lines of XML.
package docx

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Document is a title followed by blocks, laid out on A4 paper.
type Document struct {
	Title string
	// Subtitle is a line under the title (the period, the issuing office).
	Subtitle string
	Blocks   []Block
	// Landscape turns the page for wide tables.
	Landscape bool
}

// Block is one heading, paragraph or table.
type Block interface{ write(b *strings.Builder) }

// Heading is a section heading (level 1 or 2).
type Heading struct {
	Level int
	Text  string
}

// Paragraph is body text, indented by two characters as Chinese documents are.
type Paragraph struct{ Text string }

// Table is a grid with a header row.
type Table struct {
	Header []string
	Rows   [][]string
}

func (h Heading) write(b *strings.Builder) {
	style := "Heading1"
	if h.Level >= 2 {
		style = "Heading2"
	}
	fmt.Fprintf(b, `<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr>%s</w:p>`, style, run(h.Text))
}

func (p Paragraph) write(b *strings.Builder) {
	fmt.Fprintf(b, `<w:p><w:pPr><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr>%s</w:p>`, run(p.Text))
}

func (t Table) write(b *strings.Builder) {
	cols := len(t.Header)
	for _, r := range t.Rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return
	}
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="Grid"/><w:tblW w:w="5000" w:type="pct"/><w:tblLook w:val="04A0" w:firstRow="1"/></w:tblPr><w:tblGrid>`)
	for i := 0; i < cols; i++ {
		b.WriteString(`<w:gridCol/>`)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		b.WriteString(`<w:tr>`)
		if header {
			b.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for i := 0; i < cols; i++ {
			text := ""
			if i < len(cells) {
				text = cells[i]
			}
			b.WriteString(`<w:tc><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>`)
			if header {
				b.WriteString(boldRun(text))
			} else {
				b.WriteString(run(text))
			}
			b.WriteString(`</w:p></w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	if len(t.Header) > 0 {
		row(t.Header, true)
	}
	for _, r := range t.Rows {
		row(r, false)
	}
	b.WriteString(`</w:tbl><w:p/>`)
}

// run is a text run; line breaks inside the text become breaks.
func run(text string) string {
	var b strings.Builder
	b.WriteString(`<w:r>`)
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString(`<w:br/>`)
		}
		b.WriteString(`<w:t xml:space="preserve">`)
		xml.EscapeText(&b, []byte(line))
		b.WriteString(`</w:t>`)
	}
	b.WriteString(`</w:r>`)
	return b.String()
}

func boldRun(text string) string {
	return strings.Replace(run(text), `<w:r>`, `<w:r><w:rPr><w:b/></w:rPr>`, 1)
}

// Write writes the document as a .docx (a zip of XML parts).
func (d *Document) Write(w io.Writer) error {
	var body strings.Builder
	fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>%s</w:p>`, run(d.Title))
	if d.Subtitle != "" {
		fmt.Fprintf(&body, `<w:p><w:pPr><w:pStyle w:val="Subtitle"/></w:pPr>%s</w:p>`, run(d.Subtitle))
	}
	for _, blk := range d.Blocks {
		blk.write(&body)
	}
	// A4: 11906 × 16838 twips; margins as official documents use (37/35/28/26 mm).
	width, height, orient := 11906, 16838, ""
	if d.Landscape {
		width, height, orient = 16838, 11906, ` w:orient="landscape"`
	}
	fmt.Fprintf(&body, `<w:sectPr><w:pgSz w:w="%d" w:h="%d"%s/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`,
		width, height, orient)

	zw := zip.NewWriter(w)
	parts := []struct{ name, data string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", styles},
		{"word/document.xml", xml.Header + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			body.String() + `</w:body></w:document>`},
	}
	for _, p := range parts {
		f, err := zw.Create(p.name)
		if err != nil {
			return fmt.Errorf("docx %s: %w", p.name, err)
		}
		if _, err := io.WriteString(f, p.data); err != nil {
			return fmt.Errorf("docx %s: %w", p.name, err)
		}
	}
	return zw.Close()
}

const contentTypes = xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
</Types>`

const rootRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>`

const documentRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>`

// styles: body in 仿宋 三号 (16 pt), title in 小标宋/宋体 二号, headings in 黑体,
// tables in 宋体 五号 with single borders, as 党政机关公文 are set.
const styles = xml.Header + `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="仿宋" w:cs="Times New Roman"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:line="560" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="240" w:line="640" w:lineRule="exact"/></w:pPr><w:rPr><w:rFonts w:eastAsia="宋体"/><w:b/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:after="240"/></w:pPr><w:rPr><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="黑体"/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:pPr><w:keepNext/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:eastAsia="楷体"/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:line="320" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr><w:rPr><w:rFonts w:eastAsia="宋体"/><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr></w:style>
<w:style w:type="table" w:styleId="Grid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/></w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>`

// Package xlsxtest reads back what tests need to check in a generated
// workbook and excelize does not report: a cell's fill colour (excelize
// reads colours only through a theme part, which jixiao's workbooks have
// no need for).
package xlsxtest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

type styleSheet struct {
	Fills []struct {
		Pattern struct {
			Type string `xml:"patternType,attr"`
			Fg   struct {
				RGB string `xml:"rgb,attr"`
			} `xml:"fgColor"`
		} `xml:"patternFill"`
	} `xml:"fills>fill"`
	Xfs []struct {
		FillID int `xml:"fillId,attr"`
	} `xml:"cellXfs>xf"`
}

// Fill is the RRGGBB background of a cell of the workbook in data, or ""
// for none.
func Fill(t testing.TB, data []byte, sheet, cell string) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("xl/styles.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	var ss styleSheet
	if err := xml.Unmarshal(b, &ss); err != nil {
		t.Fatal(err)
	}
	if id >= len(ss.Xfs) || ss.Xfs[id].FillID >= len(ss.Fills) {
		t.Fatalf("%s!%s: style %d not in styles.xml", sheet, cell, id)
	}
	p := ss.Fills[ss.Xfs[id].FillID].Pattern
	if p.Type != "solid" {
		return ""
	}
	return strings.TrimPrefix(p.Fg.RGB, "FF")
}

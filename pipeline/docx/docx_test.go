package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/require"
)

func sample() *Document {
	return &Document{
		Title:    "2017年第2季度全市残联重点工作调度通报",
		Subtitle: "数据截至 2017年6月",
		Blocks: []Block{
			Heading{Level: 1, Text: "一、总体进展"},
			Paragraph{Text: "截至6月底，全市新增残疾人就业212人，完成年度任务的53.0%，超序时进度3.0个百分点。"},
			Heading{Level: 1, Text: "二、各单位进展"},
			Table{Header: []string{"名次", "单位", "完成", "滞后"}, Rows: [][]string{{"1", "环翠区", "12", "0"}, {"2", "文登区 & <乳山市>", "9", "3"}}},
			Paragraph{Text: "第一行\n第二行"},
		},
	}
}

// The parts are well-formed XML and the text is all there, escaped.
func TestWriteMakesAWellFormedPackage(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().Write(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		names[f.Name] = string(b)
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed: %v", f.Name, err)
			}
		}
	}
	for _, want := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"} {
		if _, ok := names[want]; !ok {
			t.Errorf("missing part %s", want)
		}
	}
	doc := names["word/document.xml"]
	for _, want := range []string{"一、总体进展", "完成年度任务的53.0%", "文登区 &amp; &lt;乳山市&gt;", `<w:tblHeader/>`, "<w:br/>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %q", want)
		}
	}
}

// LibreOffice (as WPS and Word do) opens the document and keeps its text.
func TestLibreOfficeReadsTheText(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		require.Service(t, require.LibreOffice, "headless LibreOffice (apt-get install libreoffice-writer-nogui) converts the .docx to text")
		return
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := sample().Write(&buf); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "bulletin.docx")
	os.WriteFile(in, buf.Bytes(), 0o644)
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "txt:Text (encoded):UTF8", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	txt, err := os.ReadFile(filepath.Join(dir, "bulletin.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2017年第2季度全市残联重点工作调度通报", "一、总体进展", "超序时进度3.0个百分点", "环翠区", "文登区 & <乳山市>", "第二行"} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("LibreOffice's text lacks %q:\n%s", want, txt)
		}
	}
}

package project

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// The city an export stamps its tables with: as set, else from the 市本级
// unit (its code, and the city's name among its aliases).
func TestCitySetting(t *testing.T) {
	units := "units:\n  - {code: \"371000\", name: 市本级, kind: 市本级, aliases: [市残联, 威海市, 市直]}\n  - {code: \"371002\", name: 环翠区, kind: 区市}\n"
	for _, c := range []struct {
		config, code, name, err string
	}{
		{units, "371000", "威海市", ""},
		{"city: {code: \"370600\", name: 烟台市}\n" + units, "370600", "烟台市", ""},
		{"city: {name: 威海}\n" + units, "371000", "威海", ""},
		{"units:\n  - {code: \"371000\", name: 市本级, kind: 市本级}\n", "371000", "市本级", ""},
		{"units:\n  - {code: \"371002\", name: 环翠区, kind: 区市}\n", "", "", ""},
		{"city: {code: \"37/1000\", name: 威海市}\n" + units, "37/1000", "威海市", "jixiao.yaml:3:7: city.code \"37/1000\" may hold only"},
	} {
		p, diags := Load(fstest.MapFS{"jixiao.yaml": {Data: []byte("name: 测试\nplan_year: 2017\n" + c.config)}})
		if p.Config.City.Code != c.code || p.Config.City.Name != c.name {
			t.Errorf("%s: city %+v, want %s %s", c.config, p.Config.City, c.code, c.name)
		}
		if got := fmt.Sprint(diags); c.err == "" && diags.HasErrors() || c.err != "" && !strings.Contains(got, c.err) {
			t.Errorf("%s: diagnostics %q, want %q", c.config, got, c.err)
		}
	}
}

func TestPersonalData(t *testing.T) {
	for _, c := range []struct {
		name    string
		aliases []string
		want    string
	}{
		{"name", nil, "姓名"},
		{"person", []string{"姓名"}, "姓名"},
		{"id_number", []string{"身份证号"}, "身份证号"},
		{"cert_no", []string{"残疾人证号"}, "残疾人证号"},
		{"phone", []string{"联系电话"}, "电话"},
		{"contact", []string{"手机号码"}, "电话"},
		{"fund_name", []string{"资金名称"}, ""},
		{"indicator_name", nil, ""},
		{"unit_code", []string{"单位", "区市"}, ""},
	} {
		if got := PersonalData(c.name, c.aliases); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.name, c.aliases, got, c.want)
		}
	}
	// A certificate number declared as a pseudonym is stored as its key
	// only: the column holds no personal data; as text it does.
	for _, c := range []struct {
		col  Column
		want string
	}{
		{Column{Name: "person_key", Type: TypePseudonym, Aliases: []string{"残疾人证号", "cert_no"}}, ""},
		{Column{Name: "cert_no", Type: TypePseudonym}, ""},
		{Column{Name: "cert_no", Type: "text", Aliases: []string{"残疾人证号"}}, "残疾人证号"},
	} {
		if got := c.col.Personal(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.col, got, c.want)
		}
	}
}

// PersonKey is a fixed function of the identifier: a non-negative 63-bit
// number, the same for the same number, different for another. The
// expected keys are Python's int(hashlib.sha256(b"jixiao:3710…01").hexdigest()[:16], 16) >> 1;
// that they equal the SQL the comment gives is tested in run's
// TestPseudonymColumnStoresTheKeyAndReloadsAnOlderTable.
func TestPersonKey(t *testing.T) {
	for _, c := range []struct {
		id   string
		want int64
	}{
		{"37100219900101123401", 6773016697377189337},
		{"37100219900101123402", 3743408043059152928},
		// Longer than the stack buffer: hashed from the heap, alike.
		{strings.Repeat("9", 80), pythonKey(t, strings.Repeat("9", 80))},
	} {
		if got := PersonKey(c.id); got != c.want || got < 0 {
			t.Errorf("PersonKey(%q) = %d, want %d", c.id, got, c.want)
		}
	}
}

// pythonKey is PersonKey written out the long way, as the comment gives it.
func pythonKey(t *testing.T, id string) int64 {
	t.Helper()
	sum := sha256.Sum256([]byte("jixiao:" + id))
	n, err := strconv.ParseUint(hex.EncodeToString(sum[:])[:16], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return int64(n >> 1)
}

package project

import "strings"

// What staging never lets pass (see README, What the transforms compute):
// a person's name, ID number, certificate number or phone number. A column
// is taken to hold one when its name or any alias says so; exports leave a
// raw table holding such a column out.
var (
	personalNames = map[string]string{
		"name": "姓名", "full_name": "姓名", "person_name": "姓名", "xm": "姓名",
		"id_number": "身份证号", "id_no": "身份证号", "id_card": "身份证号", "idcard": "身份证号", "sfzh": "身份证号",
		"cert_no": "残疾人证号", "cert": "残疾人证号", "certificate": "残疾人证号", "certificate_no": "残疾人证号",
		"phone": "电话", "mobile": "电话", "tel": "电话", "telephone": "电话", "phone_number": "电话",
	}
	personalWords = []struct{ word, what string }{
		{"姓名", "姓名"}, {"身份证", "身份证号"}, {"证号", "残疾人证号"}, {"电话", "电话"}, {"手机", "电话"},
	}
)

// PersonalData says what personal data a column holds by its name or its
// aliases (姓名, 身份证号, 残疾人证号, 电话), or "" when none.
func PersonalData(name string, aliases []string) string {
	if what, ok := personalNames[strings.ToLower(strings.TrimSpace(name))]; ok {
		return what
	}
	for _, n := range append([]string{name}, aliases...) {
		for _, w := range personalWords {
			if strings.Contains(n, w.word) {
				return w.what
			}
		}
	}
	return ""
}

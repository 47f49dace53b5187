package project

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

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

// Personal says what personal data the column holds, as PersonalData does
// by its name and aliases, or "" when none: a pseudonym column holds none,
// since the warehouse keeps only its PersonKey.
func (c Column) Personal() string {
	if c.Type == TypePseudonym {
		return ""
	}
	return PersonalData(c.Name, c.Aliases)
}

// personKeySalt is put before an identifier before it is hashed, so that a
// key is not the plain SHA-256 of a certificate number that a published
// table of such hashes would reverse. It is fixed and no secret: keys stay
// the same across runs, warehouses, cities and releases (equal to those of
// jixiao's earlier staging SQL, left(sha256('jixiao:' || cert_no), 20)),
// and whoever holds a number can compute its key. The key keeps numbers out
// of the warehouse, its pages and exports; it does not make a number that
// can be guessed (a certificate is an ID number and two digits) unguessable.
const personKeySalt = "jixiao:"

// PersonKeyLen is the length of every key PersonKey returns.
const PersonKeyLen = 20

// PersonKey is the one-way key that stands for a person's identifier: the
// first PersonKeyLen hexadecimal digits (80 bits) of the SHA-256 of the
// salted identifier. It joins a person's service records to the roster
// without carrying who they are.
func PersonKey(identifier string) string {
	// Salted on the stack: a roster's millions of keys allocate only
	// their hex.
	var in [64]byte
	var sum [sha256.Size]byte
	if len(personKeySalt)+len(identifier) <= len(in) {
		n := copy(in[:], personKeySalt)
		n += copy(in[n:], identifier)
		sum = sha256.Sum256(in[:n])
	} else {
		sum = sha256.Sum256([]byte(personKeySalt + identifier))
	}
	return hex.EncodeToString(sum[:PersonKeyLen/2])
}

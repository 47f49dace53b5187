package project

import (
	"crypto/sha256"
	"encoding/binary"
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
// the same across runs, warehouses, cities and releases from this one on,
// and whoever holds a number can compute its key. The key keeps numbers out
// of the warehouse, its pages and exports; it does not make a number that
// can be guessed (a certificate is an ID number and two digits) unguessable.
const personKeySalt = "jixiao:"

// PersonKey is the one-way key that stands for a person's identifier: the
// first 63 bits of the SHA-256 of the salted identifier, a non-negative
// BIGINT, in SQL
//
//	(('0x' || left(sha256('jixiao:' || cert_no), 16))::UBIGINT >> 1)::BIGINT
//
// It joins a person's service records to the roster without carrying who
// they are. Earlier releases kept the first 20 hexadecimal digits (80 bits)
// as text; a number is grouped and joined 1.5 to 3 times as fast (at
// scale 100, 34.5M service records grouped by type, unit, person and year:
// 5.0-5.8 s against 13.6-16.3 s), and two of a province's 6.8M people share
// a key with a chance of 2.5 in a million (n²/2⁶⁴), which the roster's
// duplicate_certificates_in_roster test would show.
func PersonKey(identifier string) int64 {
	// Salted on the stack: a roster's millions of keys allocate nothing.
	var in [64]byte
	var sum [sha256.Size]byte
	if len(personKeySalt)+len(identifier) <= len(in) {
		n := copy(in[:], personKeySalt)
		n += copy(in[n:], identifier)
		sum = sha256.Sum256(in[:n])
	} else {
		sum = sha256.Sum256([]byte(personKeySalt + identifier))
	}
	return int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
}

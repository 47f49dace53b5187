package extract

import (
	"strings"

	"jixiao/pipeline/project"
)

// UnitIndex maps every spelling of a unit (code, name, alias, with or
// without its 区/市 suffix, full-width spaces and all) to its code.
type UnitIndex struct {
	byKey map[string]string
}

// NewUnitIndex indexes the project's units.
func NewUnitIndex(units []project.Unit) *UnitIndex {
	idx := &UnitIndex{byKey: map[string]string{}}
	for _, u := range units {
		for _, s := range append([]string{u.Code, u.Name}, u.Aliases...) {
			idx.byKey[unitKey(s)] = u.Code
		}
	}
	return idx
}

// Code returns the unit code for a spelling, and whether it is known.
func (idx *UnitIndex) Code(spelling string) (string, bool) {
	if idx == nil {
		return "", false
	}
	code, ok := idx.byKey[unitKey(spelling)]
	return code, ok
}

func unitKey(s string) string {
	s = normalizeWidth(s)
	s = strings.Join(strings.Fields(s), "")
	// Reports name the federation office rather than the place: 环翠区残联.
	for _, suffix := range []string{"残疾人联合会", "残联"} {
		if t := strings.TrimSuffix(s, suffix); t != "" {
			s = t
		}
	}
	return strings.ToLower(s)
}

package project

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// City is the city whose plan the project tracks: an export stamps every
// table with its code (city=371000), so that a province office can put
// several cities' exports side by side and tell them apart.
//
//	city: {code: "371000", name: 威海市}
type City struct {
	Code string `yaml:"code"`
	Name string `yaml:"name"`
}

// cityCode is what a code may hold: it names a folder of an export.
var cityCode = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// resolveCity checks the city setting and fills what it leaves out from the
// 市本级 unit: its code, and the first of its names that reads as a city's
// (威海市 among 市残联, 威海市, 市直), else the unit's name.
func resolveCity(c City, units []Unit, node *yaml.Node, diags *diag.List) City {
	for _, u := range units {
		if u.Kind != UnitCity {
			continue
		}
		if c.Code == "" {
			c.Code = u.Code
		}
		if c.Name == "" {
			c.Name = u.Name
			for _, a := range u.Aliases {
				if strings.HasSuffix(a, "市") && !strings.HasPrefix(a, "市") {
					c.Name = a
					break
				}
			}
		}
		break
	}
	if c.Code != "" && !cityCode.MatchString(c.Code) {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(node, "city")), "city.code %q may hold only letters, digits, - and _ (it names a folder of an export: city=%s)", c.Code, c.Code)
	}
	return c
}

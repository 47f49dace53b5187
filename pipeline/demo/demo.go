// Package demo generates deterministic, plausible data for a plan year as
// the real sources deliver it: hand-filled monthly progress workbooks per
// unit, the finance ledger of the special funds (GBK CSV), the roster of
// certified disabled people with their service records, a satisfaction
// survey export (JSON) and the finance office's qualitative fund reviews.
// It reads the project's own catalog and units, so editing the catalog
// changes the demo.
package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"jixiao/pipeline/project"
)

// Options control a generation.
type Options struct {
	// Scale 1 is Weihai-sized (68,000 certified people); 100 is province-sized.
	Scale float64
	Seed  uint64
	// Months is how many months of the plan year have been reported (1-12).
	Months int
	// Out is the folder the files go to, laid out like a project's data/.
	Out string
}

// Summary says what was written.
type Summary struct {
	Workbooks int
	Persons   int
	Services  int
	Ledger    int
	Survey    int
	Reviews   int
}

// Indicator is one catalog row the generator needs.
type Indicator struct {
	ID, Name, Measure, Direction, Kind, Source, ServiceType, Method string
	TargetCity                                                      float64
	TargetShi, TargetQushi, TargetKaifaqu                           float64
	Overrides                                                       map[string]float64
	Due                                                             string
	// Split is each unit's part of a citywide-only target, divided by the
	// units' shares with largest-remainder rounding as staging.stg_targets does.
	Split map[string]float64
}

// Fund is one special fund.
type Fund struct {
	ID, Name string
	Budget   float64 // 万元
}

// Catalog is what the generator reads from the project.
type Catalog struct {
	Indicators []Indicator
	Funds      []Fund
	Units      []project.Unit
	Year       int
	// Qualitative lists each fund's qualitative indicators (定性), which the
	// finance office reviews.
	Qualitative map[string][]string
}

// ReadCatalog reads the project's catalog files and units.
func ReadCatalog(p *project.Project) (*Catalog, error) {
	c := &Catalog{Year: p.Config.PlanYear}
	for _, u := range p.Config.Units {
		if u.Kind != project.UnitOther {
			c.Units = append(c.Units, u)
		}
	}
	rows, err := readCSV(p.FS, "data/catalog/indicators.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		ind := Indicator{ID: r["指标编号"], Name: r["指标名称"], Measure: r["计量单位"], Direction: r["方向"], Kind: r["类型"],
			Source: r["数据来源"], ServiceType: r["服务类型"], Due: r["完成时限"], Method: r["计分方法"], Overrides: map[string]float64{}}
		ind.TargetCity, _ = strconv.ParseFloat(r["全市目标"], 64)
		ind.TargetShi, _ = strconv.ParseFloat(r["市本级目标"], 64)
		ind.TargetQushi, _ = strconv.ParseFloat(r["各区市目标"], 64)
		ind.TargetKaifaqu, _ = strconv.ParseFloat(r["各开发区目标"], 64)
		for _, kv := range strings.Split(r["单位目标调整"], ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				ind.Overrides[strings.TrimSpace(k)], _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			}
		}
		if r["市本级按部室计"] == "是" && len(p.Config.Departments) > 0 {
			ind.TargetShi *= float64(len(p.Config.Departments))
		}
		ind.Split = splitTarget(ind.TargetCity, c.Units)
		c.Indicators = append(c.Indicators, ind)
	}
	fi, err := readCSV(p.FS, "data/catalog/fund_indicators.csv")
	if err != nil {
		return nil, err
	}
	c.Qualitative = map[string][]string{}
	for _, r := range fi {
		if r["性质"] == "定性" {
			c.Qualitative[r["资金编号"]] = append(c.Qualitative[r["资金编号"]], r["指标名称"])
		}
	}
	funds, err := readCSV(p.FS, "data/catalog/funds.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range funds {
		b, _ := strconv.ParseFloat(r["年度预算（万元）"], 64)
		c.Funds = append(c.Funds, Fund{ID: r["资金编号"], Name: r["资金名称"], Budget: b})
	}
	return c, nil
}

func readCSV(fsys fs.FS, name string) ([]map[string]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("demo data needs the catalog: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(r) {
				m[strings.TrimPrefix(h, "\uFEFF")] = r[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// TargetFor is the indicator's target for a unit: its own (kind or
// override), else its share of the citywide target.
func (ind Indicator) TargetFor(u project.Unit) float64 {
	if v, ok := ind.Overrides[u.Code]; ok {
		return v
	}
	var t float64
	switch u.Kind {
	case project.UnitCity:
		t = ind.TargetShi
	case project.UnitDistrict:
		t = ind.TargetQushi
	case project.UnitDevZone:
		t = ind.TargetKaifaqu
	}
	if t == 0 && len(ind.Overrides) == 0 && ind.TargetShi == 0 && ind.TargetQushi == 0 && ind.TargetKaifaqu == 0 {
		if ind.Kind == "ratio" || ind.Kind == "every_case" {
			return ind.TargetCity
		}
		// A citywide bonus item is not divided: each unit earns it with one.
		if ind.Method == "bonus" && u.Share > 0 {
			return 1
		}
		t = ind.Split[u.Code]
	}
	return t
}

// splitTarget divides a citywide target among the units by share so that the
// parts add up to it exactly: whole parts first, then one more to each unit
// with the largest remainder (ties: larger share, then unit code).
func splitTarget(total float64, units []project.Unit) map[string]float64 {
	out := map[string]float64{}
	sum := 0.0
	for _, u := range units {
		sum += u.Share
	}
	if total <= 0 || sum <= 0 {
		return out
	}
	type part struct {
		code         string
		exact, whole float64
	}
	var parts []part
	left := total
	for _, u := range units {
		if u.Share <= 0 {
			continue
		}
		exact := total * u.Share / sum
		p := part{u.Code, exact, math.Floor(exact)}
		left -= p.whole
		parts = append(parts, p)
	}
	sort.SliceStable(parts, func(i, j int) bool {
		fi, fj := parts[i].exact-parts[i].whole, parts[j].exact-parts[j].whole
		if fi != fj {
			return fi > fj
		}
		if parts[i].exact != parts[j].exact {
			return parts[i].exact > parts[j].exact
		}
		return parts[i].code < parts[j].code
	})
	for i, p := range parts {
		if float64(i) < math.Round(left) {
			p.whole++
		}
		out[p.code] = p.whole
	}
	return out
}

// paceLevels are how units perform against 序时进度: some well ahead, some
// on pace, some behind. Each unit gets one, in an order the seed shuffles,
// so that every status and grade appears and every file agrees.
var paceLevels = []float64{1.3, 1.2, 1.1, 1.05, 1.0, 0.9, 0.78, 0.65}

// Generate writes every demo file into o.Out.
func Generate(ctx context.Context, c *Catalog, o Options) (*Summary, error) {
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.Months < 1 || o.Months > 12 {
		o.Months = 9
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x6a697869616f))
	paces := map[string]float64{}
	order := rng.Perm(len(paceLevels))
	for i, u := range sortedUnits(c.Units) {
		paces[u.Code] = paceLevels[order[i%len(order)]]
	}
	s := &Summary{}
	var err error
	if s.Workbooks, err = writeWorkbooks(ctx, c, o, paces, rand.New(rand.NewPCG(o.Seed, 1))); err != nil {
		return nil, fmt.Errorf("progress workbooks: %w", err)
	}
	if s.Persons, s.Services, err = writeRoster(ctx, c, o, paces, rand.New(rand.NewPCG(o.Seed, 2))); err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	if s.Ledger, err = writeLedger(c, o, rand.New(rand.NewPCG(o.Seed, 3))); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if s.Survey, err = writeSurvey(c, o, paces, rand.New(rand.NewPCG(o.Seed, 4))); err != nil {
		return nil, fmt.Errorf("survey: %w", err)
	}
	if s.Reviews, err = writeReviews(c, o, paces, rand.New(rand.NewPCG(o.Seed, 5))); err != nil {
		return nil, fmt.Errorf("reviews: %w", err)
	}
	marker := fmt.Sprintf("scale=%v seed=%d months=%d version=%d\n", o.Scale, o.Seed, o.Months, Version)
	return s, os.WriteFile(filepath.Join(o.Out, MarkerFile), []byte(marker), 0o644)
}

// MarkerFile records how a demo folder was generated; Version changes when
// the generator's output does, so stale demo folders are regenerated.
const (
	MarkerFile = ".jixiao-demo"
	Version    = 7
)

// Current reports whether dir holds demo data made by this generator with
// these options.
func Current(dir string, o Options) bool {
	data, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	return err == nil && string(data) == fmt.Sprintf("scale=%v seed=%d months=%d version=%d\n", o.Scale, o.Seed, o.Months, Version)
}

func sortedUnits(units []project.Unit) []project.Unit {
	out := append([]project.Unit(nil), units...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

package demo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// money writes 万元 the way finance exports do: two decimals, thousands
// separators.
func money(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	neg := intPart != "" && intPart[0] == '-'
	if neg {
		intPart = intPart[1:]
	}
	var b []byte
	for i := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, intPart[i])
	}
	if neg {
		return "-" + string(b) + frac
	}
	return string(b) + frac
}

// writeLedger writes the finance office's ledger of the special funds per
// unit and month (万元), GBK-encoded as Excel exports it: budgets in
// January, an adjustment mid-year, arrivals in quarterly tranches and
// spending month by month. The accessibility fund (F4) is under-spent.
func writeLedger(c *Catalog, o Options, rng *rand.Rand) (int, error) {
	dir := filepath.Join(o.Out, "ledger")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"资金编号", "资金名称", "单位", "月份", "预算数（万元）", "调整数（万元）", "到位数（万元）", "支出数（万元）", "摘要"})
	rows := 0
	for _, f := range c.Funds {
		spendRate := 0.95 + rng.Float64()*0.08
		if f.ID == "F4" {
			spendRate = 0.45
		}
		for _, u := range sortedUnits(c.Units) {
			budget := f.Budget * u.Share
			if budget == 0 {
				continue
			}
			adjust := 0.0
			if rng.IntN(4) == 0 {
				adjust = math.Round(budget*0.1*100) / 100
			}
			// Twelve months are drawn whatever o.Months is, so that the
			// months written are the same for --months 8 and --months 9.
			for m := 1; m <= 12; m++ {
				b, a, arrived := 0.0, 0.0, 0.0
				note := "日常支出"
				if m == 1 {
					b, note = budget, "年初预算下达"
				}
				if m == 6 && adjust != 0 {
					a, note = adjust, "年中预算调整"
				}
				// Funds arrive in three tranches ahead of spending (40% in
				// January, 30% in April and July).
				if tranche := map[int]float64{1: 0.4, 4: 0.3, 7: 0.3}[m]; tranche > 0 {
					arrived = (budget + adjust) * tranche
					if u.Share < 0.06 && m == 7 {
						arrived = 0 // a small unit's third tranche is late: it spends more than has arrived
					}
					note = "资金到位"
				}
				spent := (budget + adjust) / 12 * spendRate * (0.7 + rng.Float64()*0.6)
				if m > o.Months {
					continue
				}
				w.Write([]string{f.ID, f.Name, u.Name, fmt.Sprintf("%d-%02d", c.Year, m), money(b), money(a), money(arrived), money(spent), note})
				rows++
			}
		}
	}
	w.Write([]string{"合计", "", "", "", "", "", "", "", ""})
	w.Flush()
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		return 0, err
	}
	return rows, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d-专项资金台账.csv", c.Year)), gbk, 0o644)
}

// writeSurvey writes the satisfaction survey export as the online service
// platform's API returns it. Units behind pace are less satisfied.
func writeSurvey(c *Catalog, o Options, paces map[string]float64, _ *rand.Rand) (int, error) {
	dir := filepath.Join(o.Out, "survey")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	type answer struct {
		ID         int    `json:"id"`
		Unit       string `json:"unit"`
		Fund       string `json:"fund"`
		Score      int    `json:"score"`
		AnsweredAt string `json:"answered_at"`
	}
	var items []answer
	id := 0
	// Answers come in month by month, each month from its own stream: the
	// export of September is that of August with September's answers after.
	for m := 1; m <= o.Months; m++ {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(300+m)))
		for _, u := range sortedUnits(c.Units) {
			for _, f := range c.Funds {
				// About as many answers by September as a unit's size says.
				year := 60 * o.Scale * (0.5 + u.Share*5)
				n := int(year*float64(m)/9) - int(year*float64(m-1)/9)
				for i := 0; i < n; i++ {
					id++
					score := 5
					if rng.Float64() > 0.93*math.Min(1.05, paces[u.Code]) {
						score = 1 + rng.IntN(3)
					} else if rng.IntN(3) == 0 {
						score = 4
					}
					at := time.Date(c.Year, time.Month(m), 1+rng.IntN(28), 9+rng.IntN(9), rng.IntN(60), 0, 0, time.UTC)
					items = append(items, answer{ID: id, Unit: u.Name, Fund: f.ID, Score: score, AnsweredAt: at.Format(time.RFC3339)})
				}
			}
		}
	}
	doc := map[string]any{"code": 0, "message": "ok", "data": map[string]any{"total": len(items), "items": items}}
	data, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return 0, err
	}
	return len(items), os.WriteFile(filepath.Join(dir, "satisfaction.json"), data, 0o644)
}

// writeReviews writes the finance office's judgement of each fund's
// qualitative indicators per unit, with an occasional deduction.
func writeReviews(c *Catalog, o Options, paces map[string]float64, rng *rand.Rand) (int, error) {
	dir := filepath.Join(o.Out, "reviews")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	indicators := c.Qualitative
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.Write([]string{"资金编号", "单位", "指标名称", "评价等级", "得分比例", "扣分", "说明"})
	n := 0
	for _, f := range c.Funds {
		for _, u := range sortedUnits(c.Units) {
			if f.Budget*u.Share == 0 {
				continue
			}
			for _, name := range indicators[f.ID] {
				band, pct := "达成", 0.85+rng.Float64()*0.15
				switch {
				case paces[u.Code] < 0.75 && rng.IntN(2) == 0:
					band, pct = "未达成", 0.3+rng.Float64()*0.3
				case paces[u.Code] < 1 && rng.IntN(3) == 0:
					band, pct = "部分达成", 0.6+rng.Float64()*0.2
				}
				w.Write([]string{f.ID, u.Name, name, band, strconv.FormatFloat(math.Round(pct*100)/100, 'f', 2, 64), "", ""})
				n++
			}
			if paces[u.Code] <= 0.6 && f.ID == "F3" {
				w.Write([]string{f.ID, u.Name, "资金使用合规性", "", "", "2", "抽查发现1笔培训补贴发放凭证不全"})
				n++
			}
		}
	}
	w.Flush()
	return n, os.WriteFile(filepath.Join(dir, "fund_reviews.csv"), buf.Bytes(), 0o644)
}

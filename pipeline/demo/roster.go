package demo

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"jixiao/pipeline/project"
)

var (
	surnames    = []rune("王李张刘陈杨赵黄周吴徐孙于孔曲丛姜毕鞠宋林郭谭邹戚")
	givenChars  = []rune("建国秀英玉兰志强海燕丽娟明华桂芝学军红梅春生立新文静振宇晓东")
	disTypes    = []string{"视力", "听力", "言语", "肢体", "智力", "精神", "多重"}
	disTypeCode = map[string]int{"视力": 1, "听力": 2, "言语": 3, "肢体": 4, "智力": 5, "精神": 6, "多重": 7}
	grades      = []string{"一级", "二级", "三级", "四级"}
	employments = []string{"", "", "", "集中", "个体", "辅助性", "农村种养加", "灵活", "公益性岗位"}
	towns       = []string{"鲸园街道", "环翠楼街道", "竹岛街道", "孙家疃街道", "羊亭镇", "张村镇", "温泉镇", "桥头镇", "龙山街道", "天福街道", "宁津街道", "崖头街道", "夏村镇", "海阳所镇"}
)

// idChecksum computes the 18th character of a resident ID (GB 11643).
func idChecksum(first17 string) byte {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}

type person struct {
	cert, unit string
	eligible   bool
}

// serviceVolume is how many people of each service type a unit serves in
// the reported months, following the catalog's targets and the unit's pace.
func serviceVolume(c *Catalog, u project.Unit, p float64, months int, scale float64) map[string]int {
	out := map[string]int{}
	volume := func(ind Indicator) float64 { return ind.TargetFor(u) * float64(months) / 12 * p * scale }
	// Single-type indicators first; an indicator over several types (培训
	// counts 农民工培训 too) then adds only what its other types leave.
	var multi []Indicator
	for _, ind := range c.Indicators {
		if ind.Source != "services" || ind.Kind != "count" {
			continue
		}
		if strings.Contains(ind.ServiceType, "/") {
			multi = append(multi, ind)
			continue
		}
		out[ind.ServiceType] += int(math.Round(volume(ind)))
	}
	for _, ind := range multi {
		types := strings.Split(ind.ServiceType, "/")
		rest := volume(ind)
		for _, t := range types[1:] {
			rest -= float64(out[t])
		}
		out[types[0]] += int(math.Max(0, math.Round(rest)))
	}
	// Services the plan funds but sets no citywide count for.
	out["托养"] += int(1500 * u.Share * float64(months) / 12 * p * scale)
	// The accessibility fund is under-spent (see writeLedger): the work it pays for lags too.
	out["无障碍改造"] += int(1200 * u.Share * float64(months) / 12 * p * 0.5 * scale)
	// Assistive devices are fitted through the year: 3000 by September.
	out["辅具适配"] += int(3000 * u.Share * float64(months) / 9 * scale)
	return out
}

var fundOfService = map[string]string{"康复": "F1", "白内障手术": "F1", "辅具适配": "F1", "托养": "F2", "就业": "F3", "培训": "F3",
	"农民工培训": "F3", "无障碍改造": "F4", "生活补贴": "", "护理补贴": ""}

func writeRoster(ctx context.Context, c *Catalog, o Options, paces map[string]float64, rng *rand.Rand) (int, int, error) {
	dir := filepath.Join(o.Out, "roster")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	pf, err := os.Create(filepath.Join(dir, "persons.csv"))
	if err != nil {
		return 0, 0, err
	}
	defer pf.Close()
	pw := bufio.NewWriterSize(pf, 1<<20)
	pw.WriteString("残疾人证号,姓名,性别,出生日期,身份证号,残疾类别,残疾等级,所属区市,乡镇街道,村社区,城乡,联系电话,就业形式,两项补贴对象,更新时间\n")
	// People live in the 区市 and 开发区; the 市本级 serves them too.
	var residence []project.Unit
	shareSum := 0.0
	for _, u := range sortedUnits(c.Units) {
		if u.Kind != project.UnitCity {
			residence = append(residence, u)
			shareSum += u.Share
		}
	}
	total := int(68000 * o.Scale)
	byUnit := map[string][]person{}
	used := map[string]bool{}
	all := make([]person, 0, total)
	n := 0
	for ui, u := range residence {
		count := int(float64(total) * u.Share / shareSum)
		if ui == len(residence)-1 {
			count = total - n
		}
		area := u.Code
		for i := 0; i < count; i++ {
			if i%50000 == 0 && ctx.Err() != nil {
				return 0, 0, ctx.Err()
			}
			n++
			birth := time.Date(1935+rng.IntN(80), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
			male := rng.IntN(2) == 0
			seq := rng.IntN(500)*2 + 1
			if !male {
				seq--
			}
			id17 := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq%1000)
			for used[id17] { // a real ID number is unique: draw the sequence again
				seq = (seq + 2) % 1000
				id17 = fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq)
			}
			used[id17] = true
			id := id17 + string(idChecksum(id17))
			dt := disTypes[rng.IntN(len(disTypes))]
			grade := rng.IntN(4)
			cert := fmt.Sprintf("%s%d%d", id, disTypeCode[dt], grade+1)
			sex := "男"
			if !male {
				sex = "女"
			}
			name := string(surnames[rng.IntN(len(surnames))]) + string(givenChars[rng.IntN(len(givenChars))])
			if rng.IntN(3) > 0 {
				name += string(givenChars[rng.IntN(len(givenChars))])
			}
			town := towns[rng.IntN(len(towns))]
			rural := "城镇"
			if strings.HasSuffix(town, "镇") {
				rural = "农村"
			}
			eligible := grade <= 1 || rng.IntN(5) == 0
			elig := "否"
			if eligible {
				elig = "是"
			}
			p := person{cert: cert, unit: u.Code, eligible: eligible}
			byUnit[u.Code] = append(byUnit[u.Code], p)
			all = append(all, p)
			fmt.Fprintf(pw, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s村,%s,1%d%09d,%s,%s,%s\n", cert, name, sex, birth.Format("2006-01-02"), id, dt,
				grades[grade], spellingOf(u, i), town, strings.TrimSuffix(strings.TrimSuffix(town, "街道"), "镇")+strconv.Itoa(1+rng.IntN(20)),
				rural, 3+rng.IntN(7), rng.IntN(1_000_000_000), employments[rng.IntN(len(employments))], elig,
				time.Date(c.Year, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(200*24))*time.Hour).Format("2006-01-02 15:04:05"))
		}
	}
	if err := pw.Flush(); err != nil {
		return 0, 0, err
	}

	sf, err := os.Create(filepath.Join(dir, "services.csv"))
	if err != nil {
		return 0, 0, err
	}
	defer sf.Close()
	sw := bufio.NewWriterSize(sf, 1<<20)
	sw.WriteString("服务编号,残疾人证号,服务类型,服务日期,服务单位,金额（元）,资金编号,更新时间\n")
	sid := 0
	emit := func(rng *rand.Rand, p person, typ string, day time.Time, unit project.Unit, amount float64) {
		sid++
		updated := day.Add(time.Duration(9+rng.IntN(9)) * time.Hour)
		fmt.Fprintf(sw, "%d,%s,%s,%s,%s,%.2f,%s,%s\n", sid, p.cert, typ, day.Format("2006-01-02"), spellingOf(unit, sid),
			amount, fundOfService[typ], updated.Format("2006-01-02 15:04:05"))
	}
	// Per-service amounts keep each fund's service payments below what its
	// ledger spends (funds also pay for staff, sites and construction), as
	// the fund pages' reconciliation expects of real data.
	amounts := map[string]float64{"康复": 650, "白内障手术": 1500, "辅具适配": 400, "托养": 350, "就业": 3000, "培训": 2600,
		"农民工培训": 2200, "无障碍改造": 3000}
	types := []string{"康复", "白内障手术", "辅具适配", "托养", "就业", "培训", "农民工培训", "无障碍改造"}
	// 两项补贴: monthly payments to eligible people; lagging units miss some.
	// Who is paid which, decided once for the year.
	type subsidy struct {
		p   person
		typ string
	}
	paid := map[string][]subsidy{}
	subRng := rand.New(rand.NewPCG(o.Seed, 7))
	for _, u := range sortedUnits(c.Units) {
		miss := 0.0
		if paces[u.Code] < 0.9 {
			miss = 0.03
		}
		for _, p := range byUnit[u.Code] {
			if !p.eligible || subRng.Float64() < miss {
				continue
			}
			typ := "生活补贴"
			if subRng.IntN(2) == 0 {
				typ = "护理补贴"
			}
			paid[u.Code] = append(paid[u.Code], subsidy{p, typ})
		}
	}
	// The export is the service system's table in the order records were
	// entered, month by month: each month draws from its own stream, so a
	// later export is the earlier one with the new month's records added at
	// its end (--months 9 writes --months 8's file and then September).
	inCare := map[string][]person{} // 托养: people in care keep coming back
	for m := 1; m <= o.Months; m++ {
		if ctx.Err() != nil {
			return 0, 0, ctx.Err()
		}
		rng := rand.New(rand.NewPCG(o.Seed, uint64(100+m)))
		dayIn := func() time.Time { return time.Date(c.Year, time.Month(m), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC) }
		for _, u := range sortedUnits(c.Units) {
			before := serviceVolume(c, u, paces[u.Code], m-1, o.Scale)
			vol := serviceVolume(c, u, paces[u.Code], m, o.Scale)
			pool := byUnit[u.Code]
			if len(pool) == 0 {
				pool = all // 市本级 serves people of every unit
			}
			for _, typ := range types {
				if typ == "托养" {
					for _, p := range inCare[u.Code] {
						if rng.IntN(2) == 0 {
							emit(rng, p, typ, dayIn(), u, amounts[typ]*(0.8+rng.Float64()*0.4))
						}
					}
				}
				for i := 0; i < vol[typ]-before[typ]; i++ {
					p := pool[rng.IntN(len(pool))]
					visits := 1
					if typ == "康复" {
						visits = 1 + rng.IntN(3)
					}
					if typ == "托养" {
						inCare[u.Code] = append(inCare[u.Code], p)
					}
					for v := 0; v < visits; v++ {
						emit(rng, p, typ, dayIn(), u, amounts[typ]*(0.8+rng.Float64()*0.4))
					}
				}
			}
			for _, s := range paid[u.Code] {
				emit(rng, s.p, s.typ, time.Date(c.Year, time.Month(m), 15, 0, 0, 0, 0, time.UTC), u, 100)
			}
		}
	}
	return len(all), sid, sw.Flush()
}

// spellingOf varies how exports name a unit: the canonical name, or now
// and then an alias.
func spellingOf(u project.Unit, i int) string {
	if len(u.Aliases) > 0 && i%17 == 0 {
		return u.Aliases[i%len(u.Aliases)]
	}
	return u.Name
}

package diag

import (
	"sort"
	"strings"
)

// Suggest returns the candidates closest to name for a "did you mean"
// hint: those fewest edits away (letters, not bytes, ignoring case), if
// that is within a quarter of the name's length, or that end with the
// name after a dot (staging.stg_services for stg_services). It returns at
// most three, all equally close.
func Suggest(name string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	lower := strings.ToLower(name)
	limit := len([]rune(name))/4 + 1
	var best []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == name || seen[c] {
			continue
		}
		seen[c] = true
		lc := strings.ToLower(c)
		d := editDistance(lower, lc)
		if strings.HasSuffix(lc, "."+lower) || strings.HasSuffix(lower, "."+lc) {
			d = 0
		}
		if d <= limit {
			best = append(best, scored{c, d})
		}
	}
	sort.SliceStable(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].s < best[j].s
	})
	var out []string
	for i := 0; i < len(best) && i < 3 && best[i].d == best[0].d; i++ {
		out = append(out, best[i].s)
	}
	return out
}

// DidYouMean is Suggest's answer as a clause to append to a message
// ("; did you mean stg_services?"), or "" when nothing is close.
func DidYouMean(name string, candidates []string) string {
	s := Suggest(name, candidates)
	if len(s) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(s, " or ") + "?"
}

// editDistance is the Levenshtein distance between a and b in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

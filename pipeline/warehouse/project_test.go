//go:build duckdb_arrow

package warehouse

import (
	"context"
	"testing"
)

// Pages read the plan year and the light thresholds the last run
// published; before any run, there is nothing to read, and the thresholds
// are their defaults.
func TestPublishedSettings(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	got, ok, err := w.Published(ctx)
	if err != nil || ok || got.LightYellow != 0.05 || got.LightRed != 0.15 {
		t.Fatalf("before any run: %+v, %v, %v", got, ok, err)
	}
	if err := w.PublishProject(ctx, ProjectSettings{Name: "测试", PlanYear: 2018, Timezone: "Asia/Shanghai", LightYellow: 0.1, LightRed: 0.25}, nil); err != nil {
		t.Fatal(err)
	}
	got, ok, err = w.Published(ctx)
	if err != nil || !ok || got != (PublishedSettings{PlanYear: 2018, LightYellow: 0.1, LightRed: 0.25}) {
		t.Errorf("published: %+v, %v, %v", got, ok, err)
	}
}

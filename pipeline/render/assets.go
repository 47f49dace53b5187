package render

import (
	"embed"
	"errors"
	"io/fs"
)

//go:embed assets
var embedded embed.FS

// EChartsFile is the bundle's name inside the site's assets folder.
const EChartsFile = "echarts.min.js"

// ErrNoECharts means the binary was built without the ECharts bundle.
var ErrNoECharts = errors.New("this jixiao was built without the ECharts bundle: build it with `make build` (it fetches the pinned echarts package with npm and embeds it)")

// Assets returns the files the site serves itself (the ECharts bundle, the
// stylesheet), or ErrNoECharts.
func Assets() (fs.FS, error) {
	sub, err := fs.Sub(embedded, "assets")
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(sub, EChartsFile); err != nil {
		return nil, ErrNoECharts
	}
	return sub, nil
}

package render

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
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

// Fingerprint identifies what the render code itself puts on every page:
// the page template and the site's assets. A run compares it, with the
// binary's version, so that an upgraded jixiao re-renders a site whose data
// did not change.
func Fingerprint() string {
	h := sha256.New()
	h.Write([]byte(pageTemplateText))
	fs.WalkDir(embedded, "assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(h, "%s\x00%d\x00", p, info.Size())
			}
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

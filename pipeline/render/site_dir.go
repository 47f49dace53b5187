package render

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The site folder is a symbolic link to the version of the site it shows:
//
//	site -> .site-20170630-080500-1a2b/
//
// A render writes the next version into .site.new-*, renames it to its
// version's name, and puts a new link in the place of the old one with a
// single rename, so that the site is at every moment one whole version.
// The version before stays until the next render, so that a reader who
// looked the link up just before the swap still finds its files; older
// versions, and what a killed render left, are removed. Where
// links cannot be made (Windows without the privilege, some network
// shares), site is a plain folder swapped with two renames.

// newSiteDir makes the folder a render writes into, beside outDir, readable
// by all (a web server account, a colleague on a share), after removing
// what renders killed before left there.
func newSiteDir(outDir string) (string, error) {
	outDir = filepath.Clean(outDir)
	parent, base := filepath.Dir(outDir), filepath.Base(outDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", parent, err)
	}
	removeStale(parent, base, false, "", "")
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return "", fmt.Errorf("create temporary site folder: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("create temporary site folder: %w", err)
	}
	return tmp, nil
}

// currentVersion is the version folder the site link points to, or "".
func currentVersion(outDir string) string {
	target, err := os.Readlink(outDir)
	if err != nil || strings.ContainsAny(target, `/\`) {
		return ""
	}
	return target
}

var unsafeVersion = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// swapSite makes newDir, a finished site, the one outDir shows.
func swapSite(newDir, outDir, runID string) error {
	outDir = filepath.Clean(outDir)
	parent, base := filepath.Dir(outDir), filepath.Base(outDir)
	version := "." + base + "-" + unsafeVersion.ReplaceAllString(runID, "_")
	if runID == "" || exists(filepath.Join(parent, version)) {
		version += "-" + randomHex()
	}
	if err := os.Rename(newDir, filepath.Join(parent, version)); err != nil {
		return fmt.Errorf("put the new site in place: %w", err)
	}
	previous := currentVersion(outDir)
	link := filepath.Join(parent, "."+base+".link-"+randomHex())
	if err := os.Symlink(version, link); err != nil {
		return swapPlain(filepath.Join(parent, version), outDir)
	}
	// A plain site folder, as older versions of jixiao wrote it, is moved
	// aside once so that the link can take its name.
	if info, err := os.Lstat(outDir); err == nil && info.Mode()&fs.ModeSymlink == 0 {
		old := filepath.Join(parent, "."+base+".old-"+randomHex())
		if err := os.Rename(outDir, old); err != nil {
			os.Remove(link)
			return fmt.Errorf("move the previous site aside: %w", err)
		}
		if err := os.Rename(link, outDir); err != nil {
			os.Rename(old, outDir)
			os.Remove(link)
			return fmt.Errorf("put the new site in place: %w", err)
		}
		removeStale(parent, base, true, version, "")
		return nil
	}
	if err := os.Rename(link, outDir); err != nil {
		os.Remove(link)
		return fmt.Errorf("put the new site in place: %w", err)
	}
	removeStale(parent, base, true, version, previous)
	return nil
}

// swapPlain puts a plain folder in place of outDir with two renames, so
// that outDir is missing only between them.
func swapPlain(newDir, outDir string) error {
	old := filepath.Join(filepath.Dir(outDir), "."+filepath.Base(outDir)+".old-"+randomHex())
	hadOld := false
	if _, err := os.Lstat(outDir); err == nil {
		if err := os.Rename(outDir, old); err != nil {
			return fmt.Errorf("move the previous site aside: %w", err)
		}
		hadOld = true
	}
	if err := os.Rename(newDir, outDir); err != nil {
		if hadOld {
			os.Rename(old, outDir)
		}
		return fmt.Errorf("put the new site in place: %w", err)
	}
	if hadOld {
		os.RemoveAll(old)
	}
	return nil
}

// removeStale removes the temporary folders and links that renders killed
// before left behind and, with versions, the site's versions but keep and
// previous (a render killed between naming its version and linking it
// leaves one).
func removeStale(parent, base string, versions bool, keep, previous string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		stale := versions && strings.HasPrefix(name, "."+base+"-")
		for _, prefix := range []string{"." + base + ".new-", "." + base + ".old-", "." + base + ".link-"} {
			stale = stale || strings.HasPrefix(name, prefix)
		}
		if stale && name != keep && name != previous {
			os.RemoveAll(filepath.Join(parent, name))
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func randomHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

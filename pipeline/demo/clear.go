package demo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Folders are the folders Generate writes into Options.Out; anything else
// there (a project's data/catalog) is not the generator's.
var Folders = []string{"reports", "roster", "ledger", "survey", "reviews"}

// Clear removes what an earlier Generate wrote into dir, its folders and
// marker, so that data generated again for other units or another seed
// keeps no file of the old (a report of a unit no longer listed would be
// read, and rejected, with the new). A folder without the marker is not
// demo data and is left as it is; cleared says whether dir was.
func Clear(dir string) (cleared bool, err error) {
	if _, err := os.Stat(filepath.Join(dir, MarkerFile)); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	for _, f := range append(Folders, MarkerFile) {
		if err := os.RemoveAll(filepath.Join(dir, f)); err != nil {
			return false, err
		}
	}
	return true, nil
}

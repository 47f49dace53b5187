package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A csv source with a cursor is an export that grows: the same file each
// time, with the new rows added at its end. Its content hash then says,
// after the sha256 of the whole file, the file's size and its line count
// ("<sha256>:<size>:<lines>", when it ends with a line break), so that the
// next load can tell a file that only grew from one that changed: when the
// new file's first <size> bytes hash to the old file's hash, only the bytes
// after them are read, from line <lines>+1 on. Anything else (a row before
// the end changed, removed or moved, a file cut shorter, a file that did
// not end its last line) reads the whole file again.

// grownFile is where to start reading a file that only grew.
type grownFile struct {
	offset int64
	lines  int
}

// growthHash hashes the file in one pass and compares its start with the
// file it was (prev, a hash growthHash wrote): it returns the file's own
// hash and, when the file is prev with rows added at its end, where the
// added rows start.
func growthHash(in fileInput, prev string) (string, *grownFile, error) {
	prevHash, prevSize, prevLines, hasPrev := parseGrowthHash(prev)
	f, err := in.open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	h := sha256.New()
	var size int64
	var lines int
	var last byte
	prefix := ""
	buf := make([]byte, 1<<20)
	for {
		n, err := f.Read(buf)
		chunk := buf[:n]
		// The previous file's end may fall inside this chunk: hash up to it
		// first, so that the hash of the file's start is known in passing.
		if hasPrev && prefix == "" && size <= prevSize && size+int64(n) >= prevSize {
			cut := prevSize - size
			h.Write(chunk[:cut])
			prefix = hex.EncodeToString(h.Sum(nil))
			h.Write(chunk[cut:])
		} else {
			h.Write(chunk)
		}
		lines += bytes.Count(chunk, []byte{'\n'})
		if n > 0 {
			last = chunk[n-1]
		}
		size += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, fmt.Errorf("read %s: %w", in.name, err)
		}
	}
	hash := hex.EncodeToString(h.Sum(nil))
	if last == '\n' {
		hash += ":" + strconv.FormatInt(size, 10) + ":" + strconv.Itoa(lines)
	}
	if hasPrev && size > prevSize && prefix == prevHash {
		return hash, &grownFile{offset: prevSize, lines: prevLines}, nil
	}
	return hash, nil, nil
}

// parseGrowthHash reads a hash growthHash wrote for a file that ended its
// last line.
func parseGrowthHash(s string) (hash string, size int64, lines int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return "", 0, 0, false
	}
	size, err1 := strconv.ParseInt(parts[1], 10, 64)
	lines, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || size <= 0 || lines <= 0 {
		return "", 0, 0, false
	}
	return parts[0], size, lines, true
}

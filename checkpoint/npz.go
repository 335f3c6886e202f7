package checkpoint

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"deepopt/internal/atomicfile"
	"deepopt/internal/memory"
	"deepopt/internal/regularfile"
)

// zipTime is the modification time of every entry Save writes: the earliest
// time a zip file can record, fixed so that identical content gives
// identical bytes.
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// Save writes a as an .npz archive at path, atomically (see
// atomicfile.Write): a crash leaves the previous file at path intact. Arrays
// are stored uncompressed as <name>.npy, in name order, with fixed
// timestamps, so that identical content gives identical bytes. Save reports
// an array whose shape does not match its length, or whose name is not a
// clean relative path, before writing anything.
func Save(path string, a *Archive) error {
	for _, name := range a.Names() {
		if err := checkArray(name, a.arrays[name]); err != nil {
			return fmt.Errorf("checkpoint %s: %w", path, err)
		}
	}
	err := atomicfile.Write(path, func(w io.Writer) error {
		archive := zip.NewWriter(w)
		for _, name := range a.Names() {
			header := &zip.FileHeader{Name: name + ".npy", Method: zip.Store, Modified: zipTime}
			header.SetMode(0o644)
			entry, err := archive.CreateHeader(header)
			if err != nil {
				return fmt.Errorf("entry %s: %w", header.Name, err)
			}
			if err := writeNPY(entry, a.arrays[name]); err != nil {
				return fmt.Errorf("entry %s: %w", header.Name, err)
			}
		}
		return archive.Close()
	})
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// checkArray reports what keeps arr from being saved as name.
func checkArray(name string, arr *array) error {
	if err := checkName(name); err != nil {
		return err
	}
	count := 1
	for _, n := range arr.shape {
		if n < 0 {
			return fmt.Errorf("array %q: shape %v has a negative dimension", name, arr.shape)
		}
		count *= n
	}
	for _, str := range arr.strings {
		if !utf8.ValidString(str) || strings.ContainsRune(str, 0) || utf8.RuneCountInString(str) > arr.dtype.runes() {
			return fmt.Errorf("array %q: string %q is not valid UTF-8 of at most %d characters without the character 0", name, str, arr.dtype.runes())
		}
	}
	if count != arr.length() {
		return fmt.Errorf("array %q: shape %v holds %d values, the data has %d", name, arr.shape, count, arr.length())
	}
	return nil
}

// checkName reports a name that is not a clean relative path, which would
// make a zip entry that unpacks outside its folder or not at all.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("an array has an empty name")
	case !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\\") || strings.HasPrefix(name, "/"):
		return fmt.Errorf("array name %q is not a clean relative path; use letters, digits, '_', '.', '-' and '/' between parts", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("array name %q has an empty, '.' or '..' part; use letters, digits, '_', '.', '-' and '/' between parts", name)
		}
	}
	return nil
}

// Load reads the .npz archive at path, as Save or NumPy (numpy.savez,
// numpy.savez_compressed) writes it, validating everything: that path is a
// regular file (a FIFO or a folder is refused at once rather than waited on),
// the zip structure and checksums, that every entry is a .npy array with
// magic \x93NUMPY, format version 1.0 or 2.0, descr '<f8' or '<i8',
// fortran_order False, and exactly the data its shape asks for. No entry may
// claim more data than the file can hold (see maxInflation) or more memory
// than is available; both are refused before anything is read. Errors name
// the file and the entry.
func Load(path string) (*Archive, error) {
	f, info, err := regularfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	return load(f, info.Size(), path)
}

// load reads an .npz archive of size bytes from r; source names it in
// messages.
func load(r io.ReaderAt, size int64, source string) (*Archive, error) {
	reader, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: not a valid .npz (zip) archive, perhaps truncated: %w", source, err)
	}
	a := &Archive{source: source}
	budget := memory.Query()
	for _, file := range reader.File {
		if file.FileInfo().IsDir() {
			continue
		}
		name, ok := strings.CutSuffix(file.Name, ".npy")
		if !ok {
			return nil, fmt.Errorf("checkpoint %s: entry %s is not a .npy array (its name lacks .npy)", source, file.Name)
		}
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("checkpoint %s: entry %s: %w", source, file.Name, err)
		}
		if a.Has(name) {
			return nil, fmt.Errorf("checkpoint %s: entry %s appears twice", source, file.Name)
		}
		arr, err := readEntry(file, size, &budget)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: entry %s: %w", source, file.Name, err)
		}
		a.set(name, arr)
	}
	return a, nil
}

// maxInflation is the largest ratio of uncompressed to compressed size
// that deflate can reach (1032:1, from its longest match of 258 bytes per
// two bits or so); an entry claiming more is corrupt or crafted.
const maxInflation = 1032

// readEntry reads and parses one zip entry of an archive of fileSize bytes,
// which archive/zip checks against its CRC-32, after checking what its zip
// header claims: a stored entry no larger than the file, a compressed one no
// larger than deflate can inflate the file's bytes to. The arrays' memory is
// charged to budget.
func readEntry(file *zip.File, fileSize int64, budget *memory.Available) (*array, error) {
	claimed, compressed := file.UncompressedSize64, file.CompressedSize64
	switch {
	case compressed > uint64(fileSize):
		return nil, fmt.Errorf("its zip header claims %d compressed bytes, more than the %d bytes of the whole file; the archive is corrupt", compressed, fileSize)
	case file.Method == zip.Store && claimed != compressed:
		return nil, fmt.Errorf("a stored entry whose zip header claims %d bytes uncompressed but %d stored; the archive is corrupt", claimed, compressed)
	case claimed > maxInflation*compressed+64:
		return nil, fmt.Errorf("its zip header claims %d bytes from %d compressed, more than deflate can produce (%d:1); the archive is corrupt or crafted", claimed, compressed, maxInflation)
	}
	rc, err := file.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return readNPY(rc, int64(claimed), budget)
}

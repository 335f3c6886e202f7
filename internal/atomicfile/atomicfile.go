// Package atomicfile replaces files atomically, so that a crash or an error
// never leaves a run's file (checkpoint, config, log, figure, report) half
// written.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Write replaces the file at path with what write writes, so that
// path holds either its old contents or the complete new ones, never a part:
// write fills a temporary file in the same folder, which is flushed, synced
// to disk, closed and then renamed over path (rename is atomic on POSIX file
// systems); finally the folder is synced so that the rename itself survives a
// crash. When write returns an error (or panics) the temporary file is
// removed and path is untouched. The new file keeps the permission bits of
// the file it replaces, or gets 0644.
func Write(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := fs.FileMode(0o644)
	if info, statErr := os.Stat(path); statErr == nil {
		if !info.Mode().IsRegular() {
			return fmt.Errorf("write %s: not a regular file (%s); choose another path", path, info.Mode().Type())
		}
		mode = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close() // a second Close after a successful one is harmless
			os.Remove(tmp.Name())
		}
	}()
	buffered := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(buffered); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := buffered.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	renamed = true
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. File systems and platforms that
// cannot sync a folder (Windows cannot open one) are not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// RemoveLeftovers removes the temporary files that Writes into dir left
// behind when their process was killed between creating and renaming them
// (a checkpoint's can be tens of MB), and returns their names. Call it only
// while no Write into dir can be under way, such as under the run
// directory's lock.
func RemoveLeftovers(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, path := range matches {
		if info, err := os.Lstat(path); err != nil || !info.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(path); err != nil {
			return removed, err
		}
		removed = append(removed, filepath.Base(path))
	}
	return removed, nil
}

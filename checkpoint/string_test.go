package checkpoint

import (
	"path/filepath"
	"testing"
)

// stringSample saves an archive of strings (and one number) and returns
// its path.
func stringSample(t *testing.T) string {
	t.Helper()
	a := NewArchive()
	a.SetString("arch/model.activation", "relu")
	a.SetString("arch/model.hidden", "[100, 100]")
	a.SetString("note", "σ² ≥ 0")
	a.SetString("empty", "")
	a.SetFloat64("x", []int{1}, []float64{1})
	path := filepath.Join(t.TempDir(), "strings.npz")
	if err := Save(path, a); err != nil {
		t.Fatal(err)
	}
	return path
}

// Strings survive Save and Load, and what cannot be stored is refused by
// Save.
func TestStrings(t *testing.T) {
	path := stringSample(t)
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"arch/model.activation": "relu", "arch/model.hidden": "[100, 100]", "note": "σ² ≥ 0", "empty": ""} {
		if s, err := got.String(name); err != nil || s != want {
			t.Errorf("String(%q) = %q, %v; want %q", name, s, err, want)
		}
	}
	_, err = got.String("x")
	wantError(t, err, `array "x" holds float64 values, not string; read it with Float64`)
	_, _, err = got.Float64("note")
	wantError(t, err, `array "note" holds string values, not float64; read it with String`)

	for _, bad := range []string{"a\x00b", "\xff"} {
		b := NewArchive()
		b.SetString("s", bad)
		wantError(t, Save(filepath.Join(t.TempDir(), "bad.npz"), b), "is not valid UTF-8 of at most")
	}
}

// The strings are NumPy's str arrays ('<U<n>': UTF-32LE code points padded
// with zeros), as Python's standard library reads them following the
// specification, and as numpy.load reads them when it is installed.
func TestPythonReadsStrings(t *testing.T) {
	path := stringSample(t)
	want := "arch/model.activation <U4 () relu\nnote <U6 () σ² ≥ 0\nempty <U1 () \n"
	stdlib := python(t, `
import ast, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ["arch/model.activation", "note", "empty"]:
        raw = z.read(name + ".npy")
        n = int.from_bytes(raw[8:10], "little")
        header = ast.literal_eval(raw[10:10 + n].decode("latin1"))
        print(name, header["descr"], header["shape"], raw[10 + n:].decode("utf-32-le").rstrip("\0"))
`, nil, path)
	if stdlib != want {
		t.Errorf("Python read\n%q\nwant\n%q", stdlib, want)
	}
	numpy := python(t, `
import sys, numpy
with numpy.load(sys.argv[1]) as z:
    for name in ["arch/model.activation", "note", "empty"]:
        print(name, z[name].dtype, z[name].shape, str(z[name]))
`, []string{"numpy"}, path)
	if numpy != want {
		t.Errorf("numpy read\n%q\nwant\n%q", numpy, want)
	}

}

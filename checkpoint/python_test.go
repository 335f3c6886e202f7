package checkpoint

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// python runs a Python 3 program with args and returns its output; it skips
// the test, saying why, when Python 3 or one of the modules is missing.
func python(t *testing.T, program string, modules []string, args ...string) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: cannot cross-check with Python")
	}
	for _, m := range modules {
		if err := exec.Command(python, "-c", "import "+m).Run(); err != nil {
			t.Skipf("python3 lacks the module %s: cannot cross-check with it", m)
		}
	}
	out, err := exec.Command(python, append([]string{"-c", program}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python3 failed: %v\n%s", err, out)
	}
	return string(out)
}

// The values sample() holds, as Python prints them after reading: the
// reference for both readers below.
const sampleAsPython = `loop/step int64 (1,) [9223372036854775807]
loop/wall_s float64 () [12.75]
optim/empty float64 (0, 4) []
param/layer1/W float64 (2, 3) [1.0, -2.5, nan, inf, -inf, -0.0]
param/layer1/b float64 (3,) [5e-324, 1.7976931348623157e+308, 0.3333333333333333]
rng/state int64 (2, 2) [-9223372036854775808, -1, 0, 9007199254740992]
`

// numpy.load reads what Save writes.
func TestNumPyReadsTheArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.npz")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	got := python(t, `
import sys, numpy
with numpy.load(sys.argv[1]) as z:
    for name in sorted(z.files):
        a = z[name]
        print(name, a.dtype, a.shape, [float(x) if a.dtype.kind == "f" else int(x) for x in a.ravel()])
`, []string{"numpy"}, path)
	if got != sampleAsPython {
		t.Errorf("numpy read\n%s\nwant\n%s", got, sampleAsPython)
	}
}

// Python's standard library reads the archive too: zipfile checks the zip
// structure and CRCs, ast.literal_eval the header dict and struct the data,
// following the .npy specification independently of this package.
func TestPythonStandardLibraryReadsTheArchive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.npz")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	got := python(t, `
import ast, struct, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    for info in z.infolist():
        raw = z.read(info)
        assert raw[:8] == b"\x93NUMPY\x01\x00", raw[:8]
        (n,) = struct.unpack("<H", raw[8:10])
        assert (10 + n) % 64 == 0 and raw[10 + n - 1:10 + n] == b"\n"
        header = ast.literal_eval(raw[10:10 + n].decode("latin1"))
        assert sorted(header) == ["descr", "fortran_order", "shape"] and header["fortran_order"] is False
        count = 1
        for d in header["shape"]:
            count *= d
        data = raw[10 + n:]
        assert len(data) == 8 * count
        kind = {"<f8": ("d", "float64"), "<i8": ("q", "int64")}[header["descr"]]
        values = list(struct.unpack("<%d%s" % (count, kind[0]), data))
        print(info.filename[:-4], kind[1], header["shape"], values)
`, nil, path)
	if got != sampleAsPython {
		t.Errorf("Python read\n%s\nwant\n%s", got, sampleAsPython)
	}
}

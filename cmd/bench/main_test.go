package main

import (
	"os"
	"strings"
	"testing"

	"deepopt/model"
	"deepopt/schedule"
)

// TestSelectWorkloads checks that names select workloads in the given order
// and that an unknown name is refused with the valid ones.
func TestSelectWorkloads(t *testing.T) {
	sel, err := selectWorkloads("eval-cnn-bn,mlp-60")
	if err != nil || len(sel) != 2 || sel[0].name != "eval-cnn-bn" || sel[1].name != "mlp-60" {
		t.Fatalf("got %v, %v; want eval-cnn-bn then mlp-60", sel, err)
	}
	if _, err := selectWorkloads("mlp-61"); err == nil || !strings.Contains(err.Error(), `"mlp-61"`) || !strings.Contains(err.Error(), "mlp-bn-60") {
		t.Fatalf("got %v, want an error naming mlp-61 and the valid workloads", err)
	}
}

// TestParseRate reads a result line among others and refuses output
// without one.
func TestParseRate(t *testing.T) {
	r, err := parseRate("MNIST from x\nmlp-60         12345 examples/s\n", "mlp-60")
	if err != nil || r != 12345 {
		t.Fatalf("got %v, %v; want 12345", r, err)
	}
	if _, err := parseRate("mlp-256 1 examples/s\n", "mlp-60"); err == nil {
		t.Fatal("a result for another workload was accepted")
	}
}

// TestMedian checks odd and even counts against their medians.
func TestMedian(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median(3, 1, 2) = %v, want 2", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median(4, 1, 3, 2) = %v, want 2.5", m)
	}
}

// TestTorchTwins checks that the PyTorch script defines exactly the
// workloads --compare runs in it, so that a new workload cannot break
// make bench-compare halfway through its passes.
func TestTorchTwins(t *testing.T) {
	b, err := os.ReadFile("torch_bench.py")
	if err != nil {
		t.Fatal(err)
	}
	script := string(b)
	for _, w := range workloads() {
		defined := strings.Contains(script, `"`+w.name+`": (`)
		if defined != w.hasTorchTwin() {
			t.Errorf("%s: defined in torch_bench.py %v, compared %v", w.name, defined, w.hasTorchTwin())
		}
	}
}

// TestDescribeTorchBLAS checks that OpenBLAS (Debian's libopenblas0) and a
// BLAS linked into torch are accepted and named, and that Debian's reference
// BLAS is refused with the package that replaces it, even when another
// library of the process maps OpenBLAS.
func TestDescribeTorchBLAS(t *testing.T) {
	openblas := "torch 1.13.0a0\nblas /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3\nblas /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so\n"
	if d, err := describeTorchBLAS(openblas); err != nil || d != "PyTorch 1.13.0a0 on OpenBLAS (/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3)" {
		t.Errorf("OpenBLAS: got %q, %v", d, err)
	}
	if d, err := describeTorchBLAS("torch 2.5.1+cpu\n"); err != nil || d != "PyTorch 2.5.1+cpu on the BLAS linked into it" {
		t.Errorf("linked BLAS: got %q, %v", d, err)
	}
	reference := "torch 1.13.0a0\nblas /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0\nblas /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so\n"
	if _, err := describeTorchBLAS(reference); err == nil || !strings.Contains(err.Error(), "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0") || !strings.Contains(err.Error(), "libopenblas0") {
		t.Errorf("reference BLAS: got %v, want a refusal naming the library and libopenblas0", err)
	}
	if _, err := describeTorchBLAS("Traceback ...\n"); err == nil {
		t.Error("output without a torch version was accepted")
	}
}

// TestTrainingFLOPs counts the products of the benchmark's deep MLP with
// its three heads, and of a head with a hidden layer, against the counts
// by hand: the network's forward pass 784·100 + 6·100·100 + 100·10 =
// 139,400 multiply-adds per example, ∂J/∂W as many, ∂J/∂x 61,000 (all but
// the first layer's), 339,800 in all; a linear head 3·100·10.
func TestTrainingFLOPs(t *testing.T) {
	spec := namedWorkload(deepHeads).spec
	m, err := model.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	if network, heads := trainingFLOPs(m); network != 2*339800 || heads != 2*3*3*100*10 {
		t.Errorf("deep MLP with three heads: network %v, heads %v FLOPs; want %v and %v", network, heads, 2*339800, 2*3*3*100*10)
	}
	spec.AuxHeads = []model.AuxHead{{At: "act1", Hidden: []int{20}, Weight: schedule.Constant{Rate: 0.3}}}
	if m, err = model.New(spec); err != nil {
		t.Fatal(err)
	}
	if _, heads := trainingFLOPs(m); heads != 2*3*(100*20+20*10) {
		t.Errorf("a head 100-20-10: %v FLOPs, want %v", heads, 2*3*(100*20+20*10))
	}
}

package main

import (
	"os"
	"strings"
	"testing"
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

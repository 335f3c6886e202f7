package main

import (
	"os"
	"testing"
)

// TestGenerated checks that kernel_amd64.s is what asmgen writes, so that
// the kernels are never edited by hand apart from their generator.
func TestGenerated(t *testing.T) {
	got, err := os.ReadFile("../kernel_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != generate() {
		t.Fatal("internal/sgemm/kernel_amd64.s differs from asmgen's output; run go generate ./internal/sgemm")
	}
}

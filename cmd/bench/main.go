// Command bench measures training throughput and test-set evaluation speed
// on full MNIST, in examples per second, for the workloads of the README's
// performance section. With --compare it runs the same workloads in PyTorch
// (cmd/bench/torch_bench.py), alternating the two systems over several
// passes, each workload in a fresh process, and prints the medians and the
// ratio deepopt/PyTorch per workload.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"deepopt/data"
	"deepopt/distill"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"
	"deepopt/train"

	"gorgonia.org/tensor"
)

// workload is one measured task: training steps of a network at a batch
// size, or one pass of its evaluation path over the 10,000 test examples.
type workload struct {
	name string
	spec model.Spec
	// opt and lr are the training step's optimizer and constant rate.
	opt  optim.Optimizer
	lr   float64
	eval bool
	// curriculum, when set, trains with that curriculum kind (sample or
	// weight; see withCurriculum); such a workload has no PyTorch twin.
	curriculum string
	// teacher, when set, is a distillation teacher (random weights: its
	// cost does not depend on them) evaluated forward-only on every
	// training minibatch, as a distill section does; PyTorch has no such
	// workload.
	teacher *model.Spec
}

// workloads are the benchmark's tasks, in the order they are printed: the
// Ioffe & Szegedy MLP (784-100-100-100-10, sigmoid, N(0, 0.1²) weights,
// plain SGD at 0.1) with and without BN at batch 60 and 256, the deep
// sigmoid MLP of configs/mnist-deep-sigmoid-dsn.yaml (seven hidden layers of
// 100) without and with its three auxiliary heads (on act2, act4, act6,
// weight 0.3: 2.65% of the training step's FLOPs, trainingFLOPs), the CNN of
// configs/mnist-cnn-bn.yaml with Nesterov momentum, and the evaluation of the
// BN MLP and the CNN; then the BN MLP at batch 60 again with a sample
// curriculum and with a weight curriculum, whose step cost the plain one's
// shows; and Hinton et al.'s 784-800-800-10 student
// (configs/mnist-kd-student.yaml) at batch 100 without and with its
// 784-1200-1200-10 teacher (configs/mnist-kd.yaml).
func workloads() []workload {
	mlp := func(bn bool, batch int) model.Spec {
		return model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: []int{100, 100, 100}, Activation: "sigmoid",
			BatchNorm: bn, Init: "gaussian", InitStd: 0.1, Dtype: tensor.Float32, BatchSize: batch, EvalBatch: 1000, Seed: 1}
	}
	deep := func(heads ...string) model.Spec {
		s := mlp(false, 60)
		s.Hidden = []int{100, 100, 100, 100, 100, 100, 100}
		for _, at := range heads {
			s.AuxHeads = append(s.AuxHeads, model.AuxHead{At: at, Weight: schedule.Constant{Rate: 0.3}})
		}
		return s
	}
	cnn := model.Spec{Kind: "cnn", Input: []int{1, 28, 28}, Classes: 10, Hidden: []int{100},
		Conv:       []model.ConvStage{{Channels: 16, Kernel: 5, Stride: 1, Padding: 2, Pool: 2}, {Channels: 32, Kernel: 5, Stride: 1, Padding: 2, Pool: 2}},
		Activation: "relu", BatchNorm: true, Init: "he", Dtype: tensor.Float32, BatchSize: 60, EvalBatch: 500, Seed: 1}
	sgd := func() optim.Optimizer { return &optim.SGD{} }
	relu := func(hidden ...int) model.Spec {
		return model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: hidden, Activation: "relu",
			Init: "he", Dtype: tensor.Float32, BatchSize: 100, EvalBatch: 100, Seed: 1}
	}
	teacher := relu(1200, 1200)
	return []workload{
		{name: "mlp-bn-60", spec: mlp(true, 60), opt: sgd(), lr: 0.1},
		{name: "mlp-bn-256", spec: mlp(true, 256), opt: sgd(), lr: 0.1},
		{name: "mlp-60", spec: mlp(false, 60), opt: sgd(), lr: 0.1},
		{name: "mlp-256", spec: mlp(false, 256), opt: sgd(), lr: 0.1},
		{name: deepPlain, spec: deep(), opt: sgd(), lr: 0.1},
		{name: deepHeads, spec: deep("act2", "act4", "act6"), opt: sgd(), lr: 0.1},
		{name: "cnn-bn-60", spec: cnn, opt: &optim.SGD{Momentum: 0.9, Nesterov: true}, lr: 0.05},
		{name: "eval-mlp-bn", spec: mlp(true, 60), eval: true},
		{name: "eval-cnn-bn", spec: cnn, eval: true},
		{name: "mlp-bn-60-sample", spec: mlp(true, 60), opt: sgd(), lr: 0.1, curriculum: "sample"},
		{name: "mlp-bn-60-weight", spec: mlp(true, 60), opt: sgd(), lr: 0.1, curriculum: "weight"},
		{name: kdStudent, spec: relu(800, 800), opt: &optim.SGD{Momentum: 0.9, Nesterov: true}, lr: 0.05},
		{name: kdDistilled, spec: relu(800, 800), opt: &optim.SGD{Momentum: 0.9, Nesterov: true}, lr: 0.05, teacher: &teacher},
	}
}

// The distillation workloads: the same student without and with a teacher;
// and the deep sigmoid MLP without and with its auxiliary heads.
const (
	kdStudent   = "kd-student"
	kdDistilled = "kd-distilled"
	deepPlain   = "mlp-deep-60"
	deepHeads   = "mlp-dsn-60"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	only := fs.String("workloads", "", "comma-separated workload names (default: all)")
	seconds := fs.Float64("seconds", 3, "measured time per workload, after warm-up")
	compare := fs.Bool("compare", false, "also run the PyTorch script and print medians and ratios")
	passes := fs.Int("passes", 3, "passes of the comparison, alternating the two systems")
	python := fs.String("python", "python3", "Python interpreter with torch, for --compare")
	script := fs.String("script", "cmd/bench/torch_bench.py", "the PyTorch benchmark, for --compare")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured runs to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	selected, err := selectWorkloads(*only)
	if err != nil {
		return err
	}
	if *seconds <= 0 || *passes < 1 {
		return errors.New("--seconds must be positive and --passes at least 1")
	}
	if *compare {
		return compareSystems(selected, *seconds, *passes, *python, *script, out)
	}
	trainSet, testSet, err := data.LoadMNIST("", os.Stderr)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cpu := map[string]float64{}  // CPU seconds per example
	wall := map[string]float64{} // seconds per example
	for _, w := range selected {
		rate, perExample, err := measure(w, trainSet, testSet, *seconds)
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		cpu[w.name], wall[w.name] = perExample, 1/rate
		fmt.Fprintf(out, "%-12s %10.0f examples/s\n", w.name, rate)
	}
	if plain, distilled := cpu[kdStudent], cpu[kdDistilled]; plain > 0 && distilled > 0 {
		w := namedWorkload(kdDistilled)
		fs, ft := forwardFLOPs(w.spec), forwardFLOPs(*w.teacher)
		fmt.Fprintf(out, "teacher cost: a distilled step takes %.2f× the plain step's CPU time (user + system); the teacher's forward pass is %.1f MFLOP per example, %.2f× the student's (%.1f MFLOP), so a step (about 3 forward passes of the student) would take %.2f× if time followed FLOPs\n",
			distilled/plain, ft/1e6, ft/fs, fs/1e6, 1+ft/(3*fs))
	}
	if cpu[deepPlain] > 0 && cpu[deepHeads] > 0 {
		m, err := model.New(namedWorkload(deepHeads).spec)
		if err != nil {
			return err
		}
		network, heads := trainingFLOPs(m)
		fmt.Fprintf(out, "aux-head cost: a step with the heads takes %.3f× the plain step's wall time and %.3f× its CPU time (user + system); the heads' products are %.1f kFLOP per example, %.2f%% of the network's %.1f kFLOP, so a step would take %.3f× if time followed FLOPs\n",
			wall[deepHeads]/wall[deepPlain], cpu[deepHeads]/cpu[deepPlain], heads/1e3, 100*heads/network, network/1e3, 1+heads/network)
	}
	return nil
}

// namedWorkload returns the workload of that name.
func namedWorkload(name string) workload {
	all := workloads()
	return all[slices.IndexFunc(all, func(w workload) bool { return w.name == name })]
}

// trainingFLOPs counts the FLOPs of one example's training step in the
// products of an MLP's dense layers, two per multiply-add: every layer's
// forward product, ∂J/∂W and ∂J/∂x, but no ∂J/∂x for the network's first
// layer, whose input needs no gradient; for the network's own layers and,
// apart, for its auxiliary heads' (whose ∂J/∂x flows back into the
// network). Elementwise work (activations, biases, the cross-entropy, the
// update) is left out: about 1% of either in the benchmark's networks.
func trainingFLOPs(m *model.Model) (network, heads float64) {
	for i, l := range m.Layers() {
		w := m.ParamShape(l.Params[0].Name)
		products := 3.0
		if i == 0 {
			products = 2
		}
		flops := 2 * products * float64(w[0]*w[1])
		if l.Owner == "" {
			network += flops
		} else {
			heads += flops
		}
	}
	return network, heads
}

// forwardFLOPs is 2·Σ in·out over the dense layers of an MLP spec: the
// multiply-adds of one example's forward pass.
func forwardFLOPs(s model.Spec) float64 {
	in, flops := float64(s.Input[0]), 0.0
	for _, w := range append(slices.Clone(s.Hidden), s.Classes) {
		flops += 2 * in * float64(w)
		in = float64(w)
	}
	return flops
}

func selectWorkloads(only string) ([]workload, error) {
	all := workloads()
	if only == "" {
		return all, nil
	}
	var names []string
	for _, w := range all {
		names = append(names, w.name)
	}
	var sel []workload
	for _, name := range strings.Split(only, ",") {
		i := slices.Index(names, name)
		if i < 0 {
			return nil, fmt.Errorf("unknown workload %q; valid: %s", name, strings.Join(names, ", "))
		}
		sel = append(sel, all[i])
	}
	return sel, nil
}

// measure returns the examples per second of w after a warm-up, over at
// least the given seconds: whole training steps (minibatch gather, forward,
// backward, BN commit, update) or whole evaluations of the test set; and
// the process's CPU seconds per example over the same span.
func measure(w workload, trainSet, testSet *data.Dataset, seconds float64) (rate, cpuPerExample float64, err error) {
	if w.teacher != nil {
		tm, err := model.New(*w.teacher)
		if err != nil {
			return 0, 0, err
		}
		kd := distill.KD{Temperature: 20, Weight: 1}
		teacher, err := distill.NewTeacher(tm, "the benchmark's teacher", w.spec, kd)
		if err != nil {
			return 0, 0, err
		}
		w.spec.Terms = []model.LossTerm{teacher.Term(schedule.Constant{Rate: kd.Weight})}
	}
	m, err := model.New(w.spec)
	if err != nil {
		return 0, 0, err
	}
	if w.eval {
		if _, err := m.Evaluate(testSet); err != nil {
			return 0, 0, err
		}
		start, cpu0 := time.Now(), cpuSeconds()
		n := 0
		for time.Since(start).Seconds() < seconds {
			if _, err := m.Evaluate(testSet); err != nil {
				return 0, 0, err
			}
			n += testSet.Len()
		}
		return float64(n) / time.Since(start).Seconds(), (cpuSeconds() - cpu0) / float64(n), nil
	}
	t := &train.Trainer{Model: m, Optimizer: w.opt, LR: schedule.Constant{Rate: w.lr}, Train: trainSet, Seed: 1, Steps: 50}
	if w.curriculum != "" {
		if err := withCurriculum(t, w.curriculum); err != nil {
			return 0, 0, err
		}
	}
	if _, err := t.Run(context.Background()); err != nil {
		return 0, 0, err
	}
	start, cpu0 := time.Now(), cpuSeconds()
	first := t.Step()
	for time.Since(start).Seconds() < seconds {
		t.Steps += 20
		if _, err := t.Run(context.Background()); err != nil {
			return 0, 0, err
		}
	}
	n := float64((t.Step() - first) * w.spec.BatchSize)
	return n / time.Since(start).Seconds(), (cpuSeconds() - cpu0) / n, nil
}

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return math.NaN()
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}

// withCurriculum makes t train with a curriculum of the kind (sample: the
// minibatches drawn from the g(t) easiest examples; weight: shuffled
// minibatches weighted by W_λ) over random scores, at a linear pace from a
// fifth of the training set that ramps for 10⁶ steps, so that it stays at
// about a fifth while measured: a draw among 12,000 of 60,000 examples, or
// a fifth of every minibatch weighted 1.
func withCurriculum(t *train.Trainer, kind string) error {
	n := t.Train.Len()
	order, err := data.Order(data.RandomScores(n, 1), data.Curriculum, 1)
	if err != nil {
		return err
	}
	pace := schedule.WuPacing{Family: schedule.LinearPacing, A: 1, B: 0.2, Steps: 1_000_000, N: n}
	if kind == "weight" {
		t.ExampleWeights, err = schedule.NewCurriculumWeights(order, pace)
		return err
	}
	t.Sampler, err = data.NewCurriculumSampler(data.SampleMode, order, pace, t.Model.Spec().BatchSize, 1)
	return err
}

// hasTorchTwin says whether cmd/bench/torch_bench.py runs the workload:
// every one but the curricula and the distilled student.
func (w workload) hasTorchTwin() bool { return w.curriculum == "" && w.teacher == nil }

// compareSystems runs every workload passes times in each system, each run
// in a fresh process and the systems alternating, and prints the medians.
// The curriculum workloads and the distilled student, which PyTorch has no
// twin of, are left out.
func compareSystems(selected []workload, seconds float64, passes int, python, script string, out io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	mnist, err := data.LocateMNIST(os.Stderr)
	if err != nil {
		return err
	}
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		return fmt.Errorf("%s cannot import torch (%v); install it, e.g. `apt-get install -y python3-torch libopenblas0` and --python /usr/bin/python3", python, err)
	}
	blasCmd := exec.Command(python, script, "--blas")
	blasCmd.Stderr = os.Stderr
	probe, err := blasCmd.Output()
	if err != nil {
		return fmt.Errorf("%s %s --blas: %w", python, script, err)
	}
	torchBLAS, err := describeTorchBLAS(string(probe))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, torchBLAS)
	selected = slices.DeleteFunc(slices.Clone(selected), func(w workload) bool { return !w.hasTorchTwin() })
	secs := strconv.FormatFloat(seconds, 'g', -1, 64)
	rates := map[string][2][]float64{}
	for pass := 1; pass <= passes; pass++ {
		for _, w := range selected {
			for sys, cmd := range []*exec.Cmd{
				exec.Command(self, "--workloads", w.name, "--seconds", secs),
				exec.Command(python, script, "--mnist", mnist, "--workloads", w.name, "--seconds", secs),
			} {
				if sys == 1 {
					cmd.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
				}
				cmd.Stderr = os.Stderr
				b, err := cmd.Output()
				if err != nil {
					return fmt.Errorf("pass %d, %s: %s: %w", pass, w.name, cmd.Args[0], err)
				}
				rate, err := parseRate(string(b), w.name)
				if err != nil {
					return fmt.Errorf("pass %d: %s: %w", pass, cmd.Args[0], err)
				}
				r := rates[w.name]
				r[sys] = append(r[sys], rate)
				rates[w.name] = r
			}
			fmt.Fprintf(os.Stderr, "pass %d/%d %s: deepopt %.0f, PyTorch %.0f examples/s\n", pass, passes, w.name,
				rates[w.name][0][pass-1], rates[w.name][1][pass-1])
		}
	}
	fmt.Fprintf(out, "%-12s %14s %14s %8s   (medians of %d passes, examples/s)\n", "workload", "deepopt", "PyTorch", "ratio", passes)
	for _, w := range selected {
		d, p := median(rates[w.name][0]), median(rates[w.name][1])
		fmt.Fprintf(out, "%-12s %14.0f %14.0f %8.2f\n", w.name, d, p, d/p)
	}
	return nil
}

// describeTorchBLAS reads torch_bench.py --blas's output (its torch version
// and the BLAS libraries mapped after a product) and says which BLAS
// PyTorch's products run on. Debian's python3-torch calls libblas.so.3, which
// the alternatives system points at the reference (netlib) BLAS when no
// optimised one is installed; PyTorch then trains the MLP without BN about
// ten times slower (5.1k against 56k examples/s with OpenBLAS, measured on
// one machine), and a comparison says nothing, so that BLAS is refused. The
// library named libblas.so.* decides, since other libraries in the process
// may map an optimised BLAS that torch does not call.
func describeTorchBLAS(probe string) (string, error) {
	version, libraries, libblas := "", []string{}, ""
	for _, line := range strings.Split(strings.TrimSpace(probe), "\n") {
		if v, ok := strings.CutPrefix(line, "torch "); ok {
			version = v
		} else if lib, ok := strings.CutPrefix(line, "blas "); ok {
			libraries = append(libraries, lib)
			if strings.HasPrefix(filepath.Base(lib), "libblas.so") {
				libblas = lib
			}
		}
	}
	if version == "" {
		return "", fmt.Errorf("no torch version in torch_bench.py --blas's output %q", probe)
	}
	if libblas == "" {
		if len(libraries) == 0 {
			return fmt.Sprintf("PyTorch %s on the BLAS linked into it", version), nil
		}
		return fmt.Sprintf("PyTorch %s on %s", version, strings.Join(libraries, ", ")), nil
	}
	for _, known := range []struct{ key, name string }{{"openblas", "OpenBLAS"}, {"mkl", "MKL"}, {"blis", "BLIS"}, {"atlas", "ATLAS"}} {
		if strings.Contains(strings.ToLower(filepath.Dir(libblas)), known.key) {
			return fmt.Sprintf("PyTorch %s on %s (%s)", version, known.name, libblas), nil
		}
	}
	return "", fmt.Errorf("PyTorch's matrix products run on the reference BLAS (%s), about ten times slower than an optimised one, so the comparison would say nothing; "+
		"install OpenBLAS, which Debian then selects as libblas.so.3: `apt-get install -y libopenblas0` (if it is installed but not selected: `update-alternatives --auto libblas.so.3-x86_64-linux-gnu`)", libblas)
}

// parseRate reads "<name> <rate> examples/s" from a benchmark's output.
func parseRate(output, name string) (float64, error) {
	for _, line := range strings.Split(output, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == name && f[2] == "examples/s" {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	return 0, fmt.Errorf("no %q result in its output %q", name, output)
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

package experiment

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"deepopt/config"
	"deepopt/data"
	"deepopt/internal/configtest"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/rundir"
)

// fixtureConfig is a small BN network on the checked-in MNIST fixture.
func fixtureConfig(t *testing.T, sets ...string) *config.Config {
	t.Helper()
	return configtest.FixtureConfig(t, sets...)
}

// TestEveryKindBuildsAndTrains builds each optimizer kind from its config
// keys, checks the settings reached the method, and trains a few steps.
func TestEveryKindBuildsAndTrains(t *testing.T) {
	tests := []struct {
		sets  []string
		check func(optim.Optimizer) bool
	}{
		{[]string{"optimizer.kind=cg", "optimizer.cg_variant=hs", "optimizer.restart_every=7"}, func(o optim.Optimizer) bool {
			cg := o.(*optim.CG)
			return cg.Variant == optim.HestenesStiefel && cg.RestartEvery == 7 && cg.LineSearch == nil
		}},
		{[]string{"optimizer.kind=cg", "optimizer.line_search=wolfe"}, func(o optim.Optimizer) bool {
			w, ok := o.(*optim.CG).LineSearch.(*optim.StrongWolfe)
			return ok && w.CurvatureFactor == optim.CGCurvatureFactor
		}},
		{[]string{"optimizer.kind=lbfgs", "optimizer.memory=3", "optimizer.line_search=backtracking"}, func(o optim.Optimizer) bool {
			l := o.(*optim.LBFGS)
			_, back := l.LineSearch.(*optim.Backtracking)
			return l.Memory == 3 && back
		}},
		{[]string{"optimizer.kind=newton-cg", "optimizer.max_inner=4"}, func(o optim.Optimizer) bool { return o.(*optim.NewtonCG).MaxInner == 4 }},
		{[]string{"optimizer.kind=bcd", "optimizer.block_order=random"}, func(o optim.Optimizer) bool {
			b := o.(*optim.CoordinateDescent)
			return b.RandomOrder && b.Seed == 1 && len(b.Blocks) == 3
		}},
		// Frozen fc1 and bn1: coordinate descent sweeps the two other
		// layers, in the subspace of the trainable coordinates.
		{[]string{"optimizer.kind=bcd", "train.freeze=[fc1.*, bn1.*]"}, func(o optim.Optimizer) bool {
			b := o.(*optim.CoordinateDescent).Blocks
			return len(b) == 2 && b[0] == optim.Block{Name: "fc2+bn2", Start: 0, End: 8*6 + 3*6} && b[1].Start == b[0].End
		}},
		{[]string{"optimizer.kind=adam", "optimizer.average=ema", "optimizer.ema_decay=0.5"}, func(o optim.Optimizer) bool {
			e := o.(*optim.ExponentialAverage)
			_, adam := e.Inner.(*optim.Adam)
			return adam && e.Decay == 0.5 && e.Debias
		}},
		{[]string{"optimizer.kind=cg", "optimizer.average=polyak", "optimizer.average_start=2", "train.hold_batch=2"}, func(o optim.Optimizer) bool {
			p := o.(*optim.PolyakAverage)
			_, cg := p.Inner.(*optim.CG)
			return cg && p.Start == 2
		}},
	}
	for _, tt := range tests {
		name := strings.Join(tt.sets, " ")
		cfg := fixtureConfig(t, tt.sets...)
		run, err := New(cfg, "", nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !tt.check(run.Trainer.Optimizer) {
			t.Errorf("%s: built %#v", name, run.Trainer.Optimizer)
		}
		res, err := run.Start(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Steps != 4 || !(res.Test.Accuracy >= 0) || res.GradEvals < 4 {
			t.Errorf("%s: result %+v", name, res)
		}
	}
}

// TestTrainSectionReachesTheTrainer checks that the keys for line-search
// methods on held minibatches and for evaluation set the Trainer's fields.
func TestTrainSectionReachesTheTrainer(t *testing.T) {
	for _, evalBN := range []string{"running", "reestimate"} {
		reset := evalBN == "reestimate"
		cfg := fixtureConfig(t, "optimizer.kind=cg", "train.hold_batch=3", "train.bn_reestimate=7", "train.eval_bn="+evalBN,
			"train.max_grad_evals=40", "train.eval_every_grad_evals=20", fmt.Sprintf("optimizer.reset_on_new_batch=%v", reset))
		run, err := New(cfg, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		tr := run.Trainer
		if tr.HoldBatch != 3 || tr.BNReestimate != 7 || tr.ReestimateBN != (evalBN == "reestimate") || tr.MaxGradEvals != 40 || tr.EvalEveryGradEvals != 20 || tr.ResetOnNewBatch != reset {
			t.Errorf("eval_bn %s: Trainer has hold %d, bn_reestimate %d, ReestimateBN %v, max_grad_evals %d, eval_every_grad_evals %d, ResetOnNewBatch %v",
				evalBN, tr.HoldBatch, tr.BNReestimate, tr.ReestimateBN, tr.MaxGradEvals, tr.EvalEveryGradEvals, tr.ResetOnNewBatch)
		}
	}
}

// TestFreezeRefusals checks that train.freeze globs that match nothing or
// freeze every parameter stop the run before it is built.
func TestFreezeRefusals(t *testing.T) {
	for set, want := range map[string]string{
		"train.freeze=[fc1.*, conv1.*]":  `train.freeze: "conv1.*" matches no parameter; the model's parameters are fc1.W`,
		"train.freeze=[fc*, bn*, out.*]": "freezes every parameter",
	} {
		if _, err := New(fixtureConfig(t, set), "", nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: New = %v, want an error containing %q", set, err, want)
		}
	}
}

// TestDenseMethodsRefuseLargeNetworks checks that newton and bfgs, which
// store n² numbers, are refused when the run is built (not at its first
// step), with the method to use instead and the key that raises the limit,
// and that the key does raise it. MNIST networks have at least 7850
// parameters (softmax regression), above both default limits.
func TestDenseMethodsRefuseLargeNetworks(t *testing.T) {
	for kind, want := range map[string]string{"newton": "use newton-cg", "bfgs": "use lbfgs"} {
		_, err := New(fixtureConfig(t, "optimizer.kind="+kind, "model.hidden=[]"), "", nil)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "7850×7850") || !strings.Contains(err.Error(), "raise optimizer.max_dense_params") {
			t.Errorf("%s on softmax regression: err = %v, want a refusal naming the 7850×7850 matrix, saying %q and naming optimizer.max_dense_params", kind, err, want)
		}
		_, err = New(fixtureConfig(t, "optimizer.kind="+kind, "model.hidden=[]", "optimizer.max_dense_params=7849"), "", nil)
		if err == nil || !strings.Contains(err.Error(), "at most 7849 parameters") {
			t.Errorf("%s with max_dense_params 7849: err = %v, want a refusal at 7849", kind, err)
		}
		run, err := New(fixtureConfig(t, "optimizer.kind="+kind, "model.hidden=[]", "optimizer.max_dense_params=7850"), "", nil)
		if err != nil {
			t.Fatalf("%s with max_dense_params 7850: %v", kind, err)
		}
		var maxDim int
		switch o := run.Trainer.Optimizer.(type) {
		case *optim.Newton:
			maxDim = o.MaxDim
		case *optim.BFGS:
			maxDim = o.MaxDim
		}
		if maxDim != 7850 {
			t.Errorf("%s with max_dense_params 7850: built %#v, want MaxDim 7850", kind, run.Trainer.Optimizer)
		}
	}
}

func TestLayerBlocks(t *testing.T) {
	param := func(name string, start, end int, role model.Role) model.Param {
		return model.Param{Block: optim.Block{Name: name, Start: start, End: end}, Role: role}
	}
	layers := []model.Layer{
		{Name: "fc1", BN: "bn1", Params: []model.Param{param("fc1.W", 0, 6, model.Weight), param("fc1.b", 6, 8, model.Bias),
			param("bn1.gamma", 8, 10, model.Scale), param("bn1.beta", 10, 12, model.Shift)}},
		{Name: "fc2", Params: []model.Param{param("fc2.W", 12, 18, model.Weight), param("fc2.b", 18, 21, model.Bias)}},
		{Name: "out", Params: []model.Param{param("out.W", 21, 27, model.Weight), param("out.b", 27, 30, model.Bias)}},
	}
	want := []optim.Block{{Name: "fc1+bn1", Start: 0, End: 12}, {Name: "fc2", Start: 12, End: 21}, {Name: "out", Start: 21, End: 30}}
	if got := layerBlocks(layers); !reflect.DeepEqual(got, want) {
		t.Errorf("layerBlocks = %v, want %v", got, want)
	}
}

// TestEveryShippedConfigTrains loads every file of configs/ and trains it
// for two steps on the checked-in fixture (its own data, minibatch, length
// and recording overridden, the shapes config on MNIST; no run directory,
// so no checkpoint: BFGS's on softmax regression holds a 492 MB matrix; a
// distilled student's teacher is a network trained on the fixture), so that
// a shipped configuration cannot rot.
func TestEveryShippedConfigTrains(t *testing.T) {
	paths, err := filepath.Glob("../configs/*.yaml")
	if err != nil || len(paths) < 10 {
		t.Fatalf("configs/*.yaml: %d files, err %v", len(paths), err)
	}
	teacher := ""
	for _, path := range paths {
		sets := []string{"data.dataset=mnist", "data.dir=../testdata/mnist", "train.batch_size=50", "train.eval_batch=250",
			"train.steps=2", "train.eval_every=2", "record.nodes=[]", "continuation.steps=1"}
		if cfg, err := config.Load(path, nil); err == nil && cfg.Distill.Teacher != "" {
			if teacher == "" {
				teacher = finishedRun(t)
			}
			sets = append(sets, "distill.teacher="+teacher)
		}
		cfg, err := config.Load(path, sets)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if cfg.Staged() {
			continue // a run of stages: package stage trains it
		}
		run, err := New(cfg, "", nil)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if res, err := run.Start(context.Background()); err != nil || res.Steps != 2 {
			t.Errorf("%s: %d steps, err %v", path, res.Steps, err)
		}
	}
}

// TestRefusedResumeLeavesTheRunAlone extends a finished run whose
// metrics.csv has another header: the resume must fail before its first
// step and leave config.yaml, metrics.csv and the checkpoint byte for byte
// as they were; the same extension works once the file is moved away.
func TestRefusedResumeLeavesTheRunAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run, err := New(fixtureConfig(t), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	metrics := filepath.Join(dir, "metrics.csv")
	if err := os.WriteFile(metrics, []byte("step,loss\n4,0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{rundir.ConfigFile, "metrics.csv", rundir.CheckpointFile}
	before := map[string][]byte{}
	for _, f := range files {
		before[f], _ = os.ReadFile(filepath.Join(dir, f))
	}
	resumed, err := Resume(dir, []string{"train.steps=6"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "move the file away") {
		t.Fatalf("resume with a foreign metrics header: err = %v", err)
	}
	for _, f := range files {
		if after, _ := os.ReadFile(filepath.Join(dir, f)); !bytes.Equal(after, before[f]) {
			t.Errorf("the refused resume changed %s", f)
		}
	}
	if err := os.Rename(metrics, metrics+".old"); err != nil {
		t.Fatal(err)
	}
	resumed, err = Resume(dir, []string{"train.steps=6"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := resumed.Start(context.Background()); err != nil || res.Steps != 6 {
		t.Fatalf("resume after moving metrics.csv away: %d steps, err %v", res.Steps, err)
	}
	if text, _ := os.ReadFile(filepath.Join(dir, rundir.ConfigFile)); !strings.Contains(string(text), "steps: 6") {
		t.Error("the resumed run's config.yaml does not hold train.steps = 6")
	}
}

// TestRegularisersReachTheRun checks that data.jitter and the dropout keys
// reach the Trainer and the model, and that such a run trains.
func TestRegularisersReachTheRun(t *testing.T) {
	run, err := New(fixtureConfig(t, "model.dropout=0.5", "model.input_dropout=0.2", "data.jitter=2"), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := run.Trainer.Model.Spec()
	if spec.Dropout != 0.5 || spec.InputDropout != 0.2 || run.Trainer.Jitter != 2 {
		t.Errorf("model dropout %v, input dropout %v, trainer jitter %d; want 0.5, 0.2, 2", spec.Dropout, spec.InputDropout, run.Trainer.Jitter)
	}
	if _, err := run.Trainer.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestClassesAndPerClass checks that data.classes keeps the listed digits,
// relabelled in the list's order, in the training and the test set, that
// data.per_class limits the training examples of each class, that the model
// gets one output per kept class, and that an unknown class is refused.
func TestClassesAndPerClass(t *testing.T) {
	run, err := New(fixtureConfig(t, "data.classes=[5, 6, 7, 8, 9]", "data.per_class=20"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Trainer
	rawTrain, rawTest, err := data.LoadMNIST("../testdata/mnist", nil)
	if err != nil {
		t.Fatal(err)
	}
	count := func(ys []int, lo, hi int) []int {
		n := make([]int, hi-lo)
		for _, y := range ys {
			if y >= lo && y < hi {
				n[y-lo]++
			}
		}
		return n
	}
	wantTrain := count(rawTrain.Y, 5, 10)
	for i := range wantTrain {
		wantTrain[i] = min(wantTrain[i], 20)
	}
	if got := count(tr.Train.Y, 0, 5); tr.Train.Classes != 5 || tr.Train.Len() != 100 || !reflect.DeepEqual(got, wantTrain) {
		t.Errorf("training set: %d examples over %d classes, counts %v; want counts %v over 5", tr.Train.Len(), tr.Train.Classes, got, wantTrain)
	}
	if got, want := count(tr.Test.Y, 0, 5), count(rawTest.Y, 5, 10); tr.Test.Len() != sum(want) || !reflect.DeepEqual(got, want) {
		t.Errorf("test set: %d examples, counts %v; want only the digits 5–9, %v", tr.Test.Len(), got, want)
	}
	if c := tr.Model.Spec().Classes; c != 5 {
		t.Errorf("model has %d outputs, want 5", c)
	}
	if _, err := New(fixtureConfig(t, "data.classes=[5, 10]"), "", nil); err == nil || !strings.Contains(err.Error(), "data.classes: class 10 is unknown; the data set's classes are 0 to 9") {
		t.Errorf("data.classes=[5, 10]: New = %v, want the unknown class named", err)
	}
}

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}

// TestAuxHeadIndexAgrees checks that the config's checks and the model's
// give the second head the index 1 (model.aux_heads.1, aux head 1), beside
// its name aux2.
func TestAuxHeadIndexAgrees(t *testing.T) {
	if _, err := New(fixtureConfig(t, "model.aux_heads=[{at: act1}, {at: act9}]"), "", nil); err == nil || !strings.Contains(err.Error(), `aux head 1 (aux2) at unknown node "act9"`) {
		t.Errorf("unknown node of the second head: %v", err)
	}
	path := filepath.Join(t.TempDir(), "heads.yaml")
	if err := os.WriteFile(path, []byte("model: {aux_heads: [{at: act1}, {at: act2, weight: -1}]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path, nil); err == nil || !strings.Contains(err.Error(), "model.aux_heads.1.weight") {
		t.Errorf("negative weight of the second head: %v", err)
	}
}

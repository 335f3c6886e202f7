package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// TestTermColumns trains a network with two auxiliary heads (the first
// switched off after step 3) and L2 and checks metrics.csv: each row's
// train_loss, the loss at its one step's starting point, is Σ weight·loss of
// the row's term columns with the weights of that step's schedule, and the
// last row's head accuracies are those EvaluateHeads gives for the final
// weights. A model without heads writes no term columns (the other tests'
// metrics.csv).
func TestTermColumns(t *testing.T) {
	trainSet, testSet := fixture(t)
	const l2 = 1e-3
	m, err := model.New(model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: []int{32, 16},
		Activation: "tanh", L2: l2, Init: "glorot", Dtype: tensor.Float64, BatchSize: 50, EvalBatch: 250, Seed: 7,
		AuxHeads: []model.AuxHead{
			{At: "act1", Hidden: []int{8}, Weight: schedule.Until{Steps: 3, Value: schedule.Constant{Rate: 0.3}}},
			{At: "fc2", Weight: schedule.Constant{Rate: 0.5}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr := &Trainer{Model: m, Optimizer: &optim.SGD{}, LR: schedule.Constant{Rate: 0.1},
		Train: trainSet, Test: testSet, Seed: 3, Steps: 6, EvalEvery: 1, Dir: dir}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	col := map[string]int{}
	for i, name := range strings.Split(lines[0], ",") {
		col[name] = i
	}
	for _, name := range []string{"loss_main", "loss_aux1", "loss_aux2", "loss_l2", "test_acc_aux1", "test_acc_aux2"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("metrics.csv has no column %s: %s", name, lines[0])
		}
	}
	value := func(row []string, name string) float64 {
		v, err := strconv.ParseFloat(row[col[name]], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var last []string
	for _, line := range lines[1:] {
		row := strings.Split(line, ",")
		step := int(value(row, "step")) - 1
		w1 := 0.3
		if step >= 3 {
			w1 = 0
		}
		sum := value(row, "loss_main") + w1*value(row, "loss_aux1") + 0.5*value(row, "loss_aux2") + l2*value(row, "loss_l2")
		if loss := value(row, "train_loss"); math.Abs(loss-sum) > 1e-9*math.Abs(loss) {
			t.Errorf("step %d: train_loss %v, Σ weight·term %v", step+1, loss, sum)
		}
		last = row
	}
	heads, err := m.EvaluateHeads(tr.Theta(), testSet)
	if err != nil {
		t.Fatal(err)
	}
	for k, h := range heads {
		name := "test_acc_aux" + strconv.Itoa(k+1)
		if got := value(last, name); math.Abs(got-h.Accuracy) > 1e-9 {
			t.Errorf("%s %v, EvaluateHeads %v", name, got, h.Accuracy)
		}
	}
}

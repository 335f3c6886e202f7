// Package pretrain makes greedy supervised layer-wise pretraining (Bengio
// et al. 2007, the supervised variant of their §3; Belilovsky et al. 2019)
// a run of stages (package stage) from a config's pretrain section.
//
// For an MLP with hidden widths h₁ … h_L, stage k (named layer<k>) trains
// the network with hidden layers h₁ … h_k and a fresh softmax head on top of
// layer k, for pretrain.steps_per_layer steps. Layers 1 … k−1 come from
// stage k−1 (their weights and biases, and the running statistics of their
// BN layers) and are frozen when pretrain.freeze_lower is set; layer k and
// the head start from the run's initialisation. The head is discarded at
// the end of the stage (the next stage does not load it). Stage L's network
// is the whole network and its head the real output layer, so a last stage
// (finetune, pretrain.finetune_steps steps) trains every layer from where
// stage L ended, head included.
//
// Only MLPs are grown (config validation refuses the rest, naming what is
// supported): a CNN's stages would have to grow conv layers, whose head
// reads a feature map, and the dense layers after them in turn.
package pretrain

import (
	"fmt"
	"strings"

	"deepopt/config"
)

// Stages returns the stages of cfg's pretrain section, one per hidden
// layer and, with finetune_steps > 0, the fine-tuning stage, each as an
// overlay of the run's config.
func Stages(cfg *config.Config) ([]config.Stage, error) {
	p, hidden := cfg.Pretrain, cfg.Model.Hidden
	if p.StepsPerLayer <= 0 || cfg.Model.Kind != "mlp" || len(hidden) == 0 {
		return nil, fmt.Errorf("pretrain: greedy layer-wise pretraining needs pretrain.steps_per_layer > 0 and an MLP with at least one hidden layer (model.kind mlp, model.hidden non-empty)")
	}
	var stages []config.Stage
	for k := 1; k <= len(hidden); k++ {
		set := []string{fmt.Sprintf("model.hidden=%s", list(hidden[:k])), fmt.Sprintf("train.steps=%d", p.StepsPerLayer)}
		if lower := lowerLayers(k, cfg.Model.BatchNorm); lower != "" {
			set = append(set, "init.include="+lower)
			if p.FreezeLower {
				set = append(set, "train.freeze="+lower)
			}
		}
		stages = append(stages, config.Stage{Name: fmt.Sprintf("layer%d", k), Set: set})
	}
	if p.FinetuneSteps > 0 {
		stages = append(stages, config.Stage{Name: "finetune", Set: []string{fmt.Sprintf("train.steps=%d", p.FinetuneSteps)}})
	}
	return stages, nil
}

// lowerLayers is the YAML list of globs naming the parameters of hidden
// layers 1 … k−1 (their affine maps fc<j> and BN layers bn<j>), "" for none.
func lowerLayers(k int, batchNorm bool) string {
	var globs []string
	for j := 1; j < k; j++ {
		globs = append(globs, fmt.Sprintf("fc%d.*", j))
		if batchNorm {
			globs = append(globs, fmt.Sprintf("bn%d.*", j))
		}
	}
	if globs == nil {
		return ""
	}
	return "[" + strings.Join(globs, ", ") + "]"
}

// list writes widths as a YAML list.
func list(widths []int) string {
	s := make([]string, len(widths))
	for i, w := range widths {
		s[i] = fmt.Sprint(w)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

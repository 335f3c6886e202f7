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
// A CNN grows its conv layers first, one per stage (conv<k>: conv layers
// 1 … k, each with its BN, activation and pooling, and the softmax head on
// their flattened feature map, Belilovsky et al.'s layer-wise CNN training
// with the simplest auxiliary classifier), then its hidden dense layers as
// an MLP does, on top of every conv layer.
package pretrain

import (
	"fmt"
	"strings"

	"deepopt/config"
	"deepopt/model"
)

// Stages returns the stages of cfg's pretrain section, one per layer grown
// (a cnn's conv layers conv<k>, then the hidden dense layers layer<k>) and,
// with finetune_steps > 0, the fine-tuning stage, each as an overlay of the
// run's config.
func Stages(cfg *config.Config) ([]config.Stage, error) {
	p, m := cfg.Pretrain, cfg.Model
	if p.StepsPerLayer <= 0 || len(m.Conv)+len(m.Hidden) == 0 {
		return nil, fmt.Errorf("pretrain: greedy layer-wise pretraining needs pretrain.steps_per_layer > 0 and a layer to grow (model.hidden, or a cnn's model.conv)")
	}
	// grown lists the layers in the order the stages grow them: each one's
	// stage name, the overlay of the network up to it and the globs of its
	// parameters.
	type layer struct {
		name           string
		network, globs []string
	}
	var grown []layer
	for k := 1; k <= len(m.Conv); k++ {
		network := []string{"model.conv=" + convList(m.Conv[:k]), "model.hidden=[]"}
		affine, bn := model.ConvLayerNames(k)
		grown = append(grown, layer{fmt.Sprintf("conv%d", k), network, params(affine, bn, m.BatchNorm)})
	}
	for k := 1; k <= len(m.Hidden); k++ {
		network := []string{"model.hidden=" + widths(m.Hidden[:k])}
		affine, bn := model.DenseLayerNames(k)
		grown = append(grown, layer{fmt.Sprintf("layer%d", k), network, params(affine, bn, m.BatchNorm)})
	}
	var stages []config.Stage
	var lower []string
	for _, l := range grown {
		set := append(l.network, fmt.Sprintf("train.steps=%d", p.StepsPerLayer))
		if lower != nil {
			globs := "[" + strings.Join(lower, ", ") + "]"
			set = append(set, "init.include="+globs)
			if p.FreezeLower {
				set = append(set, "train.freeze="+globs)
			}
		}
		stages = append(stages, config.Stage{Name: l.name, Set: set})
		lower = append(lower, l.globs...)
	}
	if p.FinetuneSteps > 0 {
		stages = append(stages, config.Stage{Name: "finetune", Set: []string{fmt.Sprintf("train.steps=%d", p.FinetuneSteps)}})
	}
	return stages, nil
}

// params returns the globs of a layer's parameters: its affine map's and,
// with batch normalization, its BN layer's.
func params(affine, bn string, batchNorm bool) []string {
	if batchNorm {
		return []string{affine + ".*", bn + ".*"}
	}
	return []string{affine + ".*"}
}

// widths writes layer widths as a YAML list.
func widths(w []int) string {
	s := make([]string, len(w))
	for i, v := range w {
		s[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// convList writes conv layers as a YAML list.
func convList(layers []config.ConvLayer) string {
	s := make([]string, len(layers))
	for i, l := range layers {
		s[i] = fmt.Sprintf("{channels: %d, kernel: %d, stride: %d, padding: %d, pool: %d}", l.Channels, l.Kernel, l.Stride, l.Padding, l.Pool)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

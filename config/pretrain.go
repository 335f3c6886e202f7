package config

// Pretrain turns a run into greedy supervised layer-wise pretraining (Bengio
// et al. 2007, supervised variant; Belilovsky et al. 2019) of a network's
// layers (an MLP's hidden layers; a CNN's conv layers, then its hidden
// layers), a run of stages (package pretrain): stage k trains layer k with a
// fresh softmax head on top of it, layers below k frozen or not; the head is
// discarded and layer k+1 added; a last stage fine-tunes the whole network.
// Off while steps_per_layer is 0.
type Pretrain struct {
	// StepsPerLayer is the number of steps of each layer's stage; 0 turns
	// pretraining off.
	StepsPerLayer int `yaml:"steps_per_layer"`
	// FreezeLower keeps the layers below the one a stage adds fixed.
	FreezeLower bool `yaml:"freeze_lower"`
	// FinetuneSteps is the number of steps of the last stage, which trains
	// every layer; 0 leaves it out.
	FinetuneSteps int `yaml:"finetune_steps"`
}

// DefaultPretrain is the pretrain section's default: off; when switched on,
// the lower layers frozen.
func DefaultPretrain() Pretrain { return Pretrain{FreezeLower: true} }

// validate checks the pretrain section against the model it grows.
func (c *Config) validatePretrain(p *problems) {
	t := c.Pretrain
	p.atLeast("pretrain.steps_per_layer", t.StepsPerLayer, 0, "the steps of each layer's stage, 0 for no pretraining")
	p.atLeast("pretrain.finetune_steps", t.FinetuneSteps, 0, "the steps of the fine-tuning stage, 0 for none")
	if t.StepsPerLayer <= 0 {
		if t.FinetuneSteps != 0 {
			p.add("pretrain.finetune_steps", "%d applies only with pretrain.steps_per_layer > 0; set it or remove the pretrain section", t.FinetuneSteps)
		}
		if !t.FreezeLower {
			p.add("pretrain.freeze_lower", "false applies only with pretrain.steps_per_layer > 0; set it or remove the pretrain section")
		}
		return
	}
	if c.Model.Kind == "mlp" && len(c.Model.Hidden) == 0 {
		p.add("pretrain", "model.hidden is empty: softmax regression has no hidden layer to pretrain (supported: an mlp with at least one hidden layer, grown one layer per stage, or a cnn, grown one conv layer and then one hidden layer per stage); add hidden layers or remove the pretrain section")
	}
	if len(c.Model.AuxHeads) > 0 {
		p.add("pretrain", "does not combine with model.aux_heads (each stage's model has its own top, where the nodes the heads read may not exist yet); remove one of them")
	}
	if len(c.Train.Freeze) > 0 {
		p.add("pretrain", "does not combine with train.freeze: pretrain.freeze_lower decides what each stage freezes; remove train.freeze")
	}
	if len(c.Stages) > 0 {
		p.add("pretrain", "does not combine with a stages list: pretraining makes the run's stages; remove one of them")
	}
}

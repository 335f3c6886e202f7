package config

import (
	"fmt"
	"slices"

	"deepopt/distill"
	"deepopt/internal/bounds"
)

// Distill trains the run as the student of knowledge distillation (Hinton,
// Vinyals & Dean 2015): the finished run in teacher is rebuilt from its
// config.yaml and checkpoint and evaluated forward-only, with its running
// BN statistics and without dropout, on every student minibatch (the same
// examples, jittered as the student sees them); its probabilities at
// temperature τ are the soft targets of a term weighted by λ,
//
//	J = H(y, P_S) + λ·s·H(P_T^τ, P_S^τ),  s = τ² with scale_t2, else 1,
//
// reported as the kd column of metrics.csv. The teacher is never trained;
// its architecture is its own (an MLP teacher for a CNN student works), but
// it must have the student's classes and example size. Off while teacher is
// empty.
type Distill struct {
	// Teacher is the folder of a finished run whose model gives the soft
	// targets; "" turns distillation off.
	Teacher string `yaml:"teacher"`
	// Temperature is τ > 0 of both softmaxes of the soft term (Hinton et
	// al. use 20 on MNIST; 1 is the plain softmax).
	Temperature float64 `yaml:"temperature"`
	// Weight is λ ≥ 0, the soft term's weight beside the hard labels'
	// cross-entropy (weight 1).
	Weight float64 `yaml:"weight"`
	// ScaleT2 multiplies the soft term by τ², so that its gradients keep
	// their size as τ changes (Hinton et al., §2) and λ need not be
	// retuned with τ; false gives the lecture's unscaled form, whose λ
	// belongs to one τ (FitNets: τ = 3, λ = 4).
	ScaleT2 bool `yaml:"scale_t2"`
	// Until switches the soft term off from this step on; 0 keeps it to
	// the end.
	Until int `yaml:"until"`
	// Decay lowers λ linearly to 0 by step until instead of holding it
	// (Romero et al. 2015 anneal it); it needs until > 0.
	Decay bool `yaml:"decay"`
	// OmitClasses removes the training examples of these classes from the
	// transfer set, the student's training set (Hinton et al. §3 omit
	// every 3); the student keeps their outputs and learns them from the
	// teacher's soft targets alone. Validation and test sets keep them.
	OmitClasses []int `yaml:"omit_classes"`
	// Hint adds FitNets' hint term (Romero et al. 2015, Eq. 3): the
	// student's guided node, through a regressor trained with it, learns
	// to predict the teacher's hint node. Off while its nodes are empty.
	Hint Hint `yaml:"hint"`
}

// Hint is FitNets' hint term, ½‖u_h − r(v_g)‖² (distill.Hint), of the
// teacher's hint node u_h and the student's guided node v_g.
type Hint struct {
	// Teacher names the teacher's hint node (act2.in, conv1, ...; train
	// record lists a model's nodes).
	Teacher string `yaml:"teacher"`
	// Student names the student's guided node.
	Student string `yaml:"student"`
	// Regressor is the form of r: linear (any two nodes) or conv (feature
	// maps, the paper's choice to keep r small).
	Regressor string `yaml:"regressor" choices:"linear|conv"`
	// Weight is the term's weight ≥ 0 in the objective.
	Weight float64 `yaml:"weight"`
}

// On reports whether the hint term is switched on.
func (h Hint) On() bool { return h.Teacher != "" || h.Student != "" }

// DefaultDistill is the distill section's default: off; when a teacher is
// set, Hinton et al.'s MNIST setting τ = 20 with λ = 1 and τ² scaling.
func DefaultDistill() Distill {
	return Distill{Temperature: 20, Weight: 1, ScaleT2: true, OmitClasses: []int{}, Hint: Hint{Regressor: "linear", Weight: 1}}
}

// validate checks the distill section.
func (d *Distill) validate(p *problems) {
	kd := distill.KD{Temperature: d.Temperature, Weight: d.Weight}
	p.library("distill", kd.Validate(), map[string]string{"KD.Temperature": "temperature", "KD.Weight": "weight"})
	p.termSchedule("distill", d.Until, d.Decay)
	for i, c := range d.OmitClasses {
		key := fmt.Sprintf("distill.omit_classes.%d", i)
		p.atLeast(key, c, 0, "a class label")
		if slices.Index(d.OmitClasses, c) < i {
			p.add(key, "class %d is listed twice; list each omitted class once", c)
		}
	}
	h := d.Hint
	p.interval("distill.hint.weight", h.Weight, bounds.NonNegative)
	if h.On() && (h.Teacher == "" || h.Student == "") {
		p.add("distill.hint", "a hint needs both nodes: teacher (the teacher's hint node) and student (the student's guided node), e.g. {teacher: act1.in, student: act3.in}; got teacher %q and student %q", h.Teacher, h.Student)
	}
	if d.Teacher != "" {
		return
	}
	def := DefaultDistill()
	if d.Temperature != def.Temperature || d.Weight != def.Weight || d.ScaleT2 != def.ScaleT2 || d.Until != 0 || d.Decay || len(d.OmitClasses) > 0 || h != def.Hint {
		p.add("distill.teacher", "the distill section is set but has no teacher; name the folder of a finished run, e.g. teacher: runs/mnist-teacher, or remove the section")
	}
}

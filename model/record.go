package model

import (
	"fmt"
	"slices"
	"strings"

	"deepopt/data"
	"deepopt/internal/tape"

	G "gorgonia.org/gorgonia"
)

// InputSuffix marks the input of an activation layer among the named nodes:
// "act3" + InputSuffix is what the third hidden nonlinearity receives (the
// affine output without BN, the BN output with it), the quantity whose
// distribution Ioffe & Szegedy (2015, Figure 1 b, c) follow over training.
const InputSuffix = ".in"

// nodeReader is a forward-only machine computing a set of named nodes of the
// evaluation path.
type nodeReader struct {
	vm    G.VM
	nodes G.Nodes
	// buf holds one batch of each node's values.
	buf [][]float64
}

// NodeNames lists the named nodes of the evaluation path in the order the
// network computes them: every layer's output under the layer's name (fc1,
// bn1, act1, …, out; for a cnn conv1, bnc1, actc1, pool1, flatten, …) and
// every activation's input under "<activation>.in".
func (m *Model) NodeNames() []string { return slices.Clone(m.nodeNames) }

// NodeSize is the number of values one example has at the named node (its
// units: C·H·W for a convolutional feature map, flattened in that order).
func (m *Model) NodeSize(name string) (int, error) {
	shape, err := m.NodeShape(name)
	if err != nil {
		return 0, err
	}
	return product(shape), nil
}

// NodeShape is the shape of one example's values at the named node: [units]
// for a dense layer, [C, H, W] for a convolutional feature map.
func (m *Model) NodeShape(name string) ([]int, error) {
	n, err := m.node(name)
	if err != nil {
		return nil, err
	}
	return slices.Clone(n.Shape()[1:]), nil
}

func (m *Model) node(name string) (*G.Node, error) {
	i := slices.Index(m.nodeNames, name)
	if i < 0 {
		return nil, fmt.Errorf("model: no node named %q; valid: %s", name, strings.Join(m.nodeNames, ", "))
	}
	return m.evalNodes[i], nil
}

// Nodes runs the evaluation path (BN in inference mode) at the model's
// parameters (SetParams) on the examples idx of ds and returns, for each
// name, the node's values: len(idx) rows of NodeSize(name) values,
// row-major. It compiles one forward-only machine per distinct list of
// names and caches it; it never computes gradients and never changes BN
// running statistics.
func (m *Model) Nodes(ds *data.Dataset, idx []int, names []string) ([][]float64, error) {
	m.atParams()
	return m.nodes(ds, idx, names)
}

// NodesAt is Nodes at the weights θ, which leaves the model's parameters
// as they are, so that a recorder may run at any point of training.
func (m *Model) NodesAt(theta []float64, ds *data.Dataset, idx []int, names []string) ([][]float64, error) {
	m.writeParams(theta)
	return m.nodes(ds, idx, names)
}

// nodes is Nodes at the weights the parameter tensors hold.
func (m *Model) nodes(ds *data.Dataset, idx []int, names []string) ([][]float64, error) {
	if ds.Dim() != product(m.spec.Input) {
		return nil, fmt.Errorf("model: data set examples have %d values, the model expects %v", ds.Dim(), m.spec.Input)
	}
	r, err := m.reader(names)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(names))
	sizes := make([]int, len(names))
	for i, n := range r.nodes {
		sizes[i] = product(n.Shape()[1:])
		out[i] = make([]float64, len(idx)*sizes[i])
	}
	batches, err := data.EvaluationBatches(len(idx), m.spec.EvalBatch)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	x := make([]float64, m.spec.EvalBatch*ds.Dim())
	rows := make([]int, m.spec.EvalBatch)
	offset := 0
	for _, b := range batches {
		for i, j := range b.Indices {
			rows[i] = idx[j]
		}
		if err := ds.Gather(rows, x, nil); err != nil {
			return nil, err
		}
		if err := m.read(r, x, names); err != nil {
			return nil, err
		}
		for i := range r.nodes {
			copy(out[i][offset*sizes[i]:], r.buf[i][:b.Count*sizes[i]])
		}
		offset += b.Count
	}
	return out, nil
}

// NodeValues runs the evaluation path (BN in inference mode, no dropout) on
// EvalBatch examples x, row-major, and writes the named node's values,
// EvalBatch rows of NodeSize(name), into dst: a teacher's hint for a
// student's minibatch. Like Nodes it runs at the model's parameters, is
// forward-only and changes nothing in the model.
func (m *Model) NodeValues(x []float64, name string, dst []float64) error {
	m.atParams()
	r, err := m.reader([]string{name})
	if err != nil {
		return err
	}
	if len(x) != m.spec.EvalBatch*product(m.spec.Input) || len(dst) != len(r.buf[0]) {
		return fmt.Errorf("model: %d input values and %d node values; %s takes %d examples of %v and gives %d values",
			len(x), len(dst), name, m.spec.EvalBatch, m.spec.Input, len(r.buf[0]))
	}
	if err := m.read(r, x, []string{name}); err != nil {
		return err
	}
	copy(dst, r.buf[0])
	return nil
}

// read runs r's machine on the evaluation batch x and copies its nodes'
// values into r.buf.
func (m *Model) read(r *nodeReader, x []float64, names []string) error {
	copyIn(m.xEvalT, x)
	defer r.vm.Reset()
	if err := tape.Run(r.vm); err != nil {
		return fmt.Errorf("model: forward pass to %s: %w", strings.Join(names, ", "), err)
	}
	for i, n := range r.nodes {
		copyOut(r.buf[i], n.Value())
	}
	return nil
}

// reader returns the cached machine of names, compiling it on first use.
func (m *Model) reader(names []string) (*nodeReader, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("model: no node names given; valid: %s", strings.Join(m.nodeNames, ", "))
	}
	key := strings.Join(names, "\x00")
	if r, ok := m.readers[key]; ok {
		return r, nil
	}
	r := &nodeReader{}
	for _, name := range names {
		n, err := m.node(name)
		if err != nil {
			return nil, err
		}
		r.nodes = append(r.nodes, n)
		r.buf = append(r.buf, make([]float64, n.Shape().TotalSize()))
	}
	var err error
	if r.vm, err = m.compile(r.nodes); err != nil {
		return nil, err
	}
	if m.readers == nil {
		m.readers = map[string]*nodeReader{}
	}
	m.readers[key] = r
	return r, nil
}

package layers

// ConvOutputSize returns the output length along one spatial axis of a
// convolution or max-pooling window of size kernel moved by stride over an
// input of length size zero-padded by padding on both sides:
// ⌊(size + 2·padding − kernel) / stride⌋ + 1, the floor convention of
// Gorgonia's Conv2d and MaxPool2D (and of PyTorch's default). It returns 0
// when the window does not fit or an argument is out of range (size, kernel
// or stride below 1, padding below 0), so a model builder can check a whole
// stack's shapes before building any graph.
func ConvOutputSize(size, kernel, stride, padding int) int {
	if size < 1 || kernel < 1 || stride < 1 || padding < 0 || size+2*padding < kernel {
		return 0
	}
	return (size+2*padding-kernel)/stride + 1
}

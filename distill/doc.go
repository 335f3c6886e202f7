// Package distill trains a student network on what a finished teacher run
// knows: knowledge distillation (Hinton, Vinyals & Dean 2015), whose soft
// term matches the student's softened class probabilities to the
// teacher's, and FitNets' hints (Romero et al. 2015), which train the
// student's guided layer, through a regressor, to predict the teacher's
// hint layer. The teacher is any finished run, of any architecture with the
// same classes and input, evaluated forward-only in inference mode on the
// student's own minibatches and never trained.
package distill

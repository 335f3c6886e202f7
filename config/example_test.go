package config_test

import (
	"fmt"

	"deepopt/config"
)

func ExampleLoad() {
	cfg, err := config.Load("testdata/full.yaml", []string{"train.steps=500", "model.hidden=[300, 100]"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Name, cfg.Model.Kind, cfg.Model.Hidden, cfg.Optimizer.Kind, cfg.Train.Steps)
	// Output: lenet-adamw cnn [300 100] adam 500
}

func ExampleLoad_errors() {
	_, err := config.Load("testdata/typos.yaml", []string{"train.batch_size=0"})
	fmt.Println(err)
	// Output:
	// config testdata/typos.yaml: 6 problems:
	//   line 3: model.hiden: unknown key "hiden"; did you mean "hidden"? valid keys in model: kind, hidden, activation, batchnorm, bn_momentum, bn_eps, dropout, input_dropout, l2, init, init_std, conv, main_weight, aux_heads
	//   line 7: optimizer.lr: unknown key "lr" here; it belongs at schedule.lr. valid keys in optimizer: kind, momentum, nesterov, weight_decay, beta1, beta2, eps, decoupled, cg_variant, restart_every, memory, line_search, damping, max_dense_params, max_inner, reset_on_new_batch, block_order, average, average_start, ema_decay, ema_debias
	//   line 8: optimizer.beta1: applies only to optimizer.kind adam, not sgd; remove it or set optimizer.kind: adam
	//   line 10: train.steps: want an integer, got "3000" (quotes make a string; remove them)
	//   line 4: model.activation: want one of sigmoid, tanh, relu; got "relu6" (did you mean "relu"?)
	//   train.batch_size (from --set train.batch_size=0): want an integer ≥ 1 (the examples per minibatch), got 0
}

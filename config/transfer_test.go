package config

import "testing"

// TestValidateTransfer: include and exclude without init.from, and
// malformed globs, are reported with their keys; a valid section passes.
func TestValidateTransfer(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // nil means valid
	}{
		{"off", func(c *Config) {}, nil},
		{"every parameter", func(c *Config) { c.Init.From = "runs/x" }, nil},
		{"features only", func(c *Config) {
			c.Init = Transfer{From: "runs/x", Include: []string{"fc*"}, Exclude: []string{"out.*"}}
		}, nil},
		{"include without from", func(c *Config) { c.Init.Include = []string{"fc1.*"} },
			[]string{"init.include: [fc1.*] applies only with init.from, the run whose parameters are loaded; set init.from or remove init.include"}},
		{"exclude without from", func(c *Config) { c.Init.Exclude = []string{"out.*"} }, []string{"init.exclude: [out.*] applies only with init.from"}},
		{"malformed glob", func(c *Config) { c.Init = Transfer{From: "runs/x", Exclude: []string{"out.*", "fc[1"}} },
			[]string{`init.exclude.1: "fc[1" is not a valid glob (syntax error in pattern); write globs such as fc1.* or bn1.gamma`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidate(t, tt.change, tt.want)
		})
	}
}

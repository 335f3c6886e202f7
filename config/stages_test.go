package config

import (
	"reflect"
	"testing"
)

// TestStageConfig: a stage's config is the run's with the stage's overlay,
// named after both; the run's init section is the first stage's, and a
// later stage starts from the stage before, with the include and exclude
// globs of its own overlay.
func TestStageConfig(t *testing.T) {
	c := validConfig()
	c.Init = Transfer{From: "runs/source", Include: []string{}, Exclude: []string{"out.*"}}
	c.Stages = []Stage{{Name: "narrow", Set: []string{"model.hidden=[50]", "train.steps=10"}}, {Name: "wide", Set: []string{"init.include=[fc1.*]"}}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	first, err := c.StageConfig(c.Stages, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	want := validConfig()
	want.Name, want.Model.Hidden, want.Train.Steps, want.Init = "go-narrow", []int{50}, 10, c.Init
	if !reflect.DeepEqual(first, &want) {
		t.Errorf("stage 1's config\n%+v\nwant\n%+v", first, &want)
	}
	second, err := c.StageConfig(c.Stages, 1, "runs/go/1-narrow")
	if err != nil {
		t.Fatal(err)
	}
	want = validConfig()
	want.Name, want.Init = "go-wide", Transfer{From: "runs/go/1-narrow", Include: []string{"fc1.*"}, Exclude: []string{}}
	if !reflect.DeepEqual(second, &want) {
		t.Errorf("stage 2's config\n%+v\nwant\n%+v", second, &want)
	}
}

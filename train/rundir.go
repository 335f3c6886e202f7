package train

import (
	"fmt"
	"strings"

	"deepopt/internal/atomicfile"
	"deepopt/rundir"
)

// priorityRelease releases the run directory after every other end
// handler, the checkpoint of an interrupted run included.
const priorityRelease = PriorityCheckpoint + 100

// attachRunDir makes the run the only writer of its directory: at the start,
// before anything is written, it locks the directory, refuses one that holds
// another run (unless this run continues it) and removes the temporary
// files a killed run left; at the end it releases the lock.
func attachRunDir(t *Trainer) {
	var lock *rundir.Lock
	t.OnStart(PriorityFirst, func(t *Trainer) error {
		var err error
		if lock, err = rundir.Acquire(t.Dir); err != nil {
			return err
		}
		if !t.continues {
			switch holds, err := rundir.Holds(t.Dir); {
			case err != nil:
				return err
			case holds:
				return fmt.Errorf("train: %s already holds a run; continue it (Restore its checkpoint), or choose another Dir", t.Dir)
			}
		}
		removed, err := atomicfile.RemoveLeftovers(t.Dir)
		if len(removed) > 0 && t.Progress != nil {
			fmt.Fprintf(t.Progress, "removed what a killed run left half-written in %s: %s\n", t.Dir, strings.Join(removed, ", "))
		}
		return err
	})
	t.OnEnd(priorityRelease, func(*Trainer, error) error { return lock.Release() })
}

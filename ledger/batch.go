package ledger

// Pending is the outcome of a read queued in a pgx.Batch: filled in by the
// read's callback when the batch's results are read, and acted on after.
// Reads queued ahead of an idempotency claim keep their error here, so that
// a replay can ignore them and a first run can report them in its own order.
type Pending[T any] struct {
	Value T
	Err   error
}

// Get returns the value and the error of the read.
func (p *Pending[T]) Get() (T, error) { return p.Value, p.Err }

// Package simulate runs one period from files to files for
// `downline settle simulate`, with progress on stderr and a one-screen summary.
package simulate

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/shopspring/decimal"

	"downline/settle/csvio"
	"downline/settle/engine"
	"downline/settle/plan"
)

// Config names the inputs and the output directory of a simulation.
type Config struct {
	Plan  string
	Files csvio.Files
	Out   string
	// Exact forces the arbitrary-precision path.
	Exact bool
}

// largeInput is the input size above which progress is reported even when
// stderr is not a terminal.
const largeInput = 64 << 20

// memoryBudget bounds the heap of a simulation (the target is 2 GiB peak for a
// million members).
const memoryBudget = 1600 << 20

// Load reads the plan and the period's files and computes the period.
func Load(cfg Config, stderr io.Writer) (*plan.Plan, engine.Input, *engine.Result, error) {
	p, in, res, prog, err := load(cfg, stderr, false)
	if err != nil {
		return nil, engine.Input{}, nil, err
	}
	prog.stage("")
	return p, in, res, nil
}

// load is Load leaving the last stage open, so that Run can report the
// writing after it.
// With reuse set, the garbage is collected at a few points where much memory
// has just died, for the next stages to reuse.
func load(cfg Config, stderr io.Writer, reuse bool) (*plan.Plan, engine.Input, *engine.Result, *progress, error) {
	p, err := plan.ReadFile(cfg.Plan)
	if err != nil {
		return nil, engine.Input{}, nil, nil, err
	}
	prog := newProgress(stderr, cfg.Files)
	prog.reuse = reuse
	in, err := csvio.Load(cfg.Files, prog.bytes)
	prog.done()
	if err != nil {
		return nil, engine.Input{}, nil, nil, err
	}
	prog.collect("reading") // the builder's rows and tables are garbage now
	res, err := engine.Run(p, in, engine.Options{Exact: cfg.Exact, Progress: prog.stage})
	if err != nil {
		return nil, engine.Input{}, nil, nil, err
	}
	return p, in, res, prog, nil
}

// Run simulates the period: nothing is written unless every input is valid.
func Run(cfg Config, stdout, stderr io.Writer) error {
	// The period's columns and lines are live until the files are written, so a
	// collection every time the heap doubles mostly rescans them: collect only
	// near the memory budget instead, and where much has just died (see
	// collectBefore), so that later stages reuse that memory rather than
	// fault in fresh pages (and return them all at exit).
	reuse := false
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		old := debug.SetGCPercent(-1)
		debug.SetMemoryLimit(memoryBudget)
		defer func() { debug.SetGCPercent(old); debug.SetMemoryLimit(math.MaxInt64) }()
		reuse = true
	}
	_, _, res, prog, err := load(cfg, stderr, reuse)
	if err != nil {
		return err
	}
	prog.stage("writing")
	if err := csvio.WriteDir(cfg.Out, res); err != nil {
		return err
	}
	prog.stage("")
	prog.total()
	return WriteSummary(stdout, res)
}

// WriteSummary prints the one-screen summary of a period.
func WriteSummary(w io.Writer, res *engine.Result) error {
	t := res.Totals
	p := res.Plan
	var b strings.Builder
	fmt.Fprintf(&b, "plan       %s (%s)\n", p.Name, p.Currency)
	fmt.Fprintf(&b, "members    %d, active %d\n", t.Members, t.Active)
	b.WriteString("ranks     ")
	for r, n := range t.RankCounts {
		fmt.Fprintf(&b, " %s %d", p.Ranks[r].Name, n)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "total BV   %s\n", t.TotalBV.String())
	for k, name := range engine.BonusNames {
		if sectionOn(p, engine.Bonus(k)) {
			fmt.Fprintf(&b, "%-10s %s\n", name, t.ByBonus[k].StringFixed(p.Scale))
		}
	}
	fmt.Fprintf(&b, "paid       %s %s\n", t.Paid.StringFixed(p.Scale), p.Currency)
	if t.TotalBV.Sign() > 0 {
		fmt.Fprintf(&b, "ratio      %s%% of BV\n", t.Paid.Shift(2).DivRound(t.TotalBV, 2).StringFixed(2))
	}
	if t.CapFactor != nil {
		f := decimal.NewFromBigInt(t.CapFactor.Num(), 0).DivRound(decimal.NewFromBigInt(t.CapFactor.Denom(), 0), 6)
		fmt.Fprintf(&b, "cap        payout cap applied: factor %s (before cap %s)\n", f.StringFixed(6), t.BeforeCap.StringFixed(p.Scale))
	}
	if res.Exact {
		b.WriteString("note       computed with arbitrary-precision decimals (values beyond int64)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sectionOn(p *plan.Plan, k engine.Bonus) bool {
	switch k {
	case engine.Binary:
		return p.Binary != nil
	case engine.Matching:
		return p.Matching != nil
	case engine.Pool:
		return p.Pool != nil
	case engine.Referral:
		return p.Referral != nil
	}
	return p.Unilevel != nil
}

// collectBefore are the stages before which a simulation that collects only
// near its memory budget collects anyway ("reading": after it): much has died
// there and much is allocated next. After reading, the builder's rows and
// tables (the engine's trees are allocated next); before sorting, the engine's trees
// and earner records (the lines' columns are allocated next); before
// writing, the bonus lines, converted into columns (the writers' buffers and
// id records are allocated next). Each collection takes a few milliseconds:
// the large columns hold no pointers. On the 1M-member benchmark, the three
// collections took the page faults from 337,000 to 245,000 and the peak RSS
// from 1.38 GB to 0.94 GB.
var collectBefore = map[string]bool{"reading": true, "sorting": true, "writing": true}

// progress shows a byte bar while reading when stderr is a terminal, and stage
// lines with timings (wall and process CPU) for large inputs when it is not.
// With reuse set it also collects the garbage before some stages.
type progress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	lines bool
	start time.Time
	last  string
	t0    time.Time
	cpu0  time.Duration // the process's CPU time at t0
	reuse bool
}

// collect collects the garbage when reuse is set and stage is in
// collectBefore.
func (p *progress) collect(stage string) {
	if p.reuse && collectBefore[stage] {
		runtime.GC()
	}
}

func newProgress(w io.Writer, f csvio.Files) *progress {
	p := &progress{w: w, start: time.Now(), t0: time.Now(), cpu0: cpuTime()}
	var total int64
	for _, name := range []string{f.Members, f.Orders, f.Carry} {
		if st, err := os.Stat(name); err == nil && name != "" {
			total += st.Size()
		}
	}
	terminal := false
	if fl, ok := w.(*os.File); ok {
		if st, err := fl.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			terminal = true
		}
	}
	switch {
	case terminal && total > 1<<20:
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("reading"),
			progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	case total > largeInput:
		p.lines = true
		p.last = "reading"
	}
	return p
}

func (p *progress) bytes(n int64) {
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
		p.lines = true
		p.last = "reading"
	}
}

// total reports the whole run's time after its stages.
func (p *progress) total() {
	if p.lines {
		fmt.Fprintf(p.w, "settle: %-15s %6.2fs  cpu %6.2fs\n", "total", time.Since(p.start).Seconds(), cpuTime().Seconds())
	}
}

func (p *progress) stage(name string) {
	p.collect(name)
	if !p.lines {
		return
	}
	now, cpu := time.Now(), cpuTime()
	if p.last != "" {
		fmt.Fprintf(p.w, "settle: %-15s %6.2fs  cpu %6.2fs\n", p.last, now.Sub(p.t0).Seconds(), (cpu - p.cpu0).Seconds())
	}
	p.last, p.t0, p.cpu0 = name, now, cpu
}

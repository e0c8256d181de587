package api

import (
	"net/http"
	"strconv"
	"time"

	"downline/ledger"
	"downline/settle/jobs"
	"downline/settle/period"
)

// A run reads a period's volumes and both trees, computes and writes every
// line in one transaction: seconds for a small company, half a minute or
// more for a million members, longer than an HTTP request (or the proxy in
// front of it) should wait. So POST /periods/{period}/run queues a job
// (settle/jobs) and answers 202 at once; a settlement worker (`downline
// worker`, or the one `downline serve` embeds) runs it, and GET
// /run-jobs/{id} reports its stage, then the run or why it failed.

// RunJob is a run started over HTTP.
type RunJob struct {
	ID          int64      `json:"id"`
	Period      string     `json:"period"`
	Status      string     `json:"status"` // running (or waiting for a worker: stage queued), succeeded or failed
	Stage       string     `json:"stage"`
	RequestedBy string     `json:"requested_by"`
	StartedAt   time.Time  `json:"started_at"`
	HeartbeatAt time.Time  `json:"heartbeat_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// Replaced: the run replaced the period's draft (a re-run).
	Replaced *bool     `json:"replaced,omitempty"`
	Error    *JobError `json:"error,omitempty"`
	// Run is the period's run, once the job succeeded.
	Run *RunView `json:"run,omitempty"`
}

// JobError is why a job failed: the status and detail the run would have
// answered had it run in the request.
type JobError struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// runJob is the view of j, with the period's run when it succeeded. A job
// waiting for a worker reads as running, at stage queued.
func (s *Server) runJob(c *call, j jobs.Job) (RunJob, error) {
	v := RunJob{ID: j.ID, Period: j.Period, Status: j.Status, Stage: j.Stage, RequestedBy: j.RequestedBy, StartedAt: j.StartedAt,
		HeartbeatAt: j.HeartbeatAt, FinishedAt: j.FinishedAt, Replaced: j.Replaced}
	if j.Status == jobs.Queued {
		v.Status = jobs.Running
	}
	if j.Error != nil {
		v.Error = &JobError{Detail: *j.Error}
		if j.ErrorStatus != nil {
			v.Error.Status = *j.ErrorStatus
		}
	}
	if j.Status != jobs.Succeeded {
		return v, nil
	}
	r, err := period.GetRun(c.ctx(), s.DB.Pool, j.Period)
	if err != nil {
		return RunJob{}, wrap("read the run of job "+strconv.FormatInt(j.ID, 10), err)
	}
	rv := runView(r)
	v.Run = &rv
	return v, nil
}

func (s *Server) getRunJob(c *call) (any, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, err404("no run job %q", c.Param("id"))
	}
	j, err := jobs.Get(c.ctx(), s.DB.Pool, id)
	if err != nil {
		return nil, wrap("read run job", err)
	}
	return s.runJob(c, j)
}

type runRequest struct {
	// TZ is the zone of the period's boundaries and of Cutoff (default: the
	// company's, ledger.CompanyZone).
	TZ string `json:"tz,omitempty"`
	// Cutoff overrides the period's computed cut-off when the period is
	// defined by this run (its first); later runs keep it.
	Cutoff string `json:"cutoff,omitempty"`
}

// startRun queues a run of the period (jobs.Start checks what can be
// checked at once) and answers its job once it has ended or wait seconds
// have passed.
func (s *Server) startRun(c *call) (any, error) {
	var req runRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	wait, err := intQuery(c, "wait", 0, 0, 120)
	if err != nil {
		return nil, err
	}
	loc, err := zone(req.TZ)
	if err != nil {
		return nil, err
	}
	var cutoff time.Time
	if req.Cutoff != "" {
		if cutoff, err = ledger.ParseWhen("cutoff", req.Cutoff, loc); err != nil {
			return nil, errStatus(http.StatusUnprocessableEntity, err.Error())
		}
	}
	code := c.Param("period")
	id, fresh, err := jobs.Start(c.ctx(), s.DB, jobs.Request{Period: code, Loc: loc, Cutoff: cutoff, Key: c.key, By: c.who.By()})
	if err != nil {
		return nil, wrap("start run", err)
	}
	if fresh {
		c.Set("audit.detail", "run job "+strconv.FormatInt(id, 10)+" of period "+code)
	}
	c.Header("Location", "/api/v1/run-jobs/"+strconv.FormatInt(id, 10))
	j, err := jobs.Wait(c.ctx(), s.DB.Pool, id, time.Now().Add(time.Duration(wait)*time.Second), 100*time.Millisecond)
	if err != nil {
		return nil, wrap("wait for run job", err)
	}
	return s.runJob(c, j)
}

// Describe is the HTTP status and detail the API answers for err: what a
// settlement worker records of a run that failed (jobs.Worker.Describe).
func Describe(err error) (status int, detail string) { return statusOf(err) }

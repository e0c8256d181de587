// Package api is Downline's HTTP interface: JSON under /api/v1 from one route
// table (roles, scope rules, idempotency, OpenAPI), sessions and CSRF,
// problem+json errors, the audit log, health and Prometheus metrics.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"downline/api/explorer"
	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/order"
	"downline/portal"
	"downline/projection"
)

// Server holds what the handlers need.
type Server struct {
	DB       *ledger.DB
	Graph    graphstore.Store
	Registry *prometheus.Registry
	// Feed, when set, is caught up after a registration or a move, so the
	// caller reads its own change from the graph store at once.
	Feed *projection.Feed
	// SMS, when set, mounts the Twilio webhooks (see mountSMS).
	SMS *SMS
	// UI, when set, is the browser UI (package web), served under /app/
	// (the member office) and /staff/.
	UI http.Handler
	// Portal is the public site (package portal) at / and its pages; made
	// over DB on first use when nil.
	Portal http.Handler
	// Explorer keeps the genealogy explorer's figures; made on first use
	// with the defaults when nil.
	Explorer *explorer.Cache
	// MediaMaxBytes is the largest image taken (0: media.DefaultMaxBytes).
	MediaMaxBytes int64

	explorerOnce sync.Once

	desk     *order.Desk
	deskOnce sync.Once

	throttle    throttle
	sessions    sessionCache
	metricsOnce sync.Once
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
}

// Handler builds the HTTP handler.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// The client address (for sign-in throttling and the audit log) is the
	// peer's: forwarded-for headers are anyone's to forge.
	_ = r.SetTrustedProxies(nil)
	r.Use(func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		c.Set("request_id", id)
		c.Header("X-Request-Id", id)
		c.Header("X-Content-Type-Options", "nosniff")
		c.Next()
	})
	r.Use(gin.CustomRecovery(func(c *gin.Context, err any) {
		slog.Error("panic", "path", c.Request.URL.Path, "err", err)
		writeProblemStatus(c, http.StatusInternalServerError, "the server failed to answer; try again, and report the request id if it persists")
	}))
	reg := s.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s.metricsOnce.Do(func() { s.registerMetrics(reg) })
	r.GET("/healthz", s.healthz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	s.mountSMS(r)
	s.mountUI(r)
	s.mountPortal(r)
	s.mountMedia(r)

	v1 := r.Group("/api/v1")
	routes := s.Routes()
	for i := range routes {
		rt := &routes[i]
		v1.Handle(rt.Method, ginPath(rt.Path), s.guard(rt))
	}
	r.NoRoute(func(c *gin.Context) {
		writeProblemStatus(c, http.StatusNotFound, "no such route; see /api/v1/openapi.json for the routes there are")
	})
	r.NoMethod(func(c *gin.Context) {
		writeProblemStatus(c, http.StatusMethodNotAllowed, c.Request.Method+" is not allowed on this route; see /api/v1/openapi.json")
	})
	return r
}

// mountUI serves the browser UI: the member office under /app/ and the
// staff console under /staff/ (their client routes included: the UI
// handler answers them with the app's HTML).
func (s *Server) mountUI(r *gin.Engine) {
	if s.UI == nil {
		return
	}
	ui := gin.WrapH(s.UI)
	r.GET("/app/*path", ui)
	r.HEAD("/app/*path", ui)
	r.GET("/staff/*path", ui)
	r.HEAD("/staff/*path", ui)
}

// mountPortal serves the public site at the portal's paths.
func (s *Server) mountPortal(r *gin.Engine) {
	h := s.Portal
	if h == nil {
		h = portal.New(s.DB)
	}
	site := gin.WrapH(h)
	for _, p := range portal.Paths {
		if strings.HasSuffix(p, "/") && p != "/" {
			p += "*rest"
		}
		r.GET(p, site)
		r.HEAD(p, site)
	}
}

func (s *Server) registerMetrics(reg prometheus.Registerer) {
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "downline_http_requests_total", Help: "API requests by route and status.",
	}, []string{"route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "downline_http_request_seconds", Help: "API request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	for _, c := range []prometheus.Collector{s.requests, s.latency} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				slog.Error("register metrics", "err", err)
			}
		}
	}
}

func (s *Server) observe(route string, status int, d time.Duration) {
	if s.requests == nil {
		return
	}
	s.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	s.latency.WithLabelValues(route).Observe(d.Seconds())
}

// healthz answers 200 when the ledger and the graph store answer, 503 otherwise.
func (s *Server) healthz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	body := gin.H{"status": "ok"}
	status := http.StatusOK
	// What failed goes to the log, not to the caller: a driver's message
	// names hosts, ports and users.
	if err := s.DB.Pool.Ping(ctx); err != nil {
		slog.Error("health check: database unavailable", "err", err)
		status, body["status"], body["database"] = http.StatusServiceUnavailable, "unavailable", "unavailable"
	} else {
		body["database"] = "ok"
	}
	if s.Graph != nil {
		if n, err := s.Graph.Count(ctx); err != nil {
			slog.Error("health check: graph store unavailable", "err", err)
			status, body["status"], body["graph"] = http.StatusServiceUnavailable, "unavailable", "unavailable"
		} else {
			body["graph"] = gin.H{"members": n}
		}
	}
	c.JSON(status, body)
}

// Package api is Downline's HTTP interface: gin routes under /api/v1, health
// and Prometheus metrics.
package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"downline/graphstore"
	"downline/ledger"
)

// Server holds what the handlers need.
type Server struct {
	DB       *ledger.DB
	Graph    graphstore.Store
	Registry *prometheus.Registry
}

// Handler builds the HTTP handler.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/healthz", s.healthz)
	reg := s.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	return r
}

// healthz answers 200 when the ledger and the graph store answer, 503 otherwise.
func (s *Server) healthz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	body := gin.H{"status": "ok"}
	status := http.StatusOK
	if err := s.DB.Pool.Ping(ctx); err != nil {
		status, body["status"], body["database"] = http.StatusServiceUnavailable, "unavailable", err.Error()
	} else {
		body["database"] = "ok"
	}
	if s.Graph != nil {
		if n, err := s.Graph.Count(ctx); err != nil {
			status, body["status"], body["graph"] = http.StatusServiceUnavailable, "unavailable", err.Error()
		} else {
			body["graph"] = gin.H{"members": n}
		}
	}
	c.JSON(status, body)
}

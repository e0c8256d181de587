package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/user"
	"downline/network"
)

// A Postgres error carries row values in its detail and, from a trigger, in
// its message; the problem a client gets names the column or constraint at
// most.
func TestProblemShowsNoRowValuesOfAPostgresError(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		sql    string
		secret string
		status int
		names  string
	}{
		{"unique", `CREATE TEMP TABLE contacts (phone text CONSTRAINT contacts_phone_key UNIQUE);
			INSERT INTO contacts VALUES ('+8613912345678'); INSERT INTO contacts VALUES ('+8613912345678')`,
			"+8613912345678", http.StatusConflict, "contacts_phone_key"},
		{"check", `CREATE TEMP TABLE lines (qty int CONSTRAINT lines_qty_check CHECK (qty > 0)); INSERT INTO lines VALUES (-7731)`,
			"-7731", http.StatusUnprocessableEntity, "lines_qty_check"},
		{"not null", `CREATE TEMP TABLE payers (name text NOT NULL, iban text); INSERT INTO payers VALUES (NULL, 'DE44500105175407324931')`,
			"DE44500105175407324931", http.StatusUnprocessableEntity, "name"},
		{"trigger", `DO $$ BEGIN RAISE EXCEPTION 'journal entry % does not balance: lines summing to %', 9182, 4711.13
			USING ERRCODE = 'check_violation'; END $$`, "4711.13", http.StatusUnprocessableEntity, ""},
		{"data", `SELECT 'secret-4093'::int`, "secret-4093", http.StatusUnprocessableEntity, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := db.Pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			_, err = conn.Exec(ctx, tc.sql)
			if err == nil {
				t.Fatal("no error")
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || !strings.Contains(pe.Message+pe.Detail, tc.secret) {
				t.Fatalf("the Postgres error does not carry %q to hide: %v", tc.secret, err)
			}
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			c.Request = httptest.NewRequest(http.MethodPost, "/api/v1/x", nil)
			writeProblem(c, err)
			var p Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status || strings.Contains(rec.Body.String(), tc.secret) || !strings.Contains(p.Detail, tc.names) {
				t.Errorf("%d %q, want %d naming %q without the value %q", rec.Code, p.Detail, tc.status, tc.names, tc.secret)
			}
		})
	}
}

// downServer is a server whose database is a closed port, with a session of
// agency1 (agency AG1) already known, so requests get past sign-in.
func downServer(t *testing.T) (*Server, string) {
	return downServerAs(t, user.User{ID: 4, Login: "agency1", Role: user.Agency, Agency: "AG1", Status: "active"})
}

func downServerAs(t *testing.T, u user.User) (*Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	pool, err := pgxpool.New(context.Background(), "postgres://downline@127.0.0.1:"+strconv.Itoa(port)+"/downline?sslmode=disable&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := &Server{DB: &ledger.DB{Pool: pool}}
	token := user.NewToken()
	later := time.Now().Add(time.Hour)
	s.sessions.m = map[string]cachedSession{string(user.TokenHash(token)): {
		s:     user.Session{User: u, ExpiresAt: later},
		until: later,
	}}
	return s, token
}

// With the database down, /healthz answers 503 saying so, without the
// driver's message (hosts, ports, users).
func TestHealthzWithTheDatabaseDown(t *testing.T) {
	s, _ := downServer(t)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable || body["database"] != "unavailable" || body["status"] != "unavailable" || len(body) != 2 {
		t.Errorf("healthz with the database down: %d %s, want 503 {\"database\": \"unavailable\", \"status\": \"unavailable\"}", rec.Code, rec.Body)
	}
}

// A database outage is 503, not a 404 saying the thing asked for does not
// exist, nor a 500.
func TestDatabaseOutageIsUnavailableNotNotFound(t *testing.T) {
	s, token := downServer(t)
	h := s.Handler()
	for _, path := range []string{
		"/api/v1/agencies/AG1/statements/1",
		"/api/v1/agencies/AG1",
		"/api/v1/warehouses/W-AG1/stock",
	} {
		for _, tok := range []string{token, "a-session-the-server-must-look-up"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var p Problem
			_ = json.Unmarshal(rec.Body.Bytes(), &p)
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(p.Detail, "database is unavailable") {
				t.Errorf("GET %s with the database down: %d %s, want 503 saying the database is unavailable", path, rec.Code, rec.Body)
			}
		}
	}
}

// failingGraph is a graph store that cannot be reached.
type failingGraph struct{ graphstore.Store }

func (failingGraph) MemberByCode(context.Context, string) (network.Member, error) {
	return network.Member{}, errors.New("graph store unreachable")
}

// A graph store that fails is not a member that does not exist.
func TestGraphStoreFailureIsNotNotFound(t *testing.T) {
	s, token := downServerAs(t, user.User{ID: 1, Login: "admin", Role: user.Admin, Status: "active"})
	s.Graph = failingGraph{}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/members/AAA/team", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("team of a member with the graph store failing: %d %s, want 500", rec.Code, rec.Body)
	}
}

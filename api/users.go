package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger/user"
)

var zeroTime time.Time

// UserPage is one page of users, by id.
type UserPage struct {
	Items []user.User `json:"items"`
	Next  string      `json:"next,omitempty"`
}

func (s *Server) listUsers(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	var after int64
	if cur := c.Query("cursor"); cur != "" {
		if after, err = strconv.ParseInt(cur, 10, 64); err != nil || after < 0 {
			return nil, errStatus(http.StatusBadRequest, "cursor must be the next value of the previous page")
		}
	}
	us, err := user.List(c.ctx(), s.DB.Pool, after, limit)
	if err != nil {
		return nil, wrap("list users", err)
	}
	p := UserPage{Items: us}
	if len(us) == limit {
		p.Next = strconv.FormatInt(us[len(us)-1].ID, 10)
	}
	return p, nil
}

type userRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Agency   string `json:"agency,omitempty"`
	Member   string `json:"member,omitempty"`
}

func (s *Server) createUser(c *call) (any, error) {
	var req userRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	c.Set("audit.detail", "created "+req.Role+" "+req.Login)
	var u user.User
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		u, err = user.Create(c.ctx(), tx, user.New{Login: req.Login, Password: req.Password, Role: user.Role(req.Role), Agency: req.Agency, Member: req.Member})
		return err
	})
	return u, wrap("create user", err)
}

func (s *Server) getUser(c *call) (any, error) { return user.Get(c.ctx(), s.DB.Pool, c.Param("login")) }

type userStatusRequest struct {
	Status string `json:"status"`
}

func (s *Server) setUserStatus(c *call) (any, error) {
	var req userStatusRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var u user.User
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		u, err = user.SetStatus(c.ctx(), tx, c.Param("login"), req.Status)
		return err
	})
	s.sessions.forget("")
	return u, wrap("set user status", err)
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (s *Server) setUserPassword(c *call) (any, error) {
	var req passwordRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error {
		return user.SetPassword(c.ctx(), tx, c.Param("login"), req.Password)
	})
	s.sessions.forget("")
	return nil, wrap("set password", err)
}

type ownPasswordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// changeOwnPassword needs the current password; every session, this one
// included, ends.
func (s *Server) changeOwnPassword(c *call) (any, error) {
	var req ownPasswordRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	if _, err := user.Authenticate(c.ctx(), s.DB.Pool, c.who.User.Login, req.Current); err != nil {
		return nil, errStatus(http.StatusUnprocessableEntity, "the current password is wrong")
	}
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error {
		return user.SetPassword(c.ctx(), tx, c.who.User.Login, req.New)
	})
	s.sessions.forget("")
	return nil, wrap("set password", err)
}

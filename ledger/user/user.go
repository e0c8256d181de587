// Package user keeps the people who use Downline over HTTP: their logins,
// argon2id password hashes and roles (agency staff bound to an agency,
// members to a member), their sessions (random bearer tokens stored as
// SHA-256 hashes, with expiry and revocation), and the audit log of
// privileged actions.
package user

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Role is what a user may do; the API decides what each role may call.
type Role string

const (
	Admin     Role = "admin"
	Finance   Role = "finance"
	Warehouse Role = "warehouse"
	Agency    Role = "agency"   // staff of one agency
	Member    Role = "member"   // one member of the network
	Customer  Role = "customer" // a public shop customer
	Analyst   Role = "analyst"  // reads HQ-wide analytics, changes nothing
	Editor    Role = "editor"   // writes and publishes the public portal's content
)

// Roles lists every role.
var Roles = []Role{Admin, Finance, Warehouse, Agency, Member, Customer, Analyst, Editor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// User is an account.
type User struct {
	ID     int64
	Login  string
	Role   Role
	Agency string `json:",omitempty"` // agency code, role agency only
	Member string `json:",omitempty"` // member code, role member only
	Status string
	// AgencyID and MemberID are the ledger ids behind Agency and Member.
	AgencyID  int64 `json:"-"`
	MemberID  int64 `json:"-"`
	CreatedAt time.Time
}

// New is an account to create.
type New struct {
	Login    string
	Password string
	Role     Role
	Agency   string // code, role agency
	Member   string // code, role member
	// Hash, when set, is used instead of hashing Password (a precomputed
	// HashPassword result, for bulk seeding).
	Hash string
}

var loginRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$`)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// Create adds a user.
//
// Errors: ledger.ErrInvalid for a malformed login, a short password, an
// unknown role or a missing or misplaced agency or member; ledger.ErrConflict
// for a login in use or a member that already has an account.
func Create(ctx context.Context, tx pgx.Tx, n New) (User, error) {
	if !loginRE.MatchString(n.Login) {
		return User{}, fmt.Errorf("%w: login %q must be 2-64 letters, digits or . _ @ - (starting with a letter or digit)", ledger.ErrInvalid, n.Login)
	}
	if !n.Role.Valid() {
		return User{}, fmt.Errorf("%w: role %q must be one of admin, finance, warehouse, agency, member, customer, analyst, editor", ledger.ErrInvalid, n.Role)
	}
	hash := n.Hash
	if hash == "" {
		if err := validPassword(n.Password); err != nil {
			return User{}, err
		}
		hash = HashPassword(n.Password)
	}
	var agencyID, memberID *int64
	switch {
	case n.Role == Agency && n.Agency == "":
		return User{}, fmt.Errorf("%w: agency staff must be bound to an agency (give its code)", ledger.ErrInvalid)
	case n.Role != Agency && n.Agency != "":
		return User{}, fmt.Errorf("%w: only agency staff are bound to an agency", ledger.ErrInvalid)
	case n.Role == Member && n.Member == "":
		return User{}, fmt.Errorf("%w: a member account must be bound to a member (give the member code)", ledger.ErrInvalid)
	case n.Role != Member && n.Member != "":
		return User{}, fmt.Errorf("%w: only member accounts are bound to a member", ledger.ErrInvalid)
	}
	if n.Agency != "" {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1`, n.Agency).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
			return User{}, fmt.Errorf("%w: agency %q does not exist", ledger.ErrInvalid, n.Agency)
		} else if err != nil {
			return User{}, err
		}
		agencyID = &id
	}
	if n.Member != "" {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM members WHERE code = $1`, n.Member).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
			return User{}, fmt.Errorf("%w: member %q does not exist", ledger.ErrInvalid, n.Member)
		} else if err != nil {
			return User{}, err
		}
		memberID = &id
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO users (login, password_hash, role, agency_id, member_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		n.Login, hash, string(n.Role), agencyID, memberID).Scan(&id)
	if c, ok := ledger.IsUniqueViolation(err); ok {
		if c == "users_member_idx" {
			return User{}, fmt.Errorf("%w: member %s already has an account", ledger.ErrConflict, n.Member)
		}
		return User{}, fmt.Errorf("%w: login %q is already taken", ledger.ErrConflict, n.Login)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", n.Login, err)
	}
	return GetByID(ctx, tx, id)
}

func validPassword(p string) error {
	if n := utf8.RuneCountInString(p); n < MinPasswordLen {
		return fmt.Errorf("%w: the password has %d characters; use at least %d", ledger.ErrInvalid, n, MinPasswordLen)
	}
	if len(p) > 1024 {
		return fmt.Errorf("%w: the password is longer than 1024 bytes", ledger.ErrInvalid)
	}
	return nil
}

const userSelect = `SELECT u.id, u.login, u.role, coalesce(a.code, ''), coalesce(m.code, ''), u.status,
		coalesce(u.agency_id, 0), coalesce(u.member_id, 0), u.created_at
	FROM users u LEFT JOIN agencies a ON a.id = u.agency_id LEFT JOIN members m ON m.id = u.member_id`

func scanUser(r pgx.Row) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Login, &u.Role, &u.Agency, &u.Member, &u.Status, &u.AgencyID, &u.MemberID, &u.CreatedAt)
	return u, err
}

// Get reads the user with the given login. Errors: ledger.ErrNotFound.
func Get(ctx context.Context, q ledger.Querier, login string) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, userSelect+` WHERE u.login = $1`, login))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("%w: no user with login %q", ledger.ErrNotFound, login)
	}
	return u, err
}

// GetByID reads the user with the given id. Errors: ledger.ErrNotFound.
func GetByID(ctx context.Context, q ledger.Querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, userSelect+` WHERE u.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("%w: no user with id %d", ledger.ErrNotFound, id)
	}
	return u, err
}

// List returns up to limit users with id > after, by id.
func List(ctx context.Context, q ledger.Querier, after int64, limit int) ([]User, error) {
	rows, err := q.Query(ctx, userSelect+` WHERE u.id > $1 ORDER BY u.id LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) { return scanUser(r) })
}

// SetStatus enables or disables a user; disabling revokes every session.
// Errors: ledger.ErrNotFound, ledger.ErrInvalid.
func SetStatus(ctx context.Context, tx pgx.Tx, login, status string) (User, error) {
	if status != "active" && status != "disabled" {
		return User{}, fmt.Errorf("%w: status %q must be active or disabled", ledger.ErrInvalid, status)
	}
	u, err := Get(ctx, tx, login)
	if err != nil {
		return User{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET status = $2 WHERE id = $1`, u.ID, status); err != nil {
		return User{}, err
	}
	if status == "disabled" {
		if err := RevokeAll(ctx, tx, u.ID); err != nil {
			return User{}, err
		}
	}
	u.Status = status
	return u, nil
}

// SetPassword replaces a user's password and revokes every session.
// Errors: ledger.ErrNotFound, ledger.ErrInvalid.
func SetPassword(ctx context.Context, tx pgx.Tx, login, password string) error {
	if err := validPassword(password); err != nil {
		return err
	}
	u, err := Get(ctx, tx, login)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, u.ID, HashPassword(password)); err != nil {
		return err
	}
	return RevokeAll(ctx, tx, u.ID)
}

// ErrBadCredentials: the login is unknown or disabled, or the password is wrong.
var ErrBadCredentials = errors.New("wrong login or password")

// Authenticate checks a login and password. Unknown logins cost as much time
// as wrong passwords. Errors: ErrBadCredentials.
func Authenticate(ctx context.Context, q ledger.Querier, login, password string) (User, error) {
	var hash string
	u, err := scanUserHash(q.QueryRow(ctx, `SELECT u.id, u.login, u.role, coalesce(a.code, ''), coalesce(m.code, ''), u.status,
		coalesce(u.agency_id, 0), coalesce(u.member_id, 0), u.created_at, u.password_hash
		FROM users u LEFT JOIN agencies a ON a.id = u.agency_id LEFT JOIN members m ON m.id = u.member_id WHERE u.login = $1`, login), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		CheckPassword(dummyHash, password)
		return User{}, ErrBadCredentials
	}
	if err != nil {
		return User{}, err
	}
	if !CheckPassword(hash, password) || u.Status != "active" {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

func scanUserHash(r pgx.Row, hash *string) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Login, &u.Role, &u.Agency, &u.Member, &u.Status, &u.AgencyID, &u.MemberID, &u.CreatedAt, hash)
	return u, err
}

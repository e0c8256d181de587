package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/user"
)

// Customer is a shop customer with its account.
type Customer struct {
	ID        int64
	Login     string
	Phone     string
	Name      string
	Referrer  string `json:",omitempty"` // the referring member's code
	CreatedAt time.Time
	UserID    int64 `json:"-"`
}

// SignUp is a customer signing up: the phone and the code texted to it,
// a name, a password, and the member who referred them (a member code)
// if any.
type SignUp struct {
	Phone, Code, Name, Password, Referrer string
}

// Check returns what is wrong with the fields of s other than the code
// (nil when nothing), with the phone normalised.
func (s *SignUp) Check(ctx context.Context, q ledger.Querier) (Errors, error) {
	var es Errors
	p, ok := NormalisePhone(s.Phone)
	if !ok {
		es = append(es, invalid("phone", "phone_format", "phone %q must be a mobile number such as 13800138000 or +8613800138000", s.Phone))
	} else {
		s.Phone = p
		var taken bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM shop_customers WHERE phone = $1)`, p).Scan(&taken); err != nil {
			return nil, err
		}
		if taken {
			es = append(es, invalid("phone", "phone_taken", "%s has an account already: sign in instead", p))
		}
	}
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 40 {
		es = append(es, invalid("name", "name_required", "give a name of 1 to 40 characters"))
	}
	if utf8.RuneCountInString(s.Password) < user.MinPasswordLen {
		es = append(es, invalid("password", "password_short", "the password must have at least %d characters", user.MinPasswordLen))
	}
	if e, err := checkReferrer(ctx, q, &s.Referrer); err != nil {
		return nil, err
	} else if e != nil {
		es = append(es, e)
	}
	return es, nil
}

// checkReferrer normalises a referring member's code: it must name an
// active member.
func checkReferrer(ctx context.Context, q ledger.Querier, code *string) (*Error, error) {
	*code = strings.ToUpper(strings.TrimSpace(*code))
	if *code == "" {
		return nil, nil
	}
	var status string
	err := q.QueryRow(ctx, `SELECT status FROM members WHERE code = $1`, *code).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && status != "active") {
		return invalid("referrer", "referrer_unknown", "no active member has the code %q", *code), nil
	}
	return nil, err
}

// Register signs a customer up: it checks the fields, then the code (a
// wrong code counts a try, kept even though the sign-up is refused), and
// creates the customer account (login LoginOf(phone), role customer)
// recording the referring member.
//
// Errors: Errors for wrong fields; *Error for a wrong, used, expired or
// exhausted code.
func Register(ctx context.Context, db *ledger.DB, s SignUp) (Customer, error) {
	es, err := s.Check(ctx, db.Pool)
	if err != nil {
		return Customer{}, err
	}
	if len(es) > 0 {
		return Customer{}, es
	}
	var c Customer
	var refused *Error
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		refused = nil
		w, err := useCode(ctx, tx, s.Phone, strings.TrimSpace(s.Code))
		if err != nil || w != nil {
			refused = w
			return err // commit the counted try
		}
		u, err := user.Create(ctx, tx, user.New{Login: LoginOf(s.Phone), Password: s.Password, Role: user.Customer})
		if err != nil {
			return err
		}
		c, err = Adopt(ctx, tx, u, s.Phone, s.Name, s.Referrer)
		return err
	})
	if err != nil {
		return Customer{}, fmt.Errorf("sign up %s: %w", s.Phone, err)
	}
	if refused != nil {
		return Customer{}, refused
	}
	return c, nil
}

const customerSelect = `SELECT c.id, u.login, c.phone, c.name, coalesce(m.code, ''), c.created_at, c.user_id
	FROM shop_customers c JOIN users u ON u.id = c.user_id LEFT JOIN members m ON m.id = c.referrer_id`

// CustomerOf reads the customer of account userID.
//
// Errors: ledger.ErrNotFound when the account is not a shop customer's.
func CustomerOf(ctx context.Context, q ledger.Querier, userID int64) (Customer, error) {
	var c Customer
	err := q.QueryRow(ctx, customerSelect+` WHERE c.user_id = $1`, userID).Scan(&c.ID, &c.Login, &c.Phone, &c.Name, &c.Referrer, &c.CreatedAt, &c.UserID)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("%w: no shop customer for this account", ledger.ErrNotFound)
	}
	return c, err
}

// Referred lists the customers a member referred, newest first.
func Referred(ctx context.Context, q ledger.Querier, member string) ([]Customer, error) {
	rows, err := q.Query(ctx, customerSelect+` WHERE m.code = $1 ORDER BY c.id DESC`, member)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Customer, error) {
		var c Customer
		err := r.Scan(&c.ID, &c.Login, &c.Phone, &c.Name, &c.Referrer, &c.CreatedAt, &c.UserID)
		return c, err
	})
}

// Adopt makes customer account u (role customer) a shop customer with a
// verified phone, a name and the referring member (a code, or "").
func Adopt(ctx context.Context, tx pgx.Tx, u user.User, phone, name, referrer string) (Customer, error) {
	if u.Role != user.Customer {
		return Customer{}, fmt.Errorf("%w: %s is a %s account, not a customer's", ledger.ErrInvalid, u.Login, u.Role)
	}
	c := Customer{Login: u.Login, Phone: phone, Name: name, Referrer: referrer, UserID: u.ID}
	err := tx.QueryRow(ctx, `INSERT INTO shop_customers (user_id, phone, name, referrer_id, created_at)
		VALUES ($1, $2, $3, (SELECT id FROM members WHERE code = nullif($4, '')), $5) RETURNING id, created_at`,
		u.ID, phone, name, referrer, clock.Now(ctx)).Scan(&c.ID, &c.CreatedAt)
	return c, err
}

// LoginByPhone is the login of the customer whose phone is phone.
//
// Errors: ledger.ErrNotFound.
func LoginByPhone(ctx context.Context, q ledger.Querier, phone string) (string, error) {
	var login string
	err := q.QueryRow(ctx, `SELECT u.login FROM shop_customers c JOIN users u ON u.id = c.user_id WHERE c.phone = $1`, phone).Scan(&login)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("%w: no customer has the phone %s", ledger.ErrNotFound, phone)
	}
	return login, err
}

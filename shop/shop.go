// Package shop runs the online shop over its records (ledger/shop): it
// texts sign-up codes through the sms package's Twilio client and takes
// payments through a payment.Provider. The API (api/shop.go) and the
// shop's pages (portal) both call it.
package shop

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	lshop "downline/ledger/shop"
	"downline/ledger/user"
	"downline/payment"
	"downline/sms"
)

// Texter sends one text (sms.Client).
type Texter interface {
	Send(to, body, statusCallback string) (sms.Accepted, error)
}

// Service is the shop.
type Service struct {
	DB *ledger.DB
	// SMS texts the sign-up codes; nil: sign-up is closed, and says so.
	SMS Texter
	// Provider takes the payments.
	Provider payment.Provider
}

// New is the shop over db texting with t (nil: no texts) and paying with
// the local provider.
func New(db *ledger.DB, t Texter) *Service {
	return &Service{DB: db, SMS: t, Provider: payment.NewLocal(nil)}
}

// ErrNoSMS: sign-up codes cannot be texted because SMS is not set up.
var ErrNoSMS = fmt.Errorf("%w: sign-up by phone is closed: SMS is not set up on this server", ledger.ErrConflict)

// CodeText is the text carrying a sign-up code, in lang (zh-CN or en).
func CodeText(lang, code string) string {
	mins := strconv.Itoa(int(lshop.CodeTTL.Minutes()))
	if lang == "en" {
		return "Your Downline sign-up code is " + code + ". It is good for " + mins + " minutes. Never share it."
	}
	return "您的 Downline 注册验证码是 " + code + "，" + mins + " 分钟内有效。请勿告诉他人。"
}

// SendCode texts a new sign-up code to phone, asked for from client (an
// address): the code is kept (hashed) only if Twilio took the text.
//
// Errors: those of lshop.IssueCode (a malformed phone, a rate limit with
// its wait); ErrNoSMS; a failed send.
func (s *Service) SendCode(ctx context.Context, phone, client, lang string) (lshop.Issued, error) {
	if s.SMS == nil {
		return lshop.Issued{}, ErrNoSMS
	}
	var is lshop.Issued
	err := s.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		if is, err = lshop.IssueCode(ctx, tx, phone, client); err != nil {
			return err
		}
		if _, err := s.SMS.Send(is.Phone, CodeText(lang, is.Code), ""); err != nil {
			return fmt.Errorf("text the code to %s: %w", is.Phone, err)
		}
		return nil
	})
	is.Code = "" // for the phone only
	return is, err
}

// StartPayment opens (or finds) the payment of order no at the provider
// and returns it with where the visitor pays.
func (s *Service) StartPayment(ctx context.Context, no string) (lshop.Payment, string, error) {
	var p lshop.Payment
	err := s.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		p, err = lshop.OpenPayment(ctx, tx, no, s.Provider.Name())
		return err
	})
	if err != nil {
		return p, "", err
	}
	u, err := s.Provider.Start(ctx, payment.Charge{Ref: p.Ref, Order: p.Order, Amount: p.Amount})
	return p, u, err
}

// Callback takes a provider's callback: the signature must verify; a paid
// event records the order's payment, once however often it comes.
//
// Errors: payment.ErrSignature (wrapped in ledger.ErrForbidden); the
// errors of lshop.Paid.
func (s *Service) Callback(ctx context.Context, provider string, body []byte, signature string) (lshop.Payment, error) {
	if provider != s.Provider.Name() {
		return lshop.Payment{}, fmt.Errorf("%w: no payment provider %q", ledger.ErrNotFound, provider)
	}
	ev, err := s.Provider.Verify(body, signature)
	if errors.Is(err, payment.ErrSignature) {
		return lshop.Payment{}, fmt.Errorf("%w: %v", ledger.ErrForbidden, err)
	}
	if err != nil {
		return lshop.Payment{}, fmt.Errorf("%w: %v", ledger.ErrInvalid, err)
	}
	if ev.Status != "paid" {
		return lshop.GetPayment(ctx, s.DB.Pool, ev.Ref)
	}
	var p lshop.Payment
	err = s.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		p, err = lshop.Paid(ctx, tx, ev.Ref, ev.Amount)
		return err
	})
	return p, err
}

// PayLocal is the local provider's pay button: it sends the callback a
// gateway would, signed, through Callback.
//
// Errors: ledger.ErrNotFound when the provider is not the local one or
// the payment is unknown.
func (s *Service) PayLocal(ctx context.Context, ref string) (lshop.Payment, error) {
	l, ok := s.Provider.(*payment.Local)
	if !ok {
		return lshop.Payment{}, fmt.Errorf("%w: payments here go through %s", ledger.ErrNotFound, s.Provider.Name())
	}
	p, err := lshop.GetPayment(ctx, s.DB.Pool, ref)
	if err != nil {
		return p, err
	}
	body, sig := l.Callback(ref, p.Amount)
	return s.Callback(ctx, l.Name(), body, sig)
}

// CartCookie holds the random value that names a visitor's cart.
const CartCookie = "downline_cart"

// CartToken is the visitor's cart cookie, set (for 90 days) when there is
// none. The cart is kept on the server under a hash of it: the shop's
// pages run no script, so the browser's storage is out of reach, and the
// cart follows the visitor from visit to visit and through sign-up.
func CartToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(CartCookie); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	token := user.NewToken()
	http.SetCookie(w, &http.Cookie{Name: CartCookie, Value: token, Path: "/", MaxAge: 90 * 24 * 3600,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return token
}

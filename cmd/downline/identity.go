package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osuser "os/user"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"downline/ledger"
	"downline/ledger/user"
)

// Who a settlement command acts as. A name typed on the command line is not
// an identity (anyone can type "finance2"), so the four-eyes rules, which
// compare who ran, adjusted and approved a period, need one of these:
//
//   - a Downline user signed in with a password: --as LOGIN, the password
//     from $DOWNLINE_PASSWORD (for scripts) or asked for on the terminal;
//   - a Downline session token (POST /api/v1/sessions) in $DOWNLINE_TOKEN;
//   - otherwise the operating-system user running the command.
//
// A Downline user is recorded as the API records them ("user:LOGIN"), so one
// person is one identity from the command line and over HTTP; the
// operating-system user is recorded as "os:NAME", so two commands run by
// the same account are one person, never two.
const (
	passwordEnv = "DOWNLINE_PASSWORD"
	tokenEnv    = "DOWNLINE_TOKEN"
)

// actor holds the --as flag of a command.
type actor struct{ login string }

// actorFlag gives cmd --as.
func actorFlag(cmd *cobra.Command) *actor {
	a := &actor{}
	cmd.Flags().StringVar(&a.login, "as", "", "act as this Downline finance user, signed in with their password ($"+passwordEnv+
		" or asked for); without it, the user of the session token in $"+tokenEnv+", or else the operating-system user (os:NAME)")
	return a
}

// who authenticates the command's actor against db and returns how the
// ledger records them.
//
// Errors: ledger.ErrForbidden for a wrong password, an unknown or disabled
// login, a dead token, or a user who is not in finance.
func (a *actor) who(cmd *cobra.Command, db *ledger.DB) (string, error) {
	ctx := cmd.Context()
	switch {
	case a.login != "":
		password, err := a.password(cmd)
		if err != nil {
			return "", err
		}
		u, err := user.Authenticate(ctx, db.Pool, a.login, password)
		if errors.Is(err, user.ErrBadCredentials) {
			return "", fmt.Errorf("%w: --as %s: wrong login or password", ledger.ErrForbidden, a.login)
		}
		if err != nil {
			return "", err
		}
		return finance(u)
	case os.Getenv(tokenEnv) != "":
		return tokenUser(ctx, db, os.Getenv(tokenEnv))
	}
	u, err := osuser.Current()
	if err != nil || u.Username == "" {
		return "", fmt.Errorf("who runs this command: no operating-system user (%v); sign in with --as LOGIN", err)
	}
	return "os:" + u.Username, nil
}

// password is the password of --as: $DOWNLINE_PASSWORD, or asked for
// (without echo on a terminal, else one line of standard input).
func (a *actor) password(cmd *cobra.Command) (string, error) {
	if p, ok := os.LookupEnv(passwordEnv); ok {
		return p, nil
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "password of %s: ", a.login)
	defer fmt.Fprintln(cmd.ErrOrStderr())
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		return string(b), err
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", fmt.Errorf("read the password of %s (or set $%s): %w", a.login, passwordEnv, err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// tokenUser is the user of a live session token.
func tokenUser(ctx context.Context, db *ledger.DB, token string) (string, error) {
	s, err := user.Lookup(ctx, db.Pool, token)
	if errors.Is(err, user.ErrNoSession) {
		return "", fmt.Errorf("%w: $%s: no live session has this token; sign in again", ledger.ErrForbidden, tokenEnv)
	}
	if err != nil {
		return "", err
	}
	return finance(s.User)
}

// finance records u, who must be a finance user (as the API's settlement
// routes require).
func finance(u user.User) (string, error) {
	if u.Role != user.Finance {
		return "", fmt.Errorf("%w: %s is a %s user; settlements are run, adjusted, approved and paid by finance", ledger.ErrForbidden, u.Login, u.Role)
	}
	return staff(u.Login), nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/deskmine/deskmine/ticketcore/auth"
)

var nonLogin = regexp.MustCompile(`[^a-zA-Z0-9._@-]+`)

// cmdToken creates an API token for a (new or existing) account named NAME.
func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: deskmine token create --data DIR --role ROLE --name NAME")
	}
	var role, name string
	cfg, _, err := parseConfig("token create", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&role, "role", "", "role of the account: admin, manager, agent, reviewer or client")
		fs.StringVar(&name, "name", "", "account name (an existing login, or a new account)")
	})
	if err != nil {
		return err
	}
	if name == "" {
		return usagef("--name is required")
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		return usagef("--role: %v", err)
	}
	login := strings.Trim(nonLogin.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if login == "" {
		return usagef("--name must contain letters or digits")
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.auth.Store().UserByLogin(ctx, login)
	switch {
	case errors.Is(err, auth.ErrNotFound):
		u, err = a.auth.CreateUser(ctx, auth.NewUser{Login: login, Name: name, Role: string(r)})
		if err != nil {
			var fe *auth.FieldError
			if errors.As(err, &fe) {
				return usagef("%v", err)
			}
			return err
		}
		fmt.Fprintf(stderr, "created account %s (%s)\n", u.Login, u.Role)
	case err != nil:
		return err
	case u.Role != r:
		return usagef("account %s exists with role %s, not %s", u.Login, u.Role, r)
	}
	secret, _, err := a.auth.CreateToken(ctx, u.ID, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// cmdUser creates a login account for the web UI.
func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: deskmine user create --data DIR --login LOGIN --role ROLE [--name NAME] [--password-stdin]")
	}
	var login, role, name string
	var pwStdin bool
	cfg, _, err := parseConfig("user create", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&login, "login", "", "login name")
		fs.StringVar(&role, "role", "", "role: admin, manager, agent, reviewer or client")
		fs.StringVar(&name, "name", "", "display name")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	})
	if err != nil {
		return err
	}
	var password string
	if pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return usagef("the password on standard input is empty")
		}
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.auth.CreateUser(ctx, auth.NewUser{Login: login, Name: name, Role: role, Password: password})
	if err != nil {
		var fe *auth.FieldError
		if errors.As(err, &fe) {
			return usagef("%v", err)
		}
		return err
	}
	fmt.Fprintf(stdout, "created user %d %s (%s)\n", u.ID, u.Login, u.Role)
	return nil
}

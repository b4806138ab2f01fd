package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	officepage "github.com/docketd/docketd/office"
)

// minPassword is the shortest password `staff hash` takes: NIST SP 800-63B's floor for a memorised secret chosen by
// its user.
const minPassword = 8

// cmdStaff is `docketd staff hash`: it reads a password and prints the argon2id hash a [[staff]] entry's
// password_hash takes. On a terminal the password is asked twice and not shown; from a pipe, the first line is it.
func cmdStaff(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "hash" {
		args = args[1:]
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return usageErrorf("staff: unknown subcommand %q (the one there is: hash)", args[0])
	}
	f := e.newFlags("staff hash", "", false, false)
	f.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: docketd staff hash")
		fmt.Fprintln(e.stderr, "\nReads a password (asked twice without echo on a terminal, else the first line of "+
			"stdin) and prints\nits argon2id hash for a [[staff]] entry's password_hash. The password is not stored "+
			"anywhere.")
		fmt.Fprintln(e.stderr, "\nOptions:")
		f.PrintDefaults()
	}
	if err := f.parse(args); err != nil {
		return err
	}
	in := e.stdin
	if in == nil {
		in = os.Stdin
	}
	pw, err := readPassword(in, e.stderr)
	if err != nil {
		return err
	}
	if len([]rune(pw)) < minPassword {
		return usageErrorf("staff hash: a password needs at least %d characters", minPassword)
	}
	hash, err := officepage.HashPassword(pw)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, hash)
	return err
}

// readPassword reads the password from a terminal without echo (twice, to catch a typo), or the first line of in.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(prompt, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", &exitError{code: exitUsage, err: errors.New("staff hash: the two passwords differ")}
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

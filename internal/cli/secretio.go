package cli

import (
	"bufio"
	"io"
	"strings"
)

// readSecretLine reads one line (a token or a link) from r.
func readSecretLine(r io.Reader) (string, error) {
	s, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", usagef("cannot read stdin: %v", err)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", usagef("nothing on stdin: give the token or the link")
	}
	return s, nil
}

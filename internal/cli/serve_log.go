package cli

import (
	"io"
	"log/slog"

	"github.com/umontpellier/scolpass/internal/web"
)

// serveLogger is serve's log on stderr: slog's text or JSON handler, with
// the request id on every line written for a request.
func serveLogger(w io.Writer, format string) (*slog.Logger, error) {
	var h slog.Handler
	switch format {
	case "", "text":
		h = slog.NewTextHandler(w, nil)
	case "json":
		h = slog.NewJSONHandler(w, nil)
	default:
		return nil, usagef("--log-format must be text or json, not %q", format)
	}
	return slog.New(web.WithRequestIDs(h)), nil
}

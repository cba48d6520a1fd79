package web

import (
	"context"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// healthz answers while the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database is reachable and its schema current,
// 503 otherwise: a load balancer sends no student to an instance that
// cannot serve them.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.opt.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.opt.Ready(ctx); err != nil {
			// The cause is the operator's, in the log; a client learns
			// nothing of the database.
			s.opt.Logger.Error("not ready", "err", err.Error())
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}

// staticHandler serves the stylesheet and the script; a directory, its
// index included, is not found (no listing of what the site embeds).
func (s *Server) staticHandler() http.Handler {
	files := staticFS()
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Path
		if fi, err := fs.Stat(files, name); name == "" || strings.HasSuffix(name, "/") || err != nil || fi.IsDir() {
			s.errorPage(w, r, http.StatusNotFound, "error.not_found")
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}

package passpdf

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// PendingFile is a file written in two phases: first completely to a
// temporary file beside its final path (mode 0600), then, once the caller
// has committed what the file describes, moved into place. Until Commit the
// final path is untouched; Abort removes every trace.
type PendingFile struct {
	path, tmp string
	force     bool
	f         *os.File
	w         *bufio.Writer
	done      bool
}

// NewPendingFile starts a pending file for path. It fails if path exists
// and !force ("… already exists (use --force to overwrite)", an error that
// wraps fs.ErrExist), or if its
// directory is missing or not writable.
func NewPendingFile(path string, force bool) (*PendingFile, error) {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("%s already exists (use --force to overwrite): %w", path, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checking %s: %w", path, err)
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// CreateTemp makes the file with mode 0600, never readable by others.
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return &PendingFile{path: path, tmp: f.Name(), force: force, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// Write appends to the temporary file.
func (p *PendingFile) Write(b []byte) (int, error) { return p.w.Write(b) }

// Finish flushes, syncs and closes the temporary file: after it returns nil
// the content is on disk, only the rename is left.
func (p *PendingFile) Finish() error {
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", p.path, err)
	}
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", p.path, err)
	}
	if err := p.f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", p.path, err)
	}
	p.f, p.w = nil, nil // no file descriptor or buffer held until Commit
	return nil
}

// Commit moves the finished file into place. Without force it refuses to
// replace a file that appeared meanwhile (a hard link fails where a rename
// would silently replace).
func (p *PendingFile) Commit() error {
	if p.f != nil {
		if err := p.Finish(); err != nil {
			return err
		}
	}
	p.done = true
	if p.force {
		if err := os.Rename(p.tmp, p.path); err != nil {
			return fmt.Errorf("moving %s into place: %w (the content is in %s)", p.path, err, p.tmp)
		}
	} else if err := os.Link(p.tmp, p.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s appeared meanwhile: the content is in %s", p.path, p.tmp)
		}
		if err := os.Rename(p.tmp, p.path); err != nil {
			return fmt.Errorf("moving %s into place: %w (the content is in %s)", p.path, err, p.tmp)
		}
	} else {
		os.Remove(p.tmp)
	}
	if d, err := os.Open(filepath.Dir(p.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Abort removes the temporary file; the final path is untouched. It is a
// no-op after Commit.
func (p *PendingFile) Abort() {
	if p.done {
		return
	}
	p.done = true
	if p.f != nil {
		p.f.Close()
	}
	os.Remove(p.tmp)
}

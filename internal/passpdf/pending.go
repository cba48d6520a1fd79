package passpdf

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// PendingFile is a file written in two phases: first completely to a
// temporary file beside its final path (mode 0600), then, once the caller
// has committed what the file describes, moved into place. Until Commit the
// final path is untouched; Abort removes every trace.
//
// A pending file that belongs to a batch (NewBatchFile) is named after it,
// ".NAME.pdf.scolpass-BATCH.pending", so that one left behind by a process
// that died between its commit and the renames can be found and finished
// (FindPending).
type PendingFile struct {
	path, tmp string
	force     bool
	f         *os.File
	w         *bufio.Writer
	done      bool
	batch     string
	// MovedTo is where Commit put the file when its final name was taken
	// meanwhile ("" when it went to its final name).
	MovedTo string
}

// pendingSuffix ends the name of a batch's pending file.
const pendingSuffix = ".pending"

// pendingName is the hidden name of path's pending file in batch.
func pendingName(path, batch string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+".scolpass-"+batch+pendingSuffix)
}

// NewBatchFile starts the pending file of path in batch (see PendingFile).
// It fails like NewPendingFile.
func NewBatchFile(path, batch string, force bool) (*PendingFile, error) {
	if err := checkFree(path, force); err != nil {
		return nil, err
	}
	tmp := pendingName(path, batch)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return &PendingFile{path: path, tmp: tmp, force: force, f: f, w: bufio.NewWriterSize(f, 1<<20), batch: batch}, nil
}

func checkFree(path string, force bool) error {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s already exists (use --force to overwrite): %w", path, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checking %s: %w", path, err)
		}
	}
	return nil
}

// Left is a batch's pending file found on disk.
type Left struct {
	Pending string // its hidden name
	Final   string // where it goes
	Batch   string
}

// FindPending lists the pending files of batches left in dir by a run that
// did not finish.
func FindPending(dir string) ([]Left, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Left
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, ".") || !strings.HasSuffix(n, pendingSuffix) || !e.Type().IsRegular() {
			continue
		}
		i := strings.LastIndex(n, ".scolpass-")
		if i < 0 {
			continue
		}
		out = append(out, Left{Pending: filepath.Join(dir, n), Final: filepath.Join(dir, n[1:i]),
			Batch: strings.TrimSuffix(n[i+len(".scolpass-"):], pendingSuffix)})
	}
	return out, nil
}

// Finish moves a left file into place, or beside it when its final name is
// taken ("NAME.BATCH.pdf"), and returns where it went.
func (l Left) Finish() (string, error) {
	p := &PendingFile{path: l.Final, tmp: l.Pending, batch: l.Batch}
	if err := p.Commit(); err != nil {
		return "", err
	}
	if p.MovedTo != "" {
		return p.MovedTo, nil
	}
	return l.Final, nil
}

// NewPendingFile starts a pending file for path. It fails if path exists
// and !force ("… already exists (use --force to overwrite)", an error that
// wraps fs.ErrExist), or if its
// directory is missing or not writable.
func NewPendingFile(path string, force bool) (*PendingFile, error) {
	if err := checkFree(path, force); err != nil {
		return nil, err
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

// Commit moves the finished file into place. Without force it never
// replaces a file that appeared meanwhile (a hard link fails where a rename
// would silently replace): a batch's file then goes beside it, named
// "NAME.BATCH.pdf" (MovedTo says so); another file stays where it is and
// the error names it.
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
		if !errors.Is(err, fs.ErrExist) {
			if err := os.Rename(p.tmp, p.path); err != nil {
				return fmt.Errorf("moving %s into place: %w (the content is in %s)", p.path, err, p.tmp)
			}
		} else if p.batch == "" {
			return fmt.Errorf("%s appeared meanwhile: the content is in %s", p.path, p.tmp)
		} else {
			ext := filepath.Ext(p.path)
			alt := strings.TrimSuffix(p.path, ext) + "." + p.batch + ext
			if err := os.Link(p.tmp, alt); err != nil {
				return fmt.Errorf("%s appeared meanwhile and %s could not be written: %w (the content is in %s)", p.path, alt, err, p.tmp)
			}
			os.Remove(p.tmp)
			p.MovedTo = alt
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

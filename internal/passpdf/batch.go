package passpdf

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Batch is a set of sheets (of one SCOL'PASS batch) written to pending files: complete on disk, yet
// under hidden names until Commit moves them into place. It is how a
// SCOL'PASS batch keeps paper and database in agreement: the sheets are
// written, then the passwords stored, then the files committed.
type Batch struct {
	ID    string
	files []*PendingFile
}

// Moved is a sheet that went beside its final name, taken meanwhile.
type Moved struct{ Final, To string }

// Commit moves every file into place, each one whatever happens to the
// others. It returns the files that had to go beside a final name taken
// meanwhile, and the errors of those that could not move (each names where
// its content is).
func (b *Batch) Commit() (moved []Moved, errs []error) {
	for _, p := range b.files {
		if err := p.Commit(); err != nil {
			errs = append(errs, err)
		} else if p.MovedTo != "" {
			moved = append(moved, Moved{Final: p.path, To: p.MovedTo})
		}
	}
	return moved, errs
}

// Abort removes every pending file.
func (b *Batch) Abort() {
	for _, p := range b.files {
		p.Abort()
	}
}

// WriteOne writes every sheet into one PDF at path, pending until Commit.
// progress receives the number of pages laid out.
func (r *Renderer) WriteOne(batch, path string, force bool, sheets []Sheet, progress func(int)) (*Batch, error) {
	b := &Batch{ID: batch}
	pf, err := NewBatchFile(path, batch, force)
	if err != nil {
		return b, err
	}
	b.files = append(b.files, pf)
	if err := r.WriteSheetsProgress(pf, sheets, progress); err != nil {
		return b, fmt.Errorf("write %s: %w", path, err)
	}
	if err := pf.Finish(); err != nil {
		return b, fmt.Errorf("write %s: %w", path, err)
	}
	return b, nil
}

// WriteEach renders one PDF per sheet into pending files beside paths, on
// every core (pages are independent and the renderer is safe for
// concurrent use). Each file is finished, and its descriptor and buffer
// released, before the next one starts, so memory and open files stay
// bounded by the number of workers. The batch holds every pending file
// created, also on failure, so that the caller can commit or abort them
// all.
func (r *Renderer) WriteEach(batch string, sheets []Sheet, paths []string, force bool, progress func(int)) (*Batch, error) {
	b := &Batch{ID: batch}
	workers := runtime.NumCPU()
	jobs := make(chan int)
	errs := make(chan error, workers)
	var mu sync.Mutex
	var done atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				pf, err := NewBatchFile(paths[i], batch, force)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				b.files = append(b.files, pf)
				mu.Unlock()
				err = r.WriteSheets(pf, sheets[i:i+1])
				if err == nil {
					err = pf.Finish()
				}
				if err != nil {
					errs <- fmt.Errorf("write %s: %w", paths[i], err)
					return
				}
				progress(int(done.Add(1)))
			}
		}()
	}
	var err error
feed:
	for i := range sheets {
		select {
		case jobs <- i:
		case err = <-errs:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return b, err
}

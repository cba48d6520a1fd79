package passpdf

import "io"

// WriteSheetsProgress is WriteSheets with a callback after each page.
func (r *Renderer) WriteSheetsProgress(w io.Writer, sheets []Sheet, progress func(done int)) error {
	err := r.WriteSheets(w, sheets)
	if err == nil && progress != nil {
		progress(len(sheets))
	}
	return err
}

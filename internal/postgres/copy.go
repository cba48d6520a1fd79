package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"time"
	"unsafe"

	"github.com/jmoiron/sqlx"
)

// inConnTx is inTx on a connection of its own, for work that also needs
// the driver connection under the transaction (copyIn).
func (db *DB) inConnTx(ctx context.Context, fn func(conn *sql.Conn, tx *sqlx.Tx) error) error {
	conn, err := db.Connx(ctx)
	if err != nil {
		return mapError(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	if err := fn(conn.Conn, tx); err != nil {
		_ = tx.Rollback()
		return mapError(err)
	}
	return mapError(tx.Commit())
}

// copyIn runs query, a `COPY … FROM STDIN` (text format), on conn (inside
// the transaction open on it) and streams rows to it: next appends one row
// to dst, its fields separated by tabs and written with the append helpers
// below, without a newline, and returns false when there are no more rows
// (then it appends nothing). The rows go out in batches of about 64 KiB,
// without database/sql's conversion of every value of every row.
func copyIn(ctx context.Context, conn *sql.Conn, query string, next func(dst []byte) ([]byte, bool)) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("bulk load: not a database/sql/driver connection")
		}
		st, err := c.Prepare(query)
		if err != nil {
			return err
		}
		defer st.Close()
		cd, ok := st.(interface {
			CopyData(ctx context.Context, line string) (driver.Result, error)
		})
		if !ok {
			return errors.New("bulk load: the database driver cannot stream COPY data")
		}
		buf := make([]byte, 0, 80<<10)
		send := func() error {
			if len(buf) == 0 {
				return nil
			}
			// CopyData copies the batch before it returns, and adds the
			// newline that ends its last row.
			_, err := cd.CopyData(ctx, unsafe.String(&buf[0], len(buf)-1))
			buf = buf[:0]
			return err
		}
		for {
			var more bool
			if buf, more = next(buf); !more {
				break
			}
			buf = append(buf, '\n')
			if len(buf) >= 64<<10 {
				if err := send(); err != nil {
					return err
				}
			}
		}
		if err := send(); err != nil {
			return err
		}
		//lint:ignore SA1019 copyin implements no ExecContext; Exec(nil) ends the COPY and reports its errors
		if _, err := st.Exec(nil); err != nil { //nolint:staticcheck
			return err
		}
		return nil
	})
}

// rowsOf is a copyIn row source for n rows, row k appended by encode.
func rowsOf(n int, encode func(dst []byte, k int) []byte) func([]byte) ([]byte, bool) {
	k := 0
	return func(dst []byte) ([]byte, bool) {
		if k == n {
			return dst, false
		}
		k++
		return encode(dst, k-1), true
	}
}

// appendCopyText appends s as a field of COPY's text format: backslash,
// newline, carriage return and tab escaped.
func appendCopyText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendCopyNull appends COPY's NULL.
func appendCopyNull(dst []byte) []byte { return append(dst, '\\', 'N') }

// appendCopyInt appends an integer field.
func appendCopyInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// appendCopyDate appends a date field, or NULL for the zero time.
func appendCopyDate(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return appendCopyNull(dst)
	}
	return t.AppendFormat(dst, "2006-01-02")
}

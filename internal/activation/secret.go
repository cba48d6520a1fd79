package activation

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// ProvisionalAlphabet is the set of characters a provisional password is
// drawn from: digits and capital letters without the look-alikes 0/O and
// 1/I/L, so that a student can type what is printed on the SCOL'PASS sheet.
const ProvisionalAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// provisionalLen is the number of random characters of a provisional
// password. Each is uniform over the 31 characters of ProvisionalAlphabet,
// worth log2(31) ≈ 4.954 bits, so 14 characters carry ≈ 69.4 bits of entropy
// (the product contract asks for at least 60, we want at least 64).
const provisionalLen = 14

// provisionalGroup is the size of the groups printed between dashes:
// "K7QM-X4TP-9CWD-3R".
const provisionalGroup = 4

// GenerateProvisional returns a fresh provisional password of ≈ 69 bits from
// crypto/rand, printed in groups of four: "K7QM-X4TP-9CWD-3R". The dashes are
// only for reading: NormalizeProvisional drops them before any comparison.
// It fails only if the system random source fails.
func GenerateProvisional() (string, error) {
	const n = len(ProvisionalAlphabet)
	// Rejection sampling: bytes ≥ limit would make some characters more
	// likely than others, so they are thrown away.
	const limit = 256 - 256%n
	chars := make([]byte, 0, provisionalLen)
	buf := make([]byte, 32)
	for len(chars) < provisionalLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("provisional password: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			chars = append(chars, ProvisionalAlphabet[int(b)%n])
			if len(chars) == provisionalLen {
				break
			}
		}
	}
	var sb strings.Builder
	for i, c := range chars {
		if i > 0 && i%provisionalGroup == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(c)
	}
	return sb.String(), nil
}

// NormalizeProvisional returns s in the form provisional passwords are hashed
// and compared in: upper case, without spaces, dashes or other separators a
// student may type while copying the sheet ("k7qm x4tp-9cwd 3r" gives
// "K7QMX4TP9CWD3R").
func NormalizeProvisional(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r), r == '-', r == '‐', r == '‑', r == '–', r == '—', r == '_', r == '.':
			continue
		}
		sb.WriteRune(unicode.ToUpper(r))
	}
	return sb.String()
}

// Provisional passwords are hashed with HMAC-SHA-256 keyed by a random
// per-password salt, not with argon2id, on purpose:
//
//   - they are machine-generated with ≈ 69 bits of entropy. An attacker who
//     steals the database and computes 10^11 SHA-256 a second needs on
//     average 2^68 / 10^11 s ≈ 90 years for ONE account; the salt stops one
//     computation from serving many accounts. Slowing the hash down adds
//     nothing a user-chosen password would need.
//   - they are issued in bulk: 10,000 SCOL'PASS sheets hash in a few
//     milliseconds, where argon2id with 64 MiB would take minutes and
//     gigabytes; they are single use and expire anyway.
//
// Final passwords are chosen by people, have far less entropy, and live for
// years: they use HashPassword (argon2id).
const provisionalScheme = "sha256"

var phcB64 = base64.RawStdEncoding

// provisionalKeyedScheme marks a provisional password hashed under the
// server key (Config.ProvisionalKey): a copy of the database alone is then
// not enough to try candidate passwords against it.
const provisionalKeyedScheme = "sha256k"

// HashProvisional returns the form a provisional password is stored in:
// "sha256$<salt>$<hmac>" (unpadded standard base64), computed on
// NormalizeProvisional(pw) with a fresh 16-byte salt. It panics only if the
// system random source fails (crypto/rand never returns an error on
// supported systems).
func HashProvisional(pw string) string { return HashProvisionalWith(pw, nil) }

// HashProvisionalWith is HashProvisional under the server key: with a key,
// "sha256k$<salt>$<hmac>", the HMAC keyed by key over the salt and the
// normalized password; with a nil key, HashProvisional's form.
func HashProvisionalWith(pw string, key []byte) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	scheme := provisionalScheme
	if key != nil {
		scheme = provisionalKeyedScheme
	}
	sum := provisionalMAC(salt, pw, key)
	return scheme + "$" + phcB64.EncodeToString(salt) + "$" + phcB64.EncodeToString(sum)
}

// VerifyProvisional reports whether pw (as typed: it is normalized first)
// matches stored, a value made by HashProvisional. A malformed stored value
// never matches. The comparison takes the same time wherever the first
// difference lies.
func VerifyProvisional(pw, stored string) bool { return VerifyProvisionalWith(pw, stored, nil) }

// VerifyProvisionalWith is VerifyProvisional for both forms: a value hashed
// under the server key matches only with that key (never without one); a
// value hashed without a key (issued before a key was configured) matches
// whatever the key.
func VerifyProvisionalWith(pw, stored string, key []byte) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 3 || (parts[0] != provisionalScheme && parts[0] != provisionalKeyedScheme) {
		return false
	}
	salt, err := phcB64.DecodeString(parts[1])
	if err != nil || len(salt) == 0 {
		return false
	}
	want, err := phcB64.DecodeString(parts[2])
	if err != nil || len(want) != sha256.Size {
		return false
	}
	if parts[0] == provisionalScheme {
		key = nil
	} else if key == nil {
		provisionalMAC(salt, pw, salt) // the same work, no answer
		return false
	}
	return hmac.Equal(provisionalMAC(salt, pw, key), want)
}

// provisionalMAC is the HMAC-SHA256 of the normalized password: keyed by the
// salt alone, or by the server key over the salt and the password.
func provisionalMAC(salt []byte, pw string, key []byte) []byte {
	if key == nil {
		m := hmac.New(sha256.New, salt)
		m.Write([]byte(NormalizeProvisional(pw)))
		return m.Sum(nil)
	}
	m := hmac.New(sha256.New, key)
	m.Write(salt)
	m.Write([]byte(NormalizeProvisional(pw)))
	return m.Sum(nil)
}

// tokenBytes is the number of random bytes of an emailed link's token:
// 256 bits, twice the 128 the product contract asks for.
const tokenBytes = 32

// NewToken returns a fresh token for an emailed link, 32 random bytes in
// unpadded base64url (43 characters, safe in a URL path), and the hash to
// store in its place: HashToken(token). It fails only if the system random
// source fails.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	for {
		if _, err := rand.Read(b); err != nil {
			return "", nil, fmt.Errorf("token: %w", err)
		}
		token = base64.RawURLEncoding.EncodeToString(b)
		// A bare token given to verify-token must not look like a flag:
		// draw again when it starts with '-' (or '_', for symmetry); one
		// draw in 32, and the token keeps well over 250 random bits.
		if token[0] != '-' && token[0] != '_' {
			return token, HashToken(token), nil
		}
	}
}

// HashToken returns the SHA-256 of the token string, the form tokens are
// stored and looked up in. A token carries 256 random bits, so a fast,
// unsalted hash is enough: nothing can be guessed from it, and the same
// token always gives the same hash, which lets the database find it by
// index. The caller trims what is not the token (spaces, the link around it).
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Argon2Params are the cost parameters of argon2id for final passwords.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2 is the second recommended option of RFC 9106 (§4): argon2id
// with 64 MiB of memory, 3 passes, 4 lanes, a 16-byte salt and a 32-byte
// key. It costs a few tens of milliseconds on a server.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}

// Bounds accepted when reading a stored hash, so that a corrupted or hostile
// value cannot make a verification allocate gigabytes or loop for minutes.
const (
	maxArgon2Memory = 4 * 1024 * 1024 // KiB: 4 GiB
	maxArgon2Time   = 100
	minArgon2Key    = 16
	maxArgon2Key    = 1024
)

// ErrBadPasswordHash is returned by VerifyPassword for a stored value that is
// not an argon2id PHC string it can read.
var ErrBadPasswordHash = errors.New("stored password hash is not a valid argon2id PHC string")

func (p Argon2Params) validate() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxArgon2Memory:
		return fmt.Errorf("argon2id: memory %d KiB out of range", p.Memory)
	case p.Time < 1 || p.Time > maxArgon2Time:
		return fmt.Errorf("argon2id: time %d out of range", p.Time)
	case p.Threads < 1:
		return errors.New("argon2id: at least one thread is needed")
	case p.SaltLen < 8 || p.SaltLen > 1024:
		return fmt.Errorf("argon2id: salt length %d out of range", p.SaltLen)
	case p.KeyLen < minArgon2Key || p.KeyLen > maxArgon2Key:
		return fmt.Errorf("argon2id: key length %d out of range", p.KeyLen)
	}
	return nil
}

// HashPassword hashes a final password with argon2id and a fresh random salt
// and returns it as a PHC string:
// "$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>" (unpadded standard base64).
// It fails if p is out of range or the system random source fails; the
// error never contains the password.
func HashPassword(pw string, p Argon2Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2id salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		phcB64.EncodeToString(salt), phcB64.EncodeToString(key)), nil
}

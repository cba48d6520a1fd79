package activation

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"
)

func TestProvisionalEntropy(t *testing.T) {
	bits := float64(provisionalLen) * math.Log2(float64(len(ProvisionalAlphabet)))
	if bits < 64 {
		t.Fatalf("provisional password carries %.1f bits, want at least 64", bits)
	}
	for _, c := range "0O1IL" {
		if strings.ContainsRune(ProvisionalAlphabet, c) {
			t.Errorf("alphabet contains look-alike %q", c)
		}
	}
}

func TestGenerateProvisional(t *testing.T) {
	format := regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{2}$`)
	seen := map[string]bool{}
	counts := map[rune]int{}
	const n = 3000
	for range n {
		p, err := GenerateProvisional()
		if err != nil {
			t.Fatal(err)
		}
		if !format.MatchString(p) {
			t.Fatalf("%q does not look like XXXX-XXXX-XXXX-XX", p)
		}
		if seen[p] {
			t.Fatalf("duplicate provisional password %q", p)
		}
		seen[p] = true
		for _, r := range NormalizeProvisional(p) {
			counts[r]++
		}
	}
	// Every character of the alphabet shows up, none wildly more than the others.
	want := float64(n*provisionalLen) / float64(len(ProvisionalAlphabet))
	for _, r := range ProvisionalAlphabet {
		if got := float64(counts[r]); got < want*0.75 || got > want*1.25 {
			t.Errorf("character %q drawn %v times, expected about %v", r, got, want)
		}
	}
}

func TestNormalizeProvisional(t *testing.T) {
	tests := []struct{ in, want string }{
		{"K7QM-X4TP-9CWD-3R", "K7QMX4TP9CWD3R"},
		{"k7qm x4tp 9cwd 3r", "K7QMX4TP9CWD3R"},
		{" k7qm–x4tp\t9cwd-3r\n", "K7QMX4TP9CWD3R"},
		{"K7QMX4TP9CWD3R", "K7QMX4TP9CWD3R"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeProvisional(tt.in); got != tt.want {
			t.Errorf("NormalizeProvisional(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHashProvisional(t *testing.T) {
	pw := "K7QM-X4TP-9CWD-3R"
	h1, h2 := HashProvisional(pw), HashProvisional(pw)
	if h1 == h2 {
		t.Fatal("two hashes of the same password are equal: the salt is missing")
	}
	if !strings.HasPrefix(h1, "sha256$") || strings.Count(h1, "$") != 2 {
		t.Fatalf("hash %q is not sha256$salt$hash", h1)
	}
	if strings.Contains(h1, NormalizeProvisional(pw)) {
		t.Fatal("hash contains the password")
	}
	tests := []struct {
		typed  string
		stored string
		want   bool
	}{
		{pw, h1, true},
		{pw, h2, true},
		{"k7qm x4tp 9cwd 3r", h1, true},
		{"K7QMX4TP9CWD3R", h1, true},
		{"K7QM-X4TP-9CWD-3S", h1, false},
		{"K7QM-X4TP-9CWD", h1, false},
		{"", h1, false},
		{pw, "", false},
		{pw, "sha256$$", false},
		{pw, "md5$" + strings.SplitN(h1, "$", 2)[1], false},
		{pw, h1 + "$x", false},
		{pw, strings.TrimSuffix(h1, h1[len(h1)-4:]), false},
	}
	for _, tt := range tests {
		if got := VerifyProvisional(tt.typed, tt.stored); got != tt.want {
			t.Errorf("VerifyProvisional(%q, %q) = %v, want %v", tt.typed, tt.stored, got, tt.want)
		}
	}
}

func BenchmarkHashProvisional(b *testing.B) {
	for b.Loop() {
		HashProvisional("K7QM-X4TP-9CWD-3R")
	}
}

func TestNewToken(t *testing.T) {
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 || len(tok) != 43 {
		t.Fatalf("token %q: %d bytes, %v; want 32 random bytes in base64url", tok, len(raw), err)
	}
	sum := sha256.Sum256([]byte(tok))
	if !bytes.Equal(hash, sum[:]) || !bytes.Equal(HashToken(tok), hash) {
		t.Fatal("hash is not SHA-256 of the token string")
	}
	tok2, hash2, _ := NewToken()
	if tok2 == tok || bytes.Equal(hash, hash2) {
		t.Fatal("two tokens are equal")
	}
}

// cheapArgon2 keeps the tests fast; DefaultArgon2 is exercised once.
var cheapArgon2 = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestDefaultArgon2(t *testing.T) {
	want := Argon2Params{Memory: 65536, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}
	if DefaultArgon2 != want {
		t.Fatalf("DefaultArgon2 = %+v, want RFC 9106 second option %+v", DefaultArgon2, want)
	}
	phc, err := HashPassword("Correct-Horse-7", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(phc) {
		t.Fatalf("PHC string %q", phc)
	}
	ok, err := verifyPassword("Correct-Horse-7", phc)
	if err != nil || !ok {
		t.Fatalf("verifyPassword = %v, %v", ok, err)
	}
}

func TestVerifyPasswordHelper(t *testing.T) {
	pw := "Très-Secret-2026"
	phc, err := HashPassword(pw, cheapArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(phc, pw) {
		t.Fatal("hash contains the password")
	}
	other, _ := HashPassword(pw, cheapArgon2)
	if other == phc {
		t.Fatal("two hashes of one password are equal: the salt is missing")
	}
	f := strings.Split(phc, "$")
	tests := []struct {
		name    string
		pw, phc string
		want    bool
		bad     bool
	}{
		{"right", pw, phc, true, false},
		{"other salt", pw, other, true, false},
		{"wrong", "Tres-Secret-2026", phc, false, false},
		{"empty", "", phc, false, false},
		{"not phc", pw, "sha256$abc$def", false, true},
		{"argon2i", pw, strings.Replace(phc, "argon2id", "argon2i", 1), false, true},
		{"version", pw, strings.Replace(phc, "v=19", "v=16", 1), false, true},
		{"missing param", pw, strings.Replace(phc, ",p=1", "", 1), false, true},
		{"huge memory", pw, strings.Replace(phc, "m=64", "m=99999999", 1), false, true},
		{"bad salt", pw, strings.Join([]string{"", f[1], f[2], f[3], "!!", f[5]}, "$"), false, true},
		{"short key", pw, strings.Join([]string{"", f[1], f[2], f[3], f[4], "AAAA"}, "$"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := verifyPassword(tt.pw, tt.phc)
			if ok != tt.want || (err != nil) != tt.bad {
				t.Fatalf("verifyPassword = %v, %v; want %v, error %v", ok, err, tt.want, tt.bad)
			}
			if err != nil {
				if !errors.Is(err, ErrBadPasswordHash) {
					t.Errorf("error %v is not ErrBadPasswordHash", err)
				}
				if strings.Contains(err.Error(), tt.pw) && tt.pw != "" {
					t.Errorf("error %q contains the password", err)
				}
			}
		})
	}
}

func TestHashPasswordParams(t *testing.T) {
	for _, p := range []Argon2Params{
		{},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 4},
	} {
		if _, err := HashPassword("x", p); err == nil {
			t.Errorf("HashPassword accepted %+v", p)
		}
	}
}

func TestTokensNeverLookLikeFlags(t *testing.T) {
	for i := 0; i < 2000; i++ {
		tok, _, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if tok[0] == '-' || tok[0] == '_' {
			t.Fatalf("token %d starts with %q", i, tok[0])
		}
	}
}

// verifyPassword is VerifyPassword, under the name these tests were
// written with.
func verifyPassword(pw, phc string) (bool, error) { return VerifyPassword(pw, phc) }

// With the server key, a provisional password is hashed under it: it
// matches with the key only, and a sheet hashed before the key was
// configured still matches.
func TestProvisionalUnderServerKey(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	pw := "K7QM-X4TP-9CWD-3R"
	keyed := HashProvisionalWith(pw, key)
	if !strings.HasPrefix(keyed, "sha256k$") {
		t.Fatalf("keyed hash %q", keyed)
	}
	if !VerifyProvisionalWith("k7qm x4tp 9cwd 3r", keyed, key) {
		t.Error("the keyed hash does not match its password (normalized) with the key")
	}
	if VerifyProvisionalWith(pw, keyed, nil) || VerifyProvisional(pw, keyed) {
		t.Error("the keyed hash matches without the key")
	}
	if VerifyProvisionalWith(pw, keyed, []byte("another key, 32 bytes long......")) {
		t.Error("the keyed hash matches under another key")
	}
	if VerifyProvisionalWith("K7QM-X4TP-9CWD-3S", keyed, key) {
		t.Error("a wrong password matches")
	}
	if old := HashProvisional(pw); !VerifyProvisionalWith(pw, old, key) {
		t.Error("a sheet issued before the key no longer matches")
	}
}

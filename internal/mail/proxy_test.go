package mail_test

import (
	"io"
	"net"
	"sync"
	"testing"
)

var (
	proxyMu    sync.Mutex
	proxyConns []net.Conn
)

// newDroppingProxy forwards TCP connections to target; dropAll cuts every
// connection open so far, as a server closing idle clients would.
func newDroppingProxy(t *testing.T, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); dropAll() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			proxyMu.Lock()
			proxyConns = append(proxyConns, c, up)
			proxyMu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func dropAll() {
	proxyMu.Lock()
	defer proxyMu.Unlock()
	for _, c := range proxyConns {
		c.Close()
	}
	proxyConns = nil
}

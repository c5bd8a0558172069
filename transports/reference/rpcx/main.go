// The rpcbench contract as rpcx serves and calls it, with rpcx's own server and client (github.com/smallnest/rpcx),
// its msgpack codec, service "RPCBench" and methods GetObj, SendObj, Fib. An error is the text "Kind: message".
//
//	server PORT ENTRIES WORK_US MAX_BYTES   serves 127.0.0.1:PORT (0: any); prints "listening rpcx://HOST:PORT";
//	                                        exits when its stdin ends (the process that started it is gone)
//	client ADDRESS ENTRIES [SECONDS]        calls a server at HOST:PORT: every call and error, with gzip and with
//	                                        heartbeats too, then getObj for SECONDS; prints one JSON line
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/smallnest/rpcx/client"
	"github.com/smallnest/rpcx/log"
	"github.com/smallnest/rpcx/protocol"
	"github.com/smallnest/rpcx/server"
)

const maxFibN = 35

// Empty is getObj's argument: rpcx needs one, and a struct with no field is what its users pass.
type Empty struct{}

// RPCBench is the contract's service.
type RPCBench struct {
	obj     map[string]int
	entries int
	work    time.Duration
}

func makeObj(side string, entries int) map[string]int {
	m := make(map[string]int, entries)
	for i := 0; i < entries; i++ {
		m[side+":"+strconv.Itoa(i)] = i
	}
	return m
}

func (s *RPCBench) busy() {
	if s.work > 0 {
		for end := time.Now().Add(s.work); time.Now().Before(end); {
		}
	}
}

// GetObj returns the server's object of ENTRIES entries.
func (s *RPCBench) GetObj(ctx context.Context, args *Empty, reply *map[string]int) error {
	s.busy()
	*reply = s.obj
	return nil
}

// SendObj checks the client's object; its reply is nil.
func (s *RPCBench) SendObj(ctx context.Context, args *map[string]int, reply *any) error {
	s.busy()
	if len(*args) != s.entries {
		return fmt.Errorf("ValueError: sendObj: expected %d entries, got %d", s.entries, len(*args))
	}
	for i := 0; i < s.entries; i++ {
		if v, ok := (*args)["client:"+strconv.Itoa(i)]; !ok || v != i {
			return fmt.Errorf("ValueError: sendObj: entry client:%d is not %d", i, i)
		}
	}
	return nil
}

// Fib is the recursive Fibonacci number of n, 0 <= n <= 35. Its argument is decoded as any value, so that a wrong
// one (2.5, "x") is the contract's ValueError rather than the codec's error.
func (s *RPCBench) Fib(ctx context.Context, arg *any, reply *int) error {
	s.busy()
	n, ok := integer(*arg)
	if !ok || n < 0 || n > maxFibN {
		return fmt.Errorf("ValueError: fib(n) needs an integer 0 <= n <= %d, got %v", maxFibN, *arg)
	}
	*reply = fib(int(n))
	return nil
}

// integer is v as a whole number, whichever of MessagePack's number types carried it.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float32:
		return int64(n), float32(int64(n)) == n
	case float64:
		return int64(n), float64(int64(n)) == n
	}
	return 0, false
}

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	log.SetDummyLogger()
	if len(os.Args) < 4 {
		fail(errors.New("usage: server PORT ENTRIES WORK_US MAX_BYTES | client ADDRESS ENTRIES [SECONDS]"))
	}
	var err error
	if os.Args[1] == "server" {
		err = serve(os.Args[2:])
	} else {
		err = call(os.Args[2:])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func ints(args []string) ([]int, error) {
	out := make([]int, len(args))
	for i, a := range args {
		v, err := strconv.Atoi(a)
		if err != nil {
			return nil, fmt.Errorf("not a number: %q", a)
		}
		out[i] = v
	}
	return out, nil
}

func serve(args []string) error {
	if len(args) != 4 {
		return errors.New("usage: server PORT ENTRIES WORK_US MAX_BYTES")
	}
	v, err := ints(args)
	if err != nil {
		return err
	}
	protocol.MaxMessageLength = v[3]
	s := server.NewServer()
	svc := &RPCBench{obj: makeObj("server", v[1]), entries: v[1], work: time.Duration(v[2]) * time.Microsecond}
	if err := s.RegisterName("RPCBench", svc, ""); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(v[0]))) }()
	for s.Address() == nil {
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Millisecond):
		}
	}
	fmt.Printf("listening rpcx://%s\n", s.Address())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	s.Close()
	return nil
}

// outcome is what the client saw, for the test that runs it to check.
type outcome struct {
	GetObj       map[string]int `json:"getObj"`
	SendObj      any            `json:"sendObj"`
	Fib          int            `json:"fib"`
	FibGzip      int            `json:"fibGzip"`
	FibError     string         `json:"fibError"`
	UnknownError string         `json:"unknownError"`
	SendError    string         `json:"sendError"`
	Calls        int            `json:"calls"`
}

func call(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: client ADDRESS ENTRIES [SECONDS]")
	}
	entries, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	seconds := 0.0
	if len(args) > 2 {
		if seconds, err = strconv.ParseFloat(args[2], 64); err != nil {
			return err
		}
	}
	c, err := connect(args[0], protocol.None, false)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second+time.Duration(seconds*float64(time.Second)))
	defer cancel()
	var out outcome
	if err := c.Call(ctx, "RPCBench", "GetObj", &Empty{}, &out.GetObj); err != nil {
		return fmt.Errorf("GetObj: %w", err)
	}
	if err := c.Call(ctx, "RPCBench", "SendObj", makeObj("client", entries), &out.SendObj); err != nil {
		return fmt.Errorf("SendObj: %w", err)
	}
	n := 20
	if err := c.Call(ctx, "RPCBench", "Fib", &n, &out.Fib); err != nil {
		return fmt.Errorf("Fib: %w", err)
	}
	var ignored any
	out.FibError = errorText(c.Call(ctx, "RPCBench", "Fib", maxFibN+5, &ignored))
	out.UnknownError = errorText(c.Call(ctx, "RPCBench", "Nope", &Empty{}, &ignored))
	out.SendError = errorText(c.Call(ctx, "RPCBench", "SendObj", map[string]int{"client:0": 7}, &ignored))
	if out.FibGzip, err = gzipAndHeartbeats(args[0], ctx); err != nil {
		return err
	}
	for end := time.Now().Add(time.Duration(seconds * float64(time.Second))); time.Now().Before(end); out.Calls++ {
		var obj map[string]int
		if err := c.Call(ctx, "RPCBench", "GetObj", &Empty{}, &obj); err != nil || len(obj) != entries {
			return fmt.Errorf("GetObj, call %d: %v (%d entries)", out.Calls, err, len(obj))
		}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func connect(address string, compress protocol.CompressType, heartbeat bool) (*client.Client, error) {
	opt := client.DefaultOption
	opt.ConnectTimeout = 10 * time.Second
	opt.CompressType = compress
	if heartbeat {
		opt.Heartbeat = true
		opt.HeartbeatInterval = 50 * time.Millisecond
		opt.MaxWaitForHeartbeat = 200 * time.Millisecond
	}
	c := client.NewClient(opt)
	if err := c.Connect("tcp", address); err != nil {
		return nil, fmt.Errorf("connect %s: %w", address, err)
	}
	return c, nil
}

// gzipAndHeartbeats calls Fib(20) gzipped on a client that sends heartbeats, after enough of them that a server which
// ignored them would have been given up (the client closes its connection on a heartbeat left unanswered).
func gzipAndHeartbeats(address string, ctx context.Context) (int, error) {
	c, err := connect(address, protocol.Gzip, true)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	time.Sleep(500 * time.Millisecond)
	n, reply := 20, 0
	if err := c.Call(ctx, "RPCBench", "Fib", &n, &reply); err != nil {
		return 0, fmt.Errorf("Fib, gzipped, after heartbeats: %w", err)
	}
	return reply, nil
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

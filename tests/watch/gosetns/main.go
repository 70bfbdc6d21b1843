// gosetns [--lock] PATH: the Go form of the bug (Go issue 20676), for
// tests/cli/watch.bats. Without --lock, setns() into the namespace at PATH
// without runtime.LockOSThread() and start goroutines: the runtime makes
// new threads from the switched one. With --lock, the goroutine that
// switches locks its thread first and ends without unlocking it, so the
// runtime discards the thread; new threads come from the template thread.
// Prints "pid N" first. Go's standard library only.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// The syscall package has no SYS_SETNS on amd64 (x/sys/unix does; this
// builds offline with the standard library alone).
var sysSetns = map[string]uintptr{"amd64": 308, "arm64": 268, "386": 346}[runtime.GOARCH]

func setns(fd int) {
	if _, _, e := syscall.RawSyscall(sysSetns, uintptr(fd), syscall.CLONE_NEWNET, 0); e != 0 {
		fmt.Fprintln(os.Stderr, "gosetns: setns:", e)
		os.Exit(1)
	}
}

// Goroutines that block in read(2) on a pipe, started one at a time from
// the calling goroutine, which spins between them rather than sleep, to stay
// on its thread. Each ties up a thread in the kernel, so the runtime soon
// has no idle thread left and starts the next one from the thread that
// asks: the switched one. Closing the pipe lets them all return.
func work() {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		fmt.Fprintln(os.Stderr, "gosetns:", err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b [1]byte
			syscall.Read(p[0], b[:])
		}()
		for end := time.Now().Add(2 * time.Millisecond); time.Now().Before(end); {
		}
	}
	syscall.Close(p[1])
	wg.Wait()
}

func main() {
	lock := len(os.Args) == 3 && os.Args[1] == "--lock"
	if len(os.Args) != 2 && !lock {
		fmt.Fprintln(os.Stderr, "Usage: gosetns [--lock] PATH")
		os.Exit(2)
	}
	fmt.Println("pid", os.Getpid())
	fd, err := syscall.Open(os.Args[len(os.Args)-1], syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gosetns:", err)
		os.Exit(1)
	}
	if !lock {
		setns(fd)
		work()
		return
	}
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // no UnlockOSThread: the thread dies with the goroutine
		setns(fd)
		work()
		close(done)
	}()
	<-done
}

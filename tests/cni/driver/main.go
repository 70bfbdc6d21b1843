// cni-driver: runs a CNI network configuration through libcni, the library
// containerd and CRI-O use, so the tests exercise the plugins with a real
// client rather than a mock of one.
//
//	cni-driver [options] add|check|del CONFIG CONTAINERID NETNS IFNAME
//	cni-driver versions
//
// CONFIG is a conflist or a single network config (a file, or - for stdin).
// add prints the result JSON on stdout; check and del print nothing. Any
// error goes to stderr, one line, and the exit status is 1 (2 for usage).
// versions prints the spec versions this libcni speaks, as a JSON array.
//
// Built in GOPATH mode against Debian's golang-github-appc-cni-dev, offline:
// see the cni-driver target in the Makefile.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

const usage = `usage: cni-driver [options] add|check|del CONFIG CONTAINERID NETNS IFNAME
       cni-driver versions
options:
  -path DIRS      plugin directories, colon-separated (default $CNI_PATH)
  -cache-dir DIR  libcni's result cache (required: never /var/lib/cni)
  -args K=V;...   CNI_ARGS
  -cap JSON       capability arguments, e.g. {"portMappings":[...]}
`

func fail(status int, format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "cni-driver: "+format+"\n", a...)
	os.Exit(status)
}

func readConfig(name string) (*libcni.NetworkConfigList, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, ok := probe["plugins"]; ok {
		return libcni.ConfListFromBytes(data)
	}
	conf, err := libcni.ConfFromBytes(data)
	if err != nil {
		return nil, err
	}
	return libcni.ConfListFromConf(conf)
}

// parseArgs turns "K=V;K=V" into libcni's [][2]string.
func parseArgs(s string) ([][2]string, error) {
	var out [][2]string
	if s == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-args: %q is not KEY=VALUE", kv)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

func main() {
	flag.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	path := flag.String("path", os.Getenv("CNI_PATH"), "")
	cacheDir := flag.String("cache-dir", "", "")
	cniArgs := flag.String("args", "", "")
	capArgs := flag.String("cap", "", "")
	flag.Parse()
	argv := flag.Args()

	if len(argv) == 1 && argv[0] == "versions" {
		out, _ := json.Marshal(version.All.SupportedVersions())
		fmt.Println(string(out))
		return
	}
	if len(argv) != 5 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd := argv[0]
	if cmd != "add" && cmd != "check" && cmd != "del" {
		fail(2, "unknown command %q (add, check, del, versions)", cmd)
	}
	if *cacheDir == "" {
		fail(2, "-cache-dir is required")
	}
	if *path == "" {
		fail(2, "no plugin directories: set -path or CNI_PATH")
	}

	list, err := readConfig(argv[1])
	if err != nil {
		fail(1, "config: %v", err)
	}
	args, err := parseArgs(*cniArgs)
	if err != nil {
		fail(2, "%v", err)
	}
	rt := &libcni.RuntimeConf{
		ContainerID: argv[2],
		NetNS:       argv[3],
		IfName:      argv[4],
		Args:        args,
	}
	if *capArgs != "" {
		if err := json.Unmarshal([]byte(*capArgs), &rt.CapabilityArgs); err != nil {
			fail(2, "-cap: %v", err)
		}
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(*path), *cacheDir, nil)
	ctx := context.Background()

	switch cmd {
	case "add":
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail(1, "add: %s", describe(err))
		}
		out, err := json.Marshal(res)
		if err != nil {
			fail(1, "add: result: %v", err)
		}
		fmt.Println(string(out))
	case "check":
		if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
			fail(1, "check: %s", describe(err))
		}
	case "del":
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			fail(1, "del: %s", describe(err))
		}
	}
}

// describe flattens err to one line and names the spec's error code when a
// plugin returned its error JSON.
func describe(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	var te *types.Error
	if errors.As(err, &te) {
		return fmt.Sprintf("%s (code %d)", msg, te.Code)
	}
	return msg
}

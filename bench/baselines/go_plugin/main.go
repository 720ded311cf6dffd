// The Go baseline: a minimal kubelet credential provider as one would write it in Go with the
// standard library: decode the request (encoding/json), read a password file, encode the response.
// Usage: go_plugin USERNAME PASSWORD_FILE REGISTRY_KEY < request.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

type request struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Image      string `json:"image"`
}

type authConfig struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type response struct {
	Kind          string                `json:"kind"`
	APIVersion    string                `json:"apiVersion"`
	CacheKeyType  string                `json:"cacheKeyType"`
	CacheDuration string                `json:"cacheDuration"`
	Auth          map[string]authConfig `json:"auth"`
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go_plugin USERNAME PASSWORD_FILE REGISTRY_KEY")
		os.Exit(1)
	}
	var req request
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "go_plugin: bad request:", err)
		os.Exit(1)
	}
	if req.Kind != "CredentialProviderRequest" || req.Image == "" {
		fmt.Fprintln(os.Stderr, "go_plugin: not a CredentialProviderRequest")
		os.Exit(1)
	}
	pw, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_plugin:", err)
		os.Exit(1)
	}
	resp := response{
		Kind:          "CredentialProviderResponse",
		APIVersion:    req.APIVersion,
		CacheKeyType:  "Registry",
		CacheDuration: "5m",
		Auth: map[string]authConfig{
			os.Args[3]: {Username: os.Args[1], Password: strings.TrimRight(string(pw), "\r\n")},
		},
	}
	if err := json.NewEncoder(os.Stdout).Encode(resp); err != nil {
		os.Exit(1)
	}
}

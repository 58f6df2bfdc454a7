// gojose_verify verifies a mod_teleport_jwt token with go-jose, an
// implementation that is not ours, checking what Teleport's example
// verifier (examples/jwt/verify-jwt.go in Teleport's repository) checks:
// the signature with a key from the JWKS, then issuer, subject (when
// given), audience and time, with go-jose's default leeway of 1 minute
// (-leeway to change it; -now T verifies on a faked clock that reads T,
// Unix seconds, through jwt.Expected's Time).
// Unlike that example it takes the key named by the token's kid rather
// than the first key of the set, so that it works during a key rotation.
//
// Built offline from Debian's packages, in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build gojose_verify.go
//
// (golang-go, golang-gopkg-square-go-jose.v2-dev). Usage:
//
//	gojose_verify -jwks-url URL -issuer ISS -audience AUD [-subject SUB]
//	              [-leeway D] [-now T] TOKEN
//
// On success prints the verified header and claims as JSON and exits 0;
// otherwise prints why to stderr and exits 1.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	jose "gopkg.in/square/go-jose.v2"
	"gopkg.in/square/go-jose.v2/jwt"
)

// The claim set Teleport signs (see Teleport's example verifier).
type claims struct {
	jwt.Claims
	Username string              `json:"username"`
	Roles    []string            `json:"roles"`
	Traits   map[string][]string `json:"traits"`
}

// The algorithms mod_teleport_jwt signs with; a token may not pick another.
var algorithms = map[string]bool{"RS256": true, "ES256": true, "EdDSA": true}

func fetchJWKS(url string) (*jose.JSONWebKeySet, error) {
	client := &http.Client{
		Timeout: 10 * time.Second,
		// The JWKS is on loopback here; never through a proxy.
		Transport: &http.Transport{Proxy: nil},
	}
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, fmt.Errorf("JWKS at %s: %v", url, err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("no keys found")
	}
	return &set, nil
}

func verify(jwksURL, issuer, subject, audience, token string, now time.Time, leeway time.Duration) (map[string]interface{}, error) {
	tok, err := jwt.ParseSigned(token)
	if err != nil {
		return nil, fmt.Errorf("parse: %v", err)
	}
	if len(tok.Headers) != 1 {
		return nil, errors.New("not a single-signature JWS")
	}
	hdr := tok.Headers[0]
	if !algorithms[hdr.Algorithm] {
		return nil, fmt.Errorf("algorithm %q is not accepted", hdr.Algorithm)
	}
	set, err := fetchJWKS(jwksURL)
	if err != nil {
		return nil, fmt.Errorf("failed to fetch JWKs needed to verify JWT: %v", err)
	}
	keys := set.Key(hdr.KeyID)
	if len(keys) != 1 {
		return nil, fmt.Errorf("the JWKS has %d keys with kid %q", len(keys), hdr.KeyID)
	}
	key := keys[0]
	if key.Algorithm != "" && key.Algorithm != hdr.Algorithm {
		return nil, fmt.Errorf("token alg %s, key alg %s", hdr.Algorithm, key.Algorithm)
	}

	// The signature.
	var out claims
	if err := tok.Claims(key.Key, &out); err != nil {
		return nil, fmt.Errorf("JWT signature verification failed: %v", err)
	}
	// The claims: what Teleport's example validates.
	expected := jwt.Expected{
		Issuer:   issuer,
		Subject:  subject,
		Audience: jwt.Audience{audience},
		Time:     now,
	}
	if err := out.ValidateWithLeeway(expected, leeway); err != nil {
		return nil, fmt.Errorf("claim validation failed: %v", err)
	}
	if out.Expiry == nil || out.NotBefore == nil || out.IssuedAt == nil {
		return nil, errors.New("exp, nbf and iat are required")
	}
	return map[string]interface{}{
		"header":  map[string]string{"alg": hdr.Algorithm, "kid": hdr.KeyID},
		"payload": out,
	}, nil
}

func main() {
	jwksURL := flag.String("jwks-url", "", "URL of the JWKS")
	issuer := flag.String("issuer", "", "expected iss")
	subject := flag.String("subject", "", "expected sub (optional)")
	audience := flag.String("audience", "", "expected aud")
	leeway := flag.Duration("leeway", jwt.DefaultLeeway, "leeway for exp, nbf and iat")
	nowUnix := flag.Int64("now", 0, "the verifier's clock, Unix seconds (0: the real one)")
	flag.Parse()
	if *jwksURL == "" || *issuer == "" || *audience == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gojose_verify -jwks-url URL -issuer ISS -audience AUD [-subject SUB] [-leeway D] [-now T] TOKEN")
		os.Exit(2)
	}
	now := time.Now()
	if *nowUnix != 0 {
		now = time.Unix(*nowUnix, 0)
	}
	res, err := verify(*jwksURL, *issuer, *subject, *audience, flag.Arg(0), now, *leeway)
	if err != nil {
		fmt.Fprintf(os.Stderr, "not verified: %v\n", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

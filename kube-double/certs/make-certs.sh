#!/usr/bin/env bash
# Makes the test-only certificate authorities and server certificates the test doubles serve.
# The keys are for 127.0.0.1 on a test machine and protect nothing. Re-run to replace them all, or name the
# ones to replace:
#   bash kube-double/certs/make-certs.sh [test other proxied public expired elsewhere]
set -euo pipefail
cd "$(dirname "$0")"
days=36500
only=" $* "
wanted() { [ "$only" = "  " ] || [[ "$only" == *" $1 "* ]]; }
make_pair() { # name, CA subject, server names (default 127.0.0.1 and localhost), validity (start end, UTC)
  local name=$1 subject=$2 names=${3:-IP:127.0.0.1,DNS:localhost} start=${4:-} end=${5:-}
  wanted "$name" || return 0
  local extensions
  extensions=$(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$names")
  openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=$subject" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$name-ca-key.pem" -out "$name-ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$name-server-key.pem" -out server.csr 2>/dev/null
  if [ -z "$start" ]; then
    openssl x509 -req -in server.csr -CA "$name-ca.pem" -CAkey "$name-ca-key.pem" -CAcreateserial -days "$days" \
      -extfile <(echo "$extensions") -out "$name-server.pem" 2>/dev/null
  else
    # `x509 -req` takes no start date before OpenSSL 3.4; `openssl ca` does (-startdate, -enddate).
    local ca_dir
    ca_dir=$(mktemp -d)
    touch "$ca_dir/index.txt"
    printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n[server]\n%s\n' \
      "$ca_dir" "$ca_dir" "$ca_dir" "$extensions" >"$ca_dir/ca.cnf"
    openssl ca -batch -config "$ca_dir/ca.cnf" -create_serial -cert "$name-ca.pem" -keyfile "$name-ca-key.pem" \
      -in server.csr -startdate "$start" -enddate "$end" -extensions server -notext -out "$name-server.pem" 2>/dev/null
    rm -rf "$ca_dir"
  fi
  rm -f server.csr "$name-ca.srl" "$name-ca-key.pem"
}
# "test": the CA the doubles normally present; "other": an unrelated CA, for the CA-mismatch tests.
make_pair test "gke-secrets-sync test CA"
make_pair other "gke-secrets-sync other CA"
# "proxied": a server certificate for names only a proxy resolves (the proxy double sends *.proxied.test to
# 127.0.0.1), since Go and so kubectl never proxy localhost or loopback IPs.
make_pair proxied "gke-secrets-sync proxied CA" "DNS:*.proxied.test"
# "public": stands for a publicly trusted root, signing the DNS endpoint of an IP-less GKE cluster (a name
# under gke.goog, which __tests__/doubles/resolve-gke-goog.mjs resolves to 127.0.0.1 in the action's process).
make_pair public "gke-secrets-sync public root CA" "DNS:gke-0123456789abcdef.europe-west4.gke.goog"
# "expired": a certificate for 127.0.0.1 that expired in 2001 (its CA is valid), for CERT_HAS_EXPIRED.
make_pair expired "gke-secrets-sync expired CA" "IP:127.0.0.1,DNS:localhost" 20000101000000Z 20010101000000Z
# "elsewhere": a control plane's certificate for its own addresses, not 127.0.0.1 (as one reached through a
# tunnel or another IP sees it), for ERR_TLS_CERT_ALTNAME_INVALID; `tls-server-name: kubernetes.default` fixes it.
make_pair elsewhere "gke-secrets-sync elsewhere CA" \
  "IP:34.90.1.2,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"

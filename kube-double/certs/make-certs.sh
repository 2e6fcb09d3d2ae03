#!/usr/bin/env bash
# Makes the test-only certificate authorities and server certificates the test doubles serve.
# The keys are for 127.0.0.1 on a test machine and protect nothing. Re-run to replace them:
#   bash kube-double/certs/make-certs.sh
set -euo pipefail
cd "$(dirname "$0")"
days=36500
make_pair() { # name, CA subject, server names (default 127.0.0.1 and localhost)
  local name=$1 subject=$2 names=${3:-IP:127.0.0.1,DNS:localhost}
  openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/CN=$subject" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$name-ca-key.pem" -out "$name-ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$name-server-key.pem" -out server.csr 2>/dev/null
  openssl x509 -req -in server.csr -CA "$name-ca.pem" -CAkey "$name-ca-key.pem" -CAcreateserial -days "$days" \
    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$names") \
    -out "$name-server.pem" 2>/dev/null
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

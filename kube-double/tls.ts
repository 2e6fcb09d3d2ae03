// Test-only TLS material for the doubles, made by certs/make-certs.sh.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('./certs/', import.meta.url))
const read = (file: string): string => readFileSync(dir + file, 'utf8')

export interface ServerTls {
  /** PEM of the CA that signed `cert`: what a client must trust. */
  caPem: string
  cert: string
  key: string
}

/** The CA the doubles present by default; server certificate for 127.0.0.1 and localhost. */
export const testTls: ServerTls = {
  caPem: read('test-ca.pem'),
  cert: read('test-server.pem'),
  key: read('test-server-key.pem')
}

/** An unrelated CA with its own server certificate, to prove a client refuses a CA it was not given. */
export const otherTls: ServerTls = {
  caPem: read('other-ca.pem'),
  cert: read('other-server.pem'),
  key: read('other-server-key.pem')
}

/** Path of the test CA file, for NODE_EXTRA_CA_CERTS in child processes. */
export const testCaPath = dir + 'test-ca.pem'

/** A CA whose server certificate is for *.proxied.test: names only the proxy double resolves (to 127.0.0.1). */
export const proxiedTls: ServerTls = {
  caPem: read('proxied-ca.pem'),
  cert: read('proxied-server.pem'),
  key: read('proxied-server-key.pem')
}

/**
 * A CA standing for a public root, and the certificate of an IP-less cluster's DNS endpoint it signs (a name
 * under gke.goog; resolve-gke-goog.mjs points it at 127.0.0.1 in a child process).
 */
export const publicTls: ServerTls = {
  caPem: read('public-ca.pem'),
  cert: read('public-server.pem'),
  key: read('public-server-key.pem')
}
/** A certificate for 127.0.0.1 that expired on 1 January 2001, signed by a CA that is valid. */
export const expiredTls: ServerTls = {
  caPem: read('expired-ca.pem'),
  cert: read('expired-server.pem'),
  key: read('expired-server-key.pem')
}

/**
 * A control plane's certificate for its own addresses (34.90.1.2, 10.0.0.1, kubernetes.default, ...) but not
 * 127.0.0.1, as a client that reaches the API server through a tunnel or another IP sees it.
 */
export const elsewhereTls: ServerTls = {
  caPem: read('elsewhere-ca.pem'),
  cert: read('elsewhere-server.pem'),
  key: read('elsewhere-server-key.pem')
}
/** A name the `elsewhere` certificate holds, for the kubeconfig's `tls-server-name`. */
export const ELSEWHERE_SERVER_NAME = 'kubernetes.default'

export const PUBLIC_DNS_ENDPOINT_HOST = 'gke-0123456789abcdef.europe-west4.gke.goog'

/** Loads into a child process (`node --import`) to resolve every name under gke.goog to 127.0.0.1. */
export const resolveGkeGoogPath = fileURLToPath(new URL('./resolve-gke-goog.mjs', import.meta.url))

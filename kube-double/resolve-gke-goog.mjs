// A DNS double for child processes (`node --import`): every name under gke.goog resolves to 127.0.0.1, where
// a test serves an IP-less GKE cluster's DNS endpoint. Other names resolve as usual. Node's net and tls
// connect through dns.lookup unless given their own, and undici gives none.
import dns from 'node:dns'

const lookup = dns.lookup
dns.lookup = function (hostname, ...rest) {
  const name = typeof hostname === 'string' ? hostname.replace(/\.$/, '').toLowerCase() : hostname
  return lookup.call(
    this,
    typeof name === 'string' && name.endsWith('.gke.goog') ? '127.0.0.1' : hostname,
    ...rest
  )
}

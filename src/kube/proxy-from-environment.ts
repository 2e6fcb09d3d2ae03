// Which proxy a Kubernetes request goes through, decided as kubectl decides it. client-go's transport uses
// http.ProxyFromEnvironment (wrapped in apimachinery's NewProxierWithNoProxyCIDR) unless the kubeconfig cluster
// has a `proxy-url`, and Go's ProxyFromEnvironment is golang.org/x/net/http/httpproxy. This file follows
// httpproxy/proxy.go (FromEnvironment, parseProxy, useProxy, config.init, canonicalAddr and the matchers) rule
// for rule: https://github.com/golang/net/blob/master/http/httpproxy/proxy.go
//
// The npm package proxy-from-env (Rob--W/proxy-from-env, index.js) was considered and differs from Go where it
// matters on runners: `foo.com` in NO_PROXY matches only foo.com, not its subdomains; CIDRs are not understood;
// localhost and loopback IPs are proxied; lower-case variables win over upper-case ones; ALL_PROXY is read, which
// kubectl ignores; a proxy without a scheme takes the request's (https://proxy for an https server, where Go
// means http://proxy); and it reads process.env only. No dependency of this action installs it.
// Left out on purpose: Go refuses HTTP_PROXY when REQUEST_METHOD is set (CGI); no action runs as a CGI handler.
import { BlockList, isIP } from 'node:net'
import { domainToASCII } from 'node:url'

export interface ProxyEnvironment {
  httpProxy?: string
  httpsProxy?: string
  noProxy?: string
}

/** FromEnvironment: the upper-case name first, and an empty value counts as unset. */
export function proxyEnvironment(env: NodeJS.ProcessEnv): ProxyEnvironment {
  const first = (...names: string[]): string | undefined => names.map(name => env[name]).find(Boolean)
  return {
    httpProxy: first('HTTP_PROXY', 'http_proxy'),
    httpsProxy: first('HTTPS_PROXY', 'https_proxy'),
    noProxy: first('NO_PROXY', 'no_proxy')
  }
}

/** The proxy URL for a request to `target`, or undefined to connect directly. */
export function proxyForUrl(target: string, environment: ProxyEnvironment): string | undefined {
  const url = new URL(target)
  const proxy =
    url.protocol === 'https:'
      ? parseProxy(environment.httpsProxy)
      : url.protocol === 'http:'
        ? parseProxy(environment.httpProxy)
        : undefined
  if (!proxy) return undefined
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  return useProxy(unbracket(url.hostname), port, environment.noProxy ?? '') ? proxy : undefined
}

/** A full URL, or `host[:port]` meaning http://host[:port]; a value neither parses as is ignored, as Go does. */
function parseProxy(value: string | undefined): string | undefined {
  if (!value) return undefined
  const parsed = URL.parse(value)
  if (parsed && ['http:', 'https:', 'socks5:'].includes(parsed.protocol)) return value
  return URL.parse(`http://${value}`) ? `http://${value}` : undefined
}

function useProxy(host: string, port: string, noProxy: string): boolean {
  // Never proxied, whatever NO_PROXY says.
  if (host === 'localhost' || isLoopback(host)) return false
  const matchers = parseNoProxy(noProxy)
  return !matchers.some(match => match(host.toLowerCase().trim(), port))
}

type Matcher = (host: string, port: string) => boolean

/** config.init: NO_PROXY entries, separated by commas, as IP, CIDR or domain matchers; malformed ones ignored. */
export function parseNoProxy(noProxy: string): Matcher[] {
  const matchers: Matcher[] = []
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase()
    if (entry === '') continue
    if (entry === '*') return [() => true]

    const cidr = parseCidr(entry)
    if (cidr) {
      matchers.push(host => isIP(host) !== 0 && cidr.check(host, ipFamily(host)))
      continue
    }
    const split = splitHostPort(entry)
    if (split && split.host === '') continue
    const entryHost = split ? split.host : entry
    const entryPort = split ? split.port : ''
    const portMatches = (port: string): boolean => entryPort === '' || entryPort === port
    if (isIP(entryHost)) {
      const address = new BlockList()
      address.addAddress(entryHost, ipFamily(entryHost))
      matchers.push(
        (host, port) => isIP(host) !== 0 && address.check(host, ipFamily(host)) && portMatches(port)
      )
      continue
    }
    // `foo.com` matches foo.com and its subdomains; `.foo.com` and `*.foo.com` only the subdomains.
    let suffix = entryHost.startsWith('*.') ? entryHost.slice(1) : entryHost
    const matchHost = !suffix.startsWith('.')
    if (matchHost) suffix = `.${suffix}`
    // Request hosts arrive in punycode (the URL parser converts them), so the entry is converted the same way.
    if (/[^ -~]/.test(suffix)) suffix = `.${domainToASCII(suffix.slice(1)) || suffix.slice(1)}`
    matchers.push(
      (host, port) => (host.endsWith(suffix) || (matchHost && host === suffix.slice(1))) && portMatches(port)
    )
  }
  return matchers
}

/** net.ParseCIDR: an IPv4 or IPv6 address, `/`, a prefix length that fits it. */
function parseCidr(entry: string): BlockList | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(entry)
  if (!match) return undefined
  const [, address, bits] = match as unknown as [string, string, string]
  const family = isIP(address)
  const prefix = Number(bits)
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined
  const list = new BlockList()
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6')
  return list
}

/** net.SplitHostPort: `host:port` or `[v6]:port`; undefined when there is no port or too many colons. */
function splitHostPort(entry: string): { host: string; port: string } | undefined {
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']')
    if (close === -1 || entry[close + 1] !== ':') return undefined
    return { host: entry.slice(1, close), port: entry.slice(close + 2) }
  }
  const colon = entry.lastIndexOf(':')
  if (colon === -1 || entry.indexOf(':') !== colon) return undefined
  return { host: entry.slice(0, colon), port: entry.slice(colon + 1) }
}

/** net.IP.IsLoopback: 127.0.0.0/8 and ::1. */
function isLoopback(host: string): boolean {
  const family = isIP(host)
  if (family === 0) return false
  const loopback = new BlockList()
  loopback.addSubnet('127.0.0.0', 8, 'ipv4')
  loopback.addAddress('::1', 'ipv6')
  return loopback.check(host, ipFamily(host))
}

const ipFamily = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4')
const unbracket = (host: string): string => (host.startsWith('[') ? host.slice(1, -1) : host)

// The cases of Go's own tests for golang.org/x/net/http/httpproxy (proxy_test.go: proxyForURLTests,
// UseProxyTests, TestInvalidNoProxy, TestAllNoProxy), which kubectl's proxy choice rests on, plus the
// environment-variable precedence of FromEnvironment.
import { describe, expect, it } from 'vitest'
import {
  proxyEnvironment,
  proxyForUrl,
  type ProxyEnvironment
} from '../../src/kube/proxy-from-environment.js'

describe('proxyForUrl (httpproxy proxyForURLTests)', () => {
  it.each<[ProxyEnvironment, string, string | undefined]>([
    [{ httpProxy: '127.0.0.1:8080' }, 'http://example.com', 'http://127.0.0.1:8080'],
    [
      { httpProxy: 'cache.corp.example.com:1234' },
      'http://example.com',
      'http://cache.corp.example.com:1234'
    ],
    [{ httpProxy: 'cache.corp.example.com' }, 'http://example.com', 'http://cache.corp.example.com'],
    [{ httpProxy: 'localhost' }, 'http://example.com', 'http://localhost'],
    [{ httpProxy: 'https://cache.corp.example.com' }, 'http://example.com', 'https://cache.corp.example.com'],
    [{ httpProxy: 'http://127.0.0.1:8080' }, 'http://example.com', 'http://127.0.0.1:8080'],
    [{ httpProxy: 'socks5://127.0.0.1' }, 'http://example.com', 'socks5://127.0.0.1'],
    // HTTPS_PROXY for https, HTTP_PROXY for http, nothing for other schemes.
    [
      { httpProxy: 'http.proxy.tld', httpsProxy: 'secure.proxy.tld' },
      'http://insecure.tld/',
      'http://http.proxy.tld'
    ],
    [
      { httpProxy: 'http.proxy.tld', httpsProxy: 'secure.proxy.tld' },
      'https://secure.tld/',
      'http://secure.proxy.tld'
    ],
    [{ httpsProxy: 'https://secure.proxy.tld' }, 'https://secure.tld/', 'https://secure.proxy.tld'],
    [{ httpProxy: 'http.proxy.tld' }, 'https://secure.tld/', undefined],
    [{ httpProxy: 'http.proxy.tld' }, 'ftp://insecure.tld/', undefined],
    [{}, 'http://example.com', undefined],
    [{ noProxy: 'example.com', httpProxy: 'proxy' }, 'http://example.com/', undefined],
    [{ noProxy: '.example.com', httpProxy: 'proxy' }, 'http://example.com/', 'http://proxy'],
    [{ noProxy: 'ample.com', httpProxy: 'proxy' }, 'http://example.com/', 'http://proxy'],
    [{ noProxy: 'example.com', httpProxy: 'proxy' }, 'http://foo.example.com/', undefined],
    [{ noProxy: '.foo.com', httpProxy: 'proxy' }, 'http://example.com/', 'http://proxy'],
    [{ noProxy: '.示例.com', httpProxy: 'proxy' }, 'http://www.示例.com', undefined],
    [{ noProxy: 'xn--fsq092h.com', httpProxy: 'proxy' }, 'http://www.示例.com', undefined],
    [{ noProxy: '示例.com', httpProxy: 'proxy' }, 'http://www.xn--fsq092h.com', undefined],
    // The API server's default port counts for port-qualified entries.
    [{ noProxy: 'api.corp:443', httpsProxy: 'proxy' }, 'https://api.corp', undefined],
    [{ noProxy: 'api.corp:6443', httpsProxy: 'proxy' }, 'https://api.corp', 'http://proxy'],
    [{ noProxy: 'api.corp:6443', httpsProxy: 'proxy' }, 'https://api.corp:6443', undefined]
  ])('%j: %s goes through %s', (environment, url, proxy) => {
    expect(proxyForUrl(url, environment)).toBe(proxy)
  })
})

// Go's UseProxyTests: each host with port 80 against this NO_PROXY.
const NO_PROXY =
  'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64'
const useProxyCases: [string, boolean][] = [
  // Never proxy localhost:
  ['localhost', false],
  ['127.0.0.1', false],
  ['127.0.0.2', false],
  ['[::1]', false],
  ['[::2]', true],
  ['192.168.1.1', false],
  ['192.168.1.2', true],
  ['192.168.1.3', false],
  ['192.168.1.4', true],
  ['10.0.0.2', false],
  ['[2001:db8::52:0:1]', false],
  ['[2001:db8::52:0:2]', true],
  ['[2001:db8::52:0:3]', false],
  ['[2002:db8:a::123]', false],
  ['[fe80::424b:c8be:1643:a1b6]', true],
  ['barbaz.net', true],
  ['www.barbaz.net', false],
  ['foobar.com', false],
  ['www.foobar.com', false],
  ['foofoobar.com', true],
  ['baz.com', true],
  ['localhost.net', true],
  ['local.localhost', true],
  ['barbarbaz.net', true],
  ['wildcard.io', true],
  ['nested.wildcard.io', false],
  ['awildcard.io', true]
]

describe('NO_PROXY (httpproxy UseProxyTests)', () => {
  it.each(useProxyCases)('%s:80 is proxied: %s', (host, proxied) => {
    const proxy = proxyForUrl(`http://${host}:80`, { httpProxy: 'http://proxy', noProxy: NO_PROXY })
    expect(proxy).toBe(proxied ? 'http://proxy' : undefined)
  })

  it.each(useProxyCases)('* bypasses the proxy for %s', host => {
    expect(proxyForUrl(`http://${host}:80`, { httpProxy: 'http://proxy', noProxy: '*' })).toBeUndefined()
  })

  it('ignores a malformed entry', () => {
    expect(proxyForUrl('http://example.com:80', { httpProxy: 'http://proxy', noProxy: ':1' })).toBe(
      'http://proxy'
    )
  })
})

describe('proxyEnvironment (httpproxy FromEnvironment)', () => {
  it.each<[NodeJS.ProcessEnv, ProxyEnvironment]>([
    [
      { HTTP_PROXY: 'a', HTTPS_PROXY: 'b', NO_PROXY: 'c' },
      { httpProxy: 'a', httpsProxy: 'b', noProxy: 'c' }
    ],
    [
      { http_proxy: 'a', https_proxy: 'b', no_proxy: 'c' },
      { httpProxy: 'a', httpsProxy: 'b', noProxy: 'c' }
    ],
    // Upper case first; an empty upper-case value does not hide the lower-case one.
    [
      { HTTPS_PROXY: 'upper', https_proxy: 'lower', NO_PROXY: '', no_proxy: 'lower' },
      { httpProxy: undefined, httpsProxy: 'upper', noProxy: 'lower' }
    ],
    // Variables kubectl does not read.
    [
      { ALL_PROXY: 'x', npm_config_proxy: 'y' },
      { httpProxy: undefined, httpsProxy: undefined, noProxy: undefined }
    ]
  ])('%j', (env, environment) => {
    expect(proxyEnvironment(env)).toEqual(environment)
  })
})

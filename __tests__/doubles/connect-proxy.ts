// An HTTP forward proxy double, what Squid or a corporate egress proxy is to a self-hosted runner: it answers
// `CONNECT host:port` by opening a TCP connection to the target and relaying bytes both ways (RFC 9110 §9.3.6),
// and records every target it was asked for. TLS runs end to end inside the tunnel, so the proxy sees no request.
// Names under `.proxied.test` resolve to 127.0.0.1 here and nowhere else: a request that reaches such a server
// went through this proxy. Any other name is refused with 502 (the proxy does not touch the network); IP
// literals are connected as given. With `credentials`, a tunnel needs `Proxy-Authorization: Basic` (else 407).
import { createServer, type IncomingMessage } from 'node:http'
import { connect, isIP, type AddressInfo, type Socket } from 'node:net'

export const PROXIED_DOMAIN = '.proxied.test'

export interface ProxyDouble {
  /** e.g. http://127.0.0.1:PORT, for HTTPS_PROXY or a kubeconfig proxy-url. */
  url: string
  /** Every CONNECT target (`host:port`), in order, including refused ones. */
  connects: string[]
  close(): Promise<void>
}

export async function startProxyDouble(options: { credentials?: string } = {}): Promise<ProxyDouble> {
  const connects: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((_req, res) => {
    // Only tunnels are offered: undici's ProxyAgent, like Go's transport for https, always tunnels.
    res.writeHead(405, { 'Content-Type': 'text/plain' }).end('this proxy double only answers CONNECT\n')
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    const target = req.url ?? ''
    connects.push(target)
    const refuse = (status: string): void => {
      const challenge = status.startsWith('407') ? 'Proxy-Authenticate: Basic realm="proxy"\r\n' : ''
      client.end(`HTTP/1.1 ${status}\r\n${challenge}Content-Length: 0\r\n\r\n`)
    }
    if (options.credentials) {
      const expected = `Basic ${Buffer.from(options.credentials).toString('base64')}`
      if (req.headers['proxy-authorization'] !== expected) return refuse('407 Proxy Authentication Required')
    }
    const match = /^(.+):(\d+)$/.exec(target)
    const host = match?.[1]?.replace(/^\[(.*)\]$/, '$1')
    if (!match || !host) return refuse('400 Bad Request')
    const address = host.endsWith(PROXIED_DOMAIN) ? '127.0.0.1' : isIP(host) ? host : undefined
    if (!address) return refuse('502 Bad Gateway')
    const upstream = connect(Number(match[2]), address, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => {
      sockets.delete(upstream)
      client.destroy()
    })
    upstream.on('error', () => refuse('502 Bad Gateway'))
    client.on('close', () => upstream.destroy())
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/**
 * The fixed-response server: plain `node:http` on 127.0.0.1 with keep-alive, answering like
 * Clerk from precomputed bytes (an invitation for creates, a revoked one for revokes, a
 * `{ data, total_count }` page of `limit` invitations for lists), so that its cost is the same for
 * every client. Run as a child process (`fork`): it sends `{ port }` over IPC once listening and
 * exits when the parent disconnects, or after `maxLifetimeMs` whatever happens.
 *
 * With a `total` (argument 2), lists page through a virtual set of `total` distinct invitations by
 * `offset` and `limit`, as Clerk does, for the stream benchmark.
 */
import * as Http from "node:http"
import { page, pendingInvitation, revokedInvitation, virtualPage } from "./fixtures.js"

const total = Number(process.argv[2] ?? "0")

const maxLifetimeMs = 15 * 60_000

const headers = { "content-type": "application/json" } as const
const created = Buffer.from(JSON.stringify(pendingInvitation(1)))
const revoked = Buffer.from(JSON.stringify(revokedInvitation(1)))
const pages = new Map<number, Buffer>()

const pageOf = (limit: number): Buffer => {
  let bytes = pages.get(limit)
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(page(limit)))
    pages.set(limit, bytes)
  }
  return bytes
}
pageOf(10)
pageOf(100)
pageOf(500)

const limitOf = (url: string): number => {
  const match = /[?&]limit=(\d+)/.exec(url)
  const limit = match?.[1] === undefined ? 10 : Number(match[1])
  return Math.min(500, Math.max(1, limit))
}

const offsetOf = (url: string): number => Number(/[?&]offset=(\d+)/.exec(url)?.[1] ?? "0")

const send = (response: Http.ServerResponse, status: number, body: Buffer) => {
  response.writeHead(status, { ...headers, "content-length": body.length })
  response.end(body)
}

const server = Http.createServer({ keepAlive: true, noDelay: true }, (request, response) => {
  // Read the body to its end before answering, as a real server does.
  request.on("data", () => {})
  request.on("end", () => {
    const url = request.url ?? "/"
    if (request.method === "GET" && url.startsWith("/v1/invitations")) {
      return send(response, 200, total > 0 ? Buffer.from(virtualPage(offsetOf(url), limitOf(url), total)) : pageOf(limitOf(url)))
    }
    if (request.method === "POST" && url === "/v1/invitations") return send(response, 200, created)
    if (request.method === "POST" && url.endsWith("/revoke")) return send(response, 200, revoked)
    send(response, 404, Buffer.from(JSON.stringify({ errors: [{ code: "resource_not_found", message: "not found" }] })))
  })
})
server.keepAliveTimeout = 60_000
server.headersTimeout = 65_000
server.maxRequestsPerSocket = 0

server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no TCP address")
  process.send?.({ port: address.port })
})

process.on("disconnect", () => process.exit(0))
setTimeout(() => process.exit(0), maxLifetimeMs).unref()

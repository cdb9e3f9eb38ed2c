/**
 * `ClerkClient` over `UndiciHttpClient` and real sockets (a `node:http` server on 127.0.0.1 per
 * test): the per-attempt timeout either way, by `ClerkClient`'s own timer or left to the transport
 * (`timeout: "transport"` over `UndiciHttpClient.layerWith({ timeout })`, which forks no fiber), up
 * to an exactly-once create against the served emulator. The transport's own contract is tested in
 * `@effect-clerk/undici`.
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import { UndiciHttpClient } from "@effect-clerk/undici"
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"
import * as Http from "node:http"
import type { Socket } from "node:net"
import { invitationJson, secret } from "./utils.js"

/** A request as the server received it. */
interface Received {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** What a test's server sees: every request, and the ones whose client went away early. */
interface TestServer {
  readonly url: string
  readonly received: Array<Received>
  readonly aborted: Deferred.Deferred<void>
}

/**
 * Serves `handler` on 127.0.0.1 for the scope. `aborted` completes when a client closes its
 * connection before the response was finished.
 */
const serve = (handler: (request: Received, response: Http.ServerResponse, n: number) => void) =>
  Effect.gen(function*() {
    const aborted = yield* Deferred.make<void>()
    const received: Array<Received> = []
    const sockets = new Set<Socket>()
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const request: Received = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8")
        }
        received.push(request)
        handler(request, res, received.length)
      })
      res.on("close", () => {
        if (!res.writableFinished) Deferred.unsafeDone(aborted, Exit.void)
      })
    })
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const testServer: TestServer = { url: `http://127.0.0.1:${port}`, received, aborted }
    return testServer
  })

const sendJson = (response: Http.ServerResponse, body: unknown, status = 200, headers: Http.OutgoingHttpHeaders = {}) => {
  const text = JSON.stringify(body)
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers })
  response.end(text)
}

/** Counts the fibers started under it. */
class CountForks extends Supervisor.AbstractSupervisor<number> {
  private started = 0
  get value(): Effect.Effect<number> {
    return Effect.sync(() => this.started)
  }
  override onStart(): void {
    this.started++
  }
}

/** Builds `layer` into the test's scope (its `Agent` lives as long as the test) and gets `tag`. */
const buildIn = <I, S, E>(tag: Context.Tag<I, S>, layer: Layer.Layer<I, E>) =>
  Effect.map(Layer.build(layer), (context) => Context.get(context, tag))

/** The client behind a middleware that does nothing: a new client object. */
const behindMiddleware = (http: Layer.Layer<HttpClient.HttpClient>) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) => HttpClient.tap(client, () => Effect.void))
  ).pipe(Layer.provide(http))

/** Invitations over `http` (the client by default), against `url`, for the test's scope. */
const invitationsAt = (
  url: string,
  options: Partial<ClerkClient.Options> = {},
  http: Layer.Layer<HttpClient.HttpClient> = UndiciHttpClient.layer
) =>
  buildIn(
    Invitations.Invitations,
    Invitations.layer.pipe(
      Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(secret), apiUrl: url, ...options })),
      Layer.provide(http)
    )
  )

/** Who times an attempt of `millis`: ClerkClient's own timer, or the transport's. */
const timers = [
  {
    name: "ClerkClient's timer",
    at: (url: string, millis: number, options: Partial<ClerkClient.Options> = {}, wrap = (h: Layer.Layer<HttpClient.HttpClient>) => h) =>
      invitationsAt(url, { timeout: Duration.millis(millis), ...options }, wrap(UndiciHttpClient.layer))
  },
  {
    name: "the transport's timer",
    at: (url: string, millis: number, options: Partial<ClerkClient.Options> = {}, wrap = (h: Layer.Layer<HttpClient.HttpClient>) => h) =>
      invitationsAt(url, { timeout: "transport", ...options }, wrap(UndiciHttpClient.layerWith({ timeout: Duration.millis(millis) })))
  }
] as const

describe("ClerkClient over UndiciHttpClient", () => {
  it.scopedLive("with timeout: \"transport\" a call forks no fiber; with ClerkClient's own timer it forks one", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => sendJson(res, invitationJson({ status: "revoked", revoked: true })))
      const forks = (invitations: Invitations.Service) =>
        Effect.gen(function*() {
          const supervisor = new CountForks()
          yield* invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB").pipe(Effect.supervised(supervisor))
          return yield* supervisor.value
        })
      const [ownTimer, transportTimer] = timers
      assert.strictEqual(yield* forks(yield* transportTimer.at(server.url, 30_000)), 0)
      assert.strictEqual(yield* forks(yield* transportTimer.at(server.url, 30_000, {}, behindMiddleware)), 0)
      assert.isAtLeast(yield* forks(yield* ownTimer.at(server.url, 30_000)), 1)
    }))

  for (const timer of timers) {
    it.scopedLive(`${timer.name}: an attempt that takes longer than \`timeout\` fails with ClerkRequestError Timeout, and its request is aborted`, () =>
      Effect.gen(function*() {
        const server = yield* serve(() => {}) // never answers
        const invitations = yield* timer.at(server.url, 100, { retry: false })
        const started = Date.now()
        const error = yield* Effect.flip(invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB"))
        const elapsed = Date.now() - started
        assert.strictEqual(error._tag, "ClerkRequestError")
        assert.strictEqual(error._tag === "ClerkRequestError" ? error.reason : undefined, "Timeout")
        assert.isAtLeast(elapsed, 90)
        assert.isBelow(elapsed, 5_000)
        yield* Deferred.await(server.aborted).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "not aborted" }))
      }))

    it.scopedLive(`${timer.name}: a body that stalls after the headers counts against the same timeout`, () =>
      Effect.gen(function*() {
        const server = yield* serve((_, res) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": 1000 })
          res.write(`{"object":`) // and nothing more
        })
        const invitations = yield* timer.at(server.url, 100, { retry: false })
        const error = yield* Effect.flip(invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB"))
        assert.strictEqual(error._tag === "ClerkRequestError" ? error.reason : error._tag, "Timeout")
      }))

    it.scopedLive(`${timer.name}: a timed-out attempt is retried, and an answer in time is the result (the timer cleared)`, () =>
      Effect.gen(function*() {
        // The first revoke never gets an answer; the lookup finds nothing; the second revoke is answered.
        const server = yield* serve((req, res, n) => {
          if (req.method === "GET") sendJson(res, { data: [], total_count: 0 })
          else if (n > 1) sendJson(res, invitationJson({ status: "revoked", revoked: true }))
        })
        const invitations = yield* timer.at(server.url, 150, { retry: { baseDelay: "10 millis" } })
        const revoked = yield* invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB")
        assert.strictEqual(revoked.status, "revoked")
        // The first attempt timed out (and may have been done): a reconcile lookup, then the retry.
        assert.deepStrictEqual(server.received.map((r) => r.method), ["POST", "GET", "POST"])
      }))

    it.scopedLive(`${timer.name}: under a middleware the attempt is still timed`, () =>
      Effect.gen(function*() {
        const server = yield* serve(() => {})
        const invitations = yield* timer.at(server.url, 100, { retry: false }, behindMiddleware)
        const error = yield* Effect.flip(invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB"))
        assert.strictEqual(error._tag === "ClerkRequestError" ? error.reason : error._tag, "Timeout")
        yield* Deferred.await(server.aborted).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "not aborted" }))
      }))

    it.scopedLive(`${timer.name}: against the served emulator, create, list, revoke; a create that times out is found, not sent twice`, () =>
      Effect.gen(function*() {
        const context = yield* Layer.build(ClerkEmulator.layerServer({ secretKeys: [secret], rateLimits: false }))
        const url = yield* Effect.provide(ClerkEmulator.serverUrl, context)
        const emulator = Context.get(context, ClerkEmulator.ClerkEmulator)
        const invitations = yield* timer.at(url, 200, { retry: { baseDelay: "10 millis" } })

        const created = yield* invitations.create({ emailAddress: "ada@example.com" })
        const page = yield* invitations.list({ limit: 10 })
        assert.deepStrictEqual(page.data.map((i) => i.id), [created.id])
        const revoked = yield* invitations.revoke(created.id)
        assert.strictEqual(revoked.status, "revoked")

        // The emulator stores the invitation, then answers after the attempt's timeout.
        yield* emulator.injectFaults("create", Fault.Delay({ duration: Duration.millis(600) }))
        const slow = yield* invitations.create({ emailAddress: "grace@example.com" })
        const stored = yield* emulator.invitations
        assert.deepStrictEqual(stored.filter((i) => i.email_address === "grace@example.com").map((i) => i.id), [slow.id])
      }))
  }

  it.scopedLive("a deadline shorter than the timeout ends the call at the deadline", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {})
      const invitations = yield* invitationsAt(server.url, { timeout: "30 seconds", deadline: "100 millis" })
      const started = Date.now()
      const error = yield* Effect.flip(invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB"))
      assert.strictEqual(error._tag === "ClerkRequestError" ? error.reason : error._tag, "Timeout")
      assert.isBelow(Date.now() - started, 5_000)
    }))
})

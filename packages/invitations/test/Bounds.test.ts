/**
 * What the client will not do, whatever the server or the caller gives it: read more than
 * `maxResponseBytes` of a body (on every transport: the request is aborted), follow a redirect,
 * keep a body nested beyond `maxJsonDepth`, send a secret key that cannot be a header value, take
 * an unusable `CLERK_API_URL`, or invent a `Retry-After` the server never sent.
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { ClerkClient, ClerkError, Invitation, Invitations } from "@effect-clerk/invitations"
import { UndiciHttpClient } from "@effect-clerk/undici"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as Http from "node:http"
import { inspect } from "node:util"
import { nestedDeeperThan } from "../src/internal/body.js"
import { clerkError, invitationJson, invitationsOver, json, live, makeFakeHttp } from "./utils.js"

const page = (data: ReadonlyArray<unknown>) => ({ data, total_count: data.length })

/** A body stream that never ends, and whether its reader was cancelled. */
const endless = () => {
  const state = { pulled: 0, cancelled: false }
  const chunk = new TextEncoder().encode(JSON.stringify(invitationJson()) + ",")
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(new TextEncoder().encode("{\"data\":[")),
    pull: (controller) => {
      state.pulled++
      controller.enqueue(chunk)
    },
    cancel: () => {
      state.cancelled = true
    }
  })
  return { state, stream }
}

describe("maxResponseBytes", () => {
  it.effect("a body that never ends fails with ClerkApiError after the limit, and its request is aborted", () =>
    Effect.gen(function*() {
      const body = endless()
      const fake = yield* makeFakeHttp(() => new Response(body.stream, { headers: { "content-type": "application/json" } }))
      const invitations = yield* invitationsOver(fake.layer, { retry: false, maxResponseBytes: 64 * 1024 })
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag, "ClerkApiError")
      assert.include(error.message, "larger than 64 KiB")
      assert.isTrue(body.state.cancelled, "the body was cancelled")
      // ~280 bytes a chunk: the reading stopped just past the limit (the stream pulls ahead a little)
      assert.isBelow(body.state.pulled, 2 * 64 * 1024 / 280)
    }))

  it.effect("a declared Content-Length beyond the limit is not read", () =>
    Effect.gen(function*() {
      const body = endless()
      const fake = yield* makeFakeHttp(() =>
        new Response(body.stream, { headers: { "content-type": "application/json", "content-length": String(10 ** 9) } })
      )
      const invitations = yield* invitationsOver(fake.layer, { retry: false })
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag, "ClerkApiError")
      assert.include(error.message, "larger than 4 MiB")
      assert.isTrue(body.state.cancelled)
      assert.isAtMost(body.state.pulled, 2)
    }))

  it.effect("within the limit a body reads whole, chunked or declared; the limit is an option", () =>
    Effect.gen(function*() {
      const data = Array.from({ length: 50 }, (_, i) => invitationJson({ id: `inv_${i}` }))
      const text = JSON.stringify(page(data))
      const fake = yield* makeFakeHttp((_, n) =>
        new Response(text, { headers: n % 2 === 0 ? { "content-length": String(text.length) } : {} })
      )
      const roomy = yield* invitationsOver(fake.layer, { retry: false, maxResponseBytes: text.length })
      assert.strictEqual((yield* roomy.list()).data.length, 50)
      assert.strictEqual((yield* roomy.list()).data.length, 50)
      const tight = yield* invitationsOver(fake.layer, { retry: false, maxResponseBytes: text.length - 1 })
      assert.strictEqual((yield* Effect.flip(tight.list()))._tag, "ClerkApiError")
      assert.strictEqual((yield* Effect.flip(tight.list()))._tag, "ClerkApiError")
    }))

  it.effect("an error body beyond the limit still gives the status's typed error", () =>
    Effect.gen(function*() {
      const body = endless()
      const fake = yield* makeFakeHttp(() => new Response(body.stream, { status: 404 }))
      const invitations = yield* invitationsOver(fake.layer, { retry: false, maxResponseBytes: 4096 })
      const error = yield* Effect.flip(invitations.revoke("inv_123"))
      assert.strictEqual(error._tag, "InvitationNotFound")
      assert.isTrue(body.state.cancelled)
    }))
})

/** A node:http server on 127.0.0.1 for the test's scope: its URL, what it received, when a response closed. */
const serve = (handler: (req: Http.IncomingMessage, res: Http.ServerResponse) => void) =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<number>()
    const received: Array<{ method: string | undefined; url: string | undefined }> = []
    const server = Http.createServer((req, res) => {
      received.push({ method: req.method, url: req.url })
      let sent = 0
      const write = res.write.bind(res)
      res.write = ((chunk: Uint8Array | string, ...rest: Array<never>) => {
        sent += chunk.length
        return write(chunk, ...rest)
      }) as typeof res.write
      res.on("close", () => Deferred.unsafeDone(closed, Effect.succeed(sent)))
      handler(req, res)
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () => Effect.sync(() => server.close())
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    return { url: `http://127.0.0.1:${port}`, received, closed }
  })

const endlessJson = (_: Http.IncomingMessage, res: Http.ServerResponse) => {
  res.writeHead(200, { "content-type": "application/json" })
  res.write("{\"data\":[")
  const chunk = JSON.stringify(invitationJson()) + ","
  const pump = () => {
    while (!res.destroyed) {
      if (!res.write(chunk)) return void res.once("drain", pump)
    }
  }
  pump()
}

const transports: ReadonlyArray<[string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["FetchHttpClient", FetchHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["NodeHttpClient.layer", NodeHttpClient.layer],
  ["UndiciHttpClient", UndiciHttpClient.layer]
]

/** The service over `http` for the test's scope (a transport's dispatcher lives as long as its layer). */
const over = (http: Layer.Layer<HttpClient.HttpClient>, url: string, options: Partial<ClerkClient.Options> = {}) =>
  Effect.map(Layer.build(live(http, { apiUrl: url, retry: false, ...options })), Context.get(Invitations.Invitations))

describe("over real sockets", () => {
  for (const [name, http] of transports.slice(0, 2)) {
    it.scopedLive(`${name}: an endless body fails with ClerkApiError and the server sees the connection close`, () =>
      Effect.gen(function*() {
        const server = yield* serve(endlessJson)
        const invitations = yield* over(http, server.url, { maxResponseBytes: 256 * 1024 })
        const error = yield* Effect.flip(invitations.list())
        assert.strictEqual(error._tag, "ClerkApiError", error.message)
        assert.include(error.message, "larger than 256 KiB")
        const sent = yield* Deferred.await(server.closed).pipe(
          Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "the connection stayed open" })
        )
        assert.isBelow(sent, 64 * 1024 * 1024, "the server stopped long before 64 MiB")
      }))
  }

  // Transports that never follow a redirect by themselves are also run with `redirects: "transport"`.
  const runs = [
    ...transports.map(([name, http]) => [name, http, {}] as const),
    ...transports.filter(([name]) => name !== "FetchHttpClient")
      .map(([name, http]) => [`${name} (redirects: "transport")`, http, { redirects: "transport" }] as const)
  ]
  for (const [name, http, redirectOptions] of runs) {
    for (const status of [301, 302, 307, 308]) {
      it.scopedLive(`${name}: a ${status} on create is a ClerkApiError with its Location; nothing follows it`, () =>
        Effect.gen(function*() {
          const server = yield* serve((req, res) => {
            if (req.url?.startsWith("/elsewhere") === true) {
              res.writeHead(200, { "content-type": "application/json" })
              res.end(JSON.stringify(req.method === "GET" ? page([invitationJson()]) : invitationJson()))
              return
            }
            res.writeHead(status, { location: "/elsewhere/v1/invitations", "content-type": "text/plain" })
            res.end("moved")
          })
          const invitations = yield* over(http, server.url, { retry: {}, ...redirectOptions })
          const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
          assert.strictEqual(error._tag, "ClerkApiError")
          if (error._tag !== "ClerkApiError") return
          assert.strictEqual(error.status, status)
          assert.strictEqual(error.errors[0]?.code, "unexpected_redirect")
          assert.deepStrictEqual(error.errors[0]?.meta, { location: "/elsewhere/v1/invitations" })
          assert.deepStrictEqual(server.received, [{ method: "POST", url: "/v1/invitations" }], "one request, no lookup")
        }))
    }
  }
})

describe("redirects through any HttpClient", () => {
  it.effect("a 3xx, or a status-0 opaque redirect, is final: no retry, no reconcile lookup", () =>
    Effect.gen(function*() {
      for (const reply of [() => new Response("", { status: 303, headers: { location: "https://elsewhere.test/" } }), () => Response.error()]) {
        const fake = yield* makeFakeHttp(reply)
        const invitations = yield* invitationsOver(fake.layer)
        const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
        assert.strictEqual(error._tag, "ClerkApiError")
        assert.include(error.message, "unexpected_redirect")
        assert.strictEqual((yield* Ref.get(fake.requests)).length, 1)
      }
    }))

  it.effect("fetch is asked not to follow redirects, keeping the app's own RequestInit", () =>
    Effect.gen(function*() {
      const inits: Array<RequestInit | undefined> = []
      const fetchStub: typeof globalThis.fetch = (_input, init) => {
        inits.push(init)
        return Promise.resolve(json(invitationJson()))
      }
      const invitations = yield* invitationsOver(FetchHttpClient.layer)
      yield* invitations.create({ emailAddress: "ada@example.com" }).pipe(
        Effect.provideService(FetchHttpClient.Fetch, fetchStub),
        Effect.provideService(FetchHttpClient.RequestInit, { keepalive: true })
      )
      assert.strictEqual(inits[0]?.redirect, "manual")
      assert.strictEqual(inits[0]?.keepalive, true)
    }))

  it.effect("with redirects: \"transport\", the app's RequestInit reaches the transport as it is", () =>
    Effect.gen(function*() {
      const inits: Array<RequestInit | undefined> = []
      const fetchStub: typeof globalThis.fetch = (_input, init) => {
        inits.push(init)
        return Promise.resolve(json(invitationJson()))
      }
      const invitations = yield* invitationsOver(FetchHttpClient.layer, { redirects: "transport" })
      yield* invitations.create({ emailAddress: "ada@example.com" }).pipe(
        Effect.provideService(FetchHttpClient.Fetch, fetchStub),
        Effect.provideService(FetchHttpClient.RequestInit, { keepalive: true })
      )
      assert.strictEqual(inits[0]?.redirect, undefined)
      assert.strictEqual(inits[0]?.keepalive, true)
    }))

  it.effect("a redirects option that is neither \"client\" nor \"transport\" sends nothing and says so", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json(invitationJson()))
      // As a JavaScript caller, or a config read from JSON, could pass it.
      const options: Partial<ClerkClient.Options> = JSON.parse("{\"redirects\":\"follow\"}")
      const invitations = yield* invitationsOver(fake.layer, options)
      const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
      assert.strictEqual(error._tag, "ClerkRequestError")
      assert.include(error.message, "redirects must be \"client\" or \"transport\", not \"follow\"")
      assert.strictEqual((yield* Ref.get(fake.requests)).length, 0)
      const problem = ClerkClient.checkOptions({ secretKey: Redacted.make("sk_test_x"), ...options })
      assert.deepStrictEqual(problem?._op === "InvalidData" ? problem.path : undefined, ["redirects"])
    }))
})

describe("nesting", () => {
  // The depth of a JSON value, the plain way: a value that is neither an object nor an array is 0.
  const depthOf = (value: unknown): number =>
    typeof value !== "object" || value === null
      ? 0
      : 1 + Math.max(0, ...(Array.isArray(value) ? value : Object.values(value)).map(depthOf))

  it.prop(
    "nestedDeeperThan(value, max) is depthOf(value) > max, for any JSON value and bound",
    [FastCheck.jsonValue({ maxDepth: 8 }), FastCheck.integer({ min: 0, max: 10 })],
    ([value, max]) => {
      assert.strictEqual(nestedDeeperThan(value, max), depthOf(value) > max)
      assert.strictEqual(nestedDeeperThan(JSON.parse(`{"__proto__":${JSON.stringify(value)}}`), max), depthOf(value) + 1 > max)
    }
  )
  const nested = (depth: number) => {
    let value = "{}"
    for (let i = 0; i < depth; i++) value = `{"a":${value}}`
    return value
  }
  const withMetadata = (metadata: string) =>
    JSON.stringify(invitationJson({ public_metadata: "@" })).replace("\"@\"", metadata)

  it.effect("metadata nested 100,000 levels deep is a ClerkApiError that prints", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => new Response(withMetadata(nested(100_000))))
      const invitations = yield* invitationsOver(fake.layer, { retry: false })
      const error = yield* Effect.flip(invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB"))
      assert.strictEqual(error._tag, "ClerkApiError")
      assert.include(error.message, "nested more than 64 levels")
      assert.isString(inspect(error))
      assert.isString(Cause.pretty(Cause.fail(error)))
    }))

  it.effect("metadata 60 levels deep is fine", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => new Response(withMetadata(nested(59))))
      const invitations = yield* invitationsOver(fake.layer, { retry: false })
      const invitation = yield* invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB")
      assert.isString(JSON.stringify(invitation.publicMetadata))
    }))
})

describe("url: null", () => {
  it.effect("a revoke answered with \"url\": null and \"revoked\": null is a valid invitation without url", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json(invitationJson({ url: null, revoked: null, status: "revoked" })))
      const invitations = yield* invitationsOver(fake.layer)
      const invitation = yield* invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB")
      assert.strictEqual(invitation.status, "revoked")
      assert.isUndefined(invitation.url)
      assert.isFalse("url" in invitation)
      assert.isFalse(invitation.revoked)
    }))

  it.effect("the schema and the fast decoder agree on null optional fields", () =>
    Effect.gen(function*() {
      for (const overrides of [{ url: null }, { revoked: null }, { url: null, revoked: null, expires_at: null }]) {
        const wire = invitationJson(overrides)
        const fast = yield* Invitation.decodeInvitationJson(wire)
        const slow = yield* Schema.decodeUnknown(Invitation.InvitationFromJson)(wire)
        assert.deepStrictEqual(Schema.encodeSync(Invitation.InvitationFromJson)(fast), Schema.encodeSync(Invitation.InvitationFromJson)(slow))
        assert.strictEqual(fast.url, slow.url)
        assert.isFalse(fast.revoked)
      }
    }))
})

const badKeys: ReadonlyArray<[string, string]> = [
  ["a trailing newline", "sk_test_abcdefghijklmnop\n"],
  ["a NUL", "sk_test_abc\u0000defghijklmnop"],
  ["a CR LF inside", "sk_test_abcdef\r\nX-Evil: 1"],
  ["nothing", ""]
]

describe("the secret key is checked when the layer is built", () => {
  for (const [what, key] of badKeys) {
    it.effect(`layer: a key with ${what} sends nothing and fails every call, never echoing it`, () =>
      Effect.gen(function*() {
        const fake = yield* makeFakeHttp(() => json(invitationJson()))
        const invitations = yield* invitationsOver(fake.layer, { secretKey: Redacted.make(key) })
        const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
        assert.strictEqual(error._tag, "ClerkRequestError")
        assert.include(error.message, "secret key")
        assert.include(error.message, "Nothing was sent")
        assert.strictEqual((yield* Ref.get(fake.requests)).length, 0)
        for (const text of [error.message, inspect(error, { depth: 10 }), Cause.pretty(Cause.fail(error))]) {
          if (key.length > 0) assert.notInclude(text, key.trim().slice(0, 20))
        }
      }))

    it.effect(`layerConfig: CLERK_SECRET_KEY with ${what} is a ConfigError naming it, never echoing it`, () =>
      Effect.gen(function*() {
        const fake = yield* makeFakeHttp(() => json(invitationJson()))
        const error = yield* ClerkClient.ClerkClient.pipe(
          Effect.provide(ClerkClient.layerConfig().pipe(Layer.provide(fake.layer))),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["CLERK_SECRET_KEY", key]]))),
          Effect.flip
        )
        assert.include(String(error), "CLERK_SECRET_KEY")
        assert.include(String(error), "Clerk Dashboard")
        if (key.length > 0) assert.notInclude(String(error), key.trim().slice(0, 20))
      }))
  }

  it.effect("over fetch, a bad key never reaches Headers (whose error would print it)", () =>
    Effect.gen(function*() {
      const invitations = yield* invitationsOver(FetchHttpClient.layer, {
        secretKey: Redacted.make("sk_test_visible_key_value\n"),
        apiUrl: "http://127.0.0.1:9"
      })
      const error = yield* Effect.flip(invitations.list())
      assert.notInclude(Cause.pretty(Cause.fail(error)), "sk_test_visible_key_value")
      assert.include(error.message, "line break")
    }))
})

describe("configuration", () => {
  const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  const build = (env: Record<string, string>) =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json(page([])))
      const client = ClerkClient.layerConfig().pipe(Layer.provide(fake.layer))
      const result = yield* Effect.flatMap(Invitations.Invitations, (s) => s.list()).pipe(
        Effect.provide(Invitations.layer.pipe(Layer.provide(client))),
        withEnv(env),
        Effect.either
      )
      return { result, requests: yield* Ref.get(fake.requests) }
    })

  it.effect("CLERK_API_URL=not-a-url is refused when the layer is built, naming the variable", () =>
    Effect.gen(function*() {
      const { requests, result } = yield* build({ CLERK_SECRET_KEY: "sk_test_x", CLERK_API_URL: "not-a-url" })
      assert.strictEqual(result._tag, "Left")
      assert.include(String(result._tag === "Left" ? result.left : ""), "CLERK_API_URL")
      assert.strictEqual(requests.length, 0)
    }))

  it.effect("an empty CLERK_SECRET_KEY is refused, naming the variable", () =>
    Effect.gen(function*() {
      const { requests, result } = yield* build({ CLERK_SECRET_KEY: "" })
      assert.strictEqual(result._tag, "Left")
      assert.include(String(result._tag === "Left" ? result.left : ""), "CLERK_SECRET_KEY is empty")
      assert.strictEqual(requests.length, 0)
    }))

  it.effect("a missing CLERK_SECRET_KEY says what to set and where keys come from", () =>
    Effect.gen(function*() {
      const { result } = yield* build({})
      const text = String(result._tag === "Left" ? result.left : "")
      assert.include(text, "Set CLERK_SECRET_KEY")
      assert.include(text, "Clerk Dashboard → API keys")
      assert.notInclude(text, "<redacted>")
    }))

  it.effect("a CLERK_API_URL ending in /v1 is accepted: /v1 is not doubled", () =>
    Effect.gen(function*() {
      const { requests } = yield* build({ CLERK_SECRET_KEY: "sk_test_x", CLERK_API_URL: "http://127.0.0.1:4010/v1/" })
      assert.strictEqual(requests[0]?.url.toString(), "http://127.0.0.1:4010/v1/invitations?paginated=true")
    }))

  it.effect("layer: an apiUrl that is not a URL fails each call as InvalidUrl, nothing sent", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json(page([])))
      const invitations = yield* invitationsOver(fake.layer, { apiUrl: "api.clerk.com" })
      const error = yield* Effect.flip(invitations.list())
      assert.isTrue(error._tag === "ClerkRequestError" && error.reason === "InvalidUrl")
      assert.include(error.message, "Nothing was sent")
      assert.strictEqual((yield* Ref.get(fake.requests)).length, 0)
    }))
})

describe("Retry-After", () => {
  for (const header of ["1e12", "-5", "soon", "9".repeat(400)]) {
    it.effect(`an unreadable Retry-After (${header.slice(0, 8)}) is unknown: the backoff decides, RateLimited says so`, () =>
      Effect.gen(function*() {
        const fake = yield* makeFakeHttp(() => clerkError(429, "too_many_requests", { headers: { "retry-after": header } }))
        const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
        const fiber = yield* Effect.fork(Effect.flip(invitations.list()))
        // the backoff's first delay is 500 ms, jittered: within a second, not a minute
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual((yield* Ref.get(fake.requests)).length, 2)
        assert.strictEqual(error._tag, "RateLimited")
        if (error._tag !== "RateLimited") return
        assert.isFalse(error.retryAfterKnown)
        assert.include(error.message, "unknown")
      }))
  }

  it.effect("a readable Retry-After is known", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(429, "too_many_requests", { headers: { "retry-after": "3600" } }))
      const invitations = yield* invitationsOver(fake.layer)
      const error = yield* Effect.flip(invitations.list())
      assert.isTrue(error._tag === "RateLimited" && error.retryAfterKnown && Duration.equals(error.retryAfter, Duration.hours(1)))
    }))
})

describe("ClerkRequestError says outcome unknown only when it is", () => {
  const refused = Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })
  })
  it("refused connections, invalid URLs and encoding failures sent nothing", () => {
    const where = { method: "POST", path: "/invitations" }
    assert.include(new ClerkError.ClerkRequestError({ reason: "Transport", ...where, cause: refused }).message, "Nothing was sent")
    assert.include(new ClerkError.ClerkRequestError({ reason: "InvalidUrl", ...where }).message, "Nothing was sent")
    assert.include(new ClerkError.ClerkRequestError({ reason: "Encode", ...where }).message, "Nothing was sent")
    // fetch refuses the ports its standard blocks (9, the walkthrough's unreachable one, among them)
    // before it connects: undici says "bad port", with no code.
    const badPort = Object.assign(new TypeError("fetch failed"), { cause: new Error("bad port") })
    assert.include(new ClerkError.ClerkRequestError({ reason: "Transport", ...where, cause: badPort }).message, "Nothing was sent")
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
    assert.include(new ClerkError.ClerkRequestError({ reason: "Transport", ...where, cause: reset }).message, "outcome is unknown")
  })

  it.effect("a refused create is not reconciled: nothing was sent, so there is nothing to look for", () =>
    Effect.gen(function*() {
      const requests: Array<string> = []
      const client = HttpClient.make((request) => {
        requests.push(`${request.method} ${request.url}`)
        return request.method === "GET"
          ? Effect.succeed(HttpClientResponse.fromWeb(request, json(page([]))))
          : Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: refused }))
      })
      const invitations = yield* invitationsOver(Layer.succeed(HttpClient.HttpClient, client), { retry: false })
      const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
      assert.strictEqual(error._tag, "ClerkRequestError")
      assert.include(error.message, "Nothing was sent")
      assert.deepStrictEqual(requests.map((r) => r.split(" ")[0]), ["POST"])
    }))
})

describe("retryWithoutWaiting", () => {
  it.effect("fault-injecting specs finish without moving the TestClock", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const invitations = yield* Invitations.Invitations
      yield* emulator.injectFaults("create", Fault.Status({ status: 503 }), 2)
      yield* emulator.injectFaults("list", Fault.Status({ status: 429, retryAfter: 30 }), 1)
      const invitation = yield* invitations.create({ emailAddress: "ada@example.com" })
      assert.strictEqual(invitation.emailAddress, "ada@example.com")
      assert.strictEqual((yield* invitations.list()).totalCount, 1)
    }).pipe(
      Effect.provide(
        Invitations.layer.pipe(
          Layer.provide(
            ClerkClient.layer({
              secretKey: Redacted.make(ClerkEmulator.defaultSecretKey),
              retry: ClerkClient.retryWithoutWaiting
            })
          ),
          Layer.provideMerge(ClerkEmulator.layer({ rateLimits: false }))
        )
      )
    ))
})

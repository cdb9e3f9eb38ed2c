/**
 * `UndiciHttpClient` over real sockets (a `node:http` server on 127.0.0.1 per test): the platform
 * `HttpClient` contract (bodies of every kind out, every accessor in, the errors by reason,
 * interruption aborting the request, spans on the traced path, the body cap), and the `timeout`
 * option: a request out of time aborted and failed with a `TimeoutError`, its timer cleared when
 * the answer comes in time, and no fiber forked for it.
 */
import { UndiciHttpClient } from "@effect-clerk/undici"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Supervisor from "effect/Supervisor"
import * as Tracer from "effect/Tracer"
import * as Http from "node:http"
import type { Socket } from "node:net"
import { Agent, MockAgent, Pool } from "undici"

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

/** Runs `f` with the client over a fresh `Agent` (with `options`), closed when `f` is done. */
const withClient = <A, E, R>(
  f: (client: HttpClient.HttpClient) => Effect.Effect<A, E, R>,
  options: UndiciHttpClient.Options = {}
) => Effect.flatMap(HttpClient.HttpClient, f).pipe(Effect.provide(UndiciHttpClient.layerWith(options)))

/** A tracer that records every span it makes (over the native one, so spans still carry trace ids). */
const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = native.span(...args)
      spans.push(span)
      return span
    },
    context: native.context
  })
  return { spans, tracer }
})

describe("UndiciHttpClient as an HttpClient", () => {
  it.scopedLive("reads a JSON response whole: status, headers, cookies, and every body accessor, as often as asked", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) =>
        sendJson(res, { hello: "wörld" }, 201, { "set-cookie": ["a=1; Path=/", "b=2"], "x-extra": "yes" })
      )
      yield* withClient((client) =>
        Effect.gen(function*() {
          const response = yield* client.get(`${server.url}/things`, { urlParams: { q: "a b", n: "1" } })
          assert.strictEqual(response.status, 201)
          assert.strictEqual(response.headers["content-type"], "application/json")
          assert.strictEqual(response.headers["x-extra"], "yes")
          assert.deepStrictEqual(Object.keys(response.cookies.cookies).sort(), ["a", "b"])
          assert.deepStrictEqual(yield* response.json, { hello: "wörld" })
          assert.deepStrictEqual(yield* response.json, { hello: "wörld" })
          assert.strictEqual(yield* response.text, `{"hello":"wörld"}`)
          assert.strictEqual(new TextDecoder().decode(yield* response.arrayBuffer), `{"hello":"wörld"}`)
          const streamed = yield* Stream.runCollect(response.stream)
          assert.strictEqual(
            Chunk.reduce(streamed, "", (text, bytes) => text + new TextDecoder().decode(bytes)),
            `{"hello":"wörld"}`
          )
          assert.isTrue(Option.isNone(response.remoteAddress))
        })
      )
      assert.strictEqual(server.received[0]?.url, "/things?q=a+b&n=1")
    }))

  it.scopedLive("an empty body reads as null JSON and empty text; a body that is not JSON fails as ResponseError Decode", () =>
    Effect.gen(function*() {
      const server = yield* serve((req, res) => {
        if (req.url === "/empty") {
          res.writeHead(204)
          res.end()
        } else {
          res.writeHead(200, { "content-type": "text/plain" })
          res.end("not json")
        }
      })
      yield* withClient((client) =>
        Effect.gen(function*() {
          const empty = yield* client.get(`${server.url}/empty`)
          assert.strictEqual(empty.status, 204)
          assert.isNull(yield* empty.json)
          assert.strictEqual(yield* empty.text, "")
          const text = yield* client.get(`${server.url}/text`)
          assert.strictEqual(yield* text.text, "not json")
          const error = yield* Effect.flip(text.json)
          assert.strictEqual(error._tag, "ResponseError")
          assert.strictEqual(error.reason, "Decode")
        })
      )
    }))

  it.scopedLive("urlParamsBody and formData read the buffered body", () =>
    Effect.gen(function*() {
      const server = yield* serve((req, res) => {
        if (req.url === "/params") {
          res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" })
          res.end("a=1&b=two")
        } else {
          res.writeHead(200, { "content-type": "multipart/form-data; boundary=XyZ" })
          res.end("--XyZ\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n--XyZ--\r\n")
        }
      })
      yield* withClient((client) =>
        Effect.gen(function*() {
          const params = yield* Effect.flatMap(client.get(`${server.url}/params`), (r) => r.urlParamsBody)
          assert.deepStrictEqual(params, [["a", "1"], ["b", "two"]])
          const form = yield* Effect.flatMap(client.get(`${server.url}/form`), (r) => r.formData)
          assert.strictEqual(form.get("field"), "value")
        })
      )
    }))

  it.scopedLive("sends every kind of request body: bytes, raw text, a form, a stream, none", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => sendJson(res, {}))
      yield* withClient((client) =>
        Effect.gen(function*() {
          const url = `${server.url}/echo`
          yield* client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyUnsafeJson({ a: 1 })))
          yield* client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.setBody(HttpBody.raw("raw text"))))
          const form = new FormData()
          form.append("name", "ada")
          yield* client.execute(HttpClientRequest.post(url).pipe(HttpClientRequest.bodyFormData(form)))
          const encoder = new TextEncoder()
          yield* client.execute(
            HttpClientRequest.post(url).pipe(
              HttpClientRequest.bodyStream(Stream.make(encoder.encode("str"), encoder.encode("eam")), {
                contentType: "text/plain"
              })
            )
          )
          yield* client.execute(HttpClientRequest.del(url))
        })
      )
      const [bytes, raw, form, stream, none] = server.received
      assert.strictEqual(bytes?.body, `{"a":1}`)
      assert.strictEqual(bytes?.headers["content-type"], "application/json")
      assert.strictEqual(raw?.body, "raw text")
      assert.match(String(form?.headers["content-type"]), /^multipart\/form-data; boundary=/)
      assert.include(form?.body ?? "", `name="name"`)
      assert.include(form?.body ?? "", "ada")
      assert.strictEqual(stream?.body, "stream")
      assert.strictEqual(stream?.headers["content-type"], "text/plain")
      assert.strictEqual(none?.method, "DELETE")
      assert.strictEqual(none?.body, "")
    }))

  it.scopedLive("a raw body undici cannot send fails with RequestError Encode, and nothing is sent", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => sendJson(res, {}))
      const error = yield* withClient((client) =>
        Effect.flip(client.execute(HttpClientRequest.post(`${server.url}/x`).pipe(HttpClientRequest.setBody(HttpBody.raw({ not: "bytes" })))))
      )
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Encode")
      assert.strictEqual(server.received.length, 0)
    }))

  it.scopedLive("a URL that does not parse fails with RequestError InvalidUrl", () =>
    Effect.gen(function*() {
      const error = yield* withClient((client) => Effect.flip(client.get("not a url")))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "InvalidUrl")
    }))

  it.scopedLive("a refused connection fails with RequestError Transport", () =>
    Effect.gen(function*() {
      // Bind a port, then close it: nothing listens there any more.
      const server = yield* Effect.scoped(serve(() => {}))
      const error = yield* withClient((client) => Effect.flip(client.get(`${server.url}/gone`)))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Transport")
    }))

  it.scopedLive("an informational 103 before the answer is skipped: the answer is the response", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => {
        res.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" })
        sendJson(res, { ok: true }, 201)
      })
      const [status, json] = yield* withClient((client) =>
        Effect.flatMap(client.get(`${server.url}/hints`), (response) => Effect.map(response.json, (json) => [response.status, json] as const))
      )
      assert.strictEqual(status, 201)
      assert.deepStrictEqual(json, { ok: true })
    }))

  it.scoped("over undici's MockAgent, as in an app's specs", () =>
    Effect.gen(function*() {
      const agent = new MockAgent()
      agent.disableNetConnect()
      agent.get("http://api.test").intercept({ path: "/v1/things?limit=2", method: "GET" })
        .reply(200, { data: [1, 2] }, { headers: { "content-type": "application/json", "x-trace": "abc" } })
      const response = yield* UndiciHttpClient.make(agent).get("http://api.test/v1/things", { urlParams: { limit: 2 } })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers["x-trace"], "abc")
      assert.deepStrictEqual(yield* response.json, { data: [1, 2] })
      yield* Effect.promise(() => agent.close())
    }))

  it.scopedLive("a request interrupted while it waits for a connection is never sent", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const server = yield* serve((request, res) => {
        if (request.url === "/slow") {
          Effect.runFork(Effect.andThen(Deferred.await(release), () => sendJson(res, { slow: true })))
        } else {
          sendJson(res, { url: request.url })
        }
      })
      // One connection: the second request waits in the pool's queue behind the first.
      const pool = new Pool(server.url, { connections: 1, pipelining: 1 })
      yield* Effect.addFinalizer(() => Effect.promise(() => pool.destroy()))
      const client = UndiciHttpClient.make(pool)
      const slow = yield* Effect.fork(Effect.flatMap(client.get(`${server.url}/slow`), (r) => r.json))
      yield* Effect.sleep("50 millis")
      const queued = yield* Effect.fork(client.get(`${server.url}/queued`))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(queued)
      yield* Deferred.succeed(release, undefined)
      assert.deepStrictEqual(yield* Fiber.join(slow), { slow: true })
      // The queued request was aborted before it started: the server only ever saw the first.
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(server.received.map((r) => r.url), ["/slow"])
    }))

  it.scopedLive("a body cut short arrives as a response whose body fails with ResponseError Decode", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": 1000 })
        res.write(`{"partial":`)
        setTimeout(() => res.destroy(), 20)
      })
      yield* withClient((client) =>
        Effect.gen(function*() {
          const response = yield* client.get(`${server.url}/cut`)
          assert.strictEqual(response.status, 200)
          const error = yield* Effect.flip(response.json)
          assert.strictEqual(error._tag, "ResponseError")
          assert.strictEqual(error.reason, "Decode")
          assert.strictEqual((yield* Effect.flip(response.arrayBuffer)).reason, "Decode")
        })
      )
    }))

  it.scopedLive("a body over maxBodyBytes is not read: ResponseError Decode caused by BodyTooLarge, declared or chunked", () =>
    Effect.gen(function*() {
      const big = "x".repeat(5_000)
      const server = yield* serve((req, res) => {
        if (req.url === "/declared") {
          res.writeHead(200, { "content-type": "text/plain", "content-length": big.length })
          res.end(big)
        } else {
          // no content-length: chunked, and the cap is found while reading
          res.writeHead(200, { "content-type": "text/plain" })
          res.write(big.slice(0, 2_500))
          setTimeout(() => res.end(big.slice(2_500)), 10)
        }
      })
      const small = Layer.provide(
        Layer.effect(HttpClient.HttpClient, HttpClient.HttpClient),
        UndiciHttpClient.layerWith({ maxBodyBytes: 4_096 })
      )
      yield* Effect.gen(function*() {
        const client = yield* HttpClient.HttpClient
        for (const path of ["/declared", "/chunked"]) {
          const response = yield* client.get(`${server.url}${path}`)
          assert.strictEqual(response.status, 200)
          const error = yield* Effect.flip(response.text)
          assert.strictEqual(error.reason, "Decode")
          assert.instanceOf(error.cause, UndiciHttpClient.BodyTooLarge)
        }
      }).pipe(Effect.provide(small))
      // Within the cap, chunked or not, the body reads whole.
      const roomy = yield* withClient((client) => Effect.flatMap(client.get(`${server.url}/chunked`), (r) => r.text))
      assert.strictEqual(roomy, big)
      assert.throws(() => UndiciHttpClient.make(new Agent(), { maxBodyBytes: -1 }), RangeError)
    }))

  it.scopedLive("interrupting a request aborts it: the server sees the connection close", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {}) // never answers
      yield* withClient((client) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(client.get(`${server.url}/slow`))
          while (server.received.length === 0) yield* Effect.sleep("5 millis")
          const exit = yield* Fiber.interrupt(fiber)
          assert.isTrue(Exit.isInterrupted(exit))
          yield* Deferred.await(server.aborted).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "not aborted" }))
        })
      )
    }))

  it.scopedLive("traced requests take the platform's path: an http.client span and a traceparent header", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => sendJson(res, { ok: true }))
      const { spans, tracer } = yield* recordingTracer
      yield* withClient((client) =>
        Effect.flatMap(client.get(`${server.url}/traced`), (r) => r.json).pipe(Effect.withTracer(tracer))
      )
      const span = spans.find((s) => s.name === "http.client GET")
      assert.isDefined(span)
      assert.strictEqual(span?.attributes.get("http.response.status_code"), 200)
      assert.isString(server.received[0]?.headers["traceparent"])
      const response = yield* withClient((client) =>
        client.get(`${server.url}/untraced`).pipe(Effect.withTracerEnabled(false))
      )
      assert.strictEqual(response.status, 200)
      assert.isUndefined(server.received[1]?.headers["traceparent"])
    }))
})

/** Whether `cause` is what `AbortSignal.timeout` aborts with: a `DOMException` named `TimeoutError`. */
const isTimeoutError = (cause: unknown) => cause instanceof DOMException && cause.name === "TimeoutError"

/** The timers alive in this process now. */
const liveTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length

/** Fails with `what` unless `effect` succeeds within 5 seconds. */
const within5s = (what: string) => Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => what })

describe("UndiciHttpClient timeout", () => {
  it.scopedLive("a request that takes longer is aborted and fails with RequestError Transport caused by a TimeoutError", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {}) // never answers
      const error = yield* withClient((client) =>
        Effect.gen(function*() {
          const started = Date.now()
          const error = yield* Effect.flip(client.get(`${server.url}/slow`))
          const elapsed = Date.now() - started
          assert.isAtLeast(elapsed, 90)
          assert.isBelow(elapsed, 5_000)
          return error
        }), { timeout: "100 millis" })
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Transport")
      assert.isTrue(isTimeoutError(error.cause))
      assert.instanceOf(error.cause, DOMException)
      assert.strictEqual(error.cause instanceof DOMException ? error.cause.message : "", "The operation was aborted due to timeout")
      yield* Deferred.await(server.aborted).pipe(within5s("not aborted"))
    }))

  it.scopedLive("the traced path and the untraced one time out alike", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {})
      const { spans, tracer } = yield* recordingTracer
      yield* withClient((client) =>
        Effect.gen(function*() {
          const traced = yield* Effect.flip(client.get(`${server.url}/traced`).pipe(Effect.withTracer(tracer)))
          assert.strictEqual(traced.reason, "Transport")
          assert.isTrue(isTimeoutError(traced.cause))
          const untraced = yield* Effect.flip(client.get(`${server.url}/untraced`).pipe(Effect.withTracerEnabled(false)))
          assert.strictEqual(untraced.reason, "Transport")
          assert.isTrue(isTimeoutError(untraced.cause))
        }), { timeout: "100 millis" })
      const span = spans.find((s) => s.name === "http.client GET")
      assert.isDefined(span)
      assert.strictEqual(span?.status._tag, "Ended")
      assert.isTrue(span?.status._tag === "Ended" && Exit.isFailure(span.status.exit))
      assert.strictEqual(spans.filter((s) => s.name.startsWith("http.client")).length, 1)
    }))

  it.scopedLive("a body that stalls after the headers counts against the same timeout (start to last byte)", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": 1000 })
        res.write(`{"partial":`) // and nothing more
      })
      const error = yield* withClient((client) => Effect.flip(client.get(`${server.url}/stall`)), { timeout: "150 millis" })
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error.reason, "Transport")
      assert.isTrue(isTimeoutError(error.cause))
      yield* Deferred.await(server.aborted).pipe(within5s("not aborted"))
    }))

  it.scopedLive("an answer in time is unaffected", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => setTimeout(() => sendJson(res, { late: "but in time" }), 50))
      const body = yield* withClient(
        (client) =>
          Effect.flatMap(client.get(`${server.url}/in-time`), (response) => {
            assert.strictEqual(response.status, 200)
            return response.json
          }),
        { timeout: "2 seconds" }
      )
      assert.deepStrictEqual(body, { late: "but in time" })
    }))

  it.scopedLive("200 requests in a row leave no timer behind, nor do interrupted ones", () =>
    Effect.gen(function*() {
      const server = yield* serve((req, res) => {
        if (req.url !== "/never") sendJson(res, { ok: true })
      })
      yield* withClient((client) =>
        Effect.gen(function*() {
          yield* Effect.flatMap(client.get(`${server.url}/warm-up`), (r) => r.json)
          const before = liveTimers()
          for (let i = 0; i < 200; i++) {
            const response = yield* client.get(`${server.url}/fast?i=${i}`)
            assert.deepStrictEqual(yield* response.json, { ok: true })
          }
          for (let i = 0; i < 5; i++) {
            const fiber = yield* Effect.fork(client.get(`${server.url}/never`))
            yield* Effect.sleep("5 millis")
            assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(fiber)))
          }
          // Each leaked timer would stay for 5 seconds; a few are the server's and undici's own.
          assert.isBelow(liveTimers() - before, 10)
        }), { timeout: "5 seconds" })
    }))

  it.scopedLive("a timed request forks no fiber, traced or not (Effect.timeoutFail forks one per call)", () =>
    Effect.gen(function*() {
      const server = yield* serve((_, res) => sendJson(res, { ok: true }))
      const forks = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          const supervisor = new CountForks()
          yield* effect.pipe(Effect.supervised(supervisor))
          return yield* supervisor.value
        })
      yield* withClient((client) =>
        Effect.gen(function*() {
          const call = Effect.flatMap(client.get(`${server.url}/count`), (r) => r.json)
          assert.strictEqual(yield* forks(call.pipe(Effect.withTracerEnabled(false))), 0)
          assert.strictEqual(yield* forks(call), 0)
          // The same call timed by Effect instead: the supervisor does see forks.
          const timedByEffect = call.pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "late" }))
          assert.isAtLeast(yield* forks(timedByEffect.pipe(Effect.withTracerEnabled(false))), 1)
        }), { timeout: "5 seconds" })
    }))

  it.scoped("a timeout out of range is a RangeError; Duration.infinity means none", () =>
    Effect.gen(function*() {
      const agent = yield* Effect.acquireRelease(Effect.sync(() => new Agent()), (agent) => Effect.promise(() => agent.close()))
      const outOfRange: ReadonlyArray<Duration.DurationInput> = [0, -1, "0 millis", "30 days", Duration.days(25)]
      for (const timeout of outOfRange) {
        assert.throws(() => UndiciHttpClient.make(agent, { timeout }), RangeError)
      }
      const fine: ReadonlyArray<Duration.DurationInput | undefined> = [Duration.infinity, "24 days", 1, undefined]
      for (const timeout of fine) {
        assert.doesNotThrow(() => UndiciHttpClient.make(agent, { timeout }))
      }
    }))
})

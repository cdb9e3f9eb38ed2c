/**
 * Routing edges: the API and the control endpoints match paths exactly as sent (case, trailing
 * and doubled slashes, percent-escapes and `;` count; HEAD is not GET), and path parameters are
 * percent-decoded once by the route, whatever their length.
 */
import { HttpClientRequest, HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ClerkEmulator } from "../src/index.js"
import * as Server from "../src/internal/server.js"
import { auth, base, code, control, errors, post, record, send, withEmulator } from "./utils.js"

describe("API routing", () => {
  it.effect("paths that differ from Clerk's only by case, slashes, escapes or `;` are 404, and recorded", () =>
    Effect.gen(function*() {
      const origin = "https://api.clerk.com"
      const requests = [
        HttpClientRequest.get(`${base}/invitations/`),
        HttpClientRequest.get(`${origin}/V1/invitations`),
        HttpClientRequest.get(`${origin}/v1//invitations`),
        HttpClientRequest.get(`${origin}/v1/%69nvitations`),
        HttpClientRequest.get(`${base}/invitations;x`),
        HttpClientRequest.post(`${base}/invitations/bulk/`),
        HttpClientRequest.post(`${base}/invitations//revoke`),
        HttpClientRequest.head(`${base}/invitations`)
      ]
      for (const request of requests) {
        const reply = yield* send(request.pipe(auth()))
        assert.strictEqual(reply.status, 404, `${request.method} ${request.url}`)
        assert.strictEqual(reply.headers["content-type"], "application/json")
        if (request.method !== "HEAD") assert.strictEqual(code(reply), "resource_not_found", request.url)
      }
      const log = yield* Effect.flatMap(control, (c) => c.requests)
      assert.deepStrictEqual(log.map((r) => r.status), requests.map(() => 404))
      assert.deepStrictEqual(log.map((r) => r.fault), requests.map(() => undefined))
    }).pipe(withEmulator()))

  it.effect("revoke ids are decoded once, kept as sent when not valid percent-encoding, and may be long", () =>
    Effect.gen(function*() {
      const longId = `inv_${"x".repeat(200)}`
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["%E0%A4%A", "%E0%A4%A"],
        ["a;b", "a;b"],
        ["a%3Bb", "a;b"],
        ["a%2Fb", "a/b"],
        ["a%25b", "a%b"],
        ["bulk", "bulk"],
        [longId, longId]
      ]
      for (const [segment, id] of cases) {
        const reply = yield* post(`/invitations/${segment}/revoke`)
        assert.strictEqual(reply.status, 404, segment)
        assert.strictEqual(errors(reply)[0]?.long_message, `No invitation was found with id ${id}.`, segment)
      }
    }).pipe(withEmulator()))
})

describe("control routing", () => {
  const request = (method: string, path: string) =>
    HttpServerRequest.fromWeb(new Request(`http://127.0.0.1${path}`, { method, headers: { host: "127.0.0.1" } }))
      .modify({ remoteAddress: "127.0.0.1" })

  /** The JSON body of a response the emulator built. */
  const json = (response: HttpServerResponse.HttpServerResponse): unknown =>
    response.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(response.body.body)) : undefined

  it.effect("control paths are matched exactly; HEAD and an empty id are 404 naming the request", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.make()
      const app = Server.app(emulator.app, emulator.control)
      const run = (method: string, path: string) =>
        Effect.provideService(app, HttpServerRequest.HttpServerRequest, request(method, path))
      for (
        const [method, path] of [
          ["HEAD", "/__emulator/requests"],
          ["GET", "/__emulator/requests/"],
          ["POST", "/__emulator/Reset"],
          ["POST", "/__emulator/%72eset"],
          ["POST", "/__emulator/reset;x"],
          ["POST", "/__emulator/invitations//accept"],
          ["GET", "/__emulator/invitations/inv_x/accept"]
        ] as const
      ) {
        const response = yield* run(method, path)
        assert.strictEqual(response.status, 404, `${method} ${path}`)
        assert.strictEqual(response.headers["content-type"], "application/json")
        if (method !== "HEAD") assert.strictEqual(record(json(response)).error, `no control endpoint ${method} ${path}`)
      }
      assert.strictEqual((yield* run("GET", "/__emulator/requests")).status, 200)
      assert.strictEqual((yield* run("POST", "/__emulator/reset")).status, 200)
    }))

  it.effect("a control id is decoded once and may hold `;` or be long", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.make()
      const app = Server.app(emulator.app, emulator.control)
      const created = yield* Effect.provideService(
        emulator.app,
        HttpServerRequest.HttpServerRequest,
        HttpServerRequest.fromWeb(
          new Request("http://127.0.0.1/v1/invitations", {
            method: "POST",
            headers: { authorization: "Bearer sk_test_emulator", "content-type": "application/json" },
            body: JSON.stringify({ email_address: "a@example.com" })
          })
        )
      )
      const id = String(record(json(created)).id)
      const longId = `inv_${"y".repeat(200)}`
      for (const [segment, decoded] of [["a%3Bb", "a;b"], ["a;b", "a;b"], ["a%25b", "a%b"], [longId, longId]]) {
        const response = yield* Effect.provideService(
          app,
          HttpServerRequest.HttpServerRequest,
          request("POST", `/__emulator/invitations/${segment}/accept`)
        )
        assert.strictEqual(response.status, 404, segment)
        assert.strictEqual(record(json(response)).error, `The Clerk emulator holds no invitation with id ${decoded}`)
      }
      const accepted = yield* Effect.provideService(
        app,
        HttpServerRequest.HttpServerRequest,
        request("POST", `/__emulator/invitations/${encodeURIComponent(id)}/accept`)
      )
      assert.strictEqual(accepted.status, 200)
      assert.strictEqual((yield* emulator.control.invitations)[0]?.status, "accepted")
    }))
})

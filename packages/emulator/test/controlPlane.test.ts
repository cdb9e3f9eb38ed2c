/**
 * The served control plane against web pages: loopback Host, no foreign Origin, JSON bodies of
 * bounded size, readable refusals; and request targets that are not URLs.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as Http from "node:http"
import { ClerkEmulator } from "../src/index.js"
import * as ControlAccess from "../src/internal/controlAccess.js"
import { array, record } from "./utils.js"

interface Raw {
  readonly status: number
  readonly text: string
}

/**
 * Sends one request with node:http, which lets a test set `Host` and send any request target
 * (as a browser under DNS rebinding, or a proxy, would). `chunks` sends a chunked body.
 */
const raw = (
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string | { readonly chunks: number; readonly chunk: string }
) =>
  Effect.flatMap(ClerkEmulator.serverUrl, (url) =>
    Effect.async<Raw>((resume) => {
      const { hostname, port } = new URL(url)
      const request = Http.request({ hostname, port, method, path: target, headers }, (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (data: string) => {
          text += data
        })
        response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, text })))
      })
      request.on("error", (error) => resume(Effect.succeed({ status: -1, text: String(error) })))
      if (typeof body === "string") request.end(body)
      else if (body !== undefined) {
        for (let i = 0; i < body.chunks; i++) request.write(body.chunk)
        request.end()
      } else request.end()
    }))

const json = { "content-type": "application/json" }
const auth = { authorization: "Bearer sk_test_emulator" }
const control = ClerkEmulator.ClerkEmulator
const invitationCount = Effect.map(Effect.flatMap(control, (c) => c.invitations), (all) => all.length)
const listStatus = Effect.map(raw("GET", "/v1/invitations", auth), (r) => r.status)

/** One invitation stored and no fault queued: what an attack must not change. */
const arrange = Effect.gen(function*() {
  const emulator = yield* control
  yield* emulator.reset
  yield* emulator.seed({ count: 1 })
})

const faultBody = JSON.stringify({ route: "*", fault: { _tag: "Status", status: 503 }, times: 1 })

layer(ClerkEmulator.layerServer(), { excludeTestServices: true })("served control plane", (it) => {
  it.effect("a foreign Host, a foreign Origin or a text/plain body cannot inject a fault or reset", () =>
    Effect.gen(function*() {
      yield* arrange
      const attacks: ReadonlyArray<readonly [Record<string, string>, number]> = [
        [{ host: "evil.example", ...json }, 403],
        [{ host: "evil.example:4010", ...json }, 403],
        [{ host: "127.0.0.1.evil.example", ...json }, 403],
        [{ host: "localhost", origin: "https://evil.example", ...json }, 403],
        [{ host: "localhost", origin: "null", ...json }, 403],
        [{ host: "localhost", "content-type": "text/plain" }, 415],
        [{ host: "localhost" }, 415],
        [{ host: "evil.example", origin: "http://evil.example", "content-type": "text/plain" }, 403]
      ]
      for (const [headers, status] of attacks) {
        const faults = yield* raw("POST", "/__emulator/faults", headers, faultBody)
        const reset = yield* raw("POST", "/__emulator/reset", headers, "{}")
        assert.deepStrictEqual([faults.status, reset.status], [status, status], JSON.stringify(headers))
        assert.isString(record(JSON.parse(faults.text)).error)
      }
      const absolute = yield* raw("POST", "http://evil.example/__emulator/reset", { host: "127.0.0.1" })
      assert.strictEqual(absolute.status, 403)
      assert.strictEqual(yield* listStatus, 200)
      assert.strictEqual(yield* invitationCount, 1)
    }))

  it.effect("a foreign Host cannot read the request log or the invitations", () =>
    Effect.gen(function*() {
      yield* arrange
      yield* listStatus
      for (const path of ["/__emulator/requests", "/__emulator/invitations"]) {
        const reply = yield* raw("GET", path, { host: "rebound.evil.example:4010" })
        assert.strictEqual(reply.status, 403)
        assert.notInclude(reply.text, "sk_test_emulator")
      }
    }))

  it.effect("loopback hosts and origins, with or without a port, drive it", () =>
    Effect.gen(function*() {
      const accepted: ReadonlyArray<Record<string, string>> = [
        { host: "127.0.0.1" },
        { host: "127.0.0.1:4010" },
        { host: "127.8.9.10:1" },
        { host: "localhost:4010" },
        { host: "LOCALHOST" },
        { host: "[::1]:4010" },
        { host: "localhost", origin: "http://localhost:3000" },
        { host: "localhost", origin: "http://127.0.0.1:4010" }
      ]
      for (const headers of accepted) {
        yield* arrange
        const faults = yield* raw("POST", "/__emulator/faults", { ...headers, ...json }, faultBody)
        assert.strictEqual(faults.status, 200, JSON.stringify(headers))
        assert.strictEqual(yield* listStatus, 503)
        assert.strictEqual((yield* raw("POST", "/__emulator/reset", headers)).status, 200)
        assert.strictEqual(yield* invitationCount, 0)
      }
    }))

  it.effect("a control id that is not valid percent-encoding is 400 with a message", () =>
    Effect.gen(function*() {
      for (const action of ["accept", "expire"]) {
        const reply = yield* raw("POST", `/__emulator/invitations/%E0%A4%A/${action}`, { host: "127.0.0.1" })
        assert.strictEqual(reply.status, 400)
        assert.include(String(record(JSON.parse(reply.text)).error), "%E0%A4%A")
      }
    }))

  it.effect("a request target that is not a URL path is 400 with a message, not a 500", () =>
    Effect.gen(function*() {
      for (const target of ["//", "//:0"]) {
        const reply = yield* raw("GET", target, { host: "127.0.0.1", ...auth })
        assert.strictEqual(reply.status, 400, target)
        assert.include(String(record(JSON.parse(reply.text)).error), "not a valid URL")
      }
      assert.strictEqual(yield* listStatus, 200)
    }))

  it.effect("control bodies over 1 MiB are 413, declared or chunked, and change nothing", () =>
    Effect.gen(function*() {
      yield* arrange
      const pad = "x".repeat(1024 * 1024)
      const declared = yield* raw("POST", "/__emulator/users", { host: "127.0.0.1", ...json }, JSON.stringify({ email_address: "a@example.com", pad }))
      assert.strictEqual(declared.status, 413)
      assert.include(String(record(JSON.parse(declared.text)).error), "1048576")
      const chunked = yield* raw("POST", "/__emulator/chaos", { host: "127.0.0.1", ...json }, { chunks: 40, chunk: "x".repeat(64 * 1024) })
      assert.strictEqual(chunked.status, 413)
      assert.strictEqual(yield* listStatus, 200)
      const small = yield* raw("POST", "/__emulator/users", { host: "127.0.0.1", ...json }, JSON.stringify({ email_address: "a@example.com" }))
      assert.strictEqual(small.status, 200)
    }))

  it.effect("a rejected control body answers one line per problem", () =>
    Effect.gen(function*() {
      const post = (path: string, body: string) => raw("POST", path, { host: "127.0.0.1", ...json }, body)
      const faults = yield* post("/__emulator/faults", JSON.stringify({ route: "nope", fault: { _tag: "Oops" }, times: 0 }))
      assert.strictEqual(faults.status, 400)
      const body = record(JSON.parse(faults.text))
      assert.deepStrictEqual(body.issues, [
        "route: expected \"create\" | \"bulk\" | \"list\" | \"revoke\" | \"*\", got \"nope\"",
        "fault._tag: expected \"Status\" | \"ResetBefore\" | \"ResetAfter\" | \"Delay\" | \"Malformed\", got \"Oops\"",
        "times: expected a positive number, got 0"
      ])
      assert.notInclude(String(body.error), "readonly")
      const notObject = record(JSON.parse((yield* post("/__emulator/users", "[1]")).text))
      assert.deepStrictEqual(notObject.issues, ["body: expected a JSON object, got [1]"])
      const notJson = yield* post("/__emulator/seed", "{count:")
      assert.deepStrictEqual([notJson.status, record(JSON.parse(notJson.text)).error], [400, "the body is not valid JSON"])
      const empty = yield* post("/__emulator/chaos", "")
      assert.strictEqual(empty.status, 400)
    }))

  it.effect("the request log served to loopback redacts the bearer key", () =>
    Effect.gen(function*() {
      yield* arrange
      yield* listStatus
      const log = array(JSON.parse((yield* raw("GET", "/__emulator/requests", { host: "localhost" })).text))
      const headers = record(log[0]?.headers)
      assert.notInclude(String(headers.authorization), "sk_test_emulator")
      assert.match(String(headers.authorization), /^Bearer sk_test_…\(redacted [0-9a-f]{8}\)$/)
    }))
})

describe("control access rules", () => {
  it("isLoopbackHost accepts 127.0.0.0/8, localhost and [::1], with or without a port", () => {
    for (const host of ["127.0.0.1", "127.0.0.1:80", "127.255.255.255:65535", "localhost", "localhost.", "LocalHost:1", "[::1]", "[::1]:4010"]) {
      assert.isTrue(ControlAccess.isLoopbackHost(host), host)
    }
    for (
      const host of [undefined, "", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "128.0.0.1", "127.0.0.256",
        "0.0.0.0:4010", "[::]", "::1", "[::ffff:7f00:1]", "127.0.0.1:80:80", "evil.example#@127.0.0.1"]
    ) {
      assert.isFalse(ControlAccess.isLoopbackHost(host), String(host))
    }
  })
})

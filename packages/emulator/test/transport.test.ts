import { HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { base, code, errors, get, record, send, withEmulator } from "./utils.js"

const list = (headers: Record<string, string>, urlParams: ReadonlyArray<readonly [string, string]> = []) =>
  send(HttpClientRequest.get(`${base}/invitations`).pipe(
    HttpClientRequest.setHeaders(headers),
    HttpClientRequest.setUrlParams(urlParams)
  ))

describe("authentication", () => {
  it.effect("a missing Authorization header is 401 authentication_invalid", () =>
    Effect.gen(function*() {
      const reply = yield* list({})
      assert.strictEqual(reply.status, 401)
      assert.deepStrictEqual(errors(reply)[0], {
        message: "Invalid authentication",
        long_message: "Unable to authenticate the request, you need to supply an active session",
        code: "authentication_invalid"
      })
    }).pipe(withEmulator()))

  it.effect("a header that is not Bearer <key> is 401 authorization_header_format_invalid", () =>
    Effect.gen(function*() {
      for (const value of ["Basic abc", "sk_test_emulator", "Bearer", "Bearer a b"]) {
        const reply = yield* list({ authorization: value })
        assert.deepStrictEqual([value, reply.status, code(reply)], [value, 401, "authorization_header_format_invalid"])
      }
    }).pipe(withEmulator()))

  it.effect("a garbage bearer token is 401 authentication_invalid", () =>
    Effect.gen(function*() {
      const reply = yield* list({ authorization: "Bearer garbage!" })
      assert.deepStrictEqual([reply.status, code(reply)], [401, "authentication_invalid"])
    }).pipe(withEmulator()))

  it.effect("a well-formed unknown secret key is 401 clerk_key_invalid", () =>
    Effect.gen(function*() {
      const reply = yield* list({ authorization: "Bearer sk_test_invalid" })
      assert.strictEqual(reply.status, 401)
      assert.strictEqual(code(reply), "clerk_key_invalid")
      assert.strictEqual(
        errors(reply)[0]?.message,
        "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct."
      )
    }).pipe(withEmulator()))

  it.effect("accepts any configured key and only those", () =>
    Effect.gen(function*() {
      const a = yield* list({ authorization: "Bearer sk_live_one" })
      const b = yield* list({ authorization: "bearer sk_test_two" })
      const c = yield* list({ authorization: "Bearer sk_test_emulator" })
      assert.deepStrictEqual([a.status, b.status, c.status], [200, 200, 401])
    }).pipe(withEmulator({ secretKeys: ["sk_live_one", "sk_test_two"] })))
})

describe("Clerk-API-Version", () => {
  const auth = { authorization: "Bearer sk_test_emulator" }
  it.effect("absent or a published version is fine", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* list(auth)).status, 200)
      for (const version of ["2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"]) {
        assert.strictEqual((yield* list({ ...auth, "clerk-api-version": version })).status, 200)
      }
      assert.strictEqual((yield* list(auth, [["__clerk_api_version", "2025-04-10"]])).status, 200)
    }).pipe(withEmulator()))

  it.effect("an unknown version, or header and query together, is 400 api_version_invalid", () =>
    Effect.gen(function*() {
      const unknown = yield* list({ ...auth, "clerk-api-version": "2023-01-01" })
      const query = yield* list(auth, [["__clerk_api_version", "v1"]])
      const both = yield* list({ ...auth, "clerk-api-version": "2026-05-12" }, [["__clerk_api_version", "2026-05-12"]])
      for (const reply of [unknown, query, both]) {
        assert.deepStrictEqual([reply.status, code(reply)], [400, "api_version_invalid"])
      }
    }).pipe(withEmulator()))
})

describe("routing", () => {
  it.effect("unknown routes and methods are 404 resource_not_found in Clerk's shape", () =>
    Effect.gen(function*() {
      const paths = [
        HttpClientRequest.get(`${base}/users`),
        HttpClientRequest.del(`${base}/invitations`),
        HttpClientRequest.get(`${base}/invitations/bulk`),
        HttpClientRequest.get("https://api.clerk.com/invitations")
      ]
      for (const request of paths) {
        const reply = yield* send(request.pipe(HttpClientRequest.bearerToken("sk_test_emulator")))
        assert.strictEqual(reply.status, 404)
        assert.strictEqual(code(reply), "resource_not_found")
        assert.strictEqual(reply.headers["content-type"], "application/json")
        assert.isString(record(reply.json).clerk_trace_id)
      }
    }).pipe(withEmulator()))

  it.effect("any host works: only the path counts", () =>
    Effect.gen(function*() {
      const reply = yield* send(HttpClientRequest.get("http://localhost:1/v1/invitations").pipe(
        HttpClientRequest.bearerToken("sk_test_emulator")
      ))
      assert.strictEqual(reply.status, 200)
      assert.strictEqual((yield* get("/invitations")).text, "[]")
    }).pipe(withEmulator()))
})

/** The emulator over real HTTP: control endpoints, hardening, dropped connections. */
import { HttpServer, HttpServerRequest } from "@effect/platform"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as Http from "node:http"
import * as Net from "node:net"
import { ClerkEmulator } from "../src/index.js"
import * as Server from "../src/internal/server.js"
import { array, record } from "./utils.js"

const headers = { authorization: "Bearer sk_test_emulator", "content-type": "application/json" }
const json = { "content-type": "application/json" }

const call = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(ClerkEmulator.serverUrl, (url) =>
    Effect.promise(async () => {
      const response = await fetch(`${url}${path}`, init)
      const text = await response.text()
      return { status: response.status, contentType: response.headers.get("content-type"), text }
    }))

const fails = (path: string, init: RequestInit) =>
  Effect.flatMap(ClerkEmulator.serverUrl, (url) => Effect.flip(Effect.tryPromise(() => fetch(`${url}${path}`, init))))

const reset = Effect.flatMap(ClerkEmulator.ClerkEmulator, (c) => c.reset)

/** Sends a chunked body (no content-length) with node:http and answers the status. */
const chunked = (size: number) =>
  Effect.flatMap(ClerkEmulator.serverUrl, (url) =>
    Effect.async<number>((resume) => {
      const request = Http.request(`${url}/v1/invitations`, { method: "POST", headers }, (response) => {
        response.resume()
        resume(Effect.succeed(response.statusCode ?? 0))
      })
      request.on("error", () => resume(Effect.succeed(-1)))
      const chunk = "x".repeat(64 * 1024)
      for (let sent = 0; sent < size; sent += chunk.length) request.write(chunk)
      request.end()
    }))

layer(ClerkEmulator.layerServer({ maxBodyBytes: 1024 * 1024 }), { excludeTestServices: true })("layerServer", (it) => {
  it.effect("listens on 127.0.0.1 and answers the API with application/json", () =>
    Effect.gen(function*() {
      const url = yield* ClerkEmulator.serverUrl
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const reply = yield* call("/v1/invitations", { headers })
      assert.deepStrictEqual([reply.status, reply.contentType, reply.text], [200, "application/json", "[]"])
    }))

  it.effect("bodies over maxBodyBytes are 413, with or without content-length", () =>
    Effect.gen(function*() {
      yield* reset
      const big = JSON.stringify({ email_address: "a@example.com", public_metadata: { pad: "x".repeat(2 * 1024 * 1024) } })
      const reply = yield* call("/v1/invitations", { method: "POST", headers, body: big })
      assert.strictEqual(reply.status, 413)
      assert.strictEqual(reply.contentType, "application/json")
      assert.include(reply.text, "request_body_too_large")
      assert.strictEqual(yield* chunked(2 * 1024 * 1024), 413)
      assert.deepStrictEqual(yield* Effect.flatMap(ClerkEmulator.ClerkEmulator, (c) => c.invitations), [])
      const ok = yield* call("/v1/invitations", { method: "POST", headers, body: JSON.stringify({ email_address: "a@example.com" }) })
      assert.strictEqual(ok.status, 200)
    }))

  it.effect("ResetBefore destroys the socket before the operation; ResetAfter after it", () =>
    Effect.gen(function*() {
      yield* reset
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const body = JSON.stringify({ email_address: "a@example.com" })
      yield* emulator.injectFaults("create", { _tag: "ResetBefore" })
      yield* fails("/v1/invitations", { method: "POST", headers, body })
      assert.strictEqual((yield* emulator.invitations).length, 0)
      yield* emulator.injectFaults("create", { _tag: "ResetAfter" })
      yield* fails("/v1/invitations", { method: "POST", headers, body })
      assert.strictEqual((yield* emulator.invitations).length, 1)
      const next = yield* call("/v1/invitations", { headers })
      assert.strictEqual(next.status, 200)
    }))

  it.effect("control endpoints drive the emulator from loopback", () =>
    Effect.gen(function*() {
      yield* reset
      const post = (path: string, body?: unknown) =>
        call(path, body === undefined ? { method: "POST" } : { method: "POST", headers: json, body: JSON.stringify(body) })
      assert.strictEqual((yield* post("/__emulator/users", { email_address: "user@example.com" })).status, 200)
      const taken = yield* call("/v1/invitations", {
        method: "POST",
        headers,
        body: JSON.stringify({ email_address: "user@example.com" })
      })
      assert.strictEqual(taken.status, 422)
      const created = yield* call("/v1/invitations", { method: "POST", headers, body: JSON.stringify({ email_address: "a@example.com" }) })
      const id = String(record(JSON.parse(created.text)).id)
      assert.strictEqual((yield* post(`/__emulator/invitations/${id}/expire`)).status, 200)
      assert.strictEqual(array(JSON.parse((yield* call("/__emulator/invitations")).text))[0]?.status, "expired")
      assert.strictEqual((yield* post("/__emulator/invitations/inv_missing/accept")).status, 404)
      assert.strictEqual((yield* post(`/__emulator/invitations/${id}/accept`)).status, 409)
      assert.strictEqual(
        (yield* post("/__emulator/faults", { route: "list", fault: { _tag: "Status", status: 503 }, times: 1 })).status,
        200
      )
      assert.strictEqual((yield* call("/v1/invitations", { headers })).status, 503)
      assert.strictEqual((yield* post("/__emulator/faults", { route: "nope", fault: { _tag: "Oops" } })).status, 400)
      assert.strictEqual((yield* post("/__emulator/chaos", { rate: 1, faults: [{ _tag: "Delay", millis: 1 }] })).status, 200)
      assert.strictEqual((yield* call("/v1/invitations", { headers })).status, 200)
      const requests = array(JSON.parse((yield* call("/__emulator/requests")).text))
      assert.deepStrictEqual(requests.map((r) => r.status), [422, 200, 503, 200])
      assert.strictEqual((yield* post("/__emulator/reset")).status, 200)
      assert.strictEqual((yield* call("/__emulator/invitations")).text, "[]")
      assert.strictEqual((yield* call("/__emulator/nothing")).status, 404)
    }))

  it.effect("POST /__emulator/seed inserts generated invitations; bad bodies are 400", () =>
    Effect.gen(function*() {
      yield* reset
      const seed = (body: unknown) => call("/__emulator/seed", { method: "POST", headers: json, body: JSON.stringify(body) })
      assert.strictEqual((yield* seed({ count: 1_000 })).status, 200)
      assert.strictEqual((yield* seed({ count: 5, status: "revoked", email_prefix: "old.team-" })).status, 200)
      const page = yield* call("/v1/invitations?paginated=true&limit=2&offset=998&order_by=created_at", { headers })
      const body = record(JSON.parse(page.text))
      assert.strictEqual(body.total_count, 1_000)
      assert.deepStrictEqual(array(body.data).map((i) => i.email_address), ["user998@example.com", "user999@example.com"])
      const revoked = yield* call("/v1/invitations?status=revoked&limit=1", { headers })
      assert.strictEqual(array(JSON.parse(revoked.text))[0]?.email_address, "old.team-1004@example.com")
      const duplicate = yield* call("/v1/invitations", { method: "POST", headers, body: JSON.stringify({ email_address: "user7@example.com" }) })
      assert.strictEqual(duplicate.status, 400)
      for (const bad of [{}, { count: -1 }, { count: 1.5 }, { count: 2_000_000 }, { count: 1, status: "open" }, { count: 1, email_prefix: "a b" }]) {
        assert.strictEqual((yield* seed(bad)).status, 400, JSON.stringify(bad))
      }
      assert.strictEqual((yield* Effect.flatMap(ClerkEmulator.ClerkEmulator, (c) => c.invitations)).length, 1_005)
    }))

  it.effect("survives garbage and 1,000 concurrent connections", () =>
    Effect.gen(function*() {
      yield* reset
      const url = new URL(yield* ClerkEmulator.serverUrl)
      const sockets = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 1000 }, (_, i) =>
          new Promise<Net.Socket>((resolve, reject) => {
            const socket = Net.connect({ host: url.hostname, port: Number(url.port) }, () => {
              if (i % 10 === 0) socket.write("\u0000\u00ff GARBAGE \r\n\r\n\r\n")
              else if (i % 10 === 1) socket.write("GET /v1/invitations HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
              resolve(socket)
            })
            socket.on("error", () => undefined)
            socket.once("error", reject)
          })))
      )
      const reply = yield* call("/v1/invitations", { headers })
      assert.deepStrictEqual([reply.status, reply.text], [200, "[]"])
      for (const socket of sockets) socket.destroy()
    }), { timeout: 20_000 })
})

describe("control endpoint access", () => {
  it("isLoopback accepts loopback addresses only", () => {
    for (const address of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) {
      assert.isTrue(Server.isLoopback(Option.some(address)), address)
    }
    for (const address of ["10.0.0.1", "192.168.1.2", "::ffff:10.0.0.1", "fe80::1", "1127.0.0.1"]) {
      assert.isFalse(Server.isLoopback(Option.some(address)), address)
    }
    assert.isFalse(Server.isLoopback(Option.none()))
  })

  it.effect("a remote client gets 403 from the control endpoints, the API still answers", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.make()
      const app = Server.app(emulator.app, emulator.control)
      const remote = (path: string, init?: RequestInit) =>
        HttpServerRequest.fromWeb(new Request(`http://emulator${path}`, init)).modify({ remoteAddress: "10.0.0.1" })
      const control = yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, remote("/__emulator/reset", { method: "POST" }))
      assert.strictEqual(control.status, 403)
      const api = yield* Effect.provideService(
        app,
        HttpServerRequest.HttpServerRequest,
        remote("/v1/invitations", { headers: { authorization: "Bearer sk_test_emulator" } })
      )
      assert.strictEqual(api.status, 200)
    }))
})

describe("layerServer addresses", () => {
  it.effect("bound to 0.0.0.0, serverUrl is a reachable loopback URL", () =>
    Effect.gen(function*() {
      const url = yield* ClerkEmulator.serverUrl
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const reply = yield* call("/v1/invitations", { headers })
      assert.strictEqual(reply.status, 200)
    }).pipe(Effect.provide(ClerkEmulator.layerServer({ host: "0.0.0.0" }))), { timeout: 10_000 })

  it.effect("bound to ::, serverUrl reaches [::1]", () =>
    Effect.gen(function*() {
      const server = HttpServer.make({ serve: () => Effect.void, address: { _tag: "TcpAddress", hostname: "::", port: 4010 } })
      const url = yield* Effect.provideService(ClerkEmulator.serverUrl, HttpServer.HttpServer, server)
      assert.strictEqual(url, "http://[::1]:4010")
    }))

  it.effect("a port that is not a whole number from 0 to 65535 is a ServeError, not a defect", () =>
    Effect.gen(function*() {
      for (const port of [70_000, -1, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(Effect.scoped(Layer.build(ClerkEmulator.layerServer({ port }))))
        assert.strictEqual(error._tag, "ServeError", String(port))
        assert.include(String(error.cause), "0 to 65535")
      }
    }))
})

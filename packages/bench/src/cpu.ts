/**
 * CPU time per call without sockets: each client runs over a stubbed transport that answers from
 * precomputed bytes, so what is measured is the client's own path (validation, encoding, request
 * building, decoding, spans). The stub sits where each client meets the network:
 *
 * - `fetch` for `@clerk/backend` (which captures `fetch` when imported, so the stub is installed
 *   first and the SDK imported after), for ours over `FetchHttpClient` (the same stub as its
 *   `Fetch`) and for the platform's fetch client alone (`execute` and `response.json`, tracing off);
 * - an undici `Dispatcher` whose `dispatch` answers the request handler as a connection would
 *   (headers, then the body as one chunk), so undici's own `request` API and body reading run as
 *   they do over a socket, for ours over `UndiciHttpClient`, for `UndiciHttpClient` alone and for
 *   raw `undici.request`. (Not undici's `MockAgent`: its interceptors cost several times what they
 *   stand in for on a 100-item page.)
 *
 * Also: decoding a 500-item page (ours, decode only) against `JSON.parse`, and what a root fiber's
 * exit costs with no client at all (`rootFiber.ts`). Run as a child of `main`.
 */
import * as ClerkClient from "@effect-clerk/invitations/ClerkClient"
import * as Invitation from "@effect-clerk/invitations/Invitation"
import * as Invitations from "@effect-clerk/invitations/Invitations"
import * as UndiciHttpClient from "@effect-clerk/undici/UndiciHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Undici from "undici"
import type { Operation } from "./clients.js"
import { decodePageSize, invitationId, listPageSize, page, pendingInvitation, revokedInvitation, secretKey } from "./fixtures.js"
import { isMain } from "./children.js"
import { serve, settings } from "./ipc.js"
import * as RootFiber from "./rootFiber.js"
import { median, round } from "./stats.js"

/** How many calls to time. */
export interface Settings {
  readonly calls: number
  readonly rounds: number
  readonly decodeRuns: number
}

/** CPU per call of one client for one operation. */
export interface CpuFigure {
  readonly client: string
  readonly operation: Operation | "list500"
  readonly cpuUsPerCall: number
}

/** The decoding figures of a 500-item page. */
export interface DecodeFigure {
  readonly jsonParseMs: number
  readonly oursDecodeMs: number
  readonly oursParseAndDecodeMs: number
}

const baseUrl = "http://stub.invalid"
const created = JSON.stringify(pendingInvitation(1))
const revoked = JSON.stringify(revokedInvitation(1))
const pages = new Map([listPageSize, decodePageSize].map((n) => [n, JSON.stringify(page(n))]))
const jsonInit = { status: 200, headers: { "content-type": "application/json" } }

const answer = (url: string, method: string): string => {
  if (method === "GET") {
    const limit = Number(/[?&]limit=(\d+)/.exec(url)?.[1] ?? "10")
    return pages.get(limit) ?? JSON.stringify(page(limit))
  }
  return url.endsWith("/revoke") ? revoked : created
}

const urlOf = (input: RequestInfo | URL): string =>
  typeof input === "string" ? input : input instanceof URL ? input.href : input.url

/** The stubbed transport: a web `Response` from precomputed bytes, as a socket would deliver. */
const stubFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
  new Response(answer(urlOf(input), init?.method ?? "GET"), jsonInit)

globalThis.fetch = stubFetch

/** The stubbed undici transport: a `Dispatcher` that answers every request from precomputed bytes. */
class StubDispatcher extends Undici.Dispatcher {
  private readonly bodies = new Map<string, Buffer>()
  private bytes(path: string, method: string): Buffer {
    const key = `${method} ${path}`
    let body = this.bodies.get(key)
    if (body === undefined) {
      body = Buffer.from(answer(path, method))
      this.bodies.set(key, body)
    }
    return body
  }
  override dispatch(options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
    const body = this.bytes(options.path, options.method)
    const headers = [
      Buffer.from("content-type"),
      Buffer.from("application/json"),
      Buffer.from("content-length"),
      Buffer.from(String(body.length))
    ]
    // The headers, then the body on the next turn, as a socket's reads deliver them. A body that
    // ends before its reader attaches (all three in one microtask) leaves undici's `arrayBuffer()`
    // keeping ~3 KB per request (16.6 MB more heap after every 5,000), which a socket never does.
    // Both of undici's handler APIs are answered, as its own dispatchers do: `request`'s handler
    // speaks the older one, `UndiciHttpClient`'s the newer (`onRequestStart`, `onResponse*`).
    if (handler.onRequestStart !== undefined) {
      const controller: Undici.Dispatcher.DispatchController = {
        aborted: false,
        paused: false,
        reason: null,
        abort: () => {},
        pause: () => {},
        resume: () => {}
      }
      handler.onRequestStart(controller, {})
      queueMicrotask(() => {
        handler.onResponseStart?.(controller, 200, { "content-type": "application/json", "content-length": String(body.length) })
        setImmediate(() => {
          handler.onResponseData?.(controller, body)
          handler.onResponseEnd?.(controller, {})
        })
      })
      return true
    }
    handler.onConnect?.(() => {})
    queueMicrotask(() => {
      handler.onHeaders?.(200, headers, () => {}, "OK")
      setImmediate(() => {
        handler.onData?.(body)
        handler.onComplete?.([])
      })
    })
    return true
  }
}
const stubDispatcher = new StubDispatcher()

const email = (i: number) => `user${i}@example.com`
const revokeId = invitationId(1)
const operations = ["create", "list", "revoke", "list500"] as const
type Op = typeof operations[number]
const limitOf = (op: Op) => (op === "list500" ? decodePageSize : listPageSize)

const rawCall = async (op: Op, i: number) => {
  const headers = { authorization: `Bearer ${secretKey}`, "content-type": "application/json" }
  const response = op === "create"
    ? await fetch(`${baseUrl}/v1/invitations`, { method: "POST", headers, body: JSON.stringify({ email_address: email(i) }) })
    : op === "revoke"
    ? await fetch(`${baseUrl}/v1/invitations/${revokeId}/revoke`, { method: "POST", headers })
    : await fetch(`${baseUrl}/v1/invitations?paginated=true&limit=${limitOf(op)}`, { headers })
  return response.json()
}

const rawUndiciCall = async (op: Op, i: number) => {
  const headers = { authorization: `Bearer ${secretKey}`, "content-type": "application/json" }
  const response = op === "create"
    ? await Undici.request(`${baseUrl}/v1/invitations`, { dispatcher: stubDispatcher, method: "POST", headers, body: JSON.stringify({ email_address: email(i) }) })
    : op === "revoke"
    ? await Undici.request(`${baseUrl}/v1/invitations/${revokeId}/revoke`, { dispatcher: stubDispatcher, method: "POST", headers })
    : await Undici.request(`${baseUrl}/v1/invitations?paginated=true&limit=${limitOf(op)}`, { dispatcher: stubDispatcher, headers })
  return response.body.json()
}

const measureCpu = async (run: (n: number) => Promise<void>, n: number): Promise<number> => {
  const before = process.cpuUsage()
  await run(n)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / n
}

/** Measures every client on every operation, interleaved, the 500-item decoding and the root fibers. */
export const measure = async (options: Settings): Promise<{
  cpu: ReadonlyArray<CpuFigure>
  decode: DecodeFigure
  rootFiber: ReadonlyArray<RootFiber.RootFiberFigure>
}> => {
  const { createClerkClient } = await import("@clerk/backend")
  const clerk = createClerkClient({ secretKey, apiUrl: baseUrl })
  const clerkCall = (op: Op, i: number): Promise<unknown> =>
    op === "create"
      ? clerk.invitations.createInvitation({ emailAddress: email(i) })
      : op === "revoke"
      ? clerk.invitations.revokeInvitation(revokeId)
      : clerk.invitations.getInvitationList({ limit: limitOf(op) })

  const runtime = ManagedRuntime.make(
    Invitations.layer.pipe(
      Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(secretKey), apiUrl: baseUrl })),
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(Layer.succeed(FetchHttpClient.Fetch, stubFetch))
    )
  )
  const undiciStub = UndiciHttpClient.layerDispatcher(stubDispatcher)
  // As the README recommends on Node: the transport times each request, ClerkClient leaves it to it.
  const oursUndici = ManagedRuntime.make(
    Invitations.layer.pipe(
      Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(secretKey), apiUrl: baseUrl, timeout: "transport", redirects: "transport" })),
      Layer.provide(UndiciHttpClient.layerDispatcher(stubDispatcher, { timeout: "30 seconds" }))
    )
  )
  // A client alone over the same stub, tracing off: `execute` and `response.json`.
  const platform = ManagedRuntime.make(
    Layer.merge(
      Layer.provide(FetchHttpClient.layer, Layer.succeed(FetchHttpClient.Fetch, stubFetch)),
      Layer.setTracerEnabled(false)
    )
  )
  const undiciAlone = ManagedRuntime.make(Layer.merge(undiciStub, Layer.setTracerEnabled(false)))
  const platformHeaders = { authorization: `Bearer ${secretKey}`, "clerk-api-version": "2026-05-12" }
  const platformCall = (op: Op, i: number) =>
    Effect.flatMap(HttpClient.HttpClient, (client) =>
      Effect.flatMap(
        client.execute(
          op === "create"
            ? HttpClientRequest.post(`${baseUrl}/v1/invitations`, { headers: platformHeaders }).pipe(
              HttpClientRequest.bodyUnsafeJson({ email_address: email(i) })
            )
            : op === "revoke"
            ? HttpClientRequest.post(`${baseUrl}/v1/invitations/${revokeId}/revoke`, { headers: platformHeaders })
            : HttpClientRequest.get(`${baseUrl}/v1/invitations?paginated=true&limit=${limitOf(op)}`, { headers: platformHeaders })
        ),
        (response) => response.json
      ))
  const oursCall = (op: Op, i: number): Effect.Effect<unknown, unknown, Invitations.Invitations> =>
    Effect.flatMap(Invitations.Invitations, (invitations): Effect.Effect<unknown, unknown> =>
      op === "create"
        ? invitations.create({ emailAddress: email(i) })
        : op === "revoke"
        ? invitations.revoke(revokeId)
        : invitations.list({ limit: limitOf(op) }))

  const sequential = (call: (op: Op, i: number) => Promise<unknown>) => (op: Op) => async (n: number) => {
    for (let i = 0; i < n; i++) await call(op, i)
  }
  const loop = <R>(
    run: ManagedRuntime.ManagedRuntime<R, never>,
    call: (op: Op, i: number) => Effect.Effect<unknown, unknown, R>
  ) =>
  (op: Op) =>
  (n: number) => run.runPromise(Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => call(op, i), { discard: true }))
  const clients: ReadonlyArray<{ name: string; run: (op: Op) => (n: number) => Promise<void> }> = [
    { name: "fetch (stub) + JSON.parse", run: sequential(rawCall) },
    { name: "undici.request (stub dispatcher) + JSON.parse", run: sequential(rawUndiciCall) },
    { name: "@clerk/backend", run: sequential(clerkCall) },
    { name: "ours/UndiciHttpClient (Effect loop, stub dispatcher)", run: loop(oursUndici, oursCall) },
    { name: "UndiciHttpClient alone (Effect loop, stub dispatcher)", run: loop(undiciAlone, platformCall) },
    { name: "ours/fetch (Effect loop)", run: loop(runtime, oursCall) },
    { name: "platform fetch client alone (Effect loop)", run: loop(platform, platformCall) },
    { name: "ours/fetch (runPromise per call)", run: sequential((op, i) => runtime.runPromise(oursCall(op, i))) }
  ]

  const samples = new Map<string, Array<number>>()
  for (const op of operations) {
    const n = op === "list500" ? Math.max(20, Math.round(options.calls / 10)) : options.calls
    for (const client of clients) await client.run(op)(n) // warm-up
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? clients : [...clients].reverse()
      for (const client of order) {
        const key = `${client.name}\u0000${op}`
        const list = samples.get(key) ?? []
        list.push(await measureCpu(client.run(op), n))
        samples.set(key, list)
      }
    }
  }
  const cpu: Array<CpuFigure> = []
  for (const op of operations) {
    for (const client of clients) {
      cpu.push({ client: client.name, operation: op, cpuUsPerCall: round(median(samples.get(`${client.name}\u0000${op}`) ?? []), 1) })
    }
  }
  await runtime.dispose()
  await platform.dispose()
  await oursUndici.dispose()
  await undiciAlone.dispose()

  // Decoding a 500-item page: JSON.parse alone, our decoding alone, and both.
  const text = pages.get(decodePageSize) ?? ""
  // What the client runs on a page: the fast decoder, held equal to the plain schema by a property test.
  const decodePage = (u: unknown) => Effect.runSync(Invitation.decodeInvitationPageJson(u))
  const time = (f: () => unknown) => {
    const runs: Array<number> = []
    for (let i = 0; i < options.decodeRuns; i++) {
      const t0 = performance.now()
      f()
      runs.push(performance.now() - t0)
    }
    return round(median(runs), 3)
  }
  const parsed: unknown = JSON.parse(text)
  time(() => decodePage(parsed)) // warm-up
  const decode: DecodeFigure = {
    jsonParseMs: time(() => JSON.parse(text)),
    oursDecodeMs: time(() => decodePage(parsed)),
    oursParseAndDecodeMs: time(() => decodePage(JSON.parse(text)))
  }
  // What a root fiber's exit costs, with no client at all (see rootFiber.ts).
  const rootFiber = await RootFiber.measure({ calls: Math.max(200, Math.round(options.calls / 2)), rounds: options.rounds + 2 })
  return { cpu, decode, rootFiber }
}

if (isMain(import.meta.url)) serve(() => measure(settings<Settings>()))

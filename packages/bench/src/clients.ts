/**
 * The clients under measurement, each able to create, list a page and revoke against a base URL:
 * raw `undici.request`, raw global `fetch`, the official `@clerk/backend`, and ours over
 * `FetchHttpClient` and over `@effect/platform-node`'s undici client. Ours is driven two ways:
 * Effect-native (one runtime, `Effect.forEach` with `concurrency`) and per call through
 * `ManagedRuntime.runPromise`, the way a non-Effect caller would. Beside them, the platform's
 * undici client alone (`execute` and `response.json`, nothing decoded, tracing off): the floor of
 * any client built on `@effect/platform`, which is what ours adds its work to.
 */
import { createClerkClient } from "@clerk/backend"
import * as ClerkClient from "@effect-clerk/invitations/ClerkClient"
import * as Invitations from "@effect-clerk/invitations/Invitations"
import * as UndiciHttpClient from "@effect-clerk/undici/UndiciHttpClient"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Undici from "undici"
import { invitationId, listPageSize, secretKey } from "./fixtures.js"

/** The three operations measured. */
export type Operation = "create" | "list" | "revoke"

/** The operations of one client as promises; `i` numbers the call. */
export interface AsyncClient {
  readonly name: string
  readonly kind: "async"
  readonly call: (operation: Operation, i: number) => Promise<unknown>
  readonly close: () => Promise<void>
}

/** What the runtime of an Effect-driven client provides: our service and the platform client under it. */
export type EffectServices = Invitations.Invitations | HttpClient.HttpClient

/** The operations of an Effect client as effects, run by one runtime. */
export interface EffectClient {
  readonly name: string
  readonly kind: "effect"
  readonly runtime: ManagedRuntime.ManagedRuntime<EffectServices, never>
  readonly call: (operation: Operation, i: number) => Effect.Effect<unknown, unknown, EffectServices>
  readonly close: () => Promise<void>
}

/** Any client of the benchmark. */
export type Client = AsyncClient | EffectClient

const email = (i: number) => `user${i}@example.com`
const revokeId = invitationId(1)

const jsonHeaders = (): Record<string, string> => ({
  authorization: `Bearer ${secretKey}`,
  "clerk-api-version": "2026-05-12",
  "user-agent": "bench/raw",
  "content-type": "application/json"
})

/** Raw `undici.request` with its own keep-alive `Agent`: JSON in and out, nothing else. */
export const rawUndici = (baseUrl: string): AsyncClient => {
  const dispatcher = new Undici.Agent()
  const listPath = `/v1/invitations?paginated=true&limit=${listPageSize}`
  const revokePath = `/v1/invitations/${revokeId}/revoke`
  const send = async (method: "GET" | "POST", path: string, body: string | null = null) => {
    const response = await Undici.request(`${baseUrl}${path}`, { method, headers: jsonHeaders(), body, dispatcher })
    return response.body.json()
  }
  return {
    name: "undici.request",
    kind: "async",
    call: (operation, i) =>
      operation === "create"
        ? send("POST", "/v1/invitations", JSON.stringify({ email_address: email(i) }))
        : operation === "list"
        ? send("GET", listPath)
        : send("POST", revokePath),
    close: () => dispatcher.close()
  }
}

/** Raw global `fetch` (Node's bundled undici): JSON in and out, nothing else. */
export const rawFetch = (baseUrl: string): AsyncClient => {
  const listUrl = `${baseUrl}/v1/invitations?paginated=true&limit=${listPageSize}`
  const revokeUrl = `${baseUrl}/v1/invitations/${revokeId}/revoke`
  const send = async (method: "GET" | "POST", url: string, body?: string) => {
    const response = await fetch(url, { method, headers: jsonHeaders(), ...(body === undefined ? {} : { body }) })
    return response.json()
  }
  return {
    name: "fetch",
    kind: "async",
    call: (operation, i) =>
      operation === "create"
        ? send("POST", `${baseUrl}/v1/invitations`, JSON.stringify({ email_address: email(i) }))
        : operation === "list"
        ? send("GET", listUrl)
        : send("POST", revokeUrl),
    close: async () => {}
  }
}

/** The official `@clerk/backend` SDK (it rides on global `fetch`). */
export const clerkBackend = (baseUrl: string): AsyncClient => {
  const clerk = createClerkClient({ secretKey, apiUrl: baseUrl })
  return {
    name: "@clerk/backend",
    kind: "async",
    call: (operation, i) =>
      operation === "create"
        ? clerk.invitations.createInvitation({ emailAddress: email(i) })
        : operation === "list"
        ? clerk.invitations.getInvitationList({ limit: listPageSize })
        : clerk.invitations.revokeInvitation(revokeId),
    close: async () => {}
  }
}

/**
 * Which `HttpClient` ours runs over: our `UndiciHttpClient` (bodies read whole in the request's
 * promise), `@effect/platform-node`'s `NodeHttpClient.layerUndici`, or `FetchHttpClient`.
 */
export type Transport = "UndiciHttpClient" | "layerUndici" | "fetch"

/**
 * The full stack of ours over a platform client layer, which it also provides, with the
 * `ClerkClient` options `options` (say those of `clerkOptions(transport)`).
 */
export const layer = (
  baseUrl: string,
  http: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<ClerkClient.Options> = {}
): Layer.Layer<EffectServices> =>
  Invitations.layer.pipe(
    Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(secretKey), apiUrl: baseUrl, ...options })),
    Layer.provideMerge(http)
  )

/**
 * The platform client layer of a transport. `UndiciHttpClient` is set up as the README recommends
 * on Node: it times each request itself (30 s), and ClerkClient leaves the attempt's timeout to it.
 */
export const transportLayer = (transport: Transport): Layer.Layer<HttpClient.HttpClient> =>
  transport === "UndiciHttpClient"
    ? UndiciHttpClient.layerWith({ timeout: "30 seconds" })
    : transport === "layerUndici"
    ? NodeHttpClient.layerUndici
    : FetchHttpClient.layer

/**
 * What `ClerkClient` leaves to `transport`, as the README says to set it: the attempt's timeout
 * to `UndiciHttpClient` (which times its requests), redirects to both undici clients (which never
 * follow one); over `fetch`, nothing.
 */
export const clerkOptions = (transport: Transport): Partial<ClerkClient.Options> =>
  transport === "UndiciHttpClient"
    ? { timeout: "transport", redirects: "transport" }
    : transport === "layerUndici"
    ? { redirects: "transport" }
    : {}

const callOf = (operation: Operation, i: number): Effect.Effect<unknown, unknown, Invitations.Invitations> =>
  Effect.flatMap(Invitations.Invitations, (invitations): Effect.Effect<unknown, unknown> =>
    operation === "create"
      ? invitations.create({ emailAddress: email(i) })
      : operation === "list"
      ? invitations.list({ limit: listPageSize })
      : invitations.revoke(revokeId))

/**
 * The runtime of ours. `tracer: false` adds `Layer.setTracerEnabled(false)`, what an app without a
 * tracer may set: the operations' spans become no-ops.
 */
const runtimeOf = (baseUrl: string, transport: Transport, tracer = true) =>
  ManagedRuntime.make(
    tracer
      ? layer(baseUrl, transportLayer(transport), clerkOptions(transport))
      : Layer.merge(layer(baseUrl, transportLayer(transport), clerkOptions(transport)), Layer.setTracerEnabled(false))
  )

/** Ours, Effect-native: the driver runs a whole loop in one `runPromise`. */
export const oursEffect = (baseUrl: string, transport: Transport, tracer = true): EffectClient => {
  const runtime = runtimeOf(baseUrl, transport, tracer)
  return {
    name: `ours/${transport} (Effect loop${tracer ? "" : ", tracer off"})`,
    kind: "effect",
    runtime,
    call: callOf,
    close: () => runtime.dispose()
  }
}

/** Ours from plain async code: one `ManagedRuntime.runPromise` per call. */
export const oursPromise = (baseUrl: string, transport: Transport): AsyncClient => {
  const runtime = runtimeOf(baseUrl, transport)
  return {
    name: `ours/${transport} (runPromise per call)`,
    kind: "async",
    call: (operation, i) => runtime.runPromise(callOf(operation, i)),
    close: () => runtime.dispose()
  }
}

/**
 * An `HttpClient` alone, Effect-native with tracing off: the same requests and headers as ours,
 * `response.json` read, nothing validated or decoded, no timeout or retry. Over
 * `NodeHttpClient.layerUndici` it is the floor of any client on `@effect/platform`'s undici client;
 * over `UndiciHttpClient`, the floor of ours over it.
 */
export const transportAlone = (baseUrl: string, transport: Transport, name: string): EffectClient => {
  const runtime = ManagedRuntime.make(Layer.merge(layer(baseUrl, transportLayer(transport)), Layer.setTracerEnabled(false)))
  const headers = jsonHeaders()
  const listUrl = `${baseUrl}/v1/invitations?paginated=true&limit=${listPageSize}`
  const revokeUrl = `${baseUrl}/v1/invitations/${revokeId}/revoke`
  return {
    name,
    kind: "effect",
    runtime,
    call: (operation, i) =>
      Effect.flatMap(HttpClient.HttpClient, (client) =>
        Effect.flatMap(
          client.execute(
            operation === "create"
              ? HttpClientRequest.post(`${baseUrl}/v1/invitations`, { headers }).pipe(
                HttpClientRequest.bodyUnsafeJson({ email_address: email(i) })
              )
              : operation === "list"
              ? HttpClientRequest.get(listUrl, { headers })
              : HttpClientRequest.post(revokeUrl, { headers })
          ),
          (response) => response.json
        )),
    close: () => runtime.dispose()
  }
}

/** Every client, in the order they are interleaved and reported. */
export const all = (baseUrl: string): ReadonlyArray<Client> => [
  rawUndici(baseUrl),
  rawFetch(baseUrl),
  clerkBackend(baseUrl),
  transportAlone(baseUrl, "layerUndici", "platform undici alone (Effect loop)"),
  transportAlone(baseUrl, "UndiciHttpClient", "UndiciHttpClient alone (Effect loop)"),
  oursEffect(baseUrl, "UndiciHttpClient"),
  oursPromise(baseUrl, "UndiciHttpClient"),
  oursEffect(baseUrl, "layerUndici"),
  oursPromise(baseUrl, "layerUndici"),
  oursEffect(baseUrl, "fetch"),
  oursPromise(baseUrl, "fetch")
]

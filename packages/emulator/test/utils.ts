/** Helpers shared by the emulator specs: hand-built requests through a plain HttpClient. */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Effect } from "effect"
import { ClerkEmulator } from "../src/index.js"

export const base = "https://api.clerk.com/v1"

export const auth = (key: string = ClerkEmulator.defaultSecretKey) =>
  HttpClientRequest.setHeaders({ authorization: `Bearer ${key}`, "clerk-api-version": "2026-05-12" })

export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  readonly json: unknown
}

const read = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(response.text, (text): Reply => {
    let json: unknown = undefined
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  })

/** Sends a request and reads the whole reply. */
export const send = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(HttpClient.HttpClient, (client) => Effect.flatMap(client.execute(request), read)).pipe(Effect.scoped)

export const post = (path: string, body?: unknown) =>
  send(
    body === undefined
      ? HttpClientRequest.post(`${base}${path}`).pipe(auth())
      : HttpClientRequest.post(`${base}${path}`).pipe(HttpClientRequest.bodyUnsafeJson(body), auth())
  )

export const get = (path: string, urlParams: ReadonlyArray<readonly [string, string]> = []) =>
  send(HttpClientRequest.get(`${base}${path}`).pipe(HttpClientRequest.setUrlParams(urlParams), auth()))

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Narrows a JSON value to a record for field access in assertions (throws otherwise). */
export const record = (value: unknown): Record<string, unknown> => {
  if (!isRecord(value)) throw new Error(`not an object: ${JSON.stringify(value)}`)
  return value
}

/** Narrows a JSON value to an array of records (throws otherwise). */
export const array = (value: unknown): ReadonlyArray<Record<string, unknown>> => {
  if (!Array.isArray(value)) throw new Error(`not an array: ${JSON.stringify(value)}`)
  return value.map(record)
}

/** The `errors` entries of an error reply. */
export const errors = (reply: Reply): ReadonlyArray<Record<string, unknown>> => {
  const body = reply.json
  return isRecord(body) && Array.isArray(body.errors) ? array(body.errors) : []
}

/** The `errors[0].code` of an error reply, or undefined. */
export const code = (reply: Reply): unknown => errors(reply)[0]?.code

/** Runs a spec against a fresh in-process emulator. */
export const withEmulator = (options?: ClerkEmulator.Options) => Effect.provide(ClerkEmulator.layer(options))

/** The control service. */
export const control = ClerkEmulator.ClerkEmulator

/**
 * The secret key never shows: not in any error, its message, `toString`, JSON or inspection, not in
 * a log line, not in a span. Emails are never span attributes. Each failure case runs under a
 * recording tracer and logger, and everything they and the error expose is scanned.
 */
import { ClerkClient, ClerkError } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"
import type { Reply } from "./utils.js"
import { clerkError, invitationJson, invitationsOver, json, makeFakeHttp, recordingTracer, secret } from "./utils.js"

const email = "secret-person@example.com"

const cases: ReadonlyArray<[string, (n: number) => Reply]> = [
  ["401", () => clerkError(401, "clerk_key_invalid")],
  ["403", () => clerkError(403, "authorization_invalid")],
  ["429 beyond the budget", () => clerkError(429, "too_many_requests", { headers: { "retry-after": "9999" } })],
  ["500 every time", () => clerkError(500, "internal_clerk_error")],
  ["a dropped connection every time", () => "reset"],
  ["a hung connection", () => Effect.never],
  ["a broken 200 body", () => new Response("{", { status: 200, headers: { "content-type": "application/json" } })],
  ["a wrong-typed 200 body", () => json({ object: "invitation", id: 1 })],
  ["a duplicate", () => clerkError(400, "duplicate_record", { meta: { email_addresses: [email] } })],
  ["a 404", () => clerkError(404, "resource_not_found")],
  ["a 422", () => clerkError(422, "form_param_format_invalid", { meta: { param_name: "email_address" } })]
]

const scanAll = (texts: ReadonlyArray<string>, what: string) => {
  for (const text of texts) {
    assert.notInclude(text, secret, `${what} shows the secret`)
    assert.notInclude(text, secret.slice(8, 30), `${what} shows part of the secret`)
  }
}

const record = Effect.gen(function*() {
  const { spans, tracer } = yield* recordingTracer
  const logs: Array<string> = []
  const logger = Logger.make(({ cause, message }) => {
    logs.push(`${inspect(message, { depth: 10 })} ${Cause.pretty(cause)}`)
  })
  return { spans, logs, tracer, logger }
})

// What a tracer exports of a span: its name, attributes, events and, when it failed, its cause.
const spanTexts = (spans: ReadonlyArray<Tracer.Span>) =>
  spans.flatMap((span) => [
    span.name,
    ...[...span.attributes].map(([k, v]) => `${k}=${typeof v === "string" ? v : inspect(v)}`),
    ...(span instanceof Object && "events" in span ? [inspect(span.events, { depth: 10 })] : []),
    span.status._tag === "Ended" && span.status.exit._tag === "Failure"
      ? `${Cause.pretty(span.status.exit.cause)} ${inspect(Cause.squash(span.status.exit.cause), { depth: 10 })}`
      : ""
  ])

describe("the secret never shows", () => {
  for (const [name, reply] of cases) {
    for (const operation of ["create", "createBulk", "list", "revoke"] as const) {
      it.effect(`${operation}: ${name}`, () =>
        Effect.gen(function*() {
          const { logger, logs, spans, tracer } = yield* record
          const fake = yield* makeFakeHttp((_, n) => reply(n))
          const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 }, timeout: "2 seconds" })
          const run: Effect.Effect<unknown, ClerkError.ClerkError> = operation === "create"
            ? invitations.create({ emailAddress: email })
            : operation === "createBulk"
            ? invitations.createBulk([{ emailAddress: email }])
            : operation === "list"
            ? invitations.list({ query: email })
            : invitations.revoke("inv_123")
          const fiber = yield* Effect.fork(
            run.pipe(
              Effect.tapErrorCause((cause) => Effect.logError("call failed", cause)),
              Effect.flip,
              Effect.withTracer(tracer),
              Effect.provide(Logger.replace(Logger.defaultLogger, logger))
            )
          )
          yield* TestClock.adjust("10 minutes")
          const error = yield* Fiber.join(fiber)
          const texts = [
            error.message,
            String(error),
            error.toString(),
            JSON.stringify(error),
            inspect(error, { depth: 20, showHidden: true }),
            Cause.pretty(Cause.fail(error)),
            inspect(Object.getOwnPropertyDescriptors(error), { depth: 20 }),
            ...logs,
            ...spanTexts(spans)
          ]
          scanAll(texts, `${operation} (${name}) → ${error._tag}`)
          // emails are never span attributes
          for (const span of spans) {
            for (const [key, value] of span.attributes) {
              assert.notInclude(typeof value === "string" ? value : inspect(value), email, `span ${span.name} ${key}`)
            }
          }
          assert.isAbove(spans.length, 0, "spans were recorded")
        }))
    }
  }

  it.effect("a successful call's spans carry neither the secret nor the email", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* record
      const fake = yield* makeFakeHttp((request) => request.method === "GET" ? json({ data: [], total_count: 0 }) : json(invitationJson({ email_address: email })))
      const invitations = yield* invitationsOver(fake.layer)
      yield* Effect.all([invitations.create({ emailAddress: email }), invitations.list({ query: email })]).pipe(Effect.withTracer(tracer))
      const names = spans.map((s) => s.name)
      assert.include(names, "Invitations.create")
      assert.include(names, "Invitations.list")
      scanAll(spanTexts(spans), "spans")
      for (const text of spanTexts(spans)) assert.notInclude(text, email)
      const create = spans.find((s) => s.name === "Invitations.create")
      assert.strictEqual(create?.attributes.get("http.request.method"), "POST")
      assert.strictEqual(create?.attributes.get("url.path"), "/invitations")
      assert.strictEqual(create?.attributes.get("http.response.status_code"), 200)
    }))

  it.effect("layerConfig keeps CLERK_SECRET_KEY redacted", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      const provider = ConfigProvider.fromMap(new Map([["CLERK_SECRET_KEY", secret]]))
      const client = yield* ClerkClient.ClerkClient.pipe(
        Effect.provide(ClerkClient.layerConfig().pipe(Layer.provide(fake.layer))),
        Effect.withConfigProvider(provider)
      )
      scanAll([inspect(client, { depth: 10 }), String(client.httpClient)], "the client")
    }))
})

/**
 * Contract: emulator responses validate against the official OpenAPI spec, read at test time
 * from `<repo root>/../shared/clerk-openapi/2026-05-12.yml` (never copied into the repo). When that
 * file is missing these specs, and only these, are skipped, naming the file.
 */
import { assert, describe, it } from "@effect/vitest"
import { Ajv } from "ajv"
import addFormats from "ajv-formats"
import { Effect } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { control, get, post, record, send, base, withEmulator, type Reply } from "./utils.js"
import { HttpClientRequest } from "@effect/platform"

const specPath = fileURLToPath(new URL("../../../../shared/clerk-openapi/2026-05-12.yml", import.meta.url))
const present = existsSync(specPath)
if (!present) console.warn(`Skipping the OpenAPI contract specs: ${specPath} is missing`)

/** OpenAPI 3.0 `nullable: true` as JSON Schema: a `null` alternative. */
const denullable = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(denullable)
  if (typeof value !== "object" || value === null) return value
  const entries = Object.entries(value).map(([key, inner]) => [key, denullable(inner)] as const)
  const schema = Object.fromEntries(entries.filter(([key]) => key !== "nullable"))
  if (!("nullable" in value) || value.nullable !== true) return schema
  return { anyOf: [schema, { type: "null" }] }
}

const validator = () => {
  const spec = record(parse(readFileSync(specPath, "utf8")))
  const components = record(spec.components)
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema({ components: denullable({ schemas: components.schemas, responses: components.responses }) }, "clerk")
  const valid = (response: string, json: unknown) => {
    const validate = ajv.getSchema(`clerk#/components/responses/${response}/content/application~1json/schema`)
    if (validate === undefined) throw new Error(`no response ${response} in the spec`)
    return validate(json) ? undefined : JSON.stringify(validate.errors)
  }
  return {
    valid,
    check: (response: string, reply: Reply) => {
      assert.isUndefined(valid(response, reply.json), `${response} for ${reply.text}`)
      assert.strictEqual(reply.headers["content-type"], "application/json")
    }
  }
}

describe.skipIf(!present)(`OpenAPI contract (${specPath})`, () => {
  const { check, valid } = present ? validator() : { check: () => undefined, valid: () => undefined }

  it("the validator rejects what Clerk would not send", () => {
    const invitation = {
      object: "invitation", id: "inv_1", email_address: "a@example.com", public_metadata: {},
      status: "pending", created_at: 1, updated_at: 1, expires_at: null
    }
    assert.isUndefined(valid("Invitation", invitation))
    assert.isString(valid("Invitation", { ...invitation, extra: true }))
    assert.isString(valid("Invitation", { ...invitation, email_address: "nope" }))
    assert.isString(valid("Invitation", { ...invitation, status: "open" }))
    assert.isString(valid("Invitation.Revoked", invitation))
    assert.isString(valid("ClerkErrors", { errors: [{ code: "x" }] }))
  })

  it.effect("create, bulk, list (bare and paginated) and revoke answer the spec's 200 schemas", () =>
    Effect.gen(function*() {
      const created = yield* post("/invitations", { email_address: "a@example.com", public_metadata: { deep: { x: [1] } } })
      check("Invitation", created)
      const bulk = yield* post("/invitations/bulk", [{ email_address: "b@example.com" }, { email_address: "c@example.com" }])
      check("Invitation.List", bulk)
      const emulator = yield* control
      const [, b, c] = yield* emulator.invitations
      yield* emulator.accept(String(b?.id))
      yield* emulator.expire(String(c?.id))
      const revoked = yield* post(`/invitations/${String(record(created.json).id)}/revoke`)
      check("Invitation.Revoked", revoked)
      const all = yield* get("/invitations", [["status", "pending"], ["status", "accepted"], ["status", "revoked"], ["status", "expired"]])
      check("Invitation.List", all)
      assert.strictEqual(Array.isArray(all.json) ? all.json.length : 0, 3)
      const paginated = yield* get("/invitations", [["paginated", "true"], ["status", "revoked"]])
      const body = record(paginated.json)
      assert.deepStrictEqual(Object.keys(body).sort(), ["data", "total_count"])
      assert.isTrue(Number.isInteger(body.total_count))
      check("Invitation.List", { ...paginated, json: body.data })
    }).pipe(withEmulator()))

  it.effect("every error answers the spec's error schemas", () =>
    Effect.gen(function*() {
      yield* post("/invitations", { email_address: "a@example.com" })
      check("ClerkErrors", yield* post("/invitations", { email_address: "a@example.com" }))
      check("ClerkErrors", yield* post("/invitations/bulk", [{ email_address: "a@example.com" }]))
      check("ClerkErrors", yield* post("/invitations/bulk", Array.from({ length: 11 }, (_, i) => ({ email_address: `x${i}@example.com` }))))
      check("UnprocessableEntity", yield* post("/invitations", { email_address: "nope", extra: 1 }))
      check("UnprocessableEntity", yield* get("/invitations", [["limit", "0"]]))
      yield* Effect.flatMap(control, (c) => c.seedUser("user@example.com"))
      check("UnprocessableEntity", yield* post("/invitations/bulk", [{ email_address: "user@example.com" }]))
      check("ResourceNotFound", yield* post("/invitations/inv_missing/revoke"))
      const id = String(record((yield* post("/invitations", { email_address: "r@example.com" })).json).id)
      yield* post(`/invitations/${id}/revoke`)
      check("ClerkErrors", yield* post(`/invitations/${id}/revoke`))
      check("AuthenticationInvalid", yield* send(HttpClientRequest.get(`${base}/invitations`)))
      check("AuthenticationInvalid", yield* send(HttpClientRequest.get(`${base}/invitations`).pipe(HttpClientRequest.bearerToken("sk_test_nope"))))
      check("ClerkErrors", yield* send(HttpClientRequest.get(`${base}/invitations`).pipe(
        HttpClientRequest.bearerToken("sk_test_emulator"),
        HttpClientRequest.setHeader("clerk-api-version", "1999-01-01")
      )))
      yield* post("/invitations", { email_address: "q1@example.com" })
      check("TooManyRequests", yield* post("/invitations", { email_address: "q2@example.com" }))
    }).pipe(withEmulator({ rateLimits: { create: 4 } })))
})

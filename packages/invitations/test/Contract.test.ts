/**
 * The client's requests against Clerk's official OpenAPI spec: every body `create` and
 * `createBulk` can send validates against the spec's request schemas, every query parameter is
 * one the spec declares with a value it allows, and the spec's own example decodes.
 *
 * The spec is read from `../shared/clerk-openapi/2026-05-12.yml` beside the repository; a clone
 * without it skips these tests (and only these), naming the missing file.
 */
import { Invitation } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import { Ajv } from "ajv"
import addFormatsModule from "ajv-formats"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { invitationJson, invitationsOver, json, makeFakeHttp } from "./utils.js"

const specPath = fileURLToPath(new URL("../../../../shared/clerk-openapi/2026-05-12.yml", import.meta.url))
const hasSpec = existsSync(specPath)
if (!hasSpec) console.warn(`Skipping the OpenAPI contract tests: ${specPath} is missing`)

const pointer = (...segments: ReadonlyArray<string>) =>
  "spec#/" + segments.map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")

const loadSpec = () => {
  const spec: unknown = parse(readFileSync(specPath, "utf8"))
  const ajv = new Ajv({ strict: false, allErrors: true })
  // ajv-formats is CommonJS: under ESM its plugin is the module's `default` property
  addFormatsModule.default(ajv)
  ajv.addSchema(spec as object, "spec")
  const validator = (ref: string) => {
    const validate = ajv.getSchema(ref)
    if (validate === undefined) throw new Error(`no schema at ${ref}`)
    return (data: unknown) => (validate(data) ? undefined : ajv.errorsText(validate.errors))
  }
  const operation = (path: string, method: string) =>
    (spec as { paths: Record<string, Record<string, { parameters?: ReadonlyArray<{ $ref?: string; name?: string; schema?: unknown }> }>> })
      .paths[path]?.[method]
  return { spec, validator, operation, ajv }
}

const record = <A, E>(run: (invitations: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fake = yield* makeFakeHttp((request) =>
      request.url.pathname.endsWith("/bulk") ? json([invitationJson()]) : request.method === "GET" ? json({ data: [], total_count: 0 }) : json(invitationJson())
    )
    const invitations = yield* invitationsOver(fake.layer)
    yield* run(invitations)
    return yield* Ref.get(fake.requests)
  })

describe.skipIf(!hasSpec)(`the official spec (${specPath})`, () => {
  const { validator, operation, spec } = hasSpec ? loadSpec() : ({} as ReturnType<typeof loadSpec>)
  const createBody = hasSpec ? validator(pointer("paths", "/invitations", "post", "requestBody", "content", "application/json", "schema")) : () => undefined
  const bulkBody = hasSpec ? validator(pointer("paths", "/invitations/bulk", "post", "requestBody", "content", "application/json", "schema")) : () => undefined
  const invitation = hasSpec ? validator(pointer("components", "schemas", "Invitation")) : () => undefined

  it.effect("a create body with every field validates", () =>
    Effect.gen(function*() {
      const [request] = yield* record((s) =>
        s.create({
          emailAddress: "ada@example.com",
          publicMetadata: { plan: "pro", nested: { a: [1, null] } },
          redirectUrl: "https://app.example.com",
          notify: true,
          ignoreExisting: false,
          expiresInDays: 365,
          templateSlug: "waitlist_invitation"
        })
      )
      assert.isUndefined(createBody(request?.body))
    }))

  it.effect("the spec rejects what the client must never send (the validator is live)", () =>
    Effect.sync(() => {
      assert.isDefined(createBody({}))
      assert.isDefined(invitation({ ...invitationJson(), email_address: "not an email" }))
      assert.isDefined(createBody({ email_address: "a@example.com", emailAddress: "x" }))
      assert.isDefined(createBody({ email_address: "a@example.com", expires_in_days: 0 }))
      assert.isDefined(bulkBody([]))
      assert.isDefined(bulkBody(Array.from({ length: 11 }, () => ({ email_address: "a@example.com" }))))
    }))

  // Valid params drawn from the client's own schema: every one encodes to a body the spec accepts.
  const createParams = Arbitrary.make(Schema.typeSchema(Invitation.CreateParams))

  it.effect.prop("every create body the client sends validates", [createParams], ([params]) =>
    Effect.gen(function*() {
      const [request] = yield* record((s) => s.create(params))
      const error = createBody(request?.body)
      assert.isUndefined(error, `${error}: ${JSON.stringify(request?.body)}`)
    }), { timeout: 60_000, fastCheck: { numRuns: 200 } })

  it.effect.prop("every bulk body the client sends validates", [FastCheck.array(createParams, { minLength: 1, maxLength: 10 })], ([params]) =>
    Effect.gen(function*() {
      const [request] = yield* record((s) => s.createBulk(params))
      const error = bulkBody(request?.body)
      assert.isUndefined(error, `${error}: ${JSON.stringify(request?.body)}`)
    }), { timeout: 60_000, fastCheck: { numRuns: 100 } })

  it.effect.prop("every list query uses the spec's parameters with allowed values", [Arbitrary.make(Invitation.ListParams)], ([params]) =>
    Effect.gen(function*() {
      const [request] = yield* record((s) => s.list(params))
      const declared = new Map<string, (value: unknown) => string | undefined>()
      for (const parameter of operation("/invitations", "get")?.parameters ?? []) {
        const ref = parameter.$ref === undefined ? undefined : "spec" + parameter.$ref
        const resolved = ref === undefined
          ? parameter
          : (ref.slice("spec#/".length).split("/").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], spec) as typeof parameter)
        if (resolved.name !== undefined) {
          const check = ref === undefined
            ? validator(pointer("paths", "/invitations", "get", "parameters", String((operation("/invitations", "get")?.parameters ?? []).indexOf(parameter)), "schema"))
            : validator(`${ref}/schema`)
          declared.set(resolved.name, check)
        }
      }
      for (const [name, value] of request?.url.searchParams ?? []) {
        const check = declared.get(name)
        assert.isDefined(check, `query parameter ${name} is not in the spec`)
        const typed = /^\d+$/.test(value) && name !== "query" ? Number(value) : value === "true" ? true : value
        const error = check?.(typed)
        assert.isUndefined(error, `${name}=${value}: ${error}`)
      }
    }), { timeout: 60_000, fastCheck: { numRuns: 200 } })

  it.effect("the spec's Invitation schema accepts the observed wire form, and the client decodes it", () =>
    Effect.gen(function*() {
      const observed = { ...invitationJson(), status: "pending" as const }
      assert.isUndefined(invitation(observed))
      const { url: _url, ...revokedJson } = { ...observed, revoked: true, status: "revoked" }
      assert.isUndefined(invitation(revokedJson))
      const decoded = yield* Schema.decodeUnknown(Invitation.InvitationFromJson)(observed)
      assert.strictEqual(decoded.id, observed.id)
      const encoded = yield* Schema.encode(Invitation.InvitationFromJson)(decoded)
      assert.deepStrictEqual(encoded, observed)
    }))
})

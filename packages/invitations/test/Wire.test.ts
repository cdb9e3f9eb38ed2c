import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"
import { clerkError, invitationJson, invitationsOver, json, makeFakeHttp, secret } from "./utils.js"

const packageVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version

describe("the wire", () => {
  it.effect("create: POST /v1/invitations with Clerk's headers and a snake_case body", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json(invitationJson()))
      const invitations = yield* invitationsOver(fake.layer)
      const invitation = yield* invitations.create({
        emailAddress: "ada@example.com",
        publicMetadata: { planId: "pro", nested_key: { camelCase: 1 } },
        redirectUrl: "https://app.example.com/welcome",
        notify: false,
        ignoreExisting: true,
        expiresInDays: 7,
        templateSlug: "waitlist_invitation"
      })
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.url.toString(), "https://api.clerk.com/v1/invitations")
      assert.deepStrictEqual(request?.body, {
        email_address: "ada@example.com",
        public_metadata: { planId: "pro", nested_key: { camelCase: 1 } },
        redirect_url: "https://app.example.com/welcome",
        notify: false,
        ignore_existing: true,
        expires_in_days: 7,
        template_slug: "waitlist_invitation"
      })
      assert.strictEqual(request?.headers["authorization"], `Bearer ${secret}`)
      assert.strictEqual(request?.headers["clerk-api-version"], "2026-05-12")
      assert.strictEqual(request?.headers["user-agent"], `@effect-clerk/invitations@${packageVersion}`)
      assert.strictEqual(request?.headers["accept"], "application/json")
      assert.strictEqual(request?.headers["content-type"], "application/json")
      assert.isUndefined(request?.headers["traceparent"])
      assert.isUndefined(request?.headers["b3"])
      assert.strictEqual(invitation.id, "inv_3K1I63Ew6FCtVnc4qwZU69JqyZB")
      assert.strictEqual(invitation.emailAddress, "ada@example.com")
      assert.strictEqual(invitation.revoked, false)
      assert.strictEqual(DateTime.toEpochMillis(invitation.createdAt), 1790718468757)
      assert.strictEqual(invitation.expiresAt && DateTime.toEpochMillis(invitation.expiresAt), 1793310468755)
    }))

  it.effect("create sends only the fields given", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json(invitationJson()))
      const invitations = yield* invitationsOver(fake.layer)
      yield* invitations.create({ emailAddress: "ada@example.com", notify: undefined })
      const [request] = yield* Ref.get(fake.requests)
      assert.deepStrictEqual(request?.body, { email_address: "ada@example.com" })
    }))

  it.effect("createBulk: POST /v1/invitations/bulk with a JSON array", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() =>
        json([invitationJson(), invitationJson({ id: "inv_2", email_address: "grace@example.com" })])
      )
      const invitations = yield* invitationsOver(fake.layer)
      const created = yield* invitations.createBulk([
        { emailAddress: "ada@example.com", publicMetadata: { a_b: 1 } },
        { emailAddress: "grace@example.com", expiresInDays: 3 }
      ])
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.url.pathname, "/v1/invitations/bulk")
      assert.deepStrictEqual(request?.body, [
        { email_address: "ada@example.com", public_metadata: { a_b: 1 } },
        { email_address: "grace@example.com", expires_in_days: 3 }
      ])
      assert.deepStrictEqual(created.map((i) => i.emailAddress), ["ada@example.com", "grace@example.com"])
    }))

  it.effect("list: GET /v1/invitations?paginated=true with every filter, repeated status", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [invitationJson()], total_count: 42 }))
      const invitations = yield* invitationsOver(fake.layer)
      const page = yield* invitations.list({
        limit: 20,
        offset: 40,
        status: ["pending", "expired"],
        query: "example.com",
        orderBy: "-email_address"
      })
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.method, "GET")
      assert.strictEqual(request?.url.pathname, "/v1/invitations")
      assert.deepStrictEqual([...(request?.url.searchParams ?? [])], [
        ["paginated", "true"],
        ["limit", "20"],
        ["offset", "40"],
        ["order_by", "-email_address"],
        ["query", "example.com"],
        ["status", "pending"],
        ["status", "expired"]
      ])
      assert.isUndefined(request?.body)
      assert.strictEqual(request?.headers["authorization"], `Bearer ${secret}`)
      assert.strictEqual(page.totalCount, 42)
      assert.strictEqual(page.data.length, 1)
    }))

  it.effect("list with no params asks only for the paginated form", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      const invitations = yield* invitationsOver(fake.layer)
      yield* invitations.list()
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.url.search, "?paginated=true")
    }))

  it.effect("revoke: POST /v1/invitations/{id}/revoke with no body", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => {
        const { url: _url, ...rest } = invitationJson({ revoked: true, status: "revoked" })
        return json(rest)
      })
      const invitations = yield* invitationsOver(fake.layer)
      const revoked = yield* invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB")
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.method, "POST")
      assert.strictEqual(request?.url.pathname, "/v1/invitations/inv_3K1I63Ew6FCtVnc4qwZU69JqyZB/revoke")
      assert.isUndefined(request?.body)
      assert.strictEqual(revoked.revoked, true)
      assert.strictEqual(revoked.status, "revoked")
      assert.isUndefined(revoked.url)
    }))

  it.effect("bodies are UTF-8 as Response.text() reads them: multi-byte characters kept, a byte-order mark dropped", () =>
    Effect.gen(function*() {
      const body = invitationJson({ email_address: "zoë@example.com", public_metadata: { team: "東京", emoji: "🎉" } })
      const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(body))])
      const fake = yield* makeFakeHttp(() => new Response(bytes, { status: 200, headers: { "content-type": "application/json" } }))
      const invitations = yield* invitationsOver(fake.layer)
      const created = yield* invitations.create({ emailAddress: "zoe@example.com" })
      assert.strictEqual(created.emailAddress, "zoë@example.com")
      assert.deepStrictEqual(created.publicMetadata, { team: "東京", emoji: "🎉" })
    }))

  it.effect("an empty, non-JSON or out-of-range 2xx body is ClerkApiError, never a defect", () =>
    Effect.gen(function*() {
      const outOfRange = JSON.stringify({ data: [invitationJson({ created_at: 1e300 })], total_count: 1 })
      for (const text of ["", "not json", "{\"object\":", outOfRange]) {
        const fake = yield* makeFakeHttp(() => new Response(text, { status: 200 }))
        const invitations = yield* invitationsOver(fake.layer, { retry: false })
        const error = yield* Effect.flip(invitations.list())
        assert.strictEqual(error._tag, "ClerkApiError", JSON.stringify(text))
      }
    }))

  it.effect("a middleware that reads the body first leaves it readable: successes and typed errors alike", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request) =>
        request.method === "GET"
          ? json({ data: [invitationJson()], total_count: 1 })
          : request.url.pathname.endsWith("/revoke")
          ? clerkError(400, "invitation_already_revoked")
          : json(invitationJson())
      )
      const seen: Array<unknown> = []
      const logging = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, HttpClient.tap((response) => Effect.map(Effect.orDie(response.json), (body) => seen.push(body))))
      ).pipe(Layer.provide(fake.layer))
      const invitations = yield* invitationsOver(logging)
      assert.strictEqual((yield* invitations.create({ emailAddress: "ada@example.com" })).emailAddress, "ada@example.com")
      assert.strictEqual((yield* invitations.list()).totalCount, 1)
      const error = yield* Effect.flip(invitations.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB"))
      assert.strictEqual(error._tag, "InvitationNotRevocable")
      assert.strictEqual(seen.length, 3)
      assert.strictEqual((yield* Ref.get(fake.requests)).length, 3, "nothing was sent twice")
    }))

  it.effect("parameters are read when the call runs, not when it is built; a throwing getter is a defect of the call", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json(invitationJson()))
      const invitations = yield* invitationsOver(fake.layer)
      let reads = 0
      const params = {
        get emailAddress() {
          reads++
          return "ada@example.com"
        }
      }
      const call = invitations.create(params)
      assert.strictEqual(reads, 0)
      yield* call
      assert.isAbove(reads, 0)
      const throwing = {
        get emailAddress(): string {
          throw new Error("getter")
        }
      }
      const exit = yield* Effect.exit(invitations.create(throwing))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
    }))

  it.effect("apiUrl and apiVersion are configurable; a trailing slash is tolerated", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ data: [], total_count: 0 }))
      const invitations = yield* invitationsOver(fake.layer, { apiUrl: "http://127.0.0.1:4010/", apiVersion: "2025-11-10" })
      yield* invitations.list()
      const [request] = yield* Ref.get(fake.requests)
      assert.strictEqual(request?.url.origin + request?.url.pathname, "http://127.0.0.1:4010/v1/invitations")
      assert.strictEqual(request?.headers["clerk-api-version"], "2025-11-10")
    }))

  it.effect("stream asks one page at a time and stops at the last one", () =>
    Effect.gen(function*() {
      const all = Array.from({ length: 5 }, (_, i) => invitationJson({ id: `inv_${i}`, email_address: `u${i}@example.com` }))
      const fake = yield* makeFakeHttp((request) => {
        const offset = Number(request.url.searchParams.get("offset"))
        const limit = Number(request.url.searchParams.get("limit"))
        return json({ data: all.slice(offset, offset + limit), total_count: all.length })
      })
      const invitations = yield* invitationsOver(fake.layer)
      const ids = yield* Stream.runCollect(invitations.stream({ pageSize: 2, status: "pending" }))
      assert.deepStrictEqual([...ids].map((i) => i.id), ["inv_0", "inv_1", "inv_2", "inv_3", "inv_4"])
      const requests = yield* Ref.get(fake.requests)
      assert.deepStrictEqual(requests.map((r) => r.url.searchParams.get("offset")), ["0", "2", "4"])
      assert.isTrue(requests.every((r) => r.url.searchParams.get("status") === "pending"))
    }))

  it.effect("stream is lazy: taking 3 of page size 2 asks for 2 pages", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request) => {
        const offset = Number(request.url.searchParams.get("offset"))
        return json({
          data: [invitationJson({ id: `inv_${offset}` }), invitationJson({ id: `inv_${offset + 1}` })],
          total_count: 1000
        })
      })
      const invitations = yield* invitationsOver(fake.layer)
      const taken = yield* Stream.runCollect(invitations.stream({ pageSize: 2 }).pipe(Stream.take(3)))
      assert.strictEqual(taken.length, 3)
      assert.strictEqual((yield* Ref.get(fake.requests)).length, 2)
    }))

  it.effect("a total that is a multiple of the page size needs no empty last page", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request) => {
        const offset = Number(request.url.searchParams.get("offset"))
        return json({ data: [invitationJson({ id: `inv_${offset}` }), invitationJson({ id: `inv_${offset + 1}` })], total_count: 4 })
      })
      const invitations = yield* invitationsOver(fake.layer)
      const all = yield* Stream.runCollect(invitations.stream({ pageSize: 2 }))
      assert.strictEqual(all.length, 4)
      assert.strictEqual((yield* Ref.get(fake.requests)).length, 2)
    }))
})

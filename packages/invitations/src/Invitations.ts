/**
 * The Invitations service: create one or up to ten invitations, list a page, stream every page,
 * revoke one. Parameters are validated before any request exists (`InvalidRequest`, nothing sent),
 * responses are decoded before a caller sees them, and each operation fails only with its own tags.
 *
 * Creates and revokes are exactly-once: after an outcome that may or may not have been performed
 * (connection dropped, timeout, `5xx`, unreadable body), the service looks for what the earlier
 * attempt did before sending again, so a retry never invites twice. What it finds is the call's
 * own only when one of the call's attempts could have made it: stamped after the first attempt
 * left, by Clerk's clock (learnt from the `Date` of Clerk's answers, one second of tolerance for
 * that header's resolution, so one stamped 2 s or more before the call is never taken); matching
 * the call's parameters (address, public metadata, lifetime); and not returned to another call of
 * this service (a lookup waits until the other calls on its address or id have ended, and what a
 * call returned stays claimed while any call that started before it runs). Otherwise the call
 * gives the honest answer: `DuplicateEmail` (an invitation exists that this call cannot show it
 * made) or `InvitationNotRevocable AlreadyRevoked`.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as ClerkClient from "./ClerkClient.js"
import { RetryableFailure } from "./ClerkClient.js"
import type {
  CommonError,
  DuplicateEmail,
  FailedResponse,
  InvitationNotFound,
  InvitationNotRevocable
} from "./ClerkError.js"
import { ClerkApiError, fromCreateResponse, fromResponse, fromRevokeResponse, InvalidRequest } from "./ClerkError.js"
import type { CreateParams, Invitation, InvitationPage, ListParams, StreamParams } from "./Invitation.js"
import * as I from "./Invitation.js"
import { readJson } from "./internal/body.js"
import { type CreateWire, fastCreate, isRevokeId } from "./internal/fastDecode.js"
import { invalid } from "./internal/invalid.js"
import { addressKey, matchesCreate, Ownership, revokeKey } from "./internal/ownership.js"
import { exactlyOnce } from "./internal/reconcile.js"
import { annotateThen, operation, span } from "./internal/spans.js"

/**
 * The failures of `create` and `createBulk`.
 *
 * @since 0.1.0
 * @category errors
 */
export type CreateError = DuplicateEmail | InvalidRequest | CommonError

/**
 * The failures of `list` and `stream`.
 *
 * @since 0.1.0
 * @category errors
 */
export type ListError = InvalidRequest | CommonError

/**
 * The failures of `revoke`.
 *
 * @since 0.1.0
 * @category errors
 */
export type RevokeError = InvitationNotFound | InvitationNotRevocable | InvalidRequest | CommonError

/**
 * The operations on a Clerk application's invitations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Creates an invitation and, unless `notify: false`, sends its email. */
  readonly create: (params: CreateParams) => Effect.Effect<Invitation, CreateError>
  /** Creates 1 to 10 invitations in one call, all or none. */
  readonly createBulk: (params: ReadonlyArray<CreateParams>) => Effect.Effect<ReadonlyArray<Invitation>, CreateError>
  /** One page of invitations (revoked ones only when `status` asks) and the total number of matches. */
  readonly list: (params?: ListParams) => Effect.Effect<InvitationPage, ListError>
  /** Every matching invitation, one page requested at a time as the stream is pulled. */
  readonly stream: (params?: StreamParams) => Stream.Stream<Invitation, ListError>
  /** Revokes an invitation: its link stops working. */
  readonly revoke: (invitationId: string) => Effect.Effect<Invitation, RevokeError>
}

/**
 * The tag of the Invitations service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Invitations extends Context.Tag("@effect-clerk/invitations/Invitations")<Invitations, Service>() {}

/**
 * How far before a call's start an invitation could be stamped and still be taken as the call's
 * own, in earlier versions.
 *
 * @deprecated No longer used: a reconciling call reads Clerk's clock from the `Date` of its answers
 * and takes only what follows its first attempt (see `ClerkClient.Since`); kept for compatibility.
 * @since 0.1.0
 * @category constants
 */
export const reconcileWindowMillis = 60_000

const parseOptions = { errors: "all", onExcessProperty: "error" } as const
const encodeCreateSchema = Schema.encodeUnknown(I.CreateParams, parseOptions)
// The usual parameters take a plain check (internal/fastDecode.ts); the schema decides the rest.
const encodeCreate = (params: unknown): Effect.Effect<CreateWire, ParseResult.ParseError> => {
  const wire = fastCreate(params)
  return wire === undefined ? encodeCreateSchema(params) : Effect.succeed(wire)
}
const encodeBulk = Schema.encodeUnknown(I.BulkParams, parseOptions)
const decodeList = Schema.decodeUnknown(I.ListParams, parseOptions)
const decodeStream = Schema.decodeUnknown(I.StreamParams, parseOptions)
const decodeRevokeId = (id: unknown): Effect.Effect<string, ParseResult.ParseError> =>
  isRevokeId(id) ? Effect.succeed(id) : Schema.decodeUnknown(I.RevokeId)(id)

/** Parameters checked before any request exists: a failure is `InvalidRequest`, nothing sent. */
const validate = <A>(operation: string, checked: Effect.Effect<A, ParseResult.ParseError>) =>
  Effect.mapError(checked, invalid(operation))

const contractBroken = (status: number, detail: string) =>
  new RetryableFailure({
    error: new ClerkApiError({
      status,
      errors: [{
        code: "unexpected_response",
        message: "Clerk's response does not match the Invitations contract",
        longMessage: detail
      }]
    }),
    // A `2xx` was performed, whatever its body says.
    ambiguous: true,
    retryAfter: Option.none()
  })

/** A `2xx` body, decoded; one that breaks the contract may read well if asked again. */
const body = <A>(decode: (u: unknown) => Effect.Effect<A, ParseResult.ParseError>) =>
(response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, RetryableFailure> =>
  readJson(response).pipe(
    Effect.mapError((error) => contractBroken(response.status, `unreadable JSON body: ${error.message}`)),
    Effect.flatMap((json) =>
      Effect.mapError(decode(json), (error) => contractBroken(response.status, ParseResult.TreeFormatter.formatErrorSync(error)))
    )
  )

/** A final answer the operation names (`Rejected` from the client), as the operation's error. */
const rejectedAs = <E2>(name: (response: FailedResponse) => E2) =>
<A, E, R>(self: Effect.Effect<A, E | ClerkClient.Rejected, R>): Effect.Effect<A, E | E2, R> =>
  Effect.catchIf(
    self,
    (error): error is ClerkClient.Rejected => error instanceof ClerkClient.Rejected,
    (rejected) => Effect.fail(name(rejected.response))
  )

const toUrlParams = (params: ListParams): Array<[string, string]> => {
  const urlParams: Array<[string, string]> = [["paginated", "true"]]
  if (params.limit !== undefined) urlParams.push(["limit", String(params.limit)])
  if (params.offset !== undefined) urlParams.push(["offset", String(params.offset)])
  if (params.orderBy !== undefined) urlParams.push(["order_by", params.orderBy])
  if (params.query !== undefined) urlParams.push(["query", params.query])
  const statuses = params.status === undefined ? [] : typeof params.status === "string" ? [params.status] : params.status
  for (const status of statuses) urlParams.push(["status", status])
  return urlParams
}

const isOwnDuplicate = (error: CreateError) => error._tag === "DuplicateEmail" && error.reason === "InvitationPending"

/**
 * Builds the service from the `ClerkClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, ClerkClient.ClerkClient> = Effect.gen(function*() {
  const clerk = yield* ClerkClient.ClerkClient
  const ownership = new Ownership()

  const listPage = (params: ListParams): Effect.Effect<InvitationPage, ListError> => {
    const request = HttpClientRequest.get("/invitations", { urlParams: toUrlParams(params) })
    return clerk.httpClient.execute(request).pipe(
      Effect.flatMap(body(I.decodeInvitationPageJson)),
      rejectedAs(fromResponse),
      clerk.retry(request),
      ClerkClient.lastError
    )
  }

  // The invitation created (or revoked) by one of this call's attempts, if it can only be that:
  // matching the call, stamped after its first attempt left (`since`, read once the lookup's
  // answer taught the clock), and not returned to another call of this service. In a span of its
  // own, so the lookup's request does not annotate the operation's.
  const findFresh = (
    target: { readonly query: string; readonly status: "pending" | "revoked"; readonly key: string },
    since: ClerkClient.Since,
    matches: (invitation: Invitation) => boolean,
    taken: ReadonlySet<string> = new Set()
  ): Effect.Effect<Option.Option<Invitation>, ListError> =>
    listPage({ query: target.query, status: target.status, orderBy: "-created_at", limit: 100 }).pipe(
      Effect.flatMap(({ data }) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          Option.fromNullable(data.find((invitation) =>
            matches(invitation) &&
            since.includes(DateTime.toEpochMillis(target.status === "pending" ? invitation.createdAt : invitation.updatedAt)) &&
            !taken.has(invitation.id) &&
            !ownership.claimed(target.key, invitation.id, now)
          )))
      ),
      span("Invitations.reconcile", { attributes: { "invitations.reconcile.status": target.status } })
    )

  // Records what a call returns, so that no reconciling call of this service takes it again.
  const claim = (invitations: ReadonlyArray<Invitation>, key: (invitation: Invitation) => string) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      for (const invitation of invitations) ownership.claim(key(invitation), invitation.id, now)
    })

  const create = operation("Invitations.create", (params: CreateParams) =>
    Effect.gen(function*() {
      const wire = yield* validate("create", encodeCreate(params))
      const key = addressKey(wire.email_address)
      const request = HttpClientRequest.post("/invitations").pipe(HttpClientRequest.bodyUnsafeJson(wire))
      const attempt = clerk.httpClient.execute(request).pipe(
        Effect.flatMap(body(I.decodeInvitationJson)),
        rejectedAs((response) => fromCreateResponse(response, [wire.email_address]))
      )
      return yield* exactlyOnce(clerk, request, attempt, {
        find: (since) =>
          ownership.lookup(
            [key],
            findFresh({ query: wire.email_address, status: "pending", key }, since, (found) => matchesCreate(found, wire))
          ),
        when: isOwnDuplicate
      }).pipe(
        Effect.tap((invitation) => claim([invitation], () => key)),
        ownership.track([key])
      )
    }))

  // One invitation per item, even if two items name one address.
  const findCreated = (wire: ReadonlyArray<CreateWire>, since: ClerkClient.Since) =>
    Effect.suspend(() => {
      const taken = new Set<string>()
      const distinct = new Set(wire.map((item) => addressKey(item.email_address))).size === wire.length
      return Effect.forEach(
        wire,
        (item) =>
          findFresh(
            { query: item.email_address, status: "pending", key: addressKey(item.email_address) },
            since,
            (invitation) => matchesCreate(invitation, item),
            taken
          ).pipe(Effect.tap(Option.match({ onNone: () => Effect.void, onSome: (found) => Effect.sync(() => taken.add(found.id)) }))),
        { concurrency: wire.length > 1 && distinct ? 4 : 1 }
      ).pipe(Effect.map(Option.all))
    })

  const createBulk = operation("Invitations.createBulk", (params: ReadonlyArray<CreateParams>) =>
    Effect.gen(function*() {
      const wire = yield* validate("createBulk", encodeBulk(params))
      const emails = wire.map((item) => item.email_address)
      const keys = emails.map(addressKey)
      const request = HttpClientRequest.post("/invitations/bulk").pipe(HttpClientRequest.bodyUnsafeJson(wire))
      const attempt = clerk.httpClient.execute(request).pipe(
        Effect.flatMap(body(I.decodeInvitationListJson)),
        rejectedAs((response) => fromCreateResponse(response, emails))
      )
      return yield* annotateThen(
        () => ({ "invitations.count": wire.length }),
        exactlyOnce(clerk, request, attempt, {
          find: (since) => ownership.lookup(keys, findCreated(wire, since)),
          when: isOwnDuplicate
        }).pipe(
          Effect.tap((created) => claim(created, (invitation) => addressKey(invitation.emailAddress))),
          ownership.track(keys)
        )
      )
    }))

  const list = operation("Invitations.list", (params: ListParams = {}) =>
    Effect.flatMap(validate("list", Effect.suspend(() => decodeList(params))), listPage))

  const stream = (params: StreamParams = {}): Stream.Stream<Invitation, ListError> =>
    Stream.unwrap(Effect.map(validate("stream", Effect.suspend(() => decodeStream(params))), ({ pageSize = 100, ...filters }) =>
      Stream.paginateChunkEffect(0, (offset) =>
        listPage({ ...filters, limit: pageSize, offset }).pipe(
          Effect.map(({ data, totalCount }) =>
            [
              Chunk.unsafeFromArray(data),
              data.length < pageSize || offset + pageSize >= totalCount
                ? Option.none<number>()
                : Option.some(offset + pageSize)
            ] as const
          ),
          span("Invitations.stream.page", { attributes: { offset, pageSize } })
        ))))

  const revoke = operation("Invitations.revoke", (invitationId: string) =>
    Effect.gen(function*() {
      const id = yield* validate("revoke", decodeRevokeId(invitationId))
      const key = revokeKey(id)
      const request = HttpClientRequest.post(`/invitations/${encodeURIComponent(id)}/revoke`)
      const attempt = clerk.httpClient.execute(request).pipe(
        Effect.flatMap(body(I.decodeInvitationJson)),
        rejectedAs((response) => fromRevokeResponse(response, id))
      )
      return yield* annotateThen(
        () => ({ "invitation.id": id }),
        exactlyOnce(clerk, request, attempt, {
          find: (since) =>
            ownership.lookup([key], findFresh({ query: id, status: "revoked", key }, since, (found) => found.id === id)),
          when: (error: RevokeError) => error._tag === "InvitationNotRevocable" && error.reason === "AlreadyRevoked"
        }).pipe(
          Effect.tap((invitation) => claim([invitation], () => key)),
          ownership.track([key])
        )
      )
    }))

  return Invitations.of({ create, createBulk, list, stream, revoke })
})

/**
 * Provides the Invitations service; requires the `ClerkClient` (which requires an `HttpClient`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Invitations, never, ClerkClient.ClerkClient> = Layer.effect(Invitations, make)

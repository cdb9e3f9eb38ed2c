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
 * this service (calls on one address, or revokes of one id, run one at a time). Otherwise the call
 * gives the honest answer: `DuplicateEmail` (an invitation exists that this call cannot show it
 * made) or `InvitationNotRevocable AlreadyRevoked`.
 *
 * @since 0.1.0
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Since } from "./ClerkClient.js"
import { ClerkClient } from "./ClerkClient.js"
import type {
  CommonError,
  DuplicateEmail,
  InvitationNotFound,
  InvitationNotRevocable
} from "./ClerkError.js"
import { ClerkApiError, fromCreateResponse, fromResponse, fromRevokeResponse, InvalidRequest } from "./ClerkError.js"
import type { CreateParams, Invitation, InvitationPage, ListParams, StreamParams } from "./Invitation.js"
import * as I from "./Invitation.js"
import { readJson } from "./internal/body.js"
import { invalid } from "./internal/invalid.js"
import { addressKey, matchesCreate, Ownership, revokeKey } from "./internal/ownership.js"
import { type CreateWire, fastCreate, isRevokeId } from "./internal/fastDecode.js"
import { annotateThen, withSpan } from "./internal/tracing.js"

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
const decodeRevokeId = Schema.decodeUnknown(I.RevokeId)
const decodeInvitation = I.decodeInvitationJson
const decodeInvitations = I.decodeInvitationListJson
const decodePage = I.decodeInvitationPageJson

const contractBroken = (status: number, detail: string) =>
  new ClerkApiError({
    status,
    errors: [{
      code: "unexpected_response",
      message: "Clerk's response does not match the Invitations contract",
      longMessage: detail
    }]
  })

const body = <A>(decode: (u: unknown) => Effect.Effect<A, ParseResult.ParseError>) =>
(response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, ClerkApiError> =>
  readJson(response).pipe(
    Effect.mapError((error) => contractBroken(response.status, `unreadable JSON body: ${error.message}`)),
    Effect.flatMap((json) =>
      Effect.mapError(decode(json), (error) => contractBroken(response.status, ParseResult.TreeFormatter.formatErrorSync(error)))
    )
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

/**
 * Builds the service from the `ClerkClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, ClerkClient> = Effect.gen(function*() {
  const client = yield* ClerkClient
  const ownership = new Ownership()

  const listPage = (params: ListParams) =>
    client.execute(HttpClientRequest.get("/invitations", { urlParams: toUrlParams(params) }), {
      onSuccess: body(decodePage),
      onFailure: fromResponse
    })

  // The invitation created (or revoked) by one of this call's attempts, if it can only be that:
  // matching the call, stamped after its first attempt left (`since`, read once the lookup's
  // answer taught the clock), and not returned to another call of this service (`key`). Under an
  // app's tracer in a span of its own, so the lookup's request does not annotate the operation's.
  const findFresh = (
    query: string,
    status: "pending" | "revoked",
    key: string,
    since: Since,
    matches: (invitation: Invitation) => boolean,
    taken: ReadonlySet<string> = new Set()
  ) =>
    withSpan(
      listPage({ query, status, orderBy: "-created_at", limit: 100 }).pipe(
        Effect.flatMap(({ data }) =>
          Effect.clockWith((clock) => {
            const now = clock.unsafeCurrentTimeMillis()
            return Effect.succeed(Option.fromNullable(data.find((invitation) =>
              matches(invitation) &&
              since.includes(DateTime.toEpochMillis(status === "pending" ? invitation.createdAt : invitation.updatedAt)) &&
              !taken.has(invitation.id) &&
              !ownership.claimed(key, invitation.id, now)
            )))
          })
        )
      ),
      "Invitations.reconcile",
      { attributes: { "invitations.reconcile.status": status } }
    )

  const findCreated = (wire: ReadonlyArray<CreateWire>, since: Since) =>
    Effect.suspend(() => {
      // one invitation per item, even if two items name one address
      const taken = new Set<string>()
      return Effect.forEach(
        wire,
        (item) =>
          findFresh(item.email_address, "pending", addressKey(item.email_address), since, (invitation) => matchesCreate(invitation, item), taken)
            .pipe(Effect.tap((found) =>
              Effect.sync(() => {
                if (Option.isSome(found)) taken.add(found.value.id)
              })
            )),
        { concurrency: wire.length > 1 && new Set(wire.map((item) => addressKey(item.email_address))).size === wire.length ? 4 : 1 }
      ).pipe(Effect.map(Option.all))
    })

  // Records what a call returns, so no reconciling call of this service takes it again.
  const claimAll = (invitations: ReadonlyArray<Invitation>, key: (invitation: Invitation) => string) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.unsafeCurrentTimeMillis()
        for (const invitation of invitations) ownership.claim(key(invitation), invitation.id, now)
      })
    )

  const isOwnDuplicate = (error: CreateError) => error._tag === "DuplicateEmail" && error.reason === "InvitationPending"

  // Spans open only under an app's tracer (see internal/tracing.ts); plain pipelines rather than
  // generators, since every call of every operation takes this path. Parameters are read when the
  // effect runs, not when it is built; the reconcile lookups only if an ambiguous outcome needs them.
  const create = (params: CreateParams): Effect.Effect<Invitation, CreateError> =>
    withSpan(
      Effect.flatMap(Effect.mapError(Effect.suspend(() => encodeCreate(params)), invalid("create")), (wire) => {
        const key = addressKey(wire.email_address)
        return ownership.exclusive(
          [key],
          client.execute(HttpClientRequest.post("/invitations").pipe(HttpClientRequest.bodyUnsafeJson(wire)), {
            onSuccess: body(decodeInvitation),
            onFailure: (failed) => fromCreateResponse(failed, [wire.email_address]),
            reconcile: {
              find: (since) =>
                findFresh(wire.email_address, "pending", key, since, (invitation) => matchesCreate(invitation, wire)),
              when: isOwnDuplicate
            }
          }).pipe(Effect.tap((invitation) => claimAll([invitation], () => key)))
        )
      }),
      "Invitations.create"
    )

  const createBulk = (params: ReadonlyArray<CreateParams>): Effect.Effect<ReadonlyArray<Invitation>, CreateError> =>
    withSpan(
      Effect.flatMap(Effect.mapError(Effect.suspend(() => encodeBulk(params)), invalid("createBulk")), (wire) => {
        const emails = wire.map((item) => item.email_address)
        return annotateThen(
          () => ({ "invitations.count": wire.length }),
          ownership.exclusive(
            emails.map(addressKey),
            client.execute(HttpClientRequest.post("/invitations/bulk").pipe(HttpClientRequest.bodyUnsafeJson(wire)), {
              onSuccess: body(decodeInvitations),
              onFailure: (failed) => fromCreateResponse(failed, emails),
              reconcile: { find: (since) => findCreated(wire, since), when: isOwnDuplicate }
            }).pipe(Effect.tap((created) => claimAll(created, (invitation) => addressKey(invitation.emailAddress))))
          )
        )
      }),
      "Invitations.createBulk"
    )

  const list = (params: ListParams = {}): Effect.Effect<InvitationPage, ListError> =>
    withSpan(Effect.flatMap(Effect.mapError(Effect.suspend(() => decodeList(params)), invalid("list")), listPage), "Invitations.list")

  const stream = (params: StreamParams = {}): Stream.Stream<Invitation, ListError> =>
    Stream.unwrap(Effect.map(Effect.mapError(Effect.suspend(() => decodeStream(params)), invalid("stream")), ({ pageSize = 100, ...filters }) =>
      Stream.paginateChunkEffect(0, (offset) =>
        withSpan(
          Effect.map(listPage({ ...filters, limit: pageSize, offset }), ({ data, totalCount }) =>
            [
              Chunk.unsafeFromArray(data),
              data.length < pageSize || offset + pageSize >= totalCount
                ? Option.none<number>()
                : Option.some(offset + pageSize)
            ] as const),
          "Invitations.stream.page",
          { attributes: { offset, pageSize } }
        ))))

  // A valid id (the usual case, checked by its pattern) goes straight on; anything else is decoded
  // by the schema, which reports the issue.
  const revokeValid = (id: string): Effect.Effect<Invitation, RevokeError> => {
    const key = revokeKey(id)
    return annotateThen(
      () => ({ "invitation.id": id }),
      ownership.exclusive(
        [key],
        client.execute(HttpClientRequest.post(`/invitations/${encodeURIComponent(id)}/revoke`), {
          onSuccess: body(decodeInvitation),
          onFailure: (failed) => fromRevokeResponse(failed, id),
          reconcile: {
            find: (since) => findFresh(id, "revoked", key, since, (invitation) => invitation.id === id),
            when: (error) => error._tag === "InvitationNotRevocable" && error.reason === "AlreadyRevoked"
          }
        }).pipe(Effect.tap((invitation) => claimAll([invitation], () => key)))
      )
    )
  }

  const revoke = (invitationId: string): Effect.Effect<Invitation, RevokeError> =>
    withSpan(
      Effect.suspend(() =>
        isRevokeId(invitationId)
          ? revokeValid(invitationId)
          : Effect.flatMap(Effect.mapError(decodeRevokeId(invitationId), invalid("revoke")), revokeValid)
      ),
      "Invitations.revoke"
    )

  return Invitations.of({ create, createBulk, list, stream, revoke })
})

/**
 * Provides the Invitations service; requires the `ClerkClient` (which requires an `HttpClient`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Invitations, never, ClerkClient> = Layer.effect(Invitations, make)

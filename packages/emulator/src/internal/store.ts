/**
 * The invitation store: invitations and users in one `Ref`, and the semantics of create, bulk
 * create, list and revoke (clerk-api.md §9). Every check and write happens in one `Ref.modify`,
 * so concurrent requests see all-or-nothing results. Time is passed in from `Clock`.
 *
 * Decisions where Clerk is silent:
 * - emails compare case-insensitively, for duplicates and users; they are stored as given;
 * - only invitations whose computed status is `pending` count as duplicates (an expired one
 *   does not block a new invitation);
 * - `ignore_existing` on a duplicate creates a second pending invitation and leaves the old one;
 * - `query` is a case-insensitive substring match on `email_address` or `id`;
 * - ordering ties break by creation order, in the direction of the sort.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Ref from "effect/Ref"
import * as ClerkErrors from "./clerkErrors.js"
import * as Model from "./model.js"
import type { CreateParams, ListQuery } from "./params.js"

interface Data {
  readonly invitations: ReadonlyArray<Model.InvitationRecord>
  readonly users: ReadonlySet<string>
  readonly nextSeq: number
}

const empty: Data = { invitations: [], users: new Set(), nextSeq: 0 }

const dayMs = 86_400_000
const defaultDays = 30

const normalize = (email: string) => email.toLowerCase()

/** Why a control action on an invitation failed. */
export type ControlFailure = "NotFound" | "NotPending"

/** The store as the handlers and the control service see it. */
export interface Store {
  readonly create: (params: CreateParams, now: number) => Effect.Effect<Either.Either<Model.StoredInvitation, ClerkErrors.Failure>>
  readonly createBulk: (
    items: ReadonlyArray<CreateParams>,
    now: number
  ) => Effect.Effect<Either.Either<ReadonlyArray<Model.StoredInvitation>, ClerkErrors.Failure>>
  readonly list: (query: typeof ListQuery.Type, now: number) => Effect.Effect<ListResult>
  readonly revoke: (id: string, now: number) => Effect.Effect<Either.Either<Model.StoredInvitation, ClerkErrors.Failure>>
  readonly seedUser: (email: string) => Effect.Effect<void>
  readonly accept: (id: string, now: number) => Effect.Effect<Either.Either<void, ControlFailure>>
  readonly expire: (id: string, now: number) => Effect.Effect<Either.Either<void, ControlFailure>>
  readonly all: (now: number) => Effect.Effect<ReadonlyArray<Model.StoredInvitation>>
  readonly reset: Effect.Effect<void>
}

/** One page of a list and the number of all matches. */
export interface ListResult {
  readonly data: ReadonlyArray<Model.StoredInvitation>
  readonly totalCount: number
}

const prepare = (frontendApiUrl: string, params: CreateParams, now: number) =>
  Effect.gen(function*() {
    const id = yield* Model.invitationId
    const expiresAt = now + (params.expires_in_days ?? defaultDays) * dayMs
    const url = yield* Model.ticketUrl(frontendApiUrl, id, now, expiresAt)
    return {
      seq: 0,
      id,
      emailAddress: params.email_address,
      publicMetadata: params.public_metadata ?? {},
      state: "pending" as const,
      url,
      expiresAt,
      createdAt: now,
      updatedAt: now
    }
  })

const pendingEmails = (data: Data, now: number) =>
  new Set(
    data.invitations.filter((record) => Model.statusAt(record, now) === "pending").map((record) =>
      normalize(record.emailAddress)
    )
  )

const insert = (data: Data, records: ReadonlyArray<Model.InvitationRecord>) => {
  const stored = records.map((record, i) => ({ ...record, seq: data.nextSeq + i }))
  return [stored, { ...data, invitations: [...data.invitations, ...stored], nextSeq: data.nextSeq + stored.length }] as const
}

/** Duplicates, counting earlier items of the same batch as pending; unique, in request order. */
const duplicates = (data: Data, items: ReadonlyArray<CreateParams>, now: number) => {
  const pending = pendingEmails(data, now)
  const offending: Array<string> = []
  for (const item of items) {
    const email = normalize(item.email_address)
    if (pending.has(email) && item.ignore_existing !== true && !offending.some((e) => normalize(e) === email)) {
      offending.push(item.email_address)
    }
    pending.add(email)
  }
  return offending
}

type OrderField = "created_at" | "email_address" | "expires_at"

const compareBy = (field: OrderField) => (a: Model.InvitationRecord, b: Model.InvitationRecord): number => {
  switch (field) {
    case "created_at":
      return a.createdAt - b.createdAt
    case "expires_at":
      return a.expiresAt - b.expiresAt
    case "email_address": {
      const x = normalize(a.emailAddress)
      const y = normalize(b.emailAddress)
      return x < y ? -1 : x > y ? 1 : 0
    }
  }
}

const parseOrder = (orderBy: string | undefined): { readonly field: OrderField; readonly sign: 1 | -1 } => {
  const value = orderBy ?? "-created_at"
  const sign = value.startsWith("-") ? -1 : 1
  const field = value.replace(/^[+-]/, "")
  return { field: field === "email_address" || field === "expires_at" ? field : "created_at", sign }
}

/** Builds an empty store; `frontendApiUrl` is the host of ticket URLs. */
export const make = (frontendApiUrl: string): Effect.Effect<Store> =>
  Effect.map(Ref.make(empty), (ref): Store => {
    const find = (data: Data, id: string) => data.invitations.find((record) => record.id === id)
    const update = (data: Data, id: string, f: (record: Model.InvitationRecord) => Model.InvitationRecord): Data => ({
      ...data,
      invitations: data.invitations.map((record) => record.id === id ? f(record) : record)
    })

    const createMany = (items: ReadonlyArray<CreateParams>, now: number, bypassable: boolean) =>
      Effect.flatMap(
        Effect.forEach(items, (item) => prepare(frontendApiUrl, item, now)),
        (records) =>
          Ref.modify(ref, (data): readonly [Either.Either<ReadonlyArray<Model.StoredInvitation>, ClerkErrors.Failure>, Data] => {
            const dupes = duplicates(data, items, now)
            if (dupes.length > 0) return [Either.left(ClerkErrors.duplicateInvitations(dupes)), data]
            const taken = items.filter((item) =>
              !(bypassable && item.ignore_existing === true) && data.users.has(normalize(item.email_address))
            )
            if (taken.length > 0) {
              return [Either.left(ClerkErrors.identifierExists(taken.map((item) => item.email_address))), data]
            }
            const [stored, next] = insert(data, records)
            return [Either.right(stored.map((record) => Model.toWire(record, now))), next]
          })
      )

    const control = (
      id: string,
      f: (record: Model.InvitationRecord, data: Data) => Either.Either<Data, ControlFailure>
    ) =>
      Ref.modify(ref, (data): readonly [Either.Either<void, ControlFailure>, Data] => {
        const record = find(data, id)
        if (record === undefined) return [Either.left("NotFound"), data]
        return Either.match(f(record, data), {
          onLeft: (failure) => [Either.left(failure), data],
          onRight: (next) => [Either.void, next]
        })
      })

    return {
      create: (params, now) =>
        Effect.map(createMany([params], now, true), Either.map(([stored]) => stored)),
      createBulk: (items, now) => createMany(items, now, false),
      list: (query, now) =>
        Effect.map(Ref.get(ref), (data) => {
          const statuses = query.status === undefined ? undefined : typeof query.status === "string"
            ? [query.status]
            : query.status
          const needle = query.query?.toLowerCase()
          const { field, sign } = parseOrder(query.order_by)
          const order = compareBy(field)
          const matches = data.invitations
            .filter((record) => {
              const status = Model.statusAt(record, now)
              return statuses === undefined ? status !== "revoked" : statuses.includes(status)
            })
            .filter((record) =>
              needle === undefined || record.emailAddress.toLowerCase().includes(needle) ||
              record.id.toLowerCase().includes(needle)
            )
            .sort((a, b) => sign * (order(a, b) || a.seq - b.seq))
          const offset = query.offset ?? 0
          const limit = query.limit ?? 10
          return {
            data: matches.slice(offset, offset + limit).map((record) => Model.toWire(record, now)),
            totalCount: matches.length
          }
        }),
      revoke: (id, now) =>
        Ref.modify(ref, (data): readonly [Either.Either<Model.StoredInvitation, ClerkErrors.Failure>, Data] => {
          const record = find(data, id)
          if (record === undefined) return [Either.left(ClerkErrors.invitationNotFound(id)), data]
          if (record.state === "revoked") return [Either.left(ClerkErrors.alreadyRevoked), data]
          if (record.state === "accepted") return [Either.left(ClerkErrors.alreadyAccepted), data]
          const revoked = { ...record, state: "revoked" as const, updatedAt: now }
          return [Either.right(Model.toWire(revoked, now)), update(data, id, () => revoked)]
        }),
      seedUser: (email) =>
        Ref.update(ref, (data) => ({ ...data, users: new Set([...data.users, normalize(email)]) })),
      accept: (id, now) =>
        control(id, (record, data) =>
          Model.statusAt(record, now) === "pending"
            ? Either.right({
              ...update(data, id, () => ({ ...record, state: "accepted", updatedAt: now })),
              users: new Set([...data.users, normalize(record.emailAddress)])
            })
            : Either.left("NotPending")),
      expire: (id, now) =>
        control(id, (record, data) =>
          record.state === "pending"
            ? Either.right(update(data, id, () => ({ ...record, expiresAt: now - 1 })))
            : Either.left("NotPending")),
      all: (now) => Effect.map(Ref.get(ref), (data) => data.invitations.map((record) => Model.toWire(record, now))),
      reset: Ref.set(ref, empty)
    }
  })

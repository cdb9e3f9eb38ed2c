/**
 * The invitation store: invitations and users, and the semantics of create, bulk create, list and
 * revoke (clerk-api.md §9). Every check and write happens in one synchronous step, so concurrent
 * requests see all-or-nothing results. Time is passed in from `Clock`.
 *
 * Decisions where Clerk is silent:
 * - emails compare case-insensitively, for duplicates and users; they are stored as given;
 * - only invitations whose computed status is `pending` count as duplicates (an expired one
 *   does not block a new invitation);
 * - `ignore_existing` on a duplicate creates a second pending invitation and leaves the old one;
 * - `query` is a case-insensitive substring match on `email_address` or `id`;
 * - ordering ties break by creation order, in the direction of the sort.
 *
 * Built to hold hundreds of thousands of invitations:
 * - invitations live in an append-only array indexed by their creation number (`seq`), with a
 *   `Map` from id to `seq`; a change replaces one slot, nothing is copied;
 * - an index from lower-cased email to the invitations still in state `pending` makes the
 *   duplicate check of a create O(1) (plus the few invitations of that address);
 * - creation order is `created_at` order as long as the clock never went back, so a list by
 *   `created_at` walks the array from either end and sorts nothing; other orders sort the
 *   creation numbers once and keep that permutation until a write changes it;
 * - counts per state answer `total_count` without a scan when no `query` and no pending/expired
 *   split is asked, and then a page is read straight from its offset.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Model from "./model.js"
import type { CreateParams, ListQuery } from "./params.js"

const dayMs = 86_400_000
const defaultDays = 30

const normalize = (email: string) => email.toLowerCase()

type OrderField = Model.OrderField

/** The mutable state of one store; replaced whole by `reset`. */
interface State {
  /** Every invitation, indexed by `seq` (creation order). */
  readonly records: Array<Model.InvitationRecord>
  /** Lower-cased `email_address` of each invitation, by `seq`. */
  readonly emailKeys: Array<string>
  /** Lower-cased `id` of each invitation, by `seq`. */
  readonly idKeys: Array<string>
  readonly byId: Map<string, number>
  /**
   * Lower-cased email → `seq` of its invitation in state `pending` (expired ones included), or
   * the `seq`s when there are several (`ignore_existing`).
   */
  readonly pendingByEmail: Map<string, number | ReadonlyArray<number>>
  readonly users: Set<string>
  revoked: number
  accepted: number
  /** Whether `created_at` never decreases with `seq` (false once the clock went back). */
  createdInOrder: boolean
  /** Cached permutations of `seq`, ascending by a field then by `seq`. */
  readonly orders: Map<OrderField, ReadonlyArray<number>>
}

const emptyState = (): State => ({
  records: [],
  emailKeys: [],
  idKeys: [],
  byId: new Map(),
  pendingByEmail: new Map(),
  users: new Set(),
  revoked: 0,
  accepted: 0,
  createdInOrder: true,
  orders: new Map()
})

/** Pending invitations exist for these addresses (a create never bypasses this with `ignore_existing` false). */
export class DuplicateInvitations extends Data.TaggedError("DuplicateInvitations")<{
  readonly emailAddresses: ReadonlyArray<string>
}> {}

/** Users own these addresses. */
export class IdentifierExists extends Data.TaggedError("IdentifierExists")<{
  readonly emailAddresses: ReadonlyArray<string>
}> {}

/** No invitation has this id. */
export class InvitationNotFound extends Data.TaggedError("InvitationNotFound")<{ readonly invitationId: string }> {}

/** The invitation was revoked or accepted already, so it cannot be revoked. */
export class NotRevocable extends Data.TaggedError("NotRevocable")<{
  readonly invitationId: string
  readonly state: "revoked" | "accepted"
}> {}

/** A control action needs a pending invitation and this one is not. */
export class NotPending extends Data.TaggedError("NotPending")<{ readonly invitationId: string }> {}

/** The ways the API's operations (create, bulk, revoke) fail; list does not. */
export type ApiError = DuplicateInvitations | IdentifierExists | InvitationNotFound | NotRevocable

/** The ways the control actions (accept, expire) fail. */
export type ControlError = InvitationNotFound | NotPending

/** What `seed` inserts: `count` invitations in one status, emails `${emailPrefix}${n}@example.com`. */
export interface SeedParams {
  readonly count: number
  readonly status: Model.InvitationStatus
  readonly emailPrefix: string
}

/** The store as the handlers and the control service see it; refusals fail with the tagged errors above. */
export interface Store {
  readonly create: (
    params: CreateParams,
    now: number
  ) => Effect.Effect<Model.StoredInvitation, DuplicateInvitations | IdentifierExists>
  readonly createBulk: (
    items: ReadonlyArray<CreateParams>,
    now: number
  ) => Effect.Effect<ReadonlyArray<Model.StoredInvitation>, DuplicateInvitations | IdentifierExists>
  readonly list: (query: typeof ListQuery.Type, now: number) => Effect.Effect<ListResult>
  readonly revoke: (id: string, now: number) => Effect.Effect<Model.StoredInvitation, InvitationNotFound | NotRevocable>
  readonly seedUser: (email: string) => Effect.Effect<void>
  readonly seed: (params: SeedParams, now: number) => Effect.Effect<void>
  readonly accept: (id: string, now: number) => Effect.Effect<void, ControlError>
  readonly expire: (id: string, now: number) => Effect.Effect<void, ControlError>
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

const isPendingAt = (state: State, email: string, now: number): boolean => {
  const seqs = state.pendingByEmail.get(email)
  const pendingAt = (seq: number) => {
    const record = state.records[seq]
    return record !== undefined && Model.statusAt(record, now) === "pending"
  }
  return seqs === undefined ? false : typeof seqs === "number" ? pendingAt(seqs) : seqs.some(pendingAt)
}

/** Duplicates, counting earlier items of the same batch as pending; unique, in request order. */
const duplicates = (state: State, items: ReadonlyArray<CreateParams>, now: number) => {
  const batch = new Set<string>()
  const offending: Array<string> = []
  const reported = new Set<string>()
  for (const item of items) {
    const email = normalize(item.email_address)
    const pending = batch.has(email) || isPendingAt(state, email, now)
    if (pending && item.ignore_existing !== true && !reported.has(email)) {
      offending.push(item.email_address)
      reported.add(email)
    }
    batch.add(email)
  }
  return offending
}

const addPending = (state: State, email: string, seq: number) => {
  const seqs = state.pendingByEmail.get(email)
  state.pendingByEmail.set(email, seqs === undefined ? seq : typeof seqs === "number" ? [seqs, seq] : [...seqs, seq])
}

const removePending = (state: State, email: string, seq: number) => {
  const seqs = state.pendingByEmail.get(email)
  const rest = seqs === undefined || typeof seqs === "number" ? [] : seqs.filter((s) => s !== seq)
  if (rest.length === 0) state.pendingByEmail.delete(email)
  else state.pendingByEmail.set(email, rest.length === 1 ? rest[0] ?? seq : rest)
}

/** Appends `record`, whose `seq` must be the number of records so far, and indexes it. */
const append = (state: State, record: Model.InvitationRecord): Model.InvitationRecord => {
  const seq = record.seq
  const last = state.records[seq - 1]
  if (last !== undefined && record.createdAt < last.createdAt) state.createdInOrder = false
  const email = normalize(record.emailAddress)
  state.records.push(record)
  state.emailKeys.push(email)
  state.idKeys.push(record.id.toLowerCase())
  state.byId.set(record.id, seq)
  if (record.state === "pending") addPending(state, email, seq)
  else if (record.state === "revoked") state.revoked++
  else state.accepted++
  return record
}

/** Replaces a record in place, keeping the indexes and counts right. */
const replace = (state: State, next: Model.InvitationRecord) => {
  const previous = state.records[next.seq]
  if (previous === undefined) return
  state.records[next.seq] = next
  if (previous.state !== next.state) {
    if (previous.state === "pending") removePending(state, normalize(previous.emailAddress), next.seq)
    if (next.state === "revoked") state.revoked++
    if (next.state === "accepted") state.accepted++
  }
  if (previous.expiresAt !== next.expiresAt) state.orders.delete("expires_at")
}

const compareBy = (state: State, field: OrderField) => (a: number, b: number): number => {
  switch (field) {
    case "created_at":
      return (state.records[a]?.createdAt ?? 0) - (state.records[b]?.createdAt ?? 0)
    case "expires_at":
      return (state.records[a]?.expiresAt ?? 0) - (state.records[b]?.expiresAt ?? 0)
    case "email_address": {
      const x = state.emailKeys[a] ?? ""
      const y = state.emailKeys[b] ?? ""
      return x < y ? -1 : x > y ? 1 : 0
    }
  }
}

/**
 * The `seq`s in ascending order of `field` (ties by `seq`), or `undefined` when that is creation
 * order itself. Sorted once, then cached until a write changes the order.
 */
const orderOf = (state: State, field: OrderField): ReadonlyArray<number> | undefined => {
  if (field === "created_at" && state.createdInOrder) return undefined
  const cached = state.orders.get(field)
  if (cached !== undefined) return cached
  const compare = compareBy(state, field)
  const order = Array.from(state.records, (_, seq) => seq).sort((a, b) => compare(a, b) || a - b)
  state.orders.set(field, order)
  return order
}

const parseOrder = (orderBy: string | undefined): { readonly field: OrderField; readonly sign: 1 | -1 } => {
  const value = orderBy ?? "-created_at"
  const sign = value.startsWith("-") ? -1 : 1
  const field = value.replace(/^[+-]/, "")
  return { field: field === "email_address" || field === "expires_at" ? field : "created_at", sign }
}

/**
 * The number of matches known from the counts alone: without a `query`, and when the statuses
 * asked do not split `pending` from `expired` (only the clock tells those apart).
 */
const countedMatches = (
  state: State,
  statuses: ReadonlyArray<Model.InvitationStatus> | undefined,
  needle: string | undefined
): number | undefined => {
  if (needle !== undefined) return undefined
  const total = state.records.length
  const inPendingState = total - state.revoked - state.accepted
  if (statuses === undefined) return total - state.revoked
  const pending = statuses.includes("pending")
  if (pending !== statuses.includes("expired")) return undefined
  return (pending ? inPendingState : 0) + (statuses.includes("accepted") ? state.accepted : 0) +
    (statuses.includes("revoked") ? state.revoked : 0)
}

const list = (state: State, query: typeof ListQuery.Type, now: number): ListResult => {
  const statuses = query.status === undefined ? undefined : typeof query.status === "string"
    ? [query.status]
    : query.status
  const needle = query.query?.toLowerCase()
  const { field, sign } = parseOrder(query.order_by)
  const offset = query.offset ?? 0
  const limit = query.limit ?? 10
  const size = state.records.length
  const order = orderOf(state, field)
  /** The `seq` at `position` of the requested order. */
  const seqAt = (position: number) => {
    const ascending = sign === 1 ? position : size - 1 - position
    return order === undefined ? ascending : order[ascending] ?? ascending
  }
  const page: Array<Model.StoredInvitation> = []
  const counted = countedMatches(state, statuses, needle)
  if (counted === size) {
    // every invitation matches: the page is the positions [offset, offset + limit)
    for (let position = offset; position < Math.min(size, offset + limit); position++) {
      const record = state.records[seqAt(position)]
      if (record !== undefined) page.push(Model.toWire(record, now))
    }
    return { data: page, totalCount: size }
  }
  let matches = 0
  for (let position = 0; position < size; position++) {
    const seq = seqAt(position)
    const record = state.records[seq]
    if (record === undefined) continue
    const status = Model.statusAt(record, now)
    if (statuses === undefined ? status === "revoked" : !statuses.includes(status)) continue
    if (
      needle !== undefined && !(state.emailKeys[seq] ?? "").includes(needle) && !(state.idKeys[seq] ?? "").includes(needle)
    ) continue
    if (matches >= offset && matches < offset + limit) page.push(Model.toWire(record, now))
    matches++
    // with the total known, stop once the page is full
    if (counted !== undefined && matches >= offset + limit) break
  }
  return { data: page, totalCount: counted ?? matches }
}

/** Builds an empty store; `frontendApiUrl` is the host of ticket URLs. */
export const make = (frontendApiUrl: string): Effect.Effect<Store> =>
  Effect.sync((): Store => {
    let state = emptyState()

    const find = (id: string) => {
      const seq = state.byId.get(id)
      return seq === undefined ? undefined : state.records[seq]
    }

    /** Why these creates may not happen now, if they may not; `bypassable` lets `ignore_existing` skip the user check. */
    const refusal = (items: ReadonlyArray<CreateParams>, now: number, bypassable: boolean) => {
      const dupes = duplicates(state, items, now)
      if (dupes.length > 0) return new DuplicateInvitations({ emailAddresses: dupes })
      const taken = items.filter((item) =>
        !(bypassable && item.ignore_existing === true) && state.users.has(normalize(item.email_address))
      )
      return taken.length > 0 ? new IdentifierExists({ emailAddresses: taken.map((item) => item.email_address) }) : undefined
    }

    /** Stores a prepared record once `refusal` let it through; answers its wire form. */
    const insert = (record: Omit<Model.InvitationRecord, "seq">, now: number) => {
      state.orders.clear()
      return Model.toWire(append(state, { ...record, seq: state.records.length }), now)
    }

    const control = (
      id: string,
      pending: (record: Model.InvitationRecord) => boolean,
      write: (record: Model.InvitationRecord) => void
    ) =>
      Effect.suspend((): Effect.Effect<void, ControlError> => {
        const record = find(id)
        if (record === undefined) return new InvitationNotFound({ invitationId: id })
        if (!pending(record)) return new NotPending({ invitationId: id })
        return Effect.sync(() => write(record))
      })

    const seed = (params: SeedParams, now: number) =>
      Effect.flatMap(Model.base62Source, (random) =>
        Effect.sync(() => {
          const count = Math.max(0, Math.floor(params.count))
          const expiresAt = params.status === "expired" ? now - 1 : now + defaultDays * dayMs
          const recordState = params.status === "expired" ? "pending" : params.status
          for (let i = 0; i < count; i++) {
            let id = `inv_${random.next(27)}`
            while (state.byId.has(id)) id = `inv_${random.next(27)}`
            const seq = state.records.length
            const emailAddress = `${params.emailPrefix}${seq}@example.com`
            const record = append(state, {
              seq,
              id,
              emailAddress,
              publicMetadata: {},
              state: recordState,
              url: Model.ticketUrlWith(frontendApiUrl, id, now, expiresAt, random.next(Model.ticketSignatureLength)),
              expiresAt,
              createdAt: now,
              updatedAt: now
            })
            if (record.state === "accepted") state.users.add(normalize(record.emailAddress))
          }
          if (count > 0) state.orders.clear()
        }))

    return {
      create: (params, now) =>
        Effect.flatMap(prepare(frontendApiUrl, params, now), (record) =>
          Effect.suspend((): Effect.Effect<Model.StoredInvitation, DuplicateInvitations | IdentifierExists> => {
            const refused = refusal([params], now, true)
            return refused === undefined ? Effect.succeed(insert(record, now)) : refused
          })),
      createBulk: (items, now) =>
        Effect.flatMap(Effect.forEach(items, (item) => prepare(frontendApiUrl, item, now)), (records) =>
          Effect.suspend((): Effect.Effect<
            ReadonlyArray<Model.StoredInvitation>,
            DuplicateInvitations | IdentifierExists
          > => {
            const refused = refusal(items, now, false)
            return refused === undefined ? Effect.succeed(records.map((record) => insert(record, now))) : refused
          })),
      list: (query, now) => Effect.sync(() => list(state, query, now)),
      revoke: (id, now) =>
        Effect.suspend((): Effect.Effect<Model.StoredInvitation, InvitationNotFound | NotRevocable> => {
          const record = find(id)
          if (record === undefined) return new InvitationNotFound({ invitationId: id })
          if (record.state !== "pending") return new NotRevocable({ invitationId: id, state: record.state })
          const revoked = { ...record, state: "revoked" as const, updatedAt: now }
          replace(state, revoked)
          return Effect.succeed(Model.toWire(revoked, now))
        }),
      seedUser: (email) => Effect.sync(() => void state.users.add(normalize(email))),
      seed,
      accept: (id, now) =>
        control(id, (record) => Model.statusAt(record, now) === "pending", (record) => {
          replace(state, { ...record, state: "accepted", updatedAt: now })
          state.users.add(normalize(record.emailAddress))
        }),
      expire: (id, now) =>
        control(id, (record) => record.state === "pending", (record) => replace(state, { ...record, expiresAt: now - 1 })),
      all: (now) => Effect.sync(() => state.records.map((record) => Model.toWire(record, now))),
      reset: Effect.sync(() => {
        state = emptyState()
      })
    }
  })

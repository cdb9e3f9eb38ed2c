/**
 * A naive reference for `GET /v1/invitations`: filter and sort every stored invitation (as the
 * control service lists them, in creation order), then slice. The emulator's indexed list must
 * answer exactly what this answers.
 */
import { Effect } from "effect"
import type { ClerkEmulator } from "../src/index.js"
import { array, get, record } from "./utils.js"

/** A list query as the specs build it. */
export interface ListQuery {
  readonly status?: ReadonlyArray<ClerkEmulator.StoredInvitation["status"]> | undefined
  readonly query?: string | undefined
  readonly orderBy?: string | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** The ids of one page and the number of all matches. */
export interface Page {
  readonly ids: ReadonlyArray<string>
  readonly totalCount: number
}

/** The page that Clerk's semantics (clerk-api.md, emulator decisions) give over `all`. */
export const reference = (all: ReadonlyArray<ClerkEmulator.StoredInvitation>, q: ListQuery): Page => {
  const needle = q.query?.toLowerCase()
  const statuses = q.status === undefined || q.status.length === 0 ? undefined : q.status
  const value = q.orderBy ?? "-created_at"
  const sign = value.startsWith("-") ? -1 : 1
  const field = value.replace(/^[+-]/, "")
  const key = (invitation: ClerkEmulator.StoredInvitation): number | string =>
    field === "email_address"
      ? invitation.email_address.toLowerCase()
      : field === "expires_at"
      ? invitation.expires_at
      : invitation.created_at
  const matches = all
    .map((invitation, seq) => ({ invitation, seq, key: key(invitation) }))
    .filter(({ invitation }) =>
      statuses === undefined ? invitation.status !== "revoked" : statuses.includes(invitation.status)
    )
    .filter(({ invitation }) =>
      needle === undefined || invitation.email_address.toLowerCase().includes(needle) ||
      invitation.id.toLowerCase().includes(needle)
    )
    .sort((a, b) => sign * ((a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.seq - b.seq))
  const offset = q.offset ?? 0
  return {
    ids: matches.slice(offset, offset + (q.limit ?? 10)).map(({ invitation }) => invitation.id),
    totalCount: matches.length
  }
}

/** The same query sent to the emulator with `paginated=true`. */
export const listPage = (q: ListQuery) => {
  const params: Array<readonly [string, string]> = [["paginated", "true"]]
  for (const status of q.status ?? []) params.push(["status", status])
  if (q.query !== undefined) params.push(["query", q.query])
  if (q.orderBy !== undefined) params.push(["order_by", q.orderBy])
  if (q.limit !== undefined) params.push(["limit", String(q.limit)])
  if (q.offset !== undefined) params.push(["offset", String(q.offset)])
  return Effect.map(get("/invitations", params), (reply): Page => {
    const body = record(reply.json)
    return { ids: array(body.data).map((i) => String(i.id)), totalCount: Number(body.total_count) }
  })
}

/** Every `order_by` the endpoint accepts. */
export const orders: ReadonlyArray<string> = ["created_at", "email_address", "expires_at"].flatMap((field) => [
  field,
  `+${field}`,
  `-${field}`
])

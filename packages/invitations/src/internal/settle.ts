/**
 * The importer's settle policy, as pure functions: what a call's answer means for its rows (which
 * outcomes to emit, which rows to send again) and for the import (go on, block the endpoint, pause
 * for an outage, stop, or ask the list first).
 *
 * @internal
 */
import type { ClerkError, ClerkRequestError, DuplicateEmail, RateLimited, Unauthorized } from "../ClerkError.js"
import type { CreateParams, Invitation } from "../Invitation.js"
import type { CreateError } from "../Invitations.js"
import * as Duration from "effect/Duration"

/** One row on its way to Clerk. @internal */
export interface Item {
  readonly emailAddress: string
  readonly params: CreateParams
  /** Rounds sent so far, for failures that may pass later (an outage does not count). */
  readonly round: number
  /** Only a single create can tell this one apart: a bulk rejection named no one. */
  readonly solo: boolean
}

/** What the import does next, besides the rows' outcomes. @internal */
export type Then =
  | { readonly _tag: "Go" }
  | { readonly _tag: "Block"; readonly until: number }
  | { readonly _tag: "WaitTooLong"; readonly error: RateLimited; readonly until: number }
  | { readonly _tag: "Outage"; readonly error: ClerkRequestError }
  | { readonly _tag: "Refused"; readonly error: Unauthorized }
  | { readonly _tag: "Confirm"; readonly items: ReadonlyArray<Item> }
  | { readonly _tag: "Refresh" }

/** A call's answer, settled: outcomes per row, rows to send again, and what follows. @internal */
export interface Verdict {
  readonly invited: ReadonlyArray<readonly [Item, Invitation]>
  readonly alreadyInvited: ReadonlyArray<Item>
  readonly userExists: ReadonlyArray<Item>
  readonly failed: ReadonlyArray<readonly [Item, ClerkError]>
  readonly again: ReadonlyArray<Item>
  readonly then: Then
}

/** The limits a verdict depends on. @internal */
export interface Policy {
  readonly now: number
  readonly attempts: number
  readonly windowMillis: number
  readonly maxQuotaWaitMillis: number
}

const go: Then = { _tag: "Go" }
const verdict = (parts: Partial<Verdict>): Verdict => ({
  invited: [],
  alreadyInvited: [],
  userExists: [],
  failed: [],
  again: [],
  then: go,
  ...parts
})

const key = (email: string) => email.toLowerCase()

/** Case-insensitive key of an address. @internal */
export const addressKey = key

/** Clerk could not be reached (after the client's retries): wait it out, this is no failure of the row. @internal */
export const isOutage = (error: ClerkError): error is ClerkRequestError =>
  error._tag === "ClerkRequestError" && (error.reason === "Transport" || error.reason === "Timeout")

const isTransient = (error: ClerkError) =>
  error._tag === "ClerkRequestError" ||
  (error._tag === "ClerkApiError" && (error.status >= 500 || error.status < 300))

/** Whether a 429's wait is Clerk's own `Retry-After` (a client may flag a guess with `retryAfterKnown: false`). */
const knownWait = (error: RateLimited): boolean => !("retryAfterKnown" in error) || error.retryAfterKnown !== false

/** A 2xx: each row with its invitation; one missing from Clerk's answer is `Failed` with `missing`. @internal */
export const settleSuccess = (
  items: ReadonlyArray<Item>,
  created: ReadonlyArray<Invitation>,
  missing: (emailAddress: string) => ClerkError
): Verdict => {
  const invited: Array<readonly [Item, Invitation]> = []
  const failed: Array<readonly [Item, ClerkError]> = []
  for (const item of items) {
    const invitation = created.find((c) => key(c.emailAddress) === key(item.emailAddress))
    if (invitation === undefined) failed.push([item, missing(item.emailAddress)])
    else invited.push([item, invitation])
  }
  return verdict({ invited, failed })
}

/**
 * A bulk `duplicate_record` names the addresses with a pending invitation: those are settled, the
 * rest go again by bulk. A naming of the whole batch may be the client's fallback (Clerk named no
 * one), so the list confirms it (`Confirm`). A 422 names no address: single creates tell.
 */
const settleDuplicate = (items: ReadonlyArray<Item>, error: DuplicateEmail): Verdict => {
  if (items.length === 1) return error.reason === "UserExists" ? verdict({ userExists: items }) : verdict({ alreadyInvited: items })
  if (error.reason === "UserExists") return verdict({ again: items.map((item) => ({ ...item, solo: true })) })
  const named = new Set(error.emailAddresses.map(key))
  const hit = items.filter((item) => named.has(key(item.emailAddress)))
  if (hit.length === 0 || hit.length === items.length) return verdict({ then: { _tag: "Confirm", items } })
  // someone else is inviting too: the queue is checked against the list (`Refresh`)
  return verdict({ alreadyInvited: hit, again: items.filter((item) => !hit.includes(item)), then: { _tag: "Refresh" } })
}

/** A failed call. @internal */
export const settleFailure = (items: ReadonlyArray<Item>, error: CreateError, policy: Policy): Verdict => {
  if (isOutage(error)) return verdict({ again: items, then: { _tag: "Outage", error } })
  switch (error._tag) {
    case "RateLimited": {
      const known = knownWait(error)
      // Unknown wait: the endpoint's quota window is the safe guess.
      const until = policy.now + (known ? Duration.toMillis(error.retryAfter) : policy.windowMillis)
      return known && until - policy.now > policy.maxQuotaWaitMillis
        ? verdict({ again: items, then: { _tag: "WaitTooLong", error, until } })
        : verdict({ again: items, then: { _tag: "Block", until } })
    }
    case "Unauthorized":
      return verdict({ again: items, then: { _tag: "Refused", error } })
    case "DuplicateEmail":
      return settleDuplicate(items, error)
    default: {
      const again = isTransient(error) ? items.filter((item) => item.round < policy.attempts) : []
      return verdict({
        again: again.map((item) => ({ ...item, round: item.round + 1 })),
        failed: items.filter((item) => !again.includes(item)).map((item) => [item, error] as const)
      })
    }
  }
}

/**
 * After `Confirm`: the rows the refreshed list shows (pending: `AlreadyInvited`, accepted:
 * `UserExists`) are settled and the rest go again by bulk; if it shows none (or could not be
 * read), Clerk named no one: single creates tell them apart. @internal
 */
export const settleConfirmed = (
  items: ReadonlyArray<Item>,
  status: ((emailAddress: string) => "pending" | "accepted" | undefined) | undefined
): Verdict => {
  const taken = status === undefined ? [] : items.filter((item) => status(item.emailAddress) !== undefined)
  if (taken.length === 0) return verdict({ again: items.map((item) => ({ ...item, solo: true })) })
  return verdict({
    alreadyInvited: taken.filter((item) => status?.(item.emailAddress) === "pending"),
    userExists: taken.filter((item) => status?.(item.emailAddress) === "accepted"),
    again: items.filter((item) => !taken.includes(item))
  })
}

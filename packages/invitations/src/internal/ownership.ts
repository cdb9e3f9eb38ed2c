/**
 * What lets a reconciling call tell its own invitation from another call's, within one
 * Invitations service: calls on the same address (or revokes of the same id) run one at a time,
 * and what a call returned stays claimed for a minute, so no reconciled call takes it again. With
 * the server clock (a find must follow the call's first attempt) and the call's parameters, a
 * reconciled result is one that only this call can have caused, as far as this process can see.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Invitation } from "../Invitation.js"

/** How long (local clock) a returned invitation stays claimed. @internal */
export const claimRetentionMillis = 60_000

interface Lock {
  readonly semaphore: Effect.Semaphore
  users: number
}

interface Claim {
  readonly ids: Array<string>
  until: number
}

/** Per-key exclusion and claims, owned by one Invitations service. @internal */
export class Ownership {
  private readonly locks = new Map<string, Lock>()
  private readonly claims = new Map<string, Claim>()
  private sweepAt = 1_024

  /** Runs `effect` while no other call holds any of `keys` (taken in sorted order: no deadlock). */
  exclusive<A, E, R>(keys: ReadonlyArray<string>, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    if (keys.length === 1) return this.hold(keys[0] ?? "", effect)
    const sorted = Array.from(new Set(keys)).sort()
    return sorted.reduceRight((inner, key) => this.hold(key, inner), effect)
  }

  private hold<A, E, R>(key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.suspend(() => {
      let lock = this.locks.get(key)
      if (lock === undefined) {
        lock = { semaphore: Effect.unsafeMakeSemaphore(1), users: 0 }
        this.locks.set(key, lock)
      }
      const held = lock
      held.users++
      return Effect.ensuring(
        held.semaphore.withPermits(1)(effect),
        Effect.sync(() => {
          if (--held.users === 0 && this.locks.get(key) === held) this.locks.delete(key)
        })
      )
    })
  }

  /** Records that a call returned invitation `id` for `key`, at local time `now`. */
  claim(key: string, id: string, now: number): void {
    const claim = this.claims.get(key)
    if (claim === undefined || claim.until < now) {
      this.claims.set(key, { ids: [id], until: now + claimRetentionMillis })
      if (this.claims.size >= this.sweepAt) this.sweep(now)
    } else {
      if (!claim.ids.includes(id)) claim.ids.push(id)
      claim.until = now + claimRetentionMillis
    }
  }

  /** Whether another call returned invitation `id` for `key` within the retention. */
  claimed(key: string, id: string, now: number): boolean {
    const claim = this.claims.get(key)
    return claim !== undefined && claim.until >= now && claim.ids.includes(id)
  }

  private sweep(now: number): void {
    for (const [key, claim] of this.claims) if (claim.until < now) this.claims.delete(key)
    this.sweepAt = Math.max(1_024, this.claims.size * 2)
  }
}

/** The key of an address: addresses compare case-insensitively. @internal */
export const addressKey = (email: string): string => `address:${email.toLowerCase()}`

/** The key of a revoke. @internal */
export const revokeKey = (id: string): string => `revoke:${id}`

/** Structural equality of JSON values (object key order ignored). @internal */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  }
  const ak = Object.keys(a).filter((k) => Reflect.get(a, k) !== undefined)
  const bk = Object.keys(b).filter((k) => Reflect.get(b, k) !== undefined)
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(Reflect.get(a, k), Reflect.get(b, k)))
}

const dayMillis = 86_400_000
// Clerk stamps `expires_at` and `created_at` a few ms apart (observed: 2 ms).
const lifetimeSlackMillis = 60_000

/** What a create's wire body says that Clerk's invitation shows. @internal */
export interface Observable {
  readonly email_address: string
  readonly public_metadata?: unknown
  readonly expires_in_days?: number | undefined
}

/**
 * Whether `invitation` can be what `params` asked for, as far as the invitation shows it: the
 * address (case-insensitive), the public metadata, and, when the call set `expiresInDays` and the
 * invitation has `expires_at`, the lifetime (Clerk's default lifetime is not checked: nothing
 * promises it to every instance).
 *
 * @internal
 */
export const matchesCreate = (invitation: Invitation, params: Observable): boolean => {
  if (invitation.emailAddress.toLowerCase() !== params.email_address.toLowerCase()) return false
  if (!jsonEqual(invitation.publicMetadata, params.public_metadata ?? {})) return false
  if (invitation.expiresAt === undefined || params.expires_in_days === undefined) return true
  const lifetime = invitation.expiresAt.epochMillis - invitation.createdAt.epochMillis
  return Math.abs(lifetime - params.expires_in_days * dayMillis) <= lifetimeSlackMillis
}

/**
 * What lets a reconciling call tell its own invitation from another call's, within one
 * Invitations service. Calls on the same address (or revokes of the same id) run side by side, but
 * a reconcile lookup waits until no other call on its keys is in flight, and lookups run one at a
 * time: whatever another call was answered is claimed by then. What a call returned stays claimed
 * for a minute, and for as long as any call on its key that started before the claim is still
 * running (a call that retries can look again well past a minute), so no reconciling call takes it
 * again. With the server clock (a find must follow
 * the call's first attempt) and the call's parameters, a reconciled result is one that only this
 * call can have caused, as far as this process can see.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import type { Invitation } from "../Invitation.js"

/**
 * How long (local clock) a returned invitation stays claimed at least; longer while a call on its
 * key that started before the claim is still running. @internal
 */
export const claimRetentionMillis = 60_000

/** The calls in flight on one key, and who waits for there to be none. */
interface InFlight {
  count: number
  idle: Deferred.Deferred<void> | undefined
}

interface Claim {
  readonly ids: Array<string>
  until: number
  /** The last call number given out when the claim was last made: calls up to it started before it. */
  after: number
}

/** Calls in flight per key, one lookup at a time, and claims, owned by one Invitations service. @internal */
export class Ownership {
  private readonly inFlight = new Map<string, InFlight>()
  private readonly lookups = Effect.unsafeMakeSemaphore(1)
  private readonly claims = new Map<string, Claim>()
  /** The numbers of the tracked calls still running, per key (looking up or not); one call alone as its number. */
  private readonly running = new Map<string, number | Set<number>>()
  private calls = 0
  private sweepAt = 1_024

  /** A call on `keys` starts: it counts as in flight, and as running, under a number of its own. */
  private start(keys: ReadonlyArray<string>): number {
    const call = ++this.calls
    this.enter(keys)
    for (const key of keys) {
      const numbers = this.running.get(key)
      if (numbers === undefined) this.running.set(key, call)
      else if (typeof numbers === "number") this.running.set(key, new Set([numbers, call]))
      else numbers.add(call)
    }
    return call
  }

  private end(keys: ReadonlyArray<string>, call: number): void {
    this.leave(keys)
    for (const key of keys) {
      const numbers = this.running.get(key)
      if (numbers === call || (typeof numbers === "object" && numbers.delete(call) && numbers.size === 0)) {
        this.running.delete(key)
      }
    }
  }

  /** Whether a call on `key` numbered `after` or lower is still running. */
  private pinned(key: string, after: number): boolean {
    const numbers = this.running.get(key)
    if (numbers === undefined) return false
    if (typeof numbers === "number") return numbers <= after
    for (const call of numbers) if (call <= after) return true
    return false
  }

  /** Whether `claim` (on `key`) still holds at local time `now`. */
  private holds(key: string, claim: Claim, now: number): boolean {
    return claim.until >= now || this.pinned(key, claim.after)
  }

  private enter(keys: ReadonlyArray<string>): void {
    for (const key of keys) {
      const entry = this.inFlight.get(key)
      if (entry === undefined) this.inFlight.set(key, { count: 1, idle: undefined })
      else entry.count++
    }
  }

  private leave(keys: ReadonlyArray<string>): void {
    for (const key of keys) {
      const entry = this.inFlight.get(key)
      if (entry !== undefined && --entry.count === 0) {
        this.inFlight.delete(key)
        if (entry.idle !== undefined) Deferred.unsafeDone(entry.idle, Effect.void)
      }
    }
  }

  private idle(keys: ReadonlyArray<string>): Effect.Effect<void> {
    return Effect.forEach(keys, (key) =>
      Effect.suspend(() => {
        const entry = this.inFlight.get(key)
        if (entry === undefined) return Effect.void
        entry.idle ??= Deferred.unsafeMake<void>(FiberId.none)
        return Deferred.await(entry.idle)
      }), { discard: true })
  }

  /** Runs `effect`, a call on `keys`, counted as in flight on them until it ends. */
  track(keys: ReadonlyArray<string>) {
    return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => Effect.acquireUseRelease(
      Effect.sync(() => this.start(keys)),
      () => effect,
      (call) => Effect.sync(() => this.end(keys, call))
    )
  }

  /**
   * Runs `lookup` for a tracked call on `keys`: alone among lookups, once no other call on `keys`
   * is in flight (the call itself stops counting while it waits, so two lookups never wait on
   * each other).
   */
  lookup<A, E, R>(keys: ReadonlyArray<string>, lookup: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.acquireUseRelease(
      Effect.sync(() => this.leave(keys)),
      () => this.lookups.withPermits(1)(Effect.zipRight(this.idle(keys), lookup)),
      () => Effect.sync(() => this.enter(keys))
    )
  }

  /** Records that a call returned invitation `id` for `key`, at local time `now`. */
  claim(key: string, id: string, now: number): void {
    const claim = this.claims.get(key)
    if (claim === undefined || !this.holds(key, claim, now)) {
      this.claims.set(key, { ids: [id], until: now + claimRetentionMillis, after: this.calls })
      if (this.claims.size >= this.sweepAt) this.sweep(now)
    } else {
      if (!claim.ids.includes(id)) claim.ids.push(id)
      claim.until = now + claimRetentionMillis
      claim.after = this.calls
    }
  }

  /**
   * Whether another call returned invitation `id` for `key` within the retention, or while a call
   * on `key` that started before that is still running.
   */
  claimed(key: string, id: string, now: number): boolean {
    const claim = this.claims.get(key)
    return claim !== undefined && claim.ids.includes(id) && this.holds(key, claim, now)
  }

  private sweep(now: number): void {
    for (const [key, claim] of this.claims) if (!this.holds(key, claim, now)) this.claims.delete(key)
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

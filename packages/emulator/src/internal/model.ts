/**
 * The emulator's data model: stored invitations, their wire form as Clerk returns it at a given
 * instant, received requests, and the Clerk-like identifiers (`inv_` ids, ticket URLs).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import type * as Fault from "../Fault.js"

/** The status Clerk reports: a pending invitation past `expires_at` reads `expired`. */
export const InvitationStatus = Schema.Literal("pending", "accepted", "revoked", "expired")

/** The status Clerk reports: a pending invitation past `expires_at` reads `expired`. */
export type InvitationStatus = typeof InvitationStatus.Type

/** What was done to an invitation: every status but `expired`, which only the clock decides. */
export const InvitationState = InvitationStatus.pipe(Schema.pickLiteral("pending", "accepted", "revoked"))

/** What was done to an invitation. */
export type InvitationState = typeof InvitationState.Type

/** The fields a list can be ordered by. */
export const OrderField = Schema.Literal("created_at", "email_address", "expires_at")

/** A field a list can be ordered by. */
export type OrderField = typeof OrderField.Type

/** The templates of an invitation email. */
export const TemplateSlug = Schema.Literal("invitation", "waitlist_invitation")

/** The emulated operations, which faults, quotas and the request log name. */
export const Operation = Schema.Literal("create", "bulk", "list", "revoke")

/** An emulated operation. */
export type Operation = typeof Operation.Type

/** What a fault targets: one operation, or `"*"` for all of them. */
export const FaultRoute = Schema.Literal(...Operation.literals, "*")

/** An invitation as the emulator keeps it; `state` is what was done to it, not its computed status. */
export interface InvitationRecord {
  readonly seq: number
  readonly id: string
  readonly emailAddress: string
  readonly publicMetadata: Readonly<Record<string, unknown>>
  readonly state: InvitationState
  readonly url: string
  readonly expiresAt: number
  readonly createdAt: number
  readonly updatedAt: number
}

/** Wire form of an invitation (snake_case), exactly as a Clerk response carries it. */
export interface StoredInvitation {
  readonly object: "invitation"
  readonly id: string
  readonly email_address: string
  readonly public_metadata: Readonly<Record<string, unknown>>
  readonly revoked?: true
  readonly status: InvitationStatus
  readonly url?: string
  readonly expires_at: number
  readonly created_at: number
  readonly updated_at: number
}

/** A request as the emulator received it, with the status it answered. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly urlParams: ReadonlyArray<readonly [string, string]>
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  readonly status: number | undefined
  readonly fault: Fault.Fault["_tag"] | undefined
}

/** Computes the status Clerk would report at `now`. */
export const statusAt = (record: InvitationRecord, now: number): InvitationStatus =>
  record.state === "pending" && record.expiresAt < now ? "expired" : record.state

/** Renders the wire form at `now`: `revoked` only when true, `url` only when not revoked. */
export const toWire = (record: InvitationRecord, now: number): StoredInvitation => {
  const base = {
    object: "invitation" as const,
    id: record.id,
    email_address: record.emailAddress,
    public_metadata: record.publicMetadata
  }
  const times = { expires_at: record.expiresAt, created_at: record.createdAt, updated_at: record.updatedAt }
  return record.state === "revoked"
    ? { ...base, revoked: true, status: "revoked", ...times }
    : { ...base, status: statusAt(record, now), url: record.url, ...times }
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/** `length` base62 characters drawn from the `Random` service. */
export const randomBase62 = (length: number): Effect.Effect<string> =>
  Effect.map(
    Effect.all(Array.from({ length }, () => Random.nextIntBetween(0, base62.length))),
    (indexes) => indexes.map((i) => base62.charAt(i)).join("")
  )

/** A synchronous source of base62 strings, for generating many identifiers at once. */
export interface Base62Source {
  readonly next: (length: number) => string
}

/**
 * A fast synchronous generator (sfc32) seeded with four 32-bit integers drawn from the `Random`
 * service, so a `TestRandom` or a seeded `Random` still decides what it produces. Seeding many
 * invitations with it costs one `Random` draw per seed, not one per character.
 */
export const base62Source: Effect.Effect<Base62Source> = Effect.map(
  Effect.all(Array.from({ length: 4 }, () => Random.nextIntBetween(0, 0x7fffffff))),
  ([s0 = 1, s1 = 2, s2 = 3, s3 = 4]) => {
    let a = s0 >>> 0
    let b = s1 >>> 0
    let c = s2 >>> 0
    let d = s3 >>> 0
    const nextUint32 = () => {
      const t = (((a + b) >>> 0) + d) >>> 0
      d = (d + 1) >>> 0
      a = b ^ (b >>> 9)
      b = (c + (c << 3)) >>> 0
      c = ((c << 21) | (c >>> 11)) >>> 0
      c = (c + t) >>> 0
      return t
    }
    for (let i = 0; i < 12; i++) nextUint32()
    const codes: Array<number> = []
    return {
      next: (length) => {
        // one flat string from char codes: no intermediate strings for the collector
        codes.length = length
        for (let i = 0; i < length; i++) codes[i] = base62.charCodeAt(nextUint32() % base62.length)
        return String.fromCharCode(...codes)
      }
    }
  }
)

/** A Clerk-looking invitation id: `inv_` and 27 base62 characters. */
export const invitationId: Effect.Effect<string> = Effect.map(randomBase62(27), (s) => `inv_${s}`)

/** A trace id for error bodies and the `Clerk-Trace-Id` header. */
export const traceId: Effect.Effect<string> = Effect.map(randomBase62(32), (s) => s.toLowerCase())

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url")

/** The length of a ticket's (fake) signature, in base62 characters. */
export const ticketSignatureLength = 43

const ticketHeader = base64url({ alg: "RS256", typ: "JWT" })

/**
 * The ticket URL Clerk puts in `url`: a JWT-looking, unsigned ticket carrying the same claims as
 * a real one (seconds to expiry, expiry, instance, invitation id, ticket type).
 */
export const ticketUrl = (frontendApiUrl: string, id: string, createdAt: number, expiresAt: number) =>
  Effect.map(randomBase62(ticketSignatureLength), (signature) => ticketUrlWith(frontendApiUrl, id, createdAt, expiresAt, signature))

/** The ticket URL of `ticketUrl`, with the signature given. */
export const ticketUrlWith = (
  frontendApiUrl: string,
  id: string,
  createdAt: number,
  expiresAt: number,
  signature: string
): string => {
  const payload = base64url({
    eis: Math.round((expiresAt - createdAt) / 1000),
    exp: Math.floor(expiresAt / 1000),
    iid: "ins_emulator",
    sid: id,
    st: "invitation"
  })
  return `${frontendApiUrl.replace(/\/+$/, "")}/v1/tickets/accept?ticket=${ticketHeader}.${payload}.${signature}`
}

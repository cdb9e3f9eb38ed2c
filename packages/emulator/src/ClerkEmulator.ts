/**
 * An in-memory emulator of Clerk's Backend API Invitations resource (`/v1/invitations…`),
 * faithful to the wire described in clerk-api.md, exposed three ways:
 *
 * - `layer`: an `HttpClient.HttpClient` answering in process (no sockets), plus the control
 *   service `ClerkEmulator`; the swap-in layer for specs;
 * - `layerServer`: the same emulator over real HTTP on 127.0.0.1 (port 0 picks a free port;
 *   `serverUrl` reads the bound address), with loopback-only control endpoints under
 *   `/__emulator` (see `internal/server.ts`);
 * - `make`: the raw parts, an `HttpApp` serving `/v1` and the control service.
 *
 * Time comes from `Clock` and randomness (ids, tickets, trace ids, chaos) from `Random`, both
 * read in the fiber that handles a request: in process that is the caller's fiber, so `TestClock`
 * drives expiry, delays and rate limits.
 *
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Http from "node:http"
import type * as Fault from "./Fault.js"
import * as Faults from "./internal/faults.js"
import * as Handler from "./internal/handler.js"
import * as InProcessClient from "./internal/inProcessClient.js"
import type * as Model from "./internal/model.js"
import * as RateLimit from "./internal/rateLimit.js"
import * as RequestLog from "./internal/requestLog.js"
import * as Seed from "./internal/seed.js"
import * as Server from "./internal/server.js"
import * as Store from "./internal/store.js"

/**
 * The secret key the emulator accepts when no `secretKeys` are given.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultSecretKey = "sk_test_emulator"

/**
 * An invitation in wire form (snake_case JSON), exactly as Clerk would return it now:
 * `revoked` only when true, `url` absent once revoked, `status` computed from the `Clock`.
 *
 * @since 0.1.0
 * @category models
 */
export type StoredInvitation = Model.StoredInvitation

/**
 * A request the emulator received. `headers` are as received with lowercased names, except
 * `authorization`, which is redacted unless the emulator was built with `logAuthorization: true`:
 * its scheme, the key's `sk_<env>_` prefix and a short hash that tells keys apart within one
 * emulator (`Bearer sk_test_…(redacted 1a2b3c4d)`), never the key. `body` is the
 * parsed JSON, or `undefined` when empty or not JSON. `status` is `undefined` when an injected
 * reset dropped the connection; `fault` names the injected fault, if any.
 *
 * @since 0.1.0
 * @category models
 */
export type ReceivedRequest = Model.ReceivedRequest

/**
 * A control action named an invitation the emulator does not hold (`NotFound`), or one whose
 * state does not allow it (`NotPending`: accepting a revoked, accepted or expired invitation,
 * expiring a non-pending one).
 *
 * @since 0.1.0
 * @category errors
 */
export class EmulatorError extends Schema.TaggedError<EmulatorError>()("EmulatorError", {
  invitationId: Schema.String,
  reason: Schema.Literal("NotFound", "NotPending")
}) {
  /** A readable explanation. */
  override get message() {
    return this.reason === "NotFound"
      ? `The Clerk emulator holds no invitation with id ${this.invitationId}`
      : `Invitation ${this.invitationId} is not pending`
  }
}

/**
 * The most invitations one `seed` call may insert, so a typo cannot exhaust the process.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxSeedCount: number = Seed.maxSeedCount

/**
 * What `seed` inserts, validated before anything is stored.
 *
 * - `count`: how many invitations, a whole number from 0 to `maxSeedCount`.
 * - `status`: the status they all read now; default `pending`. `accepted` also makes each
 *   address a user's (as `accept` does), `expired` sets `expires_at` to now − 1 ms (as `expire`
 *   does), `revoked` stores them revoked.
 * - `emailPrefix`: the addresses are `${emailPrefix}${n}@example.com`, where `n` is the
 *   invitation's position in `invitations` (0 for the first invitation ever stored), so two seeds
 *   with the same prefix never repeat an address; default `"user"`. At most 64 characters of
 *   `A-Z a-z 0-9 _ + - .` that keep the address valid.
 *
 * @since 0.1.0
 * @category models
 */
export const SeedOptions = Seed.SeedOptions

/**
 * The options of `seed`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeedOptions {
  readonly count: number
  readonly status?: Model.InvitationStatus | undefined
  readonly emailPrefix?: string | undefined
}

/**
 * `seed` was given options it cannot honour (a count that is not a whole number in range, an
 * unknown status, a prefix that would not make valid addresses); nothing was stored.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidSeed extends Schema.TaggedError<InvalidSeed>()("InvalidSeed", {
  message: Schema.String
}) {}

const decodeSeed = Schema.decodeUnknown(Seed.SeedOptions, { errors: "all", onExcessProperty: "error" })

/**
 * The control service of an emulator: seed state, change invitations as a user or time would,
 * inject faults, and read what was stored and received.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** A user now owns this email: creates answer 422 `form_identifier_exists`. */
  readonly seedUser: (emailAddress: string) => Effect.Effect<void>
  /**
   * Inserts `count` generated invitations at once, created now, in one step: fast enough for
   * hundreds of thousands (ids and tickets come from a generator seeded by `Random`). Seeding is
   * not a request: it skips the duplicate and user checks, counts against no quota and is not
   * recorded in `requests`. Seeded pending invitations are duplicates for later creates.
   */
  readonly seed: (options: SeedOptions) => Effect.Effect<void, InvalidSeed>
  /** The invitee accepted: status `accepted`, and a user now owns the email. */
  readonly accept: (invitationId: string) => Effect.Effect<void, EmulatorError>
  /** Sets `expires_at` to now − 1 ms, so the invitation reads `expired`. */
  readonly expire: (invitationId: string) => Effect.Effect<void, EmulatorError>
  /** Every stored invitation, revoked ones included, in creation order. */
  readonly invitations: Effect.Effect<ReadonlyArray<StoredInvitation>>
  /** The requests received, in arrival order: the most recent `requestLogSize` of them. */
  readonly requests: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  /** Clears invitations, users, requests, faults, chaos and rate-limit counters. */
  readonly reset: Effect.Effect<void>
  /** The next `times` (default 1) requests to `route` get `fault`; queued faults apply in order. */
  readonly injectFaults: (route: Fault.Route, fault: Fault.Fault, times?: number) => Effect.Effect<void>
  /** Draws faults at random for a share of later requests (after any queued fault). */
  readonly injectChaos: (options: Fault.ChaosOptions) => Effect.Effect<void>
}

/**
 * The control service of the emulator in context.
 *
 * @since 0.1.0
 * @category tags
 */
export class ClerkEmulator extends Context.Tag("@effect-clerk/emulator/ClerkEmulator")<ClerkEmulator, Service>() {}

/**
 * How to build an emulator.
 *
 * - `secretKeys`: the keys accepted as `Authorization: Bearer <key>`; default `[defaultSecretKey]`.
 * - `rateLimits`: Clerk's quotas per secret key, on by default (create 100, bulk 25 per hour,
 *   sliding window); `false` turns them off, a record overrides any part. Every authenticated
 *   request that reaches create or bulk counts, even one that then fails validation; a 429 does
 *   not. Lists are not limited.
 * - `frontendApiUrl`: the origin of ticket URLs; default `https://clerk.emulator.invalid`.
 * - `maxBodyBytes`: larger bodies get 413; default 1 MiB.
 * - `requestLogSize`: how many received requests `requests` keeps, the most recent ones, so
 *   memory does not grow with traffic; default 1,000. `0` keeps none, `Infinity` keeps all.
 * - `logAuthorization`: record the `Authorization` header of received requests in full (so a
 *   spec can check the bearer key); default `false`, which records it redacted. A served
 *   emulator's `GET /__emulator/requests` then hands the keys to any loopback client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly secretKeys?: ReadonlyArray<string> | undefined
  readonly rateLimits?: {
    readonly create?: number | undefined
    readonly bulk?: number | undefined
    readonly window?: Duration.DurationInput | undefined
  } | false | undefined
  readonly frontendApiUrl?: string | undefined
  readonly maxBodyBytes?: number | undefined
  readonly requestLogSize?: number | undefined
  readonly logAuthorization?: boolean | undefined
}

/**
 * The parts of an emulator: its web app (routes under `/v1`) and its control service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Emulator {
  readonly app: HttpApp.Default
  readonly control: Service
}

const defaultMaxBodyBytes = 1024 * 1024

interface Built extends Emulator {
  /** The app both `app` and the in-process client run; `Dropped` is an injected reset. */
  readonly shared: HttpApp.Default<Handler.Dropped>
}

const build = (options: Options = {}): Effect.Effect<Built> =>
  Effect.gen(function*() {
    const limits = options.rateLimits === false ? undefined : options.rateLimits ?? {}
    const store = yield* Store.make(options.frontendApiUrl ?? "https://clerk.emulator.invalid")
    const faults = yield* Faults.make
    const limiter = yield* RateLimit.make(Duration.toMillis(limits?.window ?? "1 hour"))
    const requests = yield* RequestLog.make(RequestLog.capacityOf(options.requestLogSize), {
      logAuthorization: options.logAuthorization === true
    })
    const shared = yield* Handler.make({
      store,
      faults,
      limiter,
      requests,
      settings: {
        secretKeys: options.secretKeys ?? [defaultSecretKey],
        quotas: limits === undefined ? undefined : { create: limits.create ?? 100, bulk: limits.bulk ?? 25 },
        maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes
      }
    })
    const controlled = (action: typeof store.accept) => (invitationId: string) =>
      Clock.currentTimeMillis.pipe(
        Effect.flatMap((now) => action(invitationId, now)),
        Effect.catchTags({
          InvitationNotFound: () => new EmulatorError({ invitationId, reason: "NotFound" }),
          NotPending: () => new EmulatorError({ invitationId, reason: "NotPending" })
        })
      )
    const control: Service = {
      seedUser: store.seedUser,
      seed: (seedOptions) =>
        decodeSeed(seedOptions).pipe(
          Effect.mapError((error) =>
            new InvalidSeed({ message: `Invalid seed options: ${ParseResult.TreeFormatter.formatErrorSync(error)}` })
          ),
          Effect.flatMap((valid) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              store.seed({ count: valid.count, status: valid.status ?? "pending", emailPrefix: valid.emailPrefix ?? "user" }, now))
          )
        ),
      accept: controlled(store.accept),
      expire: controlled(store.expire),
      invitations: Effect.flatMap(Clock.currentTimeMillis, store.all),
      requests: requests.all,
      reset: Effect.all([store.reset, faults.reset, limiter.reset, requests.reset], { discard: true }),
      injectFaults: (route, fault, times = 1) => faults.inject(route, fault, times),
      injectChaos: faults.chaos
    }
    const app: HttpApp.Default = Effect.catchTag(shared, "Dropped", () =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        if (request.source instanceof Http.IncomingMessage) request.source.socket.destroy()
        return Effect.interrupt
      }))
    return { app, control, shared }
  })

/**
 * Builds a fresh emulator: its `HttpApp` (serve it anywhere; a dropped connection destroys the
 * Node socket when there is one and interrupts the request) and its control service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Emulator> =>
  Effect.map(build(options), ({ app, control }) => ({ app, control }))

/**
 * The swap-in layer for specs: an `HttpClient` that routes every request in process to a fresh
 * emulator (any host works, only the path counts), and its control service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<ClerkEmulator | HttpClient.HttpClient> =>
  Layer.effectContext(Effect.map(build(options), ({ control, shared }) =>
    Context.make(ClerkEmulator, control).pipe(
      Context.add(HttpClient.HttpClient, InProcessClient.make(shared))
    )))

/**
 * Where `layerServer` listens: `port` 0 (the default) picks a free port; `host` defaults to
 * `127.0.0.1`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerOptions extends Options {
  readonly port?: number | undefined
  readonly host?: string | undefined
}

/**
 * Serves a fresh emulator over HTTP with Node, for official SDKs and other processes. Provides the
 * control service and `HttpServer.HttpServer` (read the bound address with `serverUrl`). Fails
 * with `ServeError` when the server cannot listen: a port that is not a whole number from 0 to
 * 65535, a port in use (`cause.code` `EADDRINUSE`), an address the machine does not have.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (
  options: ServerOptions = {}
): Layer.Layer<ClerkEmulator | HttpServer.HttpServer, HttpServerError.ServeError> =>
  Layer.unwrapEffect(Effect.map(build(options), ({ app, control }) =>
    Layer.merge(
      Layer.succeed(ClerkEmulator, control),
      Server.layer(app, control, {
        port: options.port ?? 0,
        host: options.host ?? "127.0.0.1",
        maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes
      })
    )))

/** A host to connect to for a bound one: the wildcard addresses are not, their loopback is. */
const reachable = (hostname: string) =>
  hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" || hostname === "::ffff:0.0.0.0" ? "::1" : hostname

/**
 * The base URL of a served emulator, e.g. `http://127.0.0.1:4010` (no `/v1`): the `apiUrl` to
 * give an SDK. A server bound to every interface (`0.0.0.0`, `::`) is reached on loopback
 * (`http://127.0.0.1:PORT`, `http://[::1]:PORT`), a URL a client can use.
 *
 * @since 0.1.0
 * @category accessors
 */
export const serverUrl: Effect.Effect<string, never, HttpServer.HttpServer> = HttpServer.addressWith((address) => {
  if (address._tag === "UnixAddress") return Effect.succeed(`unix:${address.path}`)
  const host = reachable(address.hostname)
  return Effect.succeed(`http://${host.includes(":") ? `[${host}]` : host}:${address.port}`)
})
